"""The ElastiCache API's resilience calls: TestFailover, backups, Global Datastore.

Rules from ../shared/reference/elasticache-facts.md: TestFailover needs
automatic failover, runs one shard at a time and at most 15 shards per
rolling 24 h (§2); automatic backups are kept SnapshotRetentionLimit days
(0–35) and go with the group, manual ones never expire, restore makes a new
group whose shard count may differ, CME → CMD is refused (§6); a Global
Datastore has at most two read-only secondaries, promoted by hand (§3).
"""
import pytest

from engine.clock import VirtualClock
from engine.service.elasticache import ElastiCache
from engine.service.errors import ClientError


def make(ec, name="shop", **kw):
    params = dict(ReplicationGroupId=name, ReplicationGroupDescription="t", Engine="valkey",
                  NumCacheClusters=3, AutomaticFailoverEnabled=True, MultiAZEnabled=True)
    params.update(kw)
    ec.create_replication_group(**params)
    ec.get_waiter("replication_group_available").wait(ReplicationGroupId=name)
    return ec._group(name)


def fill(group, n=100):
    for i in range(n):
        key = f"k{i}".encode()
        cluster = group.cluster
        shard = cluster.key_owner(key) if cluster.cluster_mode else cluster.shards[0]
        shard.primary.execute(shard.primary.open_session(), [b"SET", key, str(i).encode()])


def code_of(call):
    with pytest.raises(ClientError) as err:
        call()
    return err.value.response["Error"]["Code"]


def test_test_failover_promotes_and_logs_a_timeline():
    ec = ElastiCache(seed=1)
    group = make(ec)
    fill(group)
    old = group.shards[0].primary
    ec.test_failover(ReplicationGroupId="shop", NodeGroupId="0001")
    assert code_of(lambda: ec.test_failover(ReplicationGroupId="shop", NodeGroupId="0001")) \
        == "InvalidReplicationGroupState"           # one at a time
    ec.advance(30)
    events = [e["event"] for e in ec.failover_timeline("shop")]
    assert events[:2] == ["test failover", "node failed"]
    assert "replica promoted" in events and "writes resumed" in events
    assert group.shards[0].primary is not old
    assert len(group.shards[0].primary.dbs[0]) == 100          # zero-latency links: no loss
    ec.test_failover(ReplicationGroupId="shop", NodeGroupId="0001")   # allowed again


def test_test_failover_refusals():
    ec = ElastiCache(seed=2)
    make(ec, "nofail", NumCacheClusters=2, AutomaticFailoverEnabled=False, MultiAZEnabled=False)
    assert code_of(lambda: ec.test_failover(ReplicationGroupId="nofail", NodeGroupId="0001")) \
        == "TestFailoverNotAvailableFault"
    make(ec, "cme", NumCacheClusters=None, NumNodeGroups=2, ReplicasPerNodeGroup=1,
         ClusterMode="enabled")
    assert code_of(lambda: ec.test_failover(ReplicationGroupId="cme", NodeGroupId="0009")) \
        == "NodeGroupNotFoundFault"
    assert code_of(lambda: ec.test_failover(ReplicationGroupId="zzz", NodeGroupId="0001")) \
        == "ReplicationGroupNotFoundFault"


def test_fifteen_test_failovers_per_rolling_day():
    ec = ElastiCache(seed=3)
    make(ec)
    for _ in range(15):
        ec.test_failover(ReplicationGroupId="shop", NodeGroupId="0001")
        ec.advance(400)            # promoted, and the replacement replica built
    assert code_of(lambda: ec.test_failover(ReplicationGroupId="shop", NodeGroupId="0001")) \
        == "APICallRateForCustomerExceeded"


def test_manual_backup_and_restore_into_a_different_shape():
    ec = ElastiCache(seed=4)
    group = make(ec)
    fill(group, 200)
    snap = ec.create_snapshot(SnapshotName="b1", ReplicationGroupId="shop")["Snapshot"]
    assert snap["SnapshotSource"] == "manual" and snap["NumNodeGroups"] == 1
    # taken from a replica, not the primary
    replica_ids = [group.member_id(group.shards[0], r) for r in group.shards[0].replicas]
    assert snap["NodeSnapshots"][0]["CacheClusterId"] in replica_ids
    assert code_of(lambda: ec.create_snapshot(SnapshotName="b1", ReplicationGroupId="shop")) \
        == "SnapshotAlreadyExistsFault"
    ec.advance(120)
    ec.restore_replication_group_from_snapshot(
        SnapshotName="b1", ReplicationGroupId="wide", Engine="valkey", NumNodeGroups=3,
        ReplicasPerNodeGroup=1, AutomaticFailoverEnabled=True, ClusterMode="enabled")
    wide = ec._group("wide")
    assert sum(len(s.primary.dbs[0]) for s in wide.shards) == 200
    assert all(len(s.primary.dbs[0]) > 30 for s in wide.shards)
    assert all(len(s.replicas[0].dbs[0]) == len(s.primary.dbs[0]) for s in wide.shards)
    rc = ec.client("wide")
    assert rc.get("k123") == b"123"
    # cluster mode enabled -> disabled is refused
    ec.create_snapshot(SnapshotName="b2", ReplicationGroupId="wide")
    with pytest.raises(ClientError):
        ec.restore_replication_group_from_snapshot(
            SnapshotName="b2", ReplicationGroupId="narrow", Engine="valkey", NumCacheClusters=2,
            AutomaticFailoverEnabled=True)
    ec.advance(120)
    assert ec.delete_snapshot(SnapshotName="b1")["Snapshot"]["SnapshotStatus"] == "deleting"
    assert code_of(lambda: ec.describe_snapshots(SnapshotName="b1")) == "SnapshotNotFoundFault"


def test_automatic_backups_follow_the_retention_and_go_with_the_group():
    ec = ElastiCache(seed=5)
    make(ec, SnapshotRetentionLimit=2)
    ec.create_snapshot(SnapshotName="keep", ReplicationGroupId="shop")
    for _ in range(5):
        ec.advance(24 * 3600)
    autos = ec.describe_snapshots(SnapshotSource="automated")["Snapshots"]
    assert len(autos) == 2
    ec.delete_replication_group(ReplicationGroupId="shop")
    ec.advance(3600)
    names = [s["SnapshotName"] for s in ec.describe_snapshots()["Snapshots"]]
    assert names == ["keep"]                   # manual backups outlive the group
    assert code_of(lambda: make(ec, "bad", SnapshotRetentionLimit=36)) == "InvalidParameterValue"


def test_global_datastore_secondary_is_read_only_and_can_be_promoted():
    clock = VirtualClock()
    east, west = ElastiCache(clock=clock, seed=6), ElastiCache(clock=clock, seed=7,
                                                               region="eu-west-1")
    primary = make(east)
    secondary = make(west, NumCacheClusters=2)
    fill(primary, 20)
    gid = east.create_global_replication_group(
        GlobalReplicationGroupIdSuffix="g", PrimaryReplicationGroupId="shop",
        lag_ms=400)["GlobalReplicationGroup"]["GlobalReplicationGroupId"]
    east.join_global_replication_group(GlobalReplicationGroupId=gid, SecondaryService=west,
                                       ReplicationGroupId="shop")
    node = secondary.shards[0].primary
    s = node.open_session()
    assert node.execute(s, [b"GET", b"k5"]) == b"5"
    assert str(node.execute(s, [b"SET", b"x", b"1"])).startswith("READONLY")
    p = primary.shards[0].primary
    p.execute(p.open_session(), [b"SET", b"fresh", b"1"])
    assert node.execute(s, [b"GET", b"fresh"]) is None        # cross-Region lag
    clock.advance(0.5)
    assert node.execute(s, [b"GET", b"fresh"]) == b"1"
    r = secondary.shards[0].replicas[0]                        # chained to the Region's replica
    assert r.execute(r.open_session(), [b"GET", b"fresh"]) == b"1"
    east.failover_global_replication_group(GlobalReplicationGroupId=gid,
                                           PrimaryRegion="eu-west-1",
                                           PrimaryReplicationGroupId="shop")
    clock.advance(60)
    roles = {m["ReplicationGroupRegion"]: m["Role"] for m in
             east.describe_global_replication_groups()["GlobalReplicationGroups"][0]["Members"]}
    assert roles == {"us-east-1": "SECONDARY", "eu-west-1": "PRIMARY"}
    assert node.execute(s, [b"SET", b"x", b"1"]) == b"OK"
    clock.advance(1)
    assert p.execute(p.open_session(), [b"GET", b"x"]) == b"1"
    assert code_of(lambda: east.describe_global_replication_groups(
        GlobalReplicationGroupId="nope")) == "GlobalReplicationGroupNotFoundFault"


def test_snapshot_name_hook_is_ready_for_create_replication_group():
    # create_replication_group does not accept SnapshotName yet (see the
    # report); the shared hook already validates and restores with it.
    from engine.service.errors import Refusal
    ec = ElastiCache(seed=8)
    group = make(ec, NumCacheClusters=None, NumNodeGroups=2, ReplicasPerNodeGroup=1,
                 ClusterMode="enabled")
    fill(group, 50)
    ec.create_snapshot(SnapshotName="cme", ReplicationGroupId="shop")
    with pytest.raises(Refusal) as err:
        ec._check_group_params({"SnapshotName": "missing"})
    assert err.value.code == "SnapshotNotFoundFault"
    with pytest.raises(Refusal) as err:
        ec._check_group_params({"SnapshotName": "cme", "NumCacheClusters": 2})
    assert err.value.code == "InvalidParameterCombination"
    ec._check_group_params({"SnapshotName": "cme", "ClusterMode": "enabled", "NumNodeGroups": 3})
