"""Workloads and the measured runs."""
import pytest

from engine.patterns import PATTERNS, make_workload, percentile, run_pattern, run_sandbox


def test_percentile_is_nearest_rank():
    assert percentile([], 50) == 0.0
    assert percentile([5], 99) == 5
    values = list(range(1, 101))
    assert percentile(values, 50) == 50 and percentile(values, 99) == 99
    assert percentile(values, 100) == 100 and percentile(values, 0) == 1


def test_workloads_are_seeded_timed_and_mixed():
    wl = make_workload(100, 1000, skew=1.0, write_fraction=0.2, rate=50, seed=4)
    assert wl.ops == make_workload(100, 1000, skew=1.0, write_fraction=0.2, rate=50, seed=4).ops
    assert len(wl) == 1000 and wl.ops[0][0] == 0 and wl.ops[1][0] == pytest.approx(0.02)
    writes = sum(kind == "write" for _, kind, _ in wl.ops)
    assert 150 < writes < 250
    assert all(key.startswith("product:") for key in wl.keys)
    later = make_workload(100, 10, rate=10, start_s=5)
    assert later.ops[0][0] == 5 and later.duration_s == pytest.approx(5.9)
    for bad in (dict(write_fraction=1.5), dict(rate=0)):
        with pytest.raises(ValueError):
            make_workload(10, 10, **bad)


@pytest.fixture(scope="module")
def runs():
    import engine
    from engine.patterns import CatalogDatabase
    lab = engine.open_lab(backend="engine")
    db = CatalogDatabase(products=100, seed=0)
    wl = make_workload(80, 500, skew=1.0, write_fraction=0.15, rate=20, seed=2)
    return {name: run_pattern(name, lab.client, db, wl, ttl=8, advance=lab.advance, window_s=5)
            for name in PATTERNS}


def test_read_through_measures_exactly_like_cache_aside(runs):
    a, b = runs["cache-aside"].summary(), runs["read-through"].summary()
    a.pop("pattern"), b.pop("pattern")
    assert a == b


def test_only_write_around_serves_stale_data_and_never_past_the_ttl(runs):
    assert runs["write-around"].stale_reads > 0
    assert 0 < runs["write-around"].max_stale_s <= 8
    for name in ("cache-aside", "write-through", "write-behind"):
        assert runs[name].stale_reads == 0, name


def test_write_patterns_trade_hits_for_write_work(runs):
    assert runs["write-through"].hit_ratio > runs["cache-aside"].hit_ratio
    assert runs["write-behind"].db_writes < runs["write-through"].db_writes   # coalesced
    assert percentile(runs["write-behind"].write_latencies, 50) == 0.5
    assert percentile(runs["write-through"].write_latencies, 50) > 20


def test_windows_add_up(runs):
    res = runs["cache-aside"]
    assert sum(w.reads for w in res.windows) == res.reads
    assert sum(w.hits for w in res.windows) == res.hits
    assert sum(w.db_queries for w in res.windows) == res.db_reads + res.db_writes
    assert [w.t_end_s for w in res.windows] == [5, 10, 15, 20, 25]
    assert all(0 <= w.hit_ratio <= 1 and w.p50_ms <= w.p99_ms for w in res.windows)
    assert res.p50_ms == 0.5 and res.p99_ms > 10


def test_runs_are_deterministic_and_report_progress(lab, r, db):
    wl = make_workload(30, 120, rate=10, seed=1)
    calls = []
    first = run_pattern("cache-aside", r, db, wl, ttl=5, advance=lab.advance,
                        progress=lambda d, t: calls.append((d, t)), progress_every=50)
    second = run_pattern("cache-aside", r, db, wl, ttl=5, advance=lab.advance)
    assert first.summary() == second.summary()
    assert calls == [(50, 120), (100, 120), (120, 120)]
    with pytest.raises(ValueError, match="cache-aside"):
        run_pattern("write-sideways", r, db, wl)


def test_prewarm_with_one_ttl_expires_everything_together(lab, r, db):
    wl = make_workload(40, 200, write_fraction=0, rate=20, seed=3, start_s=5)
    same = run_pattern("cache-aside", r, db, wl, ttl=8, prewarm=True, advance=lab.advance,
                       window_s=1)
    assert all(w.db_queries == 0 for w in same.windows if w.t_end_s <= 8)
    assert max(w.db_queries for w in same.windows) > 0


def test_sandbox_survives_a_full_noeviction_cache():
    res = run_sandbox("cache-aside", cache_keys=20, ttl=0, policy="noeviction",
                      n_keys=100, n_requests=200)
    assert res.cache_errors > 0 and res.reads > 0 and res.stale_reads == 0
    lru = run_sandbox("cache-aside", cache_keys=20, ttl=0, policy="allkeys-lru",
                      n_keys=100, n_requests=200)
    assert lru.cache_errors == 0
    assert run_sandbox(n_requests=100).summary() == run_sandbox(n_requests=100).summary()
