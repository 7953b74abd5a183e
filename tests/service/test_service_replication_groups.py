"""The control plane: replication groups through boto3-shaped calls."""
from __future__ import annotations

import re

import pytest
import redis
from redis.cluster import RedisCluster

from engine.service import ClientError, ElastiCache
from engine.service import limits


def cme(ec, name="shop", shards=3, replicas=1, **extra):
    params = dict(ReplicationGroupId=name, ReplicationGroupDescription="test",
                  Engine="valkey", CacheNodeType="cache.r7g.large", NumNodeGroups=shards,
                  ReplicasPerNodeGroup=replicas, AutomaticFailoverEnabled=True)
    params.update(extra)
    return ec.create_replication_group(**params)["ReplicationGroup"]


def cmd(ec, name="web", clusters=3, **extra):
    params = dict(ReplicationGroupId=name, ReplicationGroupDescription="test", Engine="redis",
                  CacheNodeType="cache.m7g.large", NumCacheClusters=clusters,
                  AutomaticFailoverEnabled=clusters > 1)
    params.update(extra)
    return ec.create_replication_group(**params)["ReplicationGroup"]


def describe(ec, name):
    return ec.describe_replication_groups(ReplicationGroupId=name)["ReplicationGroups"][0]


def parse_slots(text):
    out = set()
    for part in text.split(","):
        a, b = part.split("-")
        out |= set(range(int(a), int(b) + 1))
    return out


@pytest.fixture
def ec():
    return ElastiCache(seed=7, region="us-east-1")


# ---------------------------------------------------------------------------
# Shapes
# ---------------------------------------------------------------------------

def test_cluster_mode_enabled_description(ec):
    rg = cme(ec)
    assert rg["Status"] == "creating"
    assert rg["ClusterEnabled"] is True and rg["ClusterMode"] == "enabled"
    assert rg["AutomaticFailover"] == "enabled" and rg["MultiAZ"] == "disabled"
    assert rg["CacheNodeType"] == "cache.r7g.large" and rg["Engine"] == "valkey"
    assert re.fullmatch(r"shop\.[a-z0-9]{6}\.clustercfg\.use1\.cache\.amazonaws\.com",
                        rg["ConfigurationEndpoint"]["Address"])
    assert rg["ConfigurationEndpoint"]["Port"] == 6379
    assert [g["NodeGroupId"] for g in rg["NodeGroups"]] == ["0001", "0002", "0003"]
    assert rg["MemberClusters"] == ["shop-0001-001", "shop-0001-002", "shop-0002-001",
                                    "shop-0002-002", "shop-0003-001", "shop-0003-002"]
    slots = [parse_slots(g["Slots"]) for g in rg["NodeGroups"]]
    assert set().union(*slots) == set(range(16384))
    assert sum(len(s) for s in slots) == 16384          # no slot twice
    for g in rg["NodeGroups"]:
        assert "PrimaryEndpoint" not in g
        roles = [m["CurrentRole"] for m in g["NodeGroupMembers"]]
        assert roles == ["primary", "replica"]
        for m in g["NodeGroupMembers"]:
            assert set(m) >= {"CacheClusterId", "CacheNodeId", "ReadEndpoint",
                              "PreferredAvailabilityZone", "CurrentRole"}
            assert m["ReadEndpoint"]["Address"].startswith(m["CacheClusterId"] + ".")
    assert rg["ARN"].startswith("arn:aws:elasticache:us-east-1:")
    assert rg["ARN"].endswith(":replicationgroup:shop")


def test_cluster_mode_disabled_description(ec):
    rg = cmd(ec, MultiAZEnabled=True)
    assert rg["ClusterEnabled"] is False and rg["ClusterMode"] == "disabled"
    assert "ConfigurationEndpoint" not in rg
    (group,) = rg["NodeGroups"]
    assert "Slots" not in group
    assert re.fullmatch(r"web\.[a-z0-9]{6}\.ng\.0001\.use1\.cache\.amazonaws\.com",
                        group["PrimaryEndpoint"]["Address"])
    assert re.fullmatch(r"web-ro\.[a-z0-9]{6}\.ng\.0001\.use1\.cache\.amazonaws\.com",
                        group["ReaderEndpoint"]["Address"])
    assert rg["MemberClusters"] == ["web-001", "web-002", "web-003"]
    azs = [m["PreferredAvailabilityZone"] for m in group["NodeGroupMembers"]]
    assert len(set(azs)) == 3 and all(az.startswith("us-east-1") for az in azs)


def test_without_cluster_mode_several_shards_mean_enabled(ec):
    rg = ec.create_replication_group(ReplicationGroupId="auto", ReplicationGroupDescription="x",
                                     NumNodeGroups=2, AutomaticFailoverEnabled=True)
    assert rg["ReplicationGroup"]["ClusterEnabled"] is True
    rg = ec.create_replication_group(ReplicationGroupId="single", ReplicationGroupDescription="x")
    assert rg["ReplicationGroup"]["ClusterEnabled"] is False
    assert rg["ReplicationGroup"]["AutomaticFailover"] == "disabled"
    assert rg["ReplicationGroup"]["MemberClusters"] == ["single-001"]


def test_compatible_mode_is_one_cluster_enabled_shard(ec):
    rg = ec.create_replication_group(ReplicationGroupId="mig", ReplicationGroupDescription="x",
                                     ClusterMode="compatible", AutomaticFailoverEnabled=True,
                                     ReplicasPerNodeGroup=1)["ReplicationGroup"]
    assert rg["ClusterMode"] == "compatible" and len(rg["NodeGroups"]) == 1
    assert rg["NodeGroups"][0]["Slots"] == "0-16383"


def test_ids_are_stored_lowercase(ec):
    rg = cmd(ec, name="MyCache", clusters=1)
    assert rg["ReplicationGroupId"] == "mycache"
    assert describe(ec, "MYCACHE")["ReplicationGroupId"] == "mycache"


def test_same_seed_same_everything():
    a, b = ElastiCache(seed=3), ElastiCache(seed=3)
    assert cme(a) == cme(b)
    assert cme(ElastiCache(seed=4))["ConfigurationEndpoint"] != cme(a, "other")["ConfigurationEndpoint"]


def test_region_code_in_endpoints():
    ec = ElastiCache(seed=1, region="eu-west-1")
    rg = cme(ec)
    assert ".euw1.cache.amazonaws.com" in rg["ConfigurationEndpoint"]["Address"]
    azs = {m["PreferredAvailabilityZone"] for g in rg["NodeGroups"] for m in g["NodeGroupMembers"]}
    assert azs == {"eu-west-1a", "eu-west-1b", "eu-west-1c"}
    assert ElastiCache(region="ap-southeast-2").namer.code == "apse2"


def test_multi_az_puts_a_shards_nodes_in_different_zones(ec):
    rg = cme(ec, shards=3, replicas=2, MultiAZEnabled=True)
    for g in rg["NodeGroups"]:
        zones = [m["PreferredAvailabilityZone"] for m in g["NodeGroupMembers"]]
        assert len(set(zones)) == 3
    cluster = ec.replication_group("shop").cluster
    assert {n.az for n in cluster.nodes} == {"us-east-1a", "us-east-1b", "us-east-1c"}


# ---------------------------------------------------------------------------
# Status on the virtual clock
# ---------------------------------------------------------------------------

def test_creating_then_available_on_the_clock(ec):
    cme(ec)
    ec.advance(limits.CREATE_SECONDS - 1)
    assert describe(ec, "shop")["Status"] == "creating"
    ec.advance(1)
    assert describe(ec, "shop")["Status"] == "available"
    assert all(g["Status"] == "available" for g in describe(ec, "shop")["NodeGroups"])


def test_waiter_advances_the_clock_without_sleeping(ec):
    start = ec.clock.now_ms()
    cme(ec)
    ec.get_waiter("replication_group_available").wait(ReplicationGroupId="shop")
    assert describe(ec, "shop")["Status"] == "available"
    assert ec.clock.now_ms() - start == limits.CREATE_SECONDS * 1000
    with pytest.raises(ValueError):
        ec.get_waiter("nonsense")


def test_delete_then_gone(ec):
    cme(ec)
    ec.advance(limits.CREATE_SECONDS)
    rg = ec.delete_replication_group(ReplicationGroupId="shop")["ReplicationGroup"]
    assert rg["Status"] == "deleting"
    ec.get_waiter("replication_group_deleted").wait(ReplicationGroupId="shop")
    with pytest.raises(ClientError) as err:
        describe(ec, "shop")
    assert err.value.response["Error"]["Code"] == "ReplicationGroupNotFoundFault"
    assert ec.describe_replication_groups()["ReplicationGroups"] == []
    cme(ec)                  # the name is free again


# ---------------------------------------------------------------------------
# Clients
# ---------------------------------------------------------------------------

def test_cluster_mode_enabled_client_is_a_redis_cluster(ec):
    cme(ec)
    rc = ec.client("shop", decode_responses=True)
    assert isinstance(rc, RedisCluster)
    assert describe(ec, "shop")["Status"] == "available"      # client() waited
    for i in range(200):
        rc.set(f"k{i}", i)
    cluster = ec.replication_group("shop").cluster
    per_primary = [len(s.primary.dbs[0]) for s in cluster.shards]
    assert sum(per_primary) == 200 and min(per_primary) > 30


def test_cluster_mode_disabled_clients_primary_and_reader(ec):
    cmd(ec)
    primary = ec.client("web", decode_responses=True)
    assert isinstance(primary, redis.Redis) and not isinstance(primary, RedisCluster)
    primary.set("greeting", "hello")
    reader = ec.client("web", read_only=True, decode_responses=True)
    assert reader.get("greeting") == "hello"
    shard = ec.replication_group("web").cluster.shards[0]
    # The reader endpoint hands out the replicas in turn.
    readers = [ec.client("web", read_only=True) for _ in range(4)]
    nodes = [r.connection_pool.connection_kwargs["node"] for r in readers]
    assert set(map(id, nodes)) == set(map(id, shard.replicas))
    assert all(b"greeting" in r.dbs[0].data for r in shard.replicas)


def test_client_for_unknown_name(ec):
    with pytest.raises(ValueError):
        ec.client("nope")


# ---------------------------------------------------------------------------
# Scaling
# ---------------------------------------------------------------------------

def test_scale_out_moves_slots_and_keeps_data(ec):
    cme(ec)
    rc = ec.client("shop", decode_responses=True)
    for i in range(500):
        rc.set(f"user:{i}", i)
    calls = []
    rg = ec.modify_replication_group_shard_configuration(
        ReplicationGroupId="shop", NodeGroupCount=5, ApplyImmediately=True,
        progress=lambda done, total: calls.append((done, total)))["ReplicationGroup"]
    assert rg["Status"] == "modifying"
    assert len(rg["NodeGroups"]) == 5
    sizes = [len(parse_slots(g["Slots"])) for g in rg["NodeGroups"]]
    assert max(sizes) - min(sizes) <= 1 and sum(sizes) == 16384
    assert calls[-1][0] == calls[-1][1] > 0
    # new shards copy the replica count of the smallest shard
    assert all(len(g["NodeGroupMembers"]) == 2 for g in rg["NodeGroups"])
    assert all(rc.get(f"user:{i}") == str(i) for i in range(500))
    ec.advance(limits.MODIFY_SECONDS)
    assert describe(ec, "shop")["Status"] == "available"


def test_scale_in_by_name(ec):
    cme(ec, shards=4)
    rc = ec.client("shop", decode_responses=True)
    for i in range(300):
        rc.set(f"k{i}", i)
    rg = ec.modify_replication_group_shard_configuration(
        ReplicationGroupId="shop", NodeGroupCount=2, ApplyImmediately=True,
        NodeGroupsToRemove=["0001", "0003"])["ReplicationGroup"]
    assert [g["NodeGroupId"] for g in rg["NodeGroups"]] == ["0002", "0004"]
    assert all(rc.get(f"k{i}") == str(i) for i in range(300))
    ec.advance(limits.MODIFY_SECONDS)
    rg = ec.modify_replication_group_shard_configuration(
        ReplicationGroupId="shop", NodeGroupCount=1, ApplyImmediately=True,
        NodeGroupsToRetain=["0004"])["ReplicationGroup"]
    assert [g["NodeGroupId"] for g in rg["NodeGroups"]] == ["0004"]
    assert rg["NodeGroups"][0]["Slots"] == "0-16383"


def test_replica_count_up_and_down(ec):
    cme(ec, shards=2, replicas=1)
    rc = ec.client("shop", decode_responses=True)
    rc.set("a", "1")
    rg = ec.increase_replica_count(ReplicationGroupId="shop", NewReplicaCount=3,
                                   ApplyImmediately=True)["ReplicationGroup"]
    assert all(len(g["NodeGroupMembers"]) == 4 for g in rg["NodeGroups"])
    assert "shop-0001-004" in rg["MemberClusters"]
    shard = ec.replication_group("shop").cluster.key_owner("a")
    assert all(r.dbs[0].data.get(b"a") is not None for r in shard.replicas), "full sync"
    rc.set("a", "2")
    for replica in shard.replicas:
        direct = ec.replication_group("shop").cluster.node_client(replica)
        assert direct.execute_command("READONLY") in (b"OK", "OK", True)
        assert direct.get("a") == b"2"
    ec.advance(limits.MODIFY_SECONDS)
    rg = ec.decrease_replica_count(ReplicationGroupId="shop", NewReplicaCount=0,
                                   ApplyImmediately=True)["ReplicationGroup"]
    assert rg["MemberClusters"] == ["shop-0001-001", "shop-0002-001"]
    assert rc.get("a") == "2"


def test_describe_cache_clusters_lists_group_members(ec):
    cme(ec, shards=2, replicas=1)
    out = ec.describe_cache_clusters(ShowCacheNodeInfo=True)["CacheClusters"]
    assert [c["CacheClusterId"] for c in out] == ["shop-0001-001", "shop-0001-002",
                                                  "shop-0002-001", "shop-0002-002"]
    assert all(c["ReplicationGroupId"] == "shop" and c["NumCacheNodes"] == 1 for c in out)
    assert out[0]["CacheNodes"][0]["Endpoint"]["Address"].startswith("shop-0001-001.")
    one = ec.describe_cache_clusters(CacheClusterId="shop-0002-002")["CacheClusters"]
    assert len(one) == 1 and "CacheNodes" not in one[0]
    assert ec.describe_cache_clusters(ShowCacheClustersNotInReplicationGroups=True) == \
        {"CacheClusters": []}
