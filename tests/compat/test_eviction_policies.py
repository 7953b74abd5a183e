"""maxmemory and eviction, differential where the outcome is deterministic.

Which key an LRU/LFU/random policy evicts is decided by sampling, so those
choices are checked statistically (tests/eviction). But much of eviction is
deterministic and must match redis-server exactly: the eight policy names and
CONFIG's answers, OOM under noeviction, a volatile-* policy that has no key
with a TTL to evict, and what happens when even evicting everything eligible
cannot get under the limit. ``maxmemory 1`` (one byte) puts both servers over
their limits whatever their own memory accounting says.
"""
from __future__ import annotations

import pytest

from differential import S, case, run_case, sort

POLICIES = ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
            "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"]

CASES = [
    case("policy-names", *[step for p in POLICIES for step in
                           (f"CONFIG SET maxmemory-policy {p}", "CONFIG GET maxmemory-policy")],
         "CONFIG SET maxmemory-policy LRU", "CONFIG SET maxmemory-policy allkeys_lru",
         "CONFIG GET maxmemory-policy"),
    case("noeviction-oom", "MSET a 1 b 2", "SET c 3 EX 100",
         "CONFIG SET maxmemory-policy noeviction", "CONFIG SET maxmemory 1",
         "SET d 4", "INCR a", "APPEND a x", "GET a", "MGET a b c", "EXISTS a b c d",
         "DEL b", "EXPIRE a 100", "PERSIST a", "DBSIZE", "CONFIG SET maxmemory 0", "SET d 4"),
    case("volatile-without-ttl-keys-is-oom", "MSET a 1 b 2",
         "CONFIG SET maxmemory-policy volatile-lru", "CONFIG SET maxmemory 1",
         "SET c 3", "GET a", "DBSIZE", "CONFIG SET maxmemory 0"),
    *[case(f"{p}-evicts-only-ttl-keys-then-oom", "MSET keep1 1 keep2 2",
           "SET t1 x EX 1000", "SET t2 y EX 2000", "SET t3 z PX 3000000",
           f"CONFIG SET maxmemory-policy {p}", "CONFIG SET maxmemory 1",
           "SET new v", "EXISTS t1 t2 t3", S("KEYS *", sort), "DBSIZE",
           "CONFIG SET maxmemory 0")
      for p in ("volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl")],
    *[case(f"{p}-evicts-everything-then-oom", "MSET a 1 b 2 c 3", "SET t x EX 100",
           f"CONFIG SET maxmemory-policy {p}", "CONFIG SET maxmemory 1",
           "SET new v", "DBSIZE", "GET a", "CONFIG SET maxmemory 0", "SET new v", "DBSIZE")
      for p in ("allkeys-lru", "allkeys-lfu", "allkeys-random")],
    case("object-freq-and-idletime-follow-the-policy", "SET k v",
         "CONFIG SET maxmemory-policy allkeys-lru", "OBJECT IDLETIME k", "OBJECT FREQ k",
         "CONFIG SET maxmemory-policy volatile-lfu", "OBJECT IDLETIME k",
         "CONFIG SET maxmemory-policy noeviction", "OBJECT FREQ k"),
]


@pytest.mark.parametrize("steps", CASES)
def test_eviction_deterministic(pair, steps):
    run_case(pair, steps)


def test_evicted_keys_counter_matches(pair):
    """After 'evict everything eligible', INFO's evicted_keys agrees (2: the
    two keys with a TTL; the others are not eligible under volatile-ttl)."""
    for cmd in ("MSET a 1 b 2 c 3", "SET t1 x EX 100", "SET t2 y EX 100",
                "CONFIG SET maxmemory-policy volatile-ttl", "CONFIG SET maxmemory 1",
                "SET n v", "CONFIG SET maxmemory 0"):
        pair.assert_same(*cmd.split())
    real, eng = pair.both("INFO", "stats")
    counts = [int(next(line.split(b":")[1] for line in r.raw.split(b"\r\n")
                       if line.startswith(b"evicted_keys:"))) for r in (real, eng)]
    assert counts == [2, 2], counts
