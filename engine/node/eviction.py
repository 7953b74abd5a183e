"""Eviction: what a full cache does when a write needs memory it does not have.

With ``maxmemory`` set, Redis checks memory before running each command. Over
the limit, it frees memory by deleting keys chosen by ``maxmemory-policy``:

==================  =============================================================
policy              victim
==================  =============================================================
noeviction          none — memory-growing commands fail with OOM
allkeys-lru         the least recently used key (approximately, see below)
volatile-lru        the least recently used key *that has a TTL*
allkeys-lfu         the least frequently used key (logarithmic counter)
volatile-lfu        the least frequently used key with a TTL
allkeys-random      any key
volatile-random     any key with a TTL
volatile-ttl        the key with a TTL closest to expiring
==================  =============================================================

A ``volatile-*`` policy with no keys that have a TTL cannot free anything:
writes then fail with OOM exactly as under ``noeviction``.

*Approximated* LRU/LFU: a true LRU needs every key in a linked list ordered by
access — memory Redis would rather spend on data. Instead, each eviction
samples ``maxmemory-samples`` keys (default 5) from each database, merges them
into a small *eviction pool* of the 16 best candidates seen so far (the pool
persists between evictions), and evicts the best one. More samples → closer to
true LRU, more CPU. This file follows evict.c of redis-server 7.0.

ElastiCache note: ElastiCache's default parameter group uses ``volatile-lru``
and reserves 25% of memory for overhead (``reserved-memory-percent``).
"""
from __future__ import annotations

from bisect import bisect_left
from typing import TYPE_CHECKING, List, Optional, Tuple

from .. import errors

if TYPE_CHECKING:  # pragma: no cover
    from .node import Node

POOL_SIZE = 16
LRU_RESOLUTION_MS = 1000   # Redis's LRU clock ticks once per second
ULLONG_MAX = 2**64 - 1


class EvictionPool:
    """Up to 16 candidates ``(score, db_index, key)``, ascending by score; the
    best victim (highest score = idlest / least used / soonest to expire) is
    at the end."""

    def __init__(self):
        self.entries: List[Tuple[int, int, bytes]] = []
        self._scores: List[int] = []
        self._members = set()

    def offer(self, score: int, db_index: int, key: bytes) -> None:
        member = (db_index, key)
        if member in self._members:
            return  # already pooled
        k = bisect_left(self._scores, score)
        if k == 0 and len(self.entries) == POOL_SIZE:
            return       # worse than everything in a full pool
        self.entries.insert(k, (score, db_index, key))
        self._scores.insert(k, score)
        self._members.add(member)
        if len(self.entries) > POOL_SIZE:
            self._scores.pop(0)  # drop the worst candidate to make room
            _, d, dropped = self.entries.pop(0)
            self._members.discard((d, dropped))

    def pop_best(self) -> Tuple[int, int, bytes]:
        self._scores.pop()
        entry = self.entries.pop()
        self._members.discard((entry[1], entry[2]))
        return entry

    def clear(self) -> None:
        self.entries.clear()
        self._scores.clear()
        self._members.clear()


def _score(node: "Node", policy: str, e) -> int:
    if policy.endswith("-lru"):
        return (node.now // LRU_RESOLUTION_MS - e.lru // LRU_RESOLUTION_MS) * LRU_RESOLUTION_MS
    if policy.endswith("-lfu"):
        return 255 - node.lfu_decayed(e)
    return ULLONG_MAX - e.expire_at  # volatile-ttl: sooner deadline = better victim


def _populate(node: "Node", policy: str, pool: EvictionPool) -> int:
    """Sample each database into the pool; returns how many keys were eligible."""
    allkeys = policy.startswith("allkeys")
    samples = node.config["maxmemory-samples"]
    rng = node.rng
    total = 0
    for db in node.dbs:
        source = db.key_list if allkeys else db.volatile
        n = len(source)
        if n == 0:
            continue
        total += n
        # Redis's dictGetSomeKeys: a few random keys (positions drawn at random).
        picks = [rng.randrange(n) for _ in range(samples)] if n > samples else range(n)
        data = db.data
        for i in picks:
            key = source[i]
            pool.offer(_score(node, policy, data[key]), db.index, key)
    return total


def select_victim(node: "Node", policy: str) -> Optional[Tuple[object, bytes]]:
    """The (database, key) to evict next under ``policy``, or None."""
    allkeys = policy.startswith("allkeys")
    if policy.endswith("-random"):
        for _ in range(len(node.dbs)):
            node.next_evict_db = (node.next_evict_db + 1) % len(node.dbs)
            db = node.dbs[node.next_evict_db]
            source = db.key_list if allkeys else db.volatile
            if source:
                return db, source[node.rng.randrange(len(source))]
        return None
    pool = node.eviction_pool
    while True:
        if not _populate(node, policy, pool):
            return None
        while pool.entries:
            _, db_index, key = pool.pop_best()
            db = node.dbs[db_index]
            e = db.data.get(key)
            # A pooled key may have been deleted (or lost its TTL) since it was
            # sampled: a "ghost", skipped just as Redis skips it.
            if e is not None and (allkeys or e.vpos >= 0):
                return db, key


def perform_evictions(node: "Node") -> Optional[str]:
    """Free memory until under ``maxmemory``. Returns None on success, or the
    OOM error text when the policy cannot (or may not) free enough."""
    limit = node.config["maxmemory"]
    used = node.used_memory()
    if used <= limit:
        return None
    policy = node.config["maxmemory-policy"]
    if policy == "noeviction":
        return errors.OOM
    while used > limit:
        victim = select_victim(node, policy)
        if victim is None:
            return errors.OOM
        db, key = victim
        db.evict(key, policy)
        used = node.used_memory()
    return None
