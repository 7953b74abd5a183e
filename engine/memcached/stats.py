"""memcached's statistics: the counters and the four ``stats`` reports.

``stats`` (general), ``stats settings``, ``stats slabs`` and ``stats items``
answer with ``STAT <name> <value>`` lines. memcached 1.6 prints well over a
hundred fields; the engine prints the subset it models, **in memcached's
order and with memcached's names**, so a tool that parses one parses the
other. Counters that cannot differ between the engine and a real server
(``cmd_get``, ``get_hits``, ``curr_items``, ``evictions``, per-class
``used_chunks`` …) are compared with a real memcached by the differential
tests; process facts (``pid``, ``uptime``, ``rusage_*``) are real but naturally
differ.

Where the counters are kept mirrors memcached: per-connection-thread counters
(``get_misses``, ``touch_misses`` …) live in :class:`Counters`; per-class
hits (``get_hits``, ``cmd_set``, ``delete_hits`` …) in each slab class, and
the totals in ``stats`` are their sums.
"""
from __future__ import annotations

import os
import resource
from typing import List, Tuple

Pairs = List[Tuple[str, object]]

VERSION = "1.6.18"


class Counters:
    """Server-wide counters (the ones not kept per slab class)."""

    FIELDS = ("get_cmds", "get_misses", "get_expired", "get_flushed", "touch_cmds",
              "touch_misses", "delete_misses", "incr_misses", "decr_misses", "cas_misses",
              "flush_cmds", "store_too_large", "store_no_memory", "total_items",
              "total_connections", "rejected_connections", "bytes_read", "bytes_written")

    def __init__(self):
        self.reset()
        self.curr_connections = 0

    def reset(self) -> None:
        for name in self.FIELDS:
            setattr(self, name, 0)

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.FIELDS}


def _sum(node, field: str) -> int:
    return sum(getattr(c, field) for c in node.slabs.classes)


def general(node) -> Pairs:
    """``stats``: the server-wide report."""
    c = node.counters
    now = node.current_time
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return [
        ("pid", os.getpid()),
        ("uptime", now - 60),
        ("time", now + node.process_started),
        ("version", VERSION),
        ("pointer_size", 64),
        ("rusage_user", f"{usage.ru_utime:.6f}"),
        ("rusage_system", f"{usage.ru_stime:.6f}"),
        ("max_connections", node.max_connections),
        ("curr_connections", c.curr_connections),
        ("total_connections", c.total_connections),
        ("rejected_connections", c.rejected_connections),
        ("cmd_get", c.get_cmds),
        ("cmd_set", _sum(node, "cmd_set")),
        ("cmd_flush", c.flush_cmds),
        ("cmd_touch", c.touch_cmds),
        ("cmd_meta", 0),
        ("get_hits", _sum(node, "get_hits")),
        ("get_misses", c.get_misses),
        ("get_expired", c.get_expired),
        ("get_flushed", c.get_flushed),
        ("delete_misses", c.delete_misses),
        ("delete_hits", _sum(node, "delete_hits")),
        ("incr_misses", c.incr_misses),
        ("incr_hits", _sum(node, "incr_hits")),
        ("decr_misses", c.decr_misses),
        ("decr_hits", _sum(node, "decr_hits")),
        ("cas_misses", c.cas_misses),
        ("cas_hits", _sum(node, "cas_hits")),
        ("cas_badval", _sum(node, "cas_badval")),
        ("touch_hits", _sum(node, "touch_hits")),
        ("touch_misses", c.touch_misses),
        ("store_too_large", c.store_too_large),
        ("store_no_memory", c.store_no_memory),
        ("bytes_read", c.bytes_read),
        ("bytes_written", c.bytes_written),
        ("limit_maxbytes", node.slabs.memory_limit),
        ("threads", 4),
        ("bytes", node.bytes),
        ("curr_items", len(node.table)),
        ("total_items", c.total_items),
        ("expired_unfetched", _sum(node, "expired_unfetched")),
        ("evicted_unfetched", _sum(node, "evicted_unfetched")),
        ("evictions", _sum(node, "evicted")),
        ("reclaimed", _sum(node, "reclaimed")),
    ]


def settings(node) -> Pairs:
    """``stats settings``: the configuration (the subset the engine models)."""
    s = node.slabs
    return [
        ("maxbytes", s.memory_limit),
        ("maxconns", node.max_connections),
        ("tcpport", node.port),
        ("udpport", 0),
        ("verbosity", node.verbosity),
        ("oldest", node.oldest_live_seconds),
        ("evictions", "on"),
        ("growth_factor", f"{s.growth_factor:.2f}"),
        ("chunk_size", s.chunk_min),
        ("num_threads", 4),
        ("detail_enabled", "yes" if node.detail_enabled else "no"),
        ("cas_enabled", "yes"),
        ("item_size_max", s.item_size_max),
        ("slab_reassign", "yes"),
        ("slab_automove", 0),
        ("slab_chunk_max", s.chunk_max),
        ("flush_enabled", "yes"),
        ("lru_segmented", "no"),
    ]


def slabs(node) -> Pairs:
    """``stats slabs``: one block per class that owns a page, then totals."""
    out: Pairs = []
    active = node.slabs.active_classes
    for c in active:
        p = f"{c.id}:"
        out += [
            (p + "chunk_size", c.chunk_size),
            (p + "chunks_per_page", c.chunks_per_page),
            (p + "total_pages", c.pages),
            (p + "total_chunks", c.total_chunks),
            (p + "used_chunks", c.used_chunks),
            (p + "free_chunks", c.free_chunks),
            (p + "free_chunks_end", 0),
            (p + "get_hits", c.get_hits),
            (p + "cmd_set", c.cmd_set),
            (p + "delete_hits", c.delete_hits),
            (p + "incr_hits", c.incr_hits),
            (p + "decr_hits", c.decr_hits),
            (p + "cas_hits", c.cas_hits),
            (p + "cas_badval", c.cas_badval),
            (p + "touch_hits", c.touch_hits),
        ]
    out += [("active_slabs", len(active)), ("total_malloced", node.slabs.malloced)]
    return out


def items(node) -> Pairs:
    """``stats items``: one block per class whose LRU holds items."""
    out: Pairs = []
    now = node.current_time
    for c in node.slabs.classes:
        if not c.lru:
            continue
        tail = next(iter(c.lru.values()))
        p = f"items:{c.id}:"
        out += [
            (p + "number", c.items),
            (p + "age", now - tail.time),
            (p + "mem_requested", c.requested),
            (p + "evicted", c.evicted),
            (p + "evicted_nonzero", c.evicted_nonzero),
            (p + "evicted_time", c.evicted_time),
            (p + "outofmemory", c.outofmemory),
            (p + "reclaimed", c.reclaimed),
            (p + "expired_unfetched", c.expired_unfetched),
            (p + "evicted_unfetched", c.evicted_unfetched),
        ]
    return out
