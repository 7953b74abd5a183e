"""Failure injection and failover on the virtual clock.

Timings come from the references: detection after cluster-node-timeout
(15 s by default, engine-facts.md), the election delay of 500 ms + 0–500 ms,
the replacement node "typically within six minutes", TestFailover's 15 shards
per rolling 24 h (elasticache-facts.md §2).
"""
import pytest

from engine.cluster import Cluster
from engine.cluster.failover import Resilience
from engine.protocol.replies import OK


class Conn:
    def __init__(self, node):
        self.node, self.session = node, node.open_session()

    def __call__(self, *args):
        return self.node.execute(self.session, [a if isinstance(a, bytes) else str(a).encode()
                                                for a in args])


def events(res):
    return [e["event"] for e in res.timeline]


def test_multi_az_promotes_the_replica_with_the_highest_offset():
    c = Cluster(1, 3, cluster_mode=False)
    shard = c.shards[0]
    a, b, d = shard.replicas
    shard.link.set_link(a, latency_ms=3000)
    shard.link.set_link(d, latency_ms=2000)
    shard.link.set_link(b, latency_ms=1000)
    res = Resilience(c, multi_az=True, dns_ms=0)
    p = Conn(shard.primary)
    for i in range(30):
        p("SET", f"k{i}", i)
        c.clock.advance_ms(100)
    old = shard.primary
    res.kill_node(old)
    c.clock.advance(20)
    assert shard.primary is b                 # least lag: the 1,000 ms link
    assert old not in shard.nodes
    assert res.endpoint(shard) is b
    assert res.promotions[0]["node"] == b.name and res.promotions[0]["old_primary"] == old.name
    # b had every write sent at least 1 s before the failure (t=3000 ms): k0..k20
    r = Conn(b)
    assert r("GET", "k20") == b"20" and r("GET", "k21") is None
    assert r("SET", "new", "1") == OK
    # the other replicas follow the new primary (partial resync)
    c.clock.advance(5)
    assert all(Conn(n)("GET", "new") == b"1" for n in shard.replicas)


def test_timeline_durations_follow_the_node_timeout():
    c = Cluster(1, 1, cluster_mode=False)
    res = Resilience(c, multi_az=True, node_timeout_ms=15_000, dns_ms=2_000, seed=3)
    res.kill_node(c.shards[0].primary)
    c.clock.advance(400)
    assert events(res) == ["node failed", "failure detected", "replica promoted",
                           "endpoint switched", "writes resumed", "replacement replica ready"]
    d = res.durations()
    assert d["detected_ms"] == 15_000
    assert 15_500 <= d["promoted_ms"] <= 16_000
    assert d["writes_resumed_ms"] == d["promoted_ms"] + 2_000
    assert d["replacement_ready_ms"] == d["promoted_ms"] + 6 * 60_000
    assert len(c.shards[0].replicas) == 1


def test_writes_fail_until_the_endpoint_is_repointed():
    c = Cluster(1, 1, cluster_mode=False)
    shard = c.shards[0]
    res = Resilience(c, multi_az=True, node_timeout_ms=5_000, dns_ms=1_000)
    res.kill_node(shard.primary)
    dead = res.endpoint(shard)
    with pytest.raises(Exception) as err:
        dead.execute(dead.open_session(), [b"SET", b"a", b"1"])
    assert "down" in str(err.value)
    c.clock.advance(6)                        # promoted, DNS not yet switched
    assert res.endpoint(shard) is dead
    c.clock.advance(2)
    assert res.endpoint(shard) is shard.primary is not dead


def test_multi_az_off_replaces_the_primary_and_replicas_keep_serving_reads():
    c = Cluster(1, 1, cluster_mode=False)
    shard = c.shards[0]
    Conn(shard.primary)("SET", "a", "1")
    replica = shard.replicas[0]
    res = Resilience(c, multi_az=False, node_timeout_ms=1_000, provision_ms=60_000)
    old = shard.primary
    res.kill_node(old)
    c.clock.advance(30)
    assert shard.primary is old and res.endpoint(shard) is old    # no write possible yet
    assert Conn(replica)("GET", "a") == b"1"                      # reads still served
    c.clock.advance(40)
    assert shard.primary is not old and shard.primary is not replica
    assert Conn(shard.primary)("GET", "a") == b"1"                # synced from the replica
    assert "primary replaced" in events(res) and "replica promoted" not in events(res)
    assert res.durations()["writes_resumed_ms"] == 61_000


def test_single_node_loses_everything_without_durability():
    c = Cluster(1, 0, cluster_mode=False)
    Conn(c.shards[0].primary)("SET", "a", "1")
    res = Resilience(c, multi_az=False, node_timeout_ms=1_000, provision_ms=10_000)
    res.kill_node(c.shards[0].primary)
    c.clock.advance(20)
    assert Conn(c.shards[0].primary)("DBSIZE") == 0


def test_reboot_does_not_fail_over_and_wipes_the_replicas():
    c = Cluster(1, 2, cluster_mode=False)
    shard = c.shards[0]
    primary = shard.primary
    Conn(primary)("SET", "a", "1")
    res = Resilience(c, reboot_ms=30_000)
    res.reboot_primary(shard)
    c.clock.advance(20)
    assert Conn(shard.replicas[0])("GET", "a") == b"1"      # still the old data meanwhile
    c.clock.advance(20)
    assert shard.primary is primary                         # no failover
    assert all(Conn(n)("DBSIZE") == 0 for n in shard.nodes)
    assert "replica promoted" not in events(res)
    assert Conn(primary)("SET", "b", "2") == OK
    assert Conn(shard.replicas[1])("GET", "b") == b"2"


def test_kill_az_takes_every_node_placed_there():
    c = Cluster(2, 2, seed=1)
    for shard in c.shards:
        for i, node in enumerate(shard.nodes):
            node.az = ["az-a", "az-b", "az-c"][(i + shard.number) % 3]
    res = Resilience(c, node_timeout_ms=1000, dns_ms=0)
    victims = res.kill_az("az-b")
    assert len(victims) == 2
    c.clock.advance(10)
    for shard in c.shards:
        assert shard.primary.az != "az-b" and res.is_up(shard.primary)
    with pytest.raises(ValueError):
        res.kill_az("nowhere")


def test_manual_failover_loses_nothing_and_demotes_the_old_primary():
    c = Cluster(1, 1, cluster_mode=False, repl_latency_ms=500)
    shard = c.shards[0]
    old, new = shard.primary, shard.replicas[0]
    Conn(old)("SET", "a", "1")
    res = Resilience(c)
    res.failover(shard)
    assert shard.primary is new and shard.replicas == [old]
    assert Conn(new)("GET", "a") == b"1"
    assert str(Conn(old)("SET", "x", "1")).startswith("READONLY")
    Conn(new)("SET", "b", "2")
    c.clock.advance(1)
    assert Conn(old)("GET", "b") == b"2"


def test_test_failover_limit_is_15_per_rolling_day():
    c = Cluster(1, 1, cluster_mode=False)
    res = Resilience(c, node_timeout_ms=100, dns_ms=0, replace_ms=1000)
    for _ in range(15):
        res.test_failover(c.shards[0])
        c.clock.advance(10)
    with pytest.raises(RuntimeError, match="15"):
        res.test_failover(c.shards[0])
    c.clock.advance(24 * 3600)
    res.test_failover(c.shards[0])
    assert events(res).count("replica promoted") == 15


def test_cluster_client_follows_a_failover():
    c = Cluster(3, 1, seed=2)
    rc = c.client()
    for i in range(50):
        rc.set(f"k{i}", i)
    res = Resilience(c, node_timeout_ms=2000, dns_ms=0)
    shard = c.key_owner(b"k7")
    res.kill_node(shard.primary)
    c.clock.advance(5)
    assert shard.primary.cluster.is_primary
    assert rc.get("k7") == b"7"               # redis-py re-reads the slot map
    rc.set("k7", "new")
    assert Conn(shard.primary).node.dbs[0].data[b"k7"].value == b"new"


def test_bad_input_is_refused():
    c = Cluster(1, 1, cluster_mode=False)
    with pytest.raises(ValueError):
        Resilience(c, node_timeout_ms=-5)
    res = Resilience(c)
    other = Cluster(1, 0, cluster_mode=False, name="other")
    with pytest.raises(ValueError):
        res.kill_node(other.shards[0].primary)


def test_partition_split_brain_loses_the_isolated_primarys_writes():
    from engine.cluster.checker import Workload, check
    c = Cluster(1, 2, cluster_mode=False)
    shard = c.shards[0]
    res = Resilience(c, node_timeout_ms=2000, dns_ms=500)
    w = Workload(c, res)
    old = shard.primary
    w.run(1000, 100, during=lambda t: res.partition([old]) if t == 500 else None)
    w.run(6000, 100)
    report = check(c, w.history)
    assert shard.primary is not old and "replica promoted" in events(res)
    # every write the old primary acknowledged after the cut, until the
    # endpoint moved, is lost; none before it
    lost_times = [op.t_ms for op in report["lost_ops"]]
    assert lost_times and min(lost_times) >= 500
    assert all(op.node == old.name for op in report["lost_ops"])
    assert report["lost"] == sum(1 for op in w.history.acknowledged
                                 if op.node == old.name and op.t_ms >= 500)


def test_a_partition_healed_before_the_timeout_changes_nothing():
    c = Cluster(1, 1, cluster_mode=False)
    shard = c.shards[0]
    res = Resilience(c, node_timeout_ms=5000)
    p = Conn(shard.primary)
    res.partition([shard.primary])
    p("SET", "during", "1")
    assert Conn(shard.replicas[0])("GET", "during") is None
    c.clock.advance(2)
    res.heal()
    assert Conn(shard.replicas[0])("GET", "during") == b"1"     # partial resync
    c.clock.advance(10)
    assert "replica promoted" not in events(res)
    assert shard.link.links[shard.replicas[0]].partial_syncs == 1
    with pytest.raises(ValueError):
        res.partition([shard.primary], [shard.primary])
