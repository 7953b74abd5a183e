"""Workloads for cache experiments: skewed key popularity and cache-aside runs.

Real cache traffic is *skewed*: a few keys are asked for constantly, most
rarely. The classic model is a Zipf distribution — the k-th most popular key is
requested with probability proportional to 1/k^s. With s≈1, a cache holding
10% of the keys can answer well over half the requests, and how *well* depends
on which keys the eviction policy keeps. Labs and tests use these helpers to
drive any redis-py client (the engine, fakeredis, a real server) the same way.

Everything is seeded: the same arguments give the same request sequence.
"""
from __future__ import annotations

import bisect
import random
import time
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence


def zipf_weights(n_keys: int, s: float = 1.0) -> List[float]:
    """Unnormalised popularity of ranks 1..n_keys."""
    if n_keys < 1:
        raise ValueError("zipf needs at least one key")
    if s < 0:
        raise ValueError("the Zipf exponent s must be >= 0 (0 = uniform)")
    return [1.0 / (rank ** s) for rank in range(1, n_keys + 1)]


def zipf_keys(n_keys: int, n_requests: int, s: float = 1.0, seed: int = 0,
              prefix: str = "key:") -> List[str]:
    """``n_requests`` key names drawn from ``n_keys`` with Zipf(s) popularity.
    Ranks are shuffled into names, so popularity is unrelated to key order."""
    rng = random.Random(seed)
    cumulative = []
    total = 0.0
    for w in zipf_weights(n_keys, s):
        total += w
        cumulative.append(total)
    names = [f"{prefix}{i}" for i in range(n_keys)]
    rng.shuffle(names)
    return [names[bisect.bisect_left(cumulative, rng.random() * total)]
            for _ in range(n_requests)]


@dataclass
class CacheAsideResult:
    hits: int
    misses: int
    #: hit ratio after each window of requests (for plotting)
    timeline: List[float]

    @property
    def requests(self) -> int:
        return self.hits + self.misses

    @property
    def hit_ratio(self) -> float:
        return self.hits / self.requests if self.requests else 0.0


class HitTally:
    """Counts hits and misses, and the hit ratio of each ``window`` requests
    (the timeline a figure plots)."""

    def __init__(self, window: int = 1000):
        self.window = window
        self.hits = self.misses = 0
        self.timeline: List[float] = []
        self._w_hits = self._w_total = 0

    def record(self, hit: bool) -> None:
        self.hits += hit
        self.misses += not hit
        self._w_hits += hit
        self._w_total += 1
        if self._w_total == self.window:
            self.timeline.append(self._w_hits / self.window)
            self._w_hits = self._w_total = 0


def cache_aside(client, keys: Sequence[str], *, value: bytes = b"x" * 100,
                ttl: Optional[int] = None, warmup: int = 0, window: int = 1000,
                rate: Optional[float] = None,
                progress: Optional[Callable[[int, int], None]] = None) -> CacheAsideResult:
    """Replay ``keys`` as cache-aside reads: GET, and on a miss "load from the
    database" and SET it (with ``ttl`` seconds if given). The first ``warmup``
    requests fill the cache and are not counted. ``rate`` (requests/second)
    paces the run on the wall clock, for comparisons across servers whose LRU
    clocks tick in real time. ``progress(done, total)`` is called per window.
    """
    tally = HitTally(window)
    start = time.monotonic()
    total = len(keys)
    for i, key in enumerate(keys):
        if rate:
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        hit = client.get(key) is not None
        if not hit:
            client.set(key, value, ex=ttl)
        if i >= warmup:
            tally.record(hit)
        if progress is not None and (i + 1) % window == 0:
            progress(i + 1, total)
    return CacheAsideResult(tally.hits, tally.misses, tally.timeline)
