"""open_cluster, the sharding workloads and figures (what labs/05 builds on)."""
from __future__ import annotations

import pytest
from redis.cluster import RedisCluster

import engine
from engine import cluster_workload as cw
from engine.cluster import key_slot
from engine.memcached.cluster import remap_table


@pytest.fixture
def lab():
    return engine.open_cluster(shards=3, replicas=1, seed=0)


def test_open_cluster_builds_a_group_through_the_control_plane(lab):
    assert isinstance(lab.client, RedisCluster) and lab.is_embedded
    rg = lab.service.describe_replication_groups(ReplicationGroupId="lab")["ReplicationGroups"][0]
    assert rg["Status"] == "available" and rg["ClusterEnabled"] and rg["MultiAZ"] == "enabled"
    assert len(lab.cluster.shards) == 3


def test_open_cluster_refuses_bad_urls(monkeypatch):
    monkeypatch.setenv("LAB_REDIS_CLUSTER_URL", "http://example.com:6379")
    with pytest.raises(ValueError, match="redis://"):
        engine.open_cluster()


def test_open_cluster_reports_unreachable_clusters(free_port):
    with pytest.raises(ConnectionError, match="could not reach"):
        engine.open_cluster(url=f"redis://127.0.0.1:{free_port}")


def test_explain_key_follows_the_hash_tag(lab):
    info = cw.explain_key(lab.client, "user:{42}:cart", lab.cluster)
    assert info["hash_tag"] == "42" and info["slot"] == key_slot("42")
    owner = lab.cluster.slot_owner(info["slot"])
    assert info["shard"] == owner.id and info["node"] == f"127.0.0.1:{owner.primary.port}"
    assert cw.hash_tag("a{}b") is None and cw.hash_tag("a{b") is None
    assert cw.hash_tag("{x}{y}") == "x"


def test_crossslot_error_is_the_servers(lab):
    assert "don't hash to the same slot" in cw.crossslot_error(lab.client, "foo", "bar")


def test_mget_plans_agree(lab):
    keys = [f"k{i}" for i in range(40)]
    lab.client.mset_nonatomic({k: k.upper() for k in keys})
    plan = cw.mget_plans(lab.client, keys)
    assert plan["values_cluster_client"] == plan["values_per_node"] == [k.upper() for k in keys]
    assert plan["nodes"] == 3 and plan["slots"] == 40


def test_hot_key_run_counts_every_op(lab):
    run = cw.hot_key_run(lab.client, nkeys=100, n_ops=1000, skew=1.2, seed=1)
    assert sum(n for _, n in run["per_key"]) == 1000 == sum(run["per_node"].values())
    assert run["hottest_key"][0] == "item:0"
    assert run["hottest_node"][0] == cw.node_name(lab.client, "item:0")


def test_resharding_under_load_loses_nothing_and_sees_ask(lab):
    bar_calls = []
    workload = cw.ReshardingWorkload(lab.client, lab.cluster, groups=30, keys_per_group=20,
                                     seed=3, bar=lambda d, t: bar_calls.append((d, t)))
    lab.service.modify_replication_group_shard_configuration(
        ReplicationGroupId="lab", NodeGroupCount=4, ApplyImmediately=True, progress=workload)
    result = workload.verify()
    assert result["lost_writes"] == 0 and result["stale_reads"] == 0
    assert result["ask"] > 0 and result["writes"] > 50
    assert bar_calls[-1][0] == bar_calls[-1][1]
    counts = [s.slot_count for s in lab.cluster.shards]
    assert max(counts) - min(counts) <= 1


def test_figures_build():
    pytest.importorskip("plotly")
    from engine.viz import sharding as vs
    groups = [{"NodeGroupId": "0001", "Slots": "0-8191"},
              {"NodeGroupId": "0002", "Slots": "8192-16383"}]
    fig = vs.slot_map_figure(groups)
    assert sum(t.x[0] for t in fig.data) == 16384
    fig = vs.slots_per_shard_figure(groups, groups + [{"NodeGroupId": "0003", "Slots": ""}])
    assert list(fig.data[1].y) == [8192, 8192, 0]
    rows = remap_table(range(2, 5), nkeys=2000)
    assert len(vs.remap_figure(rows).data) == 4
    run = {"ops": 10, "per_key": [("a", 6), ("b", 4)], "per_node": {"n1": 6, "n2": 4}}
    assert len(vs.hot_keys_figure(run).data) == 2


def test_key_slot_explorer_headless(lab):
    pytest.importorskip("ipywidgets")
    from engine.viz.sharding import KeySlotExplorer
    explorer = KeySlotExplorer(lambda k: cw.explain_key(lab.client, k, lab.cluster))
    info = explorer.show("foo")
    assert info["slot"] == 12182 and "12182" in explorer.result.value
    explorer.text.value = "{user1000}.following"         # typing
    assert explorer.last["slot"] == 3443                   # shared/reference/engine-facts.md
