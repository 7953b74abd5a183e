"""The caching patterns, each in a few lines against a redis-py client.

``cache`` is any redis-py client (the lab's ``lab.client``, a real server, an
ElastiCache endpoint); ``db`` is a :class:`~engine.patterns.database.CatalogDatabase`
(anything with ``read(key)`` and ``write(key, value)`` would do). Reading
patterns decide what happens on a *miss*; writing patterns decide what a write
does to the cache. An application picks one of each.

======================  =========================================================
pattern                 in one line
======================  =========================================================
cache-aside (lazy)      the app reads the cache, and on a miss loads and fills it
read-through            the same, but the cache layer owns the loading code
write-through           every write goes to the database *and* the cache
write-around            writes go to the database only; the cache catches up at TTL
write-invalidate        writes go to the database and delete the cached copy
write-behind            writes go to the cache now, to the database later, batched
======================  =========================================================

The trade-offs (which AWS's exam guides and ElastiCache's caching-strategies
page also discuss — see shared/reference/elasticache-facts.md §11) are in each
function's docstring.
"""
from __future__ import annotations

import random
from typing import Callable, Dict, Optional

from .database import Meter

__all__ = ["MeteredCache", "cache_aside_get", "ReadThroughCache", "write_through",
           "write_around", "write_invalidate", "WriteBehindCache", "ttl_with_jitter"]


class MeteredCache:
    """A redis-py client that also charges simulated network time.

    Every method call is one round trip to the cache and adds ``rtt_ms`` to
    ``meter`` (a pipeline is charged once, when it is created: its commands
    travel together). Everything else is forwarded untouched, so pattern code
    cannot tell it from the client it wraps.
    """

    def __init__(self, client, meter: Meter, rtt_ms: float = 0.5):
        self.client = client
        self.meter = meter
        self.rtt_ms = rtt_ms
        self.round_trips = 0

    def __getattr__(self, name):
        attr = getattr(self.client, name)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            self.round_trips += 1
            self.meter.charge(self.rtt_ms)
            return attr(*args, **kwargs)
        return call


# -- reading -------------------------------------------------------------------------
def cache_aside_get(cache, db, key: str, ttl: Optional[int] = 300):
    """Cache-aside, also called lazy loading: the application asks the cache
    first and, on a miss, reads the database and stores the answer itself.

    + Only data someone asked for is cached; a lost cache node costs misses,
      not errors.
    - A miss costs three trips (cache, database, cache), and a cached copy can
      be stale until its TTL ends — ``ttl`` bounds how stale.
    """
    value = cache.get(key)                     # 1. ask the cache
    if value is None:                          # miss:
        value = db.read(key)                   # 2. ask the database
        if value is not None:
            cache.set(key, value, ex=ttl)      # 3. keep a copy for next time
    return value


class ReadThroughCache:
    """Read-through: the application only ever asks the cache; the cache
    layer knows how to load a missing item (the ``loader``).

    The steps on a miss are those of cache-aside, so hit ratio, load and
    staleness are the same. What changes is *where the code lives*: one
    loader, configured once, instead of miss-handling repeated in every
    caller. Redis itself cannot call your database, so with ElastiCache a
    read-through cache is a small library like this one in the application.
    """

    def __init__(self, cache, loader: Callable[[str], Optional[str]],
                 ttl: Optional[int] = 300):
        self.cache = cache
        self.loader = loader
        self.ttl = ttl

    def get(self, key: str, ttl: Optional[int] = None):
        value = self.cache.get(key)
        if value is None:
            value = self.loader(key)           # the cache layer loads, not the caller
            if value is not None:
                self.cache.set(key, value, ex=ttl or self.ttl)
        return value


# -- writing -------------------------------------------------------------------------
def write_through(cache, db, key: str, value: str, ttl: Optional[int] = 300) -> None:
    """Write-through: every write updates the database and then the cache.

    + Cached data is never stale: readers see the new value at once.
    - Every write pays twice (the write penalty), items that are never read
      still fill the cache (churn), and a new or replaced node has nothing
      until someone writes — which is why it is paired with lazy loading and
      a TTL.
    """
    db.write(key, value)                       # the system of record first
    cache.set(key, value, ex=ttl)              # then the cache, with a TTL


def write_around(cache, db, key: str, value: str) -> None:
    """Write-around: writes go to the database only; the cache is not told.

    + Writes are as cheap as without a cache, and write-heavy data that is
      rarely read never takes cache memory.
    - A cached copy of this key keeps serving the old value until its TTL
      runs out: the stale window is up to a full TTL.
    """
    db.write(key, value)                       # the cached copy (if any) is now stale


def write_invalidate(cache, db, key: str, value: str) -> None:
    """Write, then invalidate: the usual companion of cache-aside reads.

    + The stale window shrinks to the gap between the two lines; the next
      read misses and loads the new value.
    - That next read pays a miss, and two writers racing a reader can still
      leave an old value cached (until its TTL — keep one).
    """
    db.write(key, value)
    cache.delete(key)                          # the next read reloads it


class WriteBehindCache:
    """Write-behind (write-back): a write updates the cache at once and is
    queued; the queue is flushed to the database later, every
    ``flush_every_s`` seconds.

    + Writes are as fast as the cache, and many writes to one key collapse
      into one database write (``pending`` keeps only the latest value).
    - The database lags behind. Whatever sits in the queue when the process
      or cache node holding it is lost never reaches the database.
    """

    def __init__(self, cache, db, flush_every_s: float = 5.0, ttl: Optional[int] = None):
        self.cache = cache
        self.db = db
        self.flush_every_s = flush_every_s
        self.ttl = ttl
        self.pending: Dict[str, str] = {}      # key -> latest value not yet in the database
        self.last_flush_s = 0.0
        self.flushed = 0

    def write(self, key: str, value: str) -> None:
        self.cache.set(key, value, ex=self.ttl)   # readers see it immediately
        self.pending[key] = value                 # the database gets it at the next flush

    def flush(self) -> int:
        """Write every queued key to the database; returns how many."""
        for key, value in self.pending.items():
            self.db.write(key, value)
        done = len(self.pending)
        self.flushed += done
        self.pending.clear()
        return done

    def tick(self, now_s: float) -> int:
        """Flush if ``flush_every_s`` has passed since the last flush."""
        if now_s - self.last_flush_s < self.flush_every_s:
            return 0
        self.last_flush_s = now_s
        return self.flush()

    def lose_node(self) -> Dict[str, str]:
        """Simulate losing the node that holds the queue and the cached copies
        before a flush: returns the writes that are now gone for good."""
        lost = dict(self.pending)
        if lost:
            self.cache.delete(*lost)
        self.pending.clear()
        return lost


# -- TTLs ------------------------------------------------------------------------------
def ttl_with_jitter(base_s: float, jitter: float = 0.1,
                    rng: Optional[random.Random] = None) -> int:
    """A TTL of ``base_s`` seconds, moved at random by up to ±``jitter`` (a fraction).

    Keys loaded together (a deploy, a cache warmer, a restart) with one TTL
    all expire in the same second, and the database takes every reload at
    once. Spreading the TTLs spreads the reloads. Returns whole seconds, >= 1.
    """
    if not 0 <= jitter < 1:
        raise ValueError("jitter is a fraction of the TTL: 0 <= jitter < 1 (0.1 = ±10%)")
    rng = rng if rng is not None else random
    return max(1, round(base_s * (1 + rng.uniform(-jitter, jitter))))
