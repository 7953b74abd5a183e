"""Data tiering (R6gd nodes): least recently used values move to a simulated SSD tier.

On an R6gd node, when memory (DRAM) fills up, ElastiCache moves the *values*
of the least recently used items to a local NVMe SSD; keys stay in memory.
Reading a value from SSD brings it back to DRAM and costs extra latency
(fact sheet §5; DG:data-tiering; FAQ):

* about **+300 µs** on average per SSD read (500-byte values) — ``SSD_EXTRA_LATENCY_US``;
* about **4.8×** the capacity of the same-size R6g node — ``CAPACITY_FACTOR``;
* a good fit when **under 20 %** of the data is read regularly and values are
  larger than keys; items over 128 MiB stay in memory.

:class:`TieredNode` puts that rule on a real engine node: it keeps the values'
LRU order, a DRAM budget in bytes, and the set of keys whose value is "on SSD"
(the engine still holds them — the SSD is simulated, only its latency and
capacity are modelled). :func:`sweep_hot_share` measures the SSD share of
reads and the mean latency as the hot part of the data shrinks or grows.
"""
from __future__ import annotations

import math
import random
from collections import OrderedDict
from typing import Dict, List

from . import node_types, pricing

SSD_EXTRA_LATENCY_US = 300          # FAQ (fact sheet §5)
CAPACITY_FACTOR = 4.8               # OLD:data-tiering.md (fact sheet §5)
GOOD_FIT_HOT_SHARE = 0.20           # DG:data-tiering (fact sheet §5)
MAX_TIERED_ITEM_BYTES = 128 * 2**20  # OLD:data-tiering.md: larger items stay in memory
#: Base latency of a DRAM read (the same "sub-millisecond" model as engine.service.simulate).
BASE_LATENCY_US = 500


class TieredNode:
    """A DRAM budget and an LRU over values, on top of an engine Node."""

    def __init__(self, node, dram_bytes: int):
        if dram_bytes <= 0:
            raise ValueError("dram_bytes must be > 0")
        self.node = node
        self.dram_bytes = dram_bytes
        self._lru: "OrderedDict[bytes, int]" = OrderedDict()   # in DRAM, oldest first
        self.on_ssd: Dict[bytes, int] = {}
        self.dram_used = 0
        self.ssd_reads = self.dram_reads = self.misses = 0
        self.moves_to_ssd = 0
        self._session = node.open_session()

    def _touch(self, key: bytes, size: int) -> None:
        if key in self.on_ssd:
            del self.on_ssd[key]
        elif key in self._lru:
            self.dram_used -= self._lru.pop(key)
        self._lru[key] = size
        self.dram_used += size
        while self.dram_used > self.dram_bytes and len(self._lru) > 1:
            old, old_size = self._lru.popitem(last=False)
            if old_size > MAX_TIERED_ITEM_BYTES:
                self._lru[old] = old_size          # too big to tier: stays in memory
                self._lru.move_to_end(old, last=False)
                break
            self.dram_used -= old_size
            self.on_ssd[old] = old_size
            self.moves_to_ssd += 1

    def set(self, key, value: bytes):
        key = key if isinstance(key, bytes) else str(key).encode()
        reply = self.node.execute(self._session, [b"SET", key, value])
        self._touch(key, len(value))
        return reply

    def get(self, key):
        """``(value, latency_us)``: a value read from SSD costs the extra latency."""
        key = key if isinstance(key, bytes) else str(key).encode()
        value = self.node.execute(self._session, [b"GET", key])
        if value is None:
            self.misses += 1
            return None, BASE_LATENCY_US
        latency = BASE_LATENCY_US
        if key in self.on_ssd:
            self.ssd_reads += 1
            latency += SSD_EXTRA_LATENCY_US
        else:
            self.dram_reads += 1
        self._touch(key, len(value))
        return value, latency

    @property
    def ssd_share(self) -> float:
        reads = self.ssd_reads + self.dram_reads
        return self.ssd_reads / reads if reads else 0.0


def sweep_hot_share(hot_shares=(0.05, 0.1, 0.2, 0.4, 0.6, 0.8), *, dram_share: float = 0.25,
                    keys: int = 1000, value_bytes: int = 500, reads: int = 4000,
                    hot_request_share: float = 0.9, seed: int = 0) -> List[dict]:
    """For each hot share: load ``keys`` values, give DRAM room for
    ``dram_share`` of them, read ``reads`` times (``hot_request_share`` of the
    reads go to the hot keys), and report the SSD share and mean latency."""
    from ..node.node import Node
    out = []
    for hot in hot_shares:
        rng = random.Random(seed)
        node = Node(seed=seed)
        tiered = TieredNode(node, int(keys * value_bytes * dram_share))
        value = b"v" * value_bytes
        for i in range(keys):
            tiered.set(f"k{i}", value)
        n_hot = max(1, int(keys * hot))
        total = 0
        for _ in range(reads):
            if rng.random() < hot_request_share:
                i = rng.randrange(n_hot)
            else:
                i = rng.randrange(keys)
            total += tiered.get(f"k{i}")[1]
        out.append({"hot_share": hot, "ssd_read_share": round(tiered.ssd_share, 4),
                    "mean_latency_us": round(total / reads, 1),
                    "good_fit": hot <= GOOD_FIT_HOT_SHARE})
    return out


def nodes_needed(data_gb: float, node_type: str) -> int:
    """Nodes (shards) to hold ``data_gb``: DRAM after reserved memory, × 4.8 for R6gd."""
    row = node_types.node_type(node_type)
    capacity = row.usable_memory_bytes() / 1e9
    if row.data_tiering:
        capacity *= CAPACITY_FACTOR
    return max(1, math.ceil(data_gb / capacity))


def compare(data_gb: float, book: pricing.PriceBook, *, memory_type: str = "cache.r6g.xlarge",
            tiered_type: str = "cache.r6gd.xlarge", hours: float = 720,
            engine: str = "redis") -> dict:
    """Nodes and monthly cost of an all-memory design vs a data tiering one
    (cost only for the types ``book`` prices — the sources give no R6gd price)."""
    out = {}
    for label, name in (("memory", memory_type), ("tiered", tiered_type)):
        n = nodes_needed(data_gb, name)
        try:
            cost = pricing.nodes_cost(book, name, n, hours, engine)
        except KeyError:
            cost = None
        out[label] = {"node type": name, "nodes": n, "monthly_usd": cost}
    return out
