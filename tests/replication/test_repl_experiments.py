"""The measured experiments behind labs/06 and their figures; Global Datastore on Clusters."""
import pytest

from engine.clock import VirtualClock
from engine.cluster import Cluster
from engine.cluster import experiments as ex
from engine.cluster.global_datastore import GlobalDatastore


def test_every_configuration_and_failure_runs_and_the_ordering_holds():
    rows = {r["configuration"]: r for r in ex.compare("kill primary")}
    assert set(rows) == set(ex.CONFIGS)
    single = rows["single node"]
    assert single["lost"] == 31            # writes 0 … 3000 ms, all on the lost node
    assert rows["single node + AOF always"]["lost"] == 0
    assert rows["single node + AOF everysec"]["lost"] <= 10      # at most ~1 s of writes
    assert rows["Multi-AZ + durability sync"]["lost"] == 0
    assert rows["Multi-AZ + WAIT 1"]["lost"] == 0
    assert rows["Multi-AZ + durability async"]["lost"] <= rows["Multi-AZ (async replication)"]["lost"]
    assert rows["Multi-AZ (async replication)"]["recovery_ms"] \
        < rows["replicas, Multi-AZ off"]["recovery_ms"]
    for failure in ex.FAILURES[1:]:
        assert len(ex.compare(failure)) == len(ex.CONFIGS)


def test_slow_replica_makes_a_failover_lose_more():
    fast = ex.run_config("Multi-AZ (async replication)", failure="kill primary")
    slow = ex.run_config("Multi-AZ (async replication)", failure="slow replica then kill primary")
    assert slow["lost"] > fast["lost"] > 0


def test_bad_names_are_refused():
    with pytest.raises(ValueError):
        ex.run_config("no such configuration")
    with pytest.raises(ValueError):
        ex.run_config("single node", failure="meteor")


def test_stale_reads_grow_with_lag():
    shares = [ex.stale_reads(latency_ms=lag)["stale_share"] for lag in (0, 100, 300)]
    assert shares[0] == 0 and shares[0] < shares[1] < shares[2] < 1


def test_memcached_loses_about_a_third_redis_nothing():
    r = ex.memcached_vs_redis(keys=1500)
    assert 0.2 < r["memcached_share_lost"] < 0.5
    assert r["redis_db_reads_after_failover"] == 0


def test_figures_build_from_plain_data():
    from engine.cluster.experiments import run_config
    from engine.viz import failover as vf
    run = run_config("Multi-AZ (async replication)")
    fig = vf.timeline_figure(run)
    names = [t.name for t in fig.data if t.name]
    assert any(n.startswith("acknowledged, then LOST (2)") for n in names)
    assert vf.comparison_figure(ex.compare()).data[0].x[0] == 31
    c = Cluster(2, 2)
    for shard in c.shards:
        for i, node in enumerate(shard.nodes):
            node.az = f"az-{i}"
    assert len(vf.az_placement_figure(c.metrics()).data) == 2
    assert vf.memcached_vs_redis_figure(ex.memcached_vs_redis(keys=300)).data[0].y[1] == 0


def test_failure_picker_runs_what_is_picked():
    pytest.importorskip("ipywidgets")
    from engine.viz import failover as vf
    calls = []

    def run(config, failure):
        calls.append((config, failure))
        return ex.run_config(config, failure=failure)
    picker = vf.FailurePicker(run, list(ex.CONFIGS), ex.FAILURES,
                              initial=("single node", "kill primary"))
    result = picker.pick("Multi-AZ + WAIT 1", "kill AZ")
    assert calls[0] == ("single node", "kill primary") and calls[-1] == ("Multi-AZ + WAIT 1", "kill AZ")
    assert result["lost"] == 0 and "acknowledged" in picker.summary.value


def test_global_datastore_rules():
    clock = VirtualClock()
    a = Cluster(2, 1, clock=clock, name="a")
    with pytest.raises(ValueError):
        GlobalDatastore(a, lag_ms=-1)
    gds = GlobalDatastore(a, lag_ms=300)
    with pytest.raises(ValueError):
        gds.add_secondary(Cluster(3, 1, clock=clock, name="wrong-shards"))
    with pytest.raises(ValueError):
        gds.add_secondary(Cluster(2, 1, name="other-clock"))
    b, c, d = (Cluster(2, 0, clock=clock, name=n) for n in "bcd")
    gds.add_secondary(b)
    gds.add_secondary(c)
    with pytest.raises(ValueError):
        gds.add_secondary(d)                     # at most two secondaries
    rc = a.client()
    for i in range(30):
        rc.set(f"k{i}", i)
    assert gds.lag_bytes(b) > 0
    clock.advance(0.3)
    assert gds.lag_bytes(b) == 0
    assert sum(len(s.primary.dbs[0]) for s in b.shards) == 30
    gds.promote(c, promotion_ms=0)
    assert gds.primary is c and set(gds.secondaries) == {a, b}
    c.client().set("after", "1")
    clock.advance(0.3)
    owner = a.key_owner(b"after")
    assert owner.primary.dbs[0].data[b"after"].value == b"1"
    with pytest.raises(ValueError):
        gds.promote(d)
