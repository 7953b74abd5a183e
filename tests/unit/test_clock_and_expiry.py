"""Virtual time, passive and active expiry."""
import pytest

import engine
from engine.clock import DEFAULT_EPOCH_MS, VirtualClock, WallClock


def test_virtual_clock_moves_only_when_advanced():
    clock = VirtualClock()
    assert clock.now_ms() == DEFAULT_EPOCH_MS
    clock.advance(1.5)
    assert clock.now_ms() == DEFAULT_EPOCH_MS + 1500
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)


def test_wall_clock_refuses_advance_with_a_helpful_message():
    with pytest.raises(TypeError, match="VirtualClock"):
        WallClock().advance(1)


def test_key_expires_when_time_is_advanced():
    r = engine.connect()
    r.set("session", "alice", ex=30)
    assert r.ttl("session") == 30
    r.node.clock.advance(29.4)
    assert r.get("session") == b"alice"
    assert r.ttl("session") == 1  # 600 ms left rounds to 1 s, as in Redis
    r.node.clock.advance(0.6)          # exactly at the deadline: still there
    assert r.pttl("session") == 0 and r.get("session") == b"alice"
    r.node.clock.advance(0.001)        # Redis expires a key once now > deadline
    assert r.get("session") is None
    assert r.ttl("session") == -2


def test_passive_expiry_counts_expired_keys_and_misses():
    r = engine.connect()
    r.set("k", "v", px=100)
    r.node.clock.advance(0.05)  # before any cron tick could remove it
    assert r.get("k") == b"v"
    r.node.clock.advance(0.06)
    # The cron tick at +100ms may already have removed it actively; either way
    # it is gone and counted exactly once.
    assert r.get("k") is None
    stats = r.info("stats")
    assert stats["expired_keys"] == 1
    assert stats["keyspace_hits"] == 1 and stats["keyspace_misses"] == 1


def test_active_expiry_removes_keys_nobody_reads():
    node = engine.Node(seed=7)
    r = engine.connect(node)
    with r.pipeline(transaction=False) as p:
        for i in range(2000):
            p.set(f"k{i}", "x", ex=10 + i % 50)
        p.execute()
    assert r.dbsize() == 2000
    node.clock.advance(9)
    assert r.dbsize() == 2000          # nothing due yet
    node.clock.advance(70)             # every deadline has passed
    # No key was read: only the sampling cycle can have deleted them.
    assert r.dbsize() == 0
    assert r.info("stats")["expired_keys"] == 2000
    assert r.info("stats")["keyspace_misses"] == 0


def test_active_expiry_leaves_stale_keys_when_they_are_few():
    """A cycle stops once at most 10% of a sample was expired. When only a few
    of many volatile keys have expired, each tick finds about one and stops, so
    expired keys linger in memory (invisible to clients) and drain slowly."""
    node = engine.Node(seed=1)
    r = engine.connect(node)
    with r.pipeline(transaction=False) as p:
        for i in range(9500):
            p.set(f"long{i}", "x", ex=3600)
        for i in range(500):
            p.set(f"short{i}", "x", ex=5)
        p.execute()
    node.clock.advance(5.1)
    just_after = r.dbsize()
    assert just_after > 9900                      # nearly all 500 still in memory
    assert r.get("short1") is None                # ... yet none is visible
    node.clock.advance(60)
    later = r.dbsize()
    assert 9500 < later < just_after              # draining, gradually
    assert float(r.info("stats")["expired_stale_perc"]) > 0
    node.clock.advance(3600)
    assert r.dbsize() == 0


def test_expiry_is_deterministic_for_a_seed():
    def run():
        node = engine.Node(seed=3)
        r = engine.connect(node)
        for i in range(3000):
            r.set(f"k{i}", "x", ex=1 + i % 3)
        sizes = []
        for _ in range(8):
            node.clock.advance(0.5)
            sizes.append(r.dbsize())
        return sizes
    assert run() == run()


def test_long_jump_is_fast_when_nothing_can_expire():
    import time
    node = engine.Node()
    r = engine.connect(node)
    r.set("k", "v", ex=10 * 365 * 86400)
    start = time.perf_counter()
    node.clock.advance(86400 * 30)   # 26 million cron ticks, all skippable
    assert time.perf_counter() - start < 2.0
    assert r.get("k") == b"v"
