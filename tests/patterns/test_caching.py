"""Each pattern's behaviour against the embedded engine."""
import random

import pytest

from engine.patterns import (MeteredCache, ReadThroughCache, WriteBehindCache,
                             cache_aside_get, ttl_with_jitter, write_around, write_invalidate,
                             write_through)


def test_metered_cache_charges_one_round_trip_per_call(r, db):
    cache = MeteredCache(r, db.meter, rtt_ms=0.5)
    cache.set("a", "1")
    assert cache.get("a") == "1"
    assert cache.round_trips == 2 and db.meter.ms == 1.0
    assert cache.connection_pool is r.connection_pool      # attributes pass through


def test_cache_aside_misses_once_then_hits(r, db):
    cache = MeteredCache(r, db.meter)
    first = cache_aside_get(cache, db, "product:1", ttl=60)
    miss_cost = db.meter.ms
    second = cache_aside_get(cache, db, "product:1", ttl=60)
    assert first == second == db.peek("product:1")
    assert db.reads == 1 and db.meter.ms - miss_cost == 0.5
    assert 0 < r.ttl("product:1") <= 60
    assert cache_aside_get(cache, db, "product:999") is None
    assert r.exists("product:999") == 0                       # nothing cached for a missing row


def test_read_through_takes_the_same_steps(r, db):
    loads = []
    products = ReadThroughCache(r, loader=lambda k: loads.append(k) or db.read(k), ttl=30)
    assert products.get("product:2") == products.get("product:2") == db.peek("product:2")
    assert loads == ["product:2"] and 0 < r.ttl("product:2") <= 30
    products.get("product:3", ttl=5)
    assert 0 < r.ttl("product:3") <= 5


def test_write_through_keeps_cache_and_database_equal(r, db):
    cache_aside_get(r, db, "product:4", ttl=60)
    for price in (100, 200, 300):
        write_through(r, db, "product:4", db.modified("product:4", price_cents=price), ttl=60)
        assert r.get("product:4") == db.peek("product:4")
    assert db.writes == 3


def test_write_around_leaves_the_cache_stale_until_the_ttl(lab, r, db):
    old = cache_aside_get(r, db, "product:5", ttl=30)
    new = db.modified("product:5", price_cents=1)
    write_around(r, db, "product:5", new)
    assert db.peek("product:5") == new and r.get("product:5") == old   # stale
    lab.advance(29)
    assert cache_aside_get(r, db, "product:5", ttl=30) == old          # still stale
    lab.advance(2)
    assert cache_aside_get(r, db, "product:5", ttl=30) == new          # TTL over: fresh


def test_write_invalidate_makes_the_next_read_load_the_new_value(r, db):
    cache_aside_get(r, db, "product:6", ttl=300)
    new = db.modified("product:6", stock=1)
    write_invalidate(r, db, "product:6", new)
    assert r.exists("product:6") == 0
    reads = db.reads
    assert cache_aside_get(r, db, "product:6", ttl=300) == new and db.reads == reads + 1


def test_write_behind_coalesces_and_flushes_on_schedule(r, db):
    behind = WriteBehindCache(r, db, flush_every_s=5)
    for price in (1, 2, 3):
        behind.write("product:7", db.modified("product:7", price_cents=price))
    behind.write("product:8", db.modified("product:8", price_cents=9))
    assert db.writes == 0 and r.get("product:7") == db.modified("product:7", price_cents=3)
    assert behind.tick(4.9) == 0 and db.writes == 0                  # not yet
    assert behind.tick(5.0) == 2 and db.writes == 2                  # two keys, one write each
    assert db.peek("product:7") == r.get("product:7")
    assert behind.tick(6.0) == 0 and behind.flushed == 2
    assert behind.tick(10.0) == 0                                    # nothing queued


def test_write_behind_loses_queued_writes_with_the_node(r, db):
    behind = WriteBehindCache(r, db, flush_every_s=5)
    original = db.peek("product:9")
    behind.write("product:9", db.modified("product:9", price_cents=5))
    lost = behind.lose_node()
    assert list(lost) == ["product:9"] and behind.pending == {}
    assert db.peek("product:9") == original and db.writes == 0       # never arrived
    assert r.exists("product:9") == 0
    assert cache_aside_get(r, db, "product:9") == original
    assert behind.lose_node() == {}


def test_ttl_with_jitter_stays_in_its_band_and_is_seeded():
    rng = random.Random(0)
    ttls = [ttl_with_jitter(100, 0.2, rng) for _ in range(2000)]
    assert min(ttls) >= 80 and max(ttls) <= 120 and len(set(ttls)) > 30
    assert [ttl_with_jitter(100, 0.2, random.Random(5)) for _ in range(3)] == \
           [ttl_with_jitter(100, 0.2, random.Random(5)) for _ in range(3)]
    assert ttl_with_jitter(60, 0.0) == 60
    assert ttl_with_jitter(0.2, 0.1) == 1                             # never below 1 s
    for bad in (-0.1, 1.0):
        with pytest.raises(ValueError):
            ttl_with_jitter(60, bad)
