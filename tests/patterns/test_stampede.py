"""The hot-key stampede and its two fixes."""
import random

import pytest

from engine.patterns import release_lock, should_recompute_early, simulate_stampede, try_lock

SMALL = dict(rate=500, ttl_s=10, start_s=8.8, duration_s=1.6, recompute_ms=200)


@pytest.mark.parametrize("fix", ["none", "lock", "xfetch"])
def test_counts(lab, r, fix):
    res = simulate_stampede(r, lab.advance, fix=fix, **SMALL)
    assert res.requests == 800
    if fix == "none":
        # every request in the 200 ms gap after expiry (one per 2 ms) runs the query
        assert 95 <= res.db_queries <= 101 and res.max_in_flight == res.db_queries
        assert res.misses == res.db_queries
    elif fix == "lock":
        assert res.db_queries == 1 and res.max_in_flight == 1
        assert res.waited == res.misses - 1 > 50
        assert res.p99_ms > 100                      # waiters pay in latency
    else:
        assert res.misses == 0 and 1 <= res.db_queries <= 3 and res.early == res.db_queries
    assert r.exists("lock:product:hot") == 0
    assert len(res.latencies) == res.requests       # every request was answered


def test_runs_are_deterministic(lab, r):
    a = simulate_stampede(r, lab.advance, fix="xfetch", seed=3, **SMALL)
    b = simulate_stampede(r, lab.advance, fix="xfetch", seed=3, **SMALL)
    assert a.summary() == b.summary() and a.in_flight == b.in_flight
    with pytest.raises(ValueError):
        simulate_stampede(r, lab.advance, fix="prayer")


def test_lock_is_exclusive_expires_and_is_released_only_by_its_owner(lab, r):
    assert try_lock(r, "k", "me", px=1000) is True
    assert try_lock(r, "k", "you", px=1000) is False
    assert release_lock(r, "k", "you") is False and r.get("lock:k") == "me"
    assert release_lock(r, "k", "me") is True and r.exists("lock:k") == 0
    try_lock(r, "k", "me", px=1000)
    lab.advance(1.001)                                # the holder "crashed"
    assert try_lock(r, "k", "you", px=1000) is True
    assert release_lock(r, "k", "me") is False        # too late: not ours any more
    assert r.get("lock:k") == "you"


def test_xfetch_die_roll_rises_as_expiry_nears():
    def share(ttl_left_ms, beta=1.0):
        rng = random.Random(0)
        return sum(should_recompute_early(ttl_left_ms, 200, beta, rng) for _ in range(4000)) / 4000
    far, mid, near = share(2000), share(400), share(20)
    assert far < 0.001 < mid < near and near > 0.85
    assert share(400, beta=2.0) > mid                 # beta > 1 refreshes earlier
    assert should_recompute_early(0, 200) is True     # at expiry: always
