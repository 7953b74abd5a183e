"""Active expiry: the periodic cycle that deletes keys nobody asks for.

Passive expiry (keyspace.py) only removes a key when a command touches it; a
key that is never read again would sit in memory forever. So ``hz`` times a
second Redis runs a cycle that, for each database, *samples* keys with a TTL
and deletes the expired ones. If many in the sample were expired, there are
probably many more, so it samples again; once the expired fraction drops to an
acceptable level it stops, leaving a few stale keys behind rather than spending
CPU to find every last one.

The numbers follow redis-server 7.0 (``expire.c``) with the default
``active-expire-effort 1``: 20 keys per sample, repeat while more than 10% of a
sample had expired. (Redis's documentation describes the same loop with 25%;
the 7.0 code uses 10%.) Redis also stops a cycle after 25% of one tick's CPU
time; a simulation has no CPU time, so we bound the loop count instead.

Everything is driven by the node's clock and its seeded random generator, so a
simulated run is the same every time.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .node import Node

KEYS_PER_LOOP = 20
#: The cycle repeats while more than this percentage of a sample had expired.
ACCEPTABLE_STALE_PERCENT = 10
#: Stand-in for Redis's CPU budget of 25% per tick: at most this many samples
#: per database per cycle.
MAX_LOOPS_PER_CYCLE = 500


def active_expire_cycle(node: "Node") -> int:
    """Run one cycle at the node's current time; returns keys deleted."""
    effort = node.config["active-expire-effort"] - 1
    per_loop = KEYS_PER_LOOP + KEYS_PER_LOOP // 4 * effort
    acceptable = ACCEPTABLE_STALE_PERCENT - effort
    rng = node.rng
    now = node.now
    total_sampled = total_expired = deleted = 0
    for db in node.dbs:
        for _ in range(MAX_LOOPS_PER_CYCLE):
            volatile = db.volatile
            if not volatile:
                break
            sampled = expired = 0
            for _ in range(min(per_loop, len(volatile))):
                if not volatile:
                    break
                key = volatile[rng.randrange(len(volatile))]
                e = db.data[key]
                sampled += 1
                if e.expire_at < now:
                    db.expire(key, e, active=True)
                    expired += 1
            total_sampled += sampled
            total_expired += expired
            deleted += expired
            if sampled == 0 or expired * 100 // sampled <= acceptable:
                break
    # INFO's expired_stale_perc: a running average of how stale samples were.
    current = total_expired / total_sampled if total_sampled else 0.0
    node.stats.expired_stale_perc = current * 0.05 + node.stats.expired_stale_perc * 0.95
    return deleted


def earliest_expiry(node: "Node"):
    """The soonest TTL deadline across all databases, or None."""
    best = None
    for db in node.dbs:
        if db.volatile:
            when = db.earliest_expiry()
            if when is not None and (best is None or when < best):
                best = when
    return best
