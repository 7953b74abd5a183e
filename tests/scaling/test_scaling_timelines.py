"""Vertical and horizontal scaling through the API, and their timelines."""
from __future__ import annotations

import pytest

from engine.service import ClientError, ElastiCache
from engine.service import scaling_api as sa


def group(ec, name="shop", shards=None, clusters=2, node_type="cache.r7g.large", **extra):
    params = dict(ReplicationGroupId=name, ReplicationGroupDescription="t", Engine="valkey",
                  CacheNodeType=node_type, AutomaticFailoverEnabled=True)
    if shards:
        params.update(NumNodeGroups=shards, ReplicasPerNodeGroup=1)
    else:
        params.update(NumCacheClusters=clusters)
    params.update(extra)
    ec.create_replication_group(**params)
    ec.get_waiter("replication_group_available").wait(ReplicationGroupId=name)


def kinds(ec, name="shop"):
    return [e["kind"] for e in ec.scaling_timeline(name)]


def test_vertical_scaling_timeline_and_write_blip():
    ec = ElastiCache(seed=2)
    group(ec)
    r = ec.client("shop")
    for i in range(100):
        r.set(f"k{i}", "x" * 1000)
    start = ec.clock.now_ms()
    out = ec.modify_replication_group(ReplicationGroupId="shop", CacheNodeType="cache.r7g.xlarge",
                                      ApplyImmediately=True)["ReplicationGroup"]
    assert out["Status"] == "modifying"
    assert out["PendingModifiedValues"]["CacheNodeType"] == "cache.r7g.xlarge"
    events = ec.scaling_timeline("shop")
    assert [e["kind"] for e in events][-5:] == ["vertical:start", "vertical:sync",
                                               "vertical:switch", "vertical:writes-resume",
                                               "vertical:done"]
    at = {e["kind"]: e["at_ms"] for e in events}
    assert at["vertical:sync"] - start == sa.VERTICAL_PROVISION_SECONDS * 1000
    # replicated Valkey group: the switch blip is the documented "under 1 s"
    assert at["vertical:writes-resume"] - at["vertical:switch"] == 1000
    assert not ec.writes_interrupted("shop", at["vertical:switch"] - 1)
    assert ec.writes_interrupted("shop", at["vertical:switch"])
    assert not ec.writes_interrupted("shop", at["vertical:writes-resume"])
    # the node type changes at the switch, and the data is still there
    assert ec.replication_group("shop").node_type == "cache.r7g.large"
    ec.advance((at["vertical:switch"] - ec.clock.now_ms()) / 1000)
    assert ec.replication_group("shop").node_type == "cache.r7g.xlarge"
    ec.get_waiter("replication_group_available").wait(ReplicationGroupId="shop")
    assert ec.clock.now_ms() == at["vertical:done"]
    assert r.get("k42") == b"x" * 1000


def test_unreplicated_groups_get_a_longer_blip():
    ec = ElastiCache(seed=2)
    group(ec, clusters=1, AutomaticFailoverEnabled=False)
    ec.modify_replication_group(ReplicationGroupId="shop", CacheNodeType="cache.r7g.xlarge",
                                ApplyImmediately=True)
    at = {e["kind"]: e["at_ms"] for e in ec.scaling_timeline("shop")}
    assert at["vertical:writes-resume"] - at["vertical:switch"] == sa.BLIP_SECONDS_OTHER * 1000


def test_vertical_scaling_refusals():
    ec = ElastiCache(seed=2)
    group(ec)
    for kwargs, code in [
        (dict(CacheNodeType="cache.r6gd.xlarge", ApplyImmediately=True), "InvalidParameterCombination"),
        (dict(CacheNodeType="cache.r7g.large", ApplyImmediately=True), "InvalidParameterCombination"),
        (dict(CacheNodeType="cache.r7g.huge", ApplyImmediately=True), "InvalidParameterValue"),
        (dict(CacheNodeType="cache.r7g.xlarge", ApplyImmediately=False), "InvalidParameterValue"),
    ]:
        with pytest.raises(ClientError) as err:
            ec.modify_replication_group(ReplicationGroupId="shop", **kwargs)
        assert err.value.code == code, kwargs
    ec.modify_replication_group(ReplicationGroupId="shop", CacheNodeType="cache.r7g.xlarge",
                                ApplyImmediately=True)
    with pytest.raises(ClientError) as err:            # busy: modifying
        ec.modify_replication_group(ReplicationGroupId="shop", CacheNodeType="cache.r7g.2xlarge",
                                    ApplyImmediately=True)
    assert err.value.code == "InvalidReplicationGroupState"


def test_scaling_down_below_the_data_is_refused():
    ec = ElastiCache(seed=2)
    group(ec, node_type="cache.r7g.xlarge")
    r = ec.client("shop")
    r.set("k", "x" * 1_000_000)
    ec.monitor.memory_scale = 20_000      # 1 MB of data stands for 20 GB
    with pytest.raises(ClientError) as err:
        ec.modify_replication_group(ReplicationGroupId="shop", CacheNodeType="cache.r7g.large",
                                    ApplyImmediately=True)
    assert "GiB" in err.value.message


def test_horizontal_timelines_for_shards_and_replicas():
    ec = ElastiCache(seed=2)
    group(ec, shards=2)
    rc = ec.client("shop")
    for i in range(50):
        rc.set(f"k{i}", "v")
    ec.modify_replication_group_shard_configuration(ReplicationGroupId="shop", NodeGroupCount=3,
                                                    ApplyImmediately=True)
    events = ec.scaling_timeline("shop")
    assert events[-2]["kind"] == "horizontal:scale-out" and "2 → 3" in events[-2]["detail"]
    assert events[-1]["at_ms"] - events[-2]["at_ms"] == 120_000
    ec.get_waiter("replication_group_available").wait(ReplicationGroupId="shop")
    ec.increase_replica_count(ReplicationGroupId="shop", NewReplicaCount=2, ApplyImmediately=True)
    assert kinds(ec)[-2] == "horizontal:add-replicas"
    ec.get_waiter("replication_group_available").wait(ReplicationGroupId="shop")
    ec.modify_replication_group_shard_configuration(ReplicationGroupId="shop", NodeGroupCount=2,
                                                    ApplyImmediately=True,
                                                    NodeGroupsToRemove=["0003"])
    assert kinds(ec)[-2] == "horizontal:scale-in"
    assert all(rc.get(f"k{i}") == b"v" for i in range(50))   # nothing lost on the way


def test_data_tiering_flag_and_node_type_go_together():
    ec = ElastiCache(seed=2)
    with pytest.raises(ClientError) as err:
        group(ec, name="t1", node_type="cache.r6gd.xlarge")
    assert err.value.code == "InvalidParameterCombination"
    with pytest.raises(ClientError) as err:
        group(ec, name="t2", node_type="cache.r7g.large", DataTieringEnabled=True)
    assert err.value.code == "InvalidParameterCombination"
    group(ec, name="t3", node_type="cache.r6gd.xlarge", DataTieringEnabled=True)
    assert ec.replication_group("t3").node_type == "cache.r6gd.xlarge"


def test_replication_lag_metric_comes_from_the_replication_link():
    ec = ElastiCache(seed=2)
    group(ec)
    shard = ec.replication_group("shop").shards[0]
    replica = shard.replicas[0]
    link = shard.link.links[replica]
    r = ec.client("shop")
    r.set("warm", "up")
    ec.advance(60)
    shard.link.set_link(replica, latency_ms=5000)      # a slow link: 5 s behind
    r.set("k", "v")
    ec.advance(1)
    expected = link.lag_ms() / 1000
    assert expected > 0
    ec.monitor.sample()
    dims = {"CacheClusterId": "shop-002", "CacheNodeId": "0001"}
    assert ec.cloudwatch.series("ReplicationLag", dims)[-1][1] == pytest.approx(expected)
