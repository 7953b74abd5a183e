"""The cache stampede: a hot key expires and every client reloads it at once.

A popular key is read hundreds of times a second. The moment its TTL runs
out, every request that arrives before someone has put a fresh copy back
misses — and with plain cache-aside, each of them runs the (slow, expensive)
database query. With 500 requests a second and a 200 ms query, that is about
a hundred identical queries at once: the *stampede* (or "thundering herd",
or "dog-pile"). Two classic fixes:

* **a lock** — the first client to miss takes a short lock with
  ``SET lock:<key> <token> NX PX <ms>`` and recomputes; the others see the
  lock, wait a little and read again. One query instead of a hundred. The
  ``PX`` expiry matters: if the lock holder dies, the lock frees itself.
* **probabilistic early recomputation ("XFetch")** — while the key is still
  cached, each reader rolls a die that comes up "recompute now" more and more
  often as the expiry nears (and sooner for values that take longer to
  compute). One reader refreshes the value *before* it expires, so nobody
  ever misses. From Vattani, Chierichetti and Lowenstein, "Optimal
  Probabilistic Cache Stampede Prevention", VLDB 2015.

:func:`simulate_stampede` plays it out with a discrete-event simulation: every
request, lock retry and finished query is an event at a millisecond; events
run in time order against a real redis-py client, and the cache's clock is
moved to each event's time, so the key expires exactly when Redis says so.
"""
from __future__ import annotations

import heapq
import json
import math
import random
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple

import redis

from .simulate import percentile

__all__ = ["FIXES", "try_lock", "release_lock", "should_recompute_early",
           "StampedeResult", "simulate_stampede"]

FIXES = ("none", "lock", "xfetch")


def try_lock(cache, key: str, token: str, px: int = 1000) -> bool:
    """Take the recompute lock for ``key``: ``SET lock:<key> <token> NX PX <px>``.

    NX makes it succeed for exactly one client; PX lets it expire by itself
    if that client crashes before releasing it (a lock without an expiry can
    block a key forever)."""
    return bool(cache.set(f"lock:{key}", token, nx=True, px=px))


def release_lock(cache, key: str, token: str) -> bool:
    """Delete the lock, but only if it is still ours: after a long pause our
    lock may have expired and been taken by another client. WATCH makes the
    check-then-delete safe (the transaction fails if the lock changed)."""
    lock = f"lock:{key}"
    with cache.pipeline() as pipe:
        try:
            pipe.watch(lock)
            if pipe.get(lock) not in (token, token.encode()):
                pipe.unwatch()
                return False                   # expired, or someone else's now
            pipe.multi()
            pipe.delete(lock)
            pipe.execute()
            return True
        except redis.WatchError:
            return False


def should_recompute_early(ttl_left_ms: float, delta_ms: float, beta: float = 1.0,
                           rng: Optional[random.Random] = None) -> bool:
    """XFetch's die roll: recompute now if ``delta · beta · -ln(U)`` reaches
    the time left, where U is uniform in (0, 1] and ``delta_ms`` is how long a
    recompute takes. Far from expiry this is almost never true; close to it,
    almost always. ``beta`` > 1 refreshes earlier, < 1 later."""
    rng = rng if rng is not None else random
    return delta_ms * beta * -math.log(1.0 - rng.random()) >= ttl_left_ms


@dataclass
class StampedeResult:
    """What one stampede run did."""

    fix: str
    requests: int = 0
    db_queries: int = 0
    #: requests that found the key missing
    misses: int = 0
    #: lock: requests that found the lock taken and had to wait
    waited: int = 0
    #: xfetch: recomputes started while the value was still cached
    early: int = 0
    max_in_flight: int = 0
    latencies: List[float] = field(default_factory=list)
    #: (time in ms since the start, database queries running) after each change
    in_flight: List[Tuple[int, int]] = field(default_factory=list)
    expires_at_ms: int = 0

    @property
    def p50_ms(self) -> float:
        return percentile(self.latencies, 50)

    @property
    def p99_ms(self) -> float:
        return percentile(self.latencies, 99)

    def summary(self) -> dict:
        return {"fix": self.fix, "requests": self.requests, "db queries": self.db_queries,
                "misses": self.misses, "max queries at once": self.max_in_flight,
                "p50 (ms)": round(self.p50_ms, 1), "p99 (ms)": round(self.p99_ms, 1)}


def simulate_stampede(client, advance: Optional[Callable[[float], None]] = None, *,
                      fix: str = "none", key: str = "product:hot", rate: float = 500.0,
                      ttl_s: float = 30.0, start_s: float = 28.5, duration_s: float = 2.0,
                      recompute_ms: int = 200,
                      lock_ms: int = 1000, poll_ms: int = 20, beta: float = 1.0,
                      rtt_ms: float = 0.5, seed: int = 0) -> StampedeResult:
    """The key was cached at time 0 with a ``ttl_s`` TTL; from ``start_s``
    on, clients read it at ``rate`` per second for ``duration_s`` seconds.
    Recomputing it takes ``recompute_ms``. ``fix`` is "none" (plain
    cache-aside), "lock" or "xfetch". ``advance`` moves the cache's clock
    (``lab.advance``). Times in the result are milliseconds since time 0."""
    if fix not in FIXES:
        raise ValueError(f"unknown fix {fix!r}: choose one of {', '.join(FIXES)}")
    rng = random.Random(seed)
    ttl_ms = round(ttl_s * 1000)
    value = json.dumps({"value": "the expensive page", "delta_ms": recompute_ms})
    client.delete(key, f"lock:{key}")
    client.set(key, value, px=ttl_ms)
    start_ms = round(start_s * 1000)
    res = StampedeResult(fix, expires_at_ms=ttl_ms, in_flight=[(start_ms, 0)])
    clock_ms = 0
    in_flight = 0
    events: List[Tuple[int, int, str, int, int]] = []  # (time, seq, kind, client, start)
    step = 1000.0 / rate
    n_clients = int(duration_s * rate)
    for c in range(n_clients):
        t = start_ms + round(c * step)
        heapq.heappush(events, (t, c, "request", c, t))
    seq = n_clients

    def schedule(t: int, kind: str, c: int, start: int) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(events, (t, seq, kind, c, start))

    def start_query(now: int, c: int, start: int) -> None:
        nonlocal in_flight
        res.db_queries += 1
        in_flight += 1
        res.max_in_flight = max(res.max_in_flight, in_flight)
        res.in_flight.append((now, in_flight))
        schedule(now + recompute_ms, "done", c, start)

    while events:
        now, _, kind, c, start = heapq.heappop(events)
        if advance is not None and now > clock_ms:
            advance((now - clock_ms) / 1000)
            clock_ms = now
        if kind == "done":                       # a recompute finished: store it
            client.set(key, value, px=ttl_ms)
            if fix == "lock":
                release_lock(client, key, f"client-{c}")
            in_flight -= 1
            res.in_flight.append((now, in_flight))
            res.latencies.append(now - start + 2 * rtt_ms)
            continue
        if kind == "request":
            res.requests += 1
        if fix == "xfetch":
            with client.pipeline(transaction=False) as pipe:
                cached, ttl_left = pipe.get(key).pttl(key).execute()
            if cached is not None and not should_recompute_early(ttl_left, recompute_ms,
                                                                  beta, rng):
                res.latencies.append(rtt_ms)           # an ordinary hit
                continue
            if cached is None:
                res.misses += 1
            else:
                res.early += 1                         # refresh before it expires
            start_query(now, c, start)
            continue
        cached = client.get(key)
        if cached is not None:
            res.latencies.append(now - start + rtt_ms)  # a hit (after waiting, for retries)
            continue
        if kind == "request":
            res.misses += 1
        if fix == "none":
            start_query(now, c, start)                  # everyone goes to the database
        elif try_lock(client, key, f"client-{c}", px=lock_ms):
            start_query(now, c, start)                  # we hold the lock: recompute
        else:
            if kind == "request":
                res.waited += 1
            schedule(now + poll_ms, "retry", c, start)  # someone else is on it: wait
    client.delete(f"lock:{key}")
    res.in_flight.append((max(clock_ms, start_ms + round(duration_s * 1000)), in_flight))
    return res
