"""Approximated LRU and the eight policies (embedded engine)."""
from engine.patterns import EVICTION_POLICIES, compare_policies, exact_lru, lru_approximation
from engine.patterns.policies import NEW_EVICTED, NEW_KEPT, OLD_EVICTED, OLD_KEPT


def test_exact_lru_evicts_the_oldest_keys():
    run = exact_lru(10, 4, 4)
    assert run.evicted == ["old:0", "old:1", "old:2", "old:3"] and run.agreement == 1.0
    assert run.grid() == [OLD_EVICTED] * 4 + [OLD_KEPT] * 6 + [NEW_KEPT] * 4
    assert run.label == "exact LRU" and run.new_evicted == 0


def test_more_samples_approximate_lru_better(lab, r):
    runs = {s: lru_approximation(r, lab.advance, samples=s, node=lab.node, n_old=300, n_new=150)
            for s in (1, 10)}
    assert all(130 <= len(run.evicted) <= 170 for run in runs.values())
    assert runs[1].agreement < 0.7 < 0.85 < runs[10].agreement
    assert runs[1].new_evicted > 0 and runs[10].new_evicted == 0
    assert NEW_EVICTED in runs[1].grid()
    assert r.config_get("maxmemory")["maxmemory"] == "0"           # left uncapped


def test_lru_without_events_finds_the_evicted_keys_with_exists(lab, r):
    with_events = lru_approximation(r, lab.advance, samples=5, node=lab.node, n_old=100, n_new=50)
    assert 40 <= len(with_events.evicted) <= 60
    without = lru_approximation(r, lab.advance, samples=5, node=None, n_old=100, n_new=50)
    assert 40 <= len(without.evicted) <= 60 and without.agreement > 0.6


def test_eight_policies_one_workload(lab, r):
    calls = []
    res = compare_policies(r, lab.advance, n_keys=200, n_requests=400, warmup=100,
                           progress=lambda d, t: calls.append((d, t)))
    hit = {p.policy: p for p in res}
    assert list(hit) == list(EVICTION_POLICIES)
    assert hit["noeviction"].oom_errors > 0 and hit["noeviction"].evicted == 0
    assert all(p.oom_errors == 0 and p.evicted > 0 for p in res if p.policy != "noeviction")
    assert hit["allkeys-lru"].hit_ratio > hit["noeviction"].hit_ratio
    assert all(p.hits + p.misses == 300 for p in res)
    assert calls[-1] == (3200, 3200)
    assert r.dbsize() == 0 and r.config_get("maxmemory")["maxmemory"] == "0"
