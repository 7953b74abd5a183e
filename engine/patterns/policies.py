"""Eviction experiments: how good is Redis's *approximated* LRU, and how do the
eight ``maxmemory-policy`` values compare on one workload?

Both experiments change ``maxmemory``, ``maxmemory-policy`` and
``maxmemory-samples`` with ``CONFIG SET`` and start with ``FLUSHALL``, so they
are meant for the embedded engine (or a scratch server). ElastiCache refuses
CONFIG SET: there these are parameter-group settings (its default policy is
volatile-lru — shared/reference/elasticache-facts.md §8).

**Approximated LRU.** Redis does not keep keys in access order (that list
would cost memory on every key). To evict, it samples ``maxmemory-samples``
random keys, keeps the idlest candidates in a small pool of 16, and evicts the
idlest one (engine/node/eviction.py follows evict.c). :func:`lru_approximation`
reproduces the classic picture from Redis's documentation: write keys one
second apart (so each has a distinct age), cap memory, add half as many new
keys, and compare what was evicted with what an exact LRU — computed here from
the known access order — would have evicted.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence

import redis

from ..workload import HitTally, zipf_keys
from .caching import ttl_with_jitter

__all__ = ["EVICTION_POLICIES", "LruRun", "lru_approximation", "exact_lru",
           "PolicyResult", "compare_policies"]

EVICTION_POLICIES = ("noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random",
                     "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl")

#: cell states in LruRun.grid()
OLD_KEPT, OLD_EVICTED, NEW_KEPT, NEW_EVICTED = 0, 1, 2, 3


@dataclass
class LruRun:
    """Which keys one LRU run evicted. Old keys ``old:0 … old:{n_old-1}`` were
    last accessed in that order (old:0 is the idlest); ``new:*`` came after."""

    samples: Optional[int]            # None = exact LRU
    n_old: int
    n_new: int
    evicted: List[str] = field(default_factory=list)   # in eviction order

    @property
    def exact(self) -> set:
        """What exact LRU evicts for the same number of evictions: the oldest keys."""
        return {f"old:{i}" for i in range(min(len(self.evicted), self.n_old))}

    @property
    def agreement(self) -> float:
        """Share of the evicted keys that exact LRU would also have evicted."""
        if not self.evicted:
            return 1.0
        return len(self.exact & set(self.evicted)) / len(self.evicted)

    @property
    def new_evicted(self) -> int:
        """Freshly written keys that were evicted (exact LRU never does that)."""
        return sum(key.startswith("new:") for key in self.evicted)

    @property
    def label(self) -> str:
        return "exact LRU" if self.samples is None else f"samples = {self.samples}"

    def grid(self) -> List[int]:
        """One state per key, old keys in access order then new keys:
        OLD_KEPT, OLD_EVICTED, NEW_KEPT or NEW_EVICTED."""
        gone = set(self.evicted)
        return ([OLD_EVICTED if f"old:{i}" in gone else OLD_KEPT for i in range(self.n_old)]
                + [NEW_EVICTED if f"new:{j}" in gone else NEW_KEPT for j in range(self.n_new)])


def exact_lru(n_old: int, n_new: int, evictions: int) -> LruRun:
    """The run a perfect LRU would produce: it evicts the ``evictions`` idlest keys."""
    return LruRun(None, n_old, n_new, [f"old:{i}" for i in range(min(evictions, n_old))])


def _evicted_keys(client, node, keys: Sequence[str], since_ms: Optional[int]) -> List[str]:
    if node is not None:   # the embedded engine reports each eviction as an Event
        return [e.key.decode() for e in node.events
                if e.kind == "evicted" and e.time_ms >= since_ms]
    with client.pipeline(transaction=False) as pipe:   # elsewhere: who is missing?
        for key in keys:
            pipe.exists(key)
        present = pipe.execute()
    return [key for key, here in zip(keys, present) if not here]


def lru_approximation(client, advance: Callable[[float], None], *, samples: int,
                      node=None, n_old: int = 1000, n_new: int = 500,
                      value: str = "v" * 32) -> LruRun:
    """One run of the LRU picture with ``maxmemory-samples = samples``.

    Writes ``n_old`` keys one (virtual) second apart, caps ``maxmemory`` at the
    memory they use, then writes ``n_new`` more keys under ``allkeys-lru``.
    ``node`` (``lab.node``) lets the run read the eviction events; without it,
    the evicted keys are found with EXISTS. Flushes the whole server first.
    """
    client.flushall()
    client.config_set("maxmemory", 0)
    client.config_set("maxmemory-policy", "allkeys-lru")
    client.config_set("maxmemory-samples", samples)
    for i in range(n_old):
        client.set(f"old:{i}", value)
        advance(1)                       # Redis's LRU clock ticks once per second
    client.config_set("maxmemory", client.info("memory")["used_memory"])
    since = node.now if node is not None else None
    with client.pipeline(transaction=False) as pipe:
        for j in range(n_new):
            pipe.set(f"new:{j}", value)
        pipe.execute()
    keys = [f"old:{i}" for i in range(n_old)] + [f"new:{j}" for j in range(n_new)]
    run = LruRun(samples, n_old, n_new, _evicted_keys(client, node, keys, since))
    client.config_set("maxmemory", 0)
    return run


@dataclass
class PolicyResult:
    """One policy's run in :func:`compare_policies`."""

    policy: str
    hits: int
    misses: int
    evicted: int
    expired: int
    oom_errors: int
    #: hit ratio per window of requests (after warm-up)
    timeline: List[float] = field(default_factory=list)

    @property
    def hit_ratio(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


def compare_policies(client, advance: Callable[[float], None], *,
                     policies: Sequence[str] = EVICTION_POLICIES, n_keys: int = 500,
                     n_requests: int = 750, skew: float = 1.0, capacity: float = 0.2,
                     volatile_fraction: float = 0.8, ttl_s: float = 120, rate: float = 10.0,
                     phases: int = 3, warmup: int = 150, window: int = 100, seed: int = 0,
                     progress: Optional[Callable[[int, int], None]] = None
                     ) -> List[PolicyResult]:
    """The same cache-aside workload under each policy in ``policies``.

    ``n_requests`` Zipf(``skew``) reads of ``n_keys`` keys arrive at ``rate``
    per second (the clock moves with them, so LRU ages and TTLs are real).
    Memory holds about ``capacity`` × ``n_keys`` values. A share
    ``volatile_fraction`` of the keys are cached with a TTL of about ``ttl_s``
    seconds (±50%); the rest without one — which is what separates
    ``volatile-*`` from ``allkeys-*``. Popularity drifts: the workload has
    ``phases`` parts, each with its own ranking of the keys (yesterday's
    bestseller is not today's), so a policy that holds on to old keys pays.
    Requests are replayed one simulated second at a time (see the comment in
    the code). A cache write refused with OOM counts
    in ``oom_errors`` and the read simply goes uncached (the application keeps
    working without the cache). Flushes the whole server before each policy.
    """
    unknown = [p for p in policies if p not in EVICTION_POLICIES]
    if unknown:
        raise ValueError(f"unknown policies {unknown}: choose from {', '.join(EVICTION_POLICIES)}")
    per_phase = -(-n_requests // phases)
    keys = [key for p in range(phases)       # popularity reshuffles in every phase
            for key in zipf_keys(n_keys, per_phase, s=skew, seed=seed + p, prefix="item:")]
    keys = keys[:n_requests]
    names = [f"item:{i}" for i in range(n_keys)]
    rng = random.Random(seed)
    volatile = set(rng.sample(names, round(volatile_fraction * n_keys)))
    ttls = {name: ttl_with_jitter(ttl_s, 0.5, rng) for name in volatile}
    value_bytes = "x" * 100
    # One simulated second of requests at a time: its reads in one pipeline,
    # then its misses loaded in another. Redis's LRU clock has a resolution of
    # one second, so it cannot tell this from one request at a time — and it
    # is several times faster through redis-py.
    per_second = max(1, round(rate))

    # Size the cache: the bytes all n_keys values take, times `capacity`.
    client.flushall()
    client.config_set("maxmemory", 0)
    empty = client.info("memory")["used_memory"]
    with client.pipeline(transaction=False) as pipe:
        for name in names:
            pipe.set(name, value_bytes)
        pipe.execute()
    full = client.info("memory")["used_memory"]
    limit = empty + int(capacity * (full - empty))

    results = []
    done, total = 0, n_requests * len(policies)
    for policy in policies:
        client.flushall()
        client.config_set("maxmemory-policy", policy)
        client.config_set("maxmemory", limit)
        before = client.info("stats")
        tally = HitTally(window)
        oom = 0
        for first in range(0, len(keys), per_second):
            batch = keys[first:first + per_second]
            advance(len(batch) / rate)
            with client.pipeline(transaction=False) as pipe:
                for key in batch:
                    pipe.get(key)
                found = pipe.execute()
            loading: List[str] = []
            for key, value in zip(batch, found):
                if value is None and key not in loading:
                    loading.append(key)
            stored = set()
            if loading:
                with client.pipeline(transaction=False) as pipe:
                    for key in loading:
                        pipe.set(key, value_bytes, ex=ttls.get(key))
                    replies = pipe.execute(raise_on_error=False)
                oom += sum(isinstance(r, redis.exceptions.OutOfMemoryError) for r in replies)
                stored = {key for key, reply in zip(loading, replies) if reply is True}
            seen = set()
            for i, (key, value) in enumerate(zip(batch, found), start=first):
                # a repeat within the second hits if the first request's load was stored
                hit = value is not None or (key in seen and key in stored)
                seen.add(key)
                if i >= warmup:
                    tally.record(hit)
            done += len(batch)
            if progress is not None and done // 250 > (done - len(batch)) // 250:
                progress(done, total)
        after = client.info("stats")
        results.append(PolicyResult(policy, tally.hits, tally.misses,
                                    after["evicted_keys"] - before["evicted_keys"],
                                    after["expired_keys"] - before["expired_keys"], oom,
                                    tally.timeline))
    if progress is not None:
        progress(total, total)
    client.flushall()
    client.config_set("maxmemory", 0)
    return results
