"""Run a caching pattern against a workload and measure it.

A :class:`Workload` is a list of timed requests — reads and writes of keys
drawn with Zipf skew (:func:`engine.workload.zipf_keys`). :func:`run_pattern`
replays it through one pattern from :mod:`engine.patterns.caching` against a
real redis-py client and a :class:`CatalogDatabase`, moving the cache's clock
forward as the requests' timestamps pass (so TTLs expire on schedule), and
records per request:

* its simulated latency (cache round trips + database query costs);
* for a read, whether it was a hit (no database query) and whether it returned
  *stale* data (not the latest value the application wrote), and how old.

It sums these per time window into the series the lab plots: hit ratio,
database queries per second, and p50/p99 read latency. Requests are treated as
instantaneous on the clock (their latency is accounted, not waited for): a
good model while requests rarely overlap on one key. The stampede module
models the case where they do.
"""
from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import redis

from ..client import connect
from ..node.node import Node
from ..workload import zipf_keys
from .caching import (MeteredCache, ReadThroughCache, WriteBehindCache, cache_aside_get,
                      ttl_with_jitter, write_around, write_invalidate, write_through)
from .database import CatalogDatabase

__all__ = ["PATTERNS", "Workload", "make_workload", "Window", "RunResult", "run_pattern",
           "run_sandbox", "percentile"]

#: The patterns run_pattern knows: name -> (read path, write path).
PATTERNS: Dict[str, Tuple[str, str]] = {
    "cache-aside": ("cache_aside_get", "write_invalidate"),
    "read-through": ("ReadThroughCache.get", "write_invalidate"),
    "write-through": ("cache_aside_get", "write_through"),
    "write-around": ("cache_aside_get", "write_around"),
    "write-behind": ("cache_aside_get", "WriteBehindCache.write"),
}


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile (``q`` in 0..100) of ``values``; 0.0 if empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class Workload:
    """Timed requests: ``ops[i] = (t_seconds, "read" | "write", key)``."""

    ops: List[Tuple[float, str, str]]
    n_keys: int
    skew: float
    write_fraction: float
    rate: float
    seed: int
    start_s: float = 0.0

    @property
    def duration_s(self) -> float:
        return self.ops[-1][0] if self.ops else 0.0

    @property
    def keys(self) -> List[str]:
        """The distinct keys the workload touches, sorted."""
        return sorted({key for _, _, key in self.ops}, key=lambda k: int(k.split(":")[1]))

    def __len__(self) -> int:
        return len(self.ops)


def make_workload(n_keys: int = 500, n_requests: int = 2000, *, skew: float = 1.0,
                  write_fraction: float = 0.1, rate: float = 100.0, seed: int = 0,
                  start_s: float = 0.0, prefix: str = "product:") -> Workload:
    """``n_requests`` requests over ``n_keys`` keys (``prefix`` + number) with
    Zipf(``skew``) popularity, a share ``write_fraction`` of them writes,
    arriving evenly at ``rate`` requests per second from ``start_s`` on.
    Seeded: same arguments, same workload."""
    if not 0 <= write_fraction <= 1:
        raise ValueError("write_fraction is a share between 0 and 1")
    if rate <= 0:
        raise ValueError("rate is requests per second and must be > 0")
    keys = zipf_keys(n_keys, n_requests, s=skew, seed=seed, prefix=prefix)
    rng = random.Random(seed + 7919)
    ops = [(round(start_s + i / rate, 6), "write" if rng.random() < write_fraction else "read", key)
           for i, key in enumerate(keys)]
    return Workload(ops, n_keys, skew, write_fraction, rate, seed, start_s)


@dataclass
class Window:
    """What happened in one time window of a run."""

    t_end_s: float
    reads: int
    hits: int
    db_queries: int
    db_qps: float
    p50_ms: float
    p99_ms: float

    @property
    def hit_ratio(self) -> float:
        return self.hits / self.reads if self.reads else 0.0


@dataclass
class RunResult:
    """The measurements of one :func:`run_pattern` run."""

    pattern: str
    ttl: Optional[int]
    windows: List[Window] = field(default_factory=list)
    read_latencies: List[float] = field(default_factory=list)
    write_latencies: List[float] = field(default_factory=list)
    reads: int = 0
    hits: int = 0
    db_reads: int = 0
    db_writes: int = 0
    stale_reads: int = 0
    max_stale_s: float = 0.0
    #: write-behind: writes still queued (not in the database) when the run ended
    unflushed: int = 0
    #: cache writes refused with OOM (noeviction / volatile-* with nothing to evict)
    cache_errors: int = 0

    @property
    def hit_ratio(self) -> float:
        return self.hits / self.reads if self.reads else 0.0

    @property
    def p50_ms(self) -> float:
        return percentile(self.read_latencies, 50)

    @property
    def p99_ms(self) -> float:
        return percentile(self.read_latencies, 99)

    def summary(self) -> Dict[str, object]:
        """One row for a comparison table (rounded for display)."""
        return {
            "pattern": self.pattern,
            "hit ratio": round(self.hit_ratio, 3),
            "db reads": self.db_reads,
            "db writes": self.db_writes,
            "stale reads": self.stale_reads,
            "max stale (s)": round(self.max_stale_s, 2),
            "read p50 (ms)": round(self.p50_ms, 2),
            "read p99 (ms)": round(self.p99_ms, 2),
            "write p50 (ms)": round(percentile(self.write_latencies, 50), 2),
        }


def _new_value(current: str, rng: random.Random) -> str:
    """The application's update: a new price for the product."""
    row = json.loads(current)
    row["price_cents"] = rng.randrange(199, 20000)
    return json.dumps(row, sort_keys=True, separators=(",", ":"))


def run_pattern(pattern: str, client, db: CatalogDatabase, workload: Workload, *,
                ttl: Optional[int] = 60, jitter: float = 0.0,
                advance: Optional[Callable[[float], None]] = None,
                window_s: float = 5.0, flush_every_s: float = 5.0, rtt_ms: float = 0.5,
                prewarm: bool = False,
                progress: Optional[Callable[[int, int], None]] = None,
                progress_every: int = 250) -> RunResult:
    """Replay ``workload`` through ``pattern`` (a name in :data:`PATTERNS`).

    ``client`` is a redis-py client with ``decode_responses=True`` (the lab's
    client); the workload's keys are deleted first, and ``db`` is reset to its
    seeded catalogue, so every run starts cold and equal. ``advance(seconds)``
    moves the cache's clock (pass ``lab.advance``; without it time stands
    still and TTLs never run out). ``ttl`` (seconds, None = no TTL) is moved
    by ±``jitter`` per key with :func:`ttl_with_jitter`. ``prewarm`` loads
    every key of the workload at time 0, as a cache warmer would (all with the
    same TTL unless ``jitter`` is set). ``progress(done, total)`` is called
    every ``progress_every`` requests.
    """
    if pattern not in PATTERNS:
        raise ValueError(f"unknown pattern {pattern!r}: choose one of {', '.join(PATTERNS)}")
    db.reset()
    rng = random.Random(workload.seed + 104729)
    all_keys = workload.keys
    for i in range(0, len(all_keys), 500):
        client.delete(*all_keys[i:i + 500])
    cache = MeteredCache(client, db.meter, rtt_ms)

    def next_ttl() -> Optional[int]:
        return None if ttl is None else ttl_with_jitter(ttl, jitter, rng)

    reader = ReadThroughCache(cache, db.read, ttl)
    behind = WriteBehindCache(cache, db, flush_every_s=flush_every_s, ttl=None)
    truth: Dict[str, str] = {}          # latest value the application wrote / loaded
    truth_since: Dict[str, float] = {}  # when that value became the truth
    result = RunResult(pattern, ttl)

    if prewarm:
        with client.pipeline(transaction=False) as pipe:
            for key in all_keys:
                pipe.set(key, db.peek(key), ex=next_ttl())
            pipe.execute()

    clock_ms = 0                      # how far we have moved the cache's clock
    w_end = workload.start_s + window_s
    w_reads = w_hits = 0
    w_lat: List[float] = []
    w_db_start = 0
    total = len(workload.ops)

    def close_window(t_end: float, span: float = window_s) -> None:
        nonlocal w_reads, w_hits, w_lat, w_db_start
        queries = db.queries - w_db_start
        result.windows.append(Window(round(t_end, 6), w_reads, w_hits, queries,
                                     queries / span, percentile(w_lat, 50),
                                     percentile(w_lat, 99)))
        w_reads = w_hits = 0
        w_lat = []
        w_db_start = db.queries

    for i, (t, kind, key) in enumerate(workload.ops):
        while t >= w_end:
            close_window(w_end)
            w_end += window_s
        target_ms = round(t * 1000)
        if advance is not None and target_ms > clock_ms:
            advance((target_ms - clock_ms) / 1000)
            clock_ms = target_ms
        if pattern == "write-behind":
            behind.tick(t)
        if key not in truth:
            truth[key] = db.peek(key)
            truth_since[key] = 0.0
        started_ms, started_reads = db.meter.ms, db.reads
        if kind == "read":
            try:
                if pattern == "read-through":
                    value = reader.get(key, next_ttl())
                else:
                    value = cache_aside_get(cache, db, key, next_ttl())
            except redis.exceptions.OutOfMemoryError:
                # The cache refused to store the loaded row; the application
                # still answers, with what it just read from the database.
                result.cache_errors += 1
                value = db.peek(key)
            if isinstance(value, bytes):
                value = value.decode()
            latency = db.meter.ms - started_ms
            hit = db.reads == started_reads
            result.reads += 1
            result.hits += hit
            w_reads += 1
            w_hits += hit
            w_lat.append(latency)
            result.read_latencies.append(latency)
            if value != truth[key]:
                result.stale_reads += 1
                result.max_stale_s = max(result.max_stale_s, t - truth_since[key])
        else:
            value = _new_value(truth[key], rng)
            try:
                if pattern == "write-through":
                    write_through(cache, db, key, value, next_ttl())
                elif pattern == "write-around":
                    write_around(cache, db, key, value)
                elif pattern == "write-behind":
                    behind.write(key, value)
                else:
                    write_invalidate(cache, db, key, value)
            except redis.exceptions.OutOfMemoryError:
                result.cache_errors += 1
                if pattern == "write-behind":     # the cache is where the write lives
                    db.write(key, value)          # nothing for it: write synchronously
            truth[key] = value
            truth_since[key] = t
            result.write_latencies.append(db.meter.ms - started_ms)
        if progress is not None and (i + 1) % progress_every == 0:
            progress(i + 1, total)
    end = workload.start_s + total / workload.rate   # the last request's slot ends
    if w_reads or db.queries > w_db_start:
        close_window(round(end, 6), max(end - (w_end - window_s), 1e-9))
    if progress is not None and total % progress_every:
        progress(total, total)
    result.db_reads = db.reads
    result.db_writes = db.writes
    result.unflushed = len(behind.pending)
    return result


def run_sandbox(pattern: str = "cache-aside", *, cache_keys: int = 100, ttl: Optional[int] = 30,
                policy: str = "allkeys-lru", skew: float = 1.0, n_keys: int = 300,
                n_requests: int = 400, write_fraction: float = 0.1, rate: float = 20.0,
                window_s: float = 5.0, seed: int = 0,
                progress: Optional[Callable[[int, int], None]] = None) -> RunResult:
    """One small, self-contained run on a *private* embedded node (never the
    lab's server), so cache size and eviction policy can be changed freely —
    what the lab's control panel runs. ``cache_keys`` is how many of the
    ``n_keys`` rows fit in memory; ``ttl`` 0 or None means no TTL."""
    if not 1 <= cache_keys:
        raise ValueError("cache_keys must be at least 1")
    node = Node(seed=seed)
    client = connect(node, decode_responses=True)
    db = CatalogDatabase(products=n_keys, seed=seed)
    empty = client.info("memory")["used_memory"]
    with client.pipeline(transaction=False) as pipe:     # measure what the rows weigh
        for key in db.keys():
            pipe.set(key, db.peek(key))
        pipe.execute()
    full = client.info("memory")["used_memory"]
    client.flushall()
    share = min(cache_keys, n_keys) / n_keys
    client.config_set("maxmemory-policy", policy)
    client.config_set("maxmemory", empty + max(1, int(share * (full - empty))))
    workload = make_workload(n_keys, n_requests, skew=skew, write_fraction=write_fraction,
                             rate=rate, seed=seed)
    try:
        return run_pattern(pattern, client, db, workload, ttl=ttl or None,
                           advance=node.clock.advance, window_s=window_s, progress=progress)
    finally:
        client.close()
