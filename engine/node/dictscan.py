"""SCAN's cursor, the way Redis builds it: reverse-binary iteration of buckets.

Redis stores keys in a hash table of 2^n buckets and SCAN's cursor is a bucket
index. Instead of counting 0, 1, 2, 3 … it increments the index *from the
high bit down* (``reverse(reverse(v) + 1)``). Visiting buckets in that order
has a remarkable property: if the table doubles or halves between two SCAN
calls, buckets already visited map onto buckets the new order has also already
passed, so every key present for the whole scan is still returned at least once
(some may come back twice). That is the guarantee SCAN documents.

We model the table the same way: 2^n buckets with n the smallest size that
holds the keys (minimum 4, as Redis's ``DICT_HT_INITIAL_SIZE``), a key's bucket
given by a fixed hash (CRC-32, so every run is the same), and one bucket visited
per step. The bucket index is rebuilt only when the keyspace changed since the
last SCAN call.
"""
from __future__ import annotations

import zlib
from typing import Dict, List, Tuple

MASK64 = (1 << 64) - 1
INITIAL_SIZE = 4


def table_size(count: int) -> int:
    size = INITIAL_SIZE
    while size < count:
        size <<= 1
    return size


def _rev64(v: int) -> int:
    return int(f"{v:064b}"[::-1], 2)


def next_cursor(v: int, mask: int) -> int:
    """The cursor after bucket ``v & mask`` (dictScan's increment)."""
    v |= ~mask & MASK64
    v = _rev64(v)
    v = (v + 1) & MASK64
    return _rev64(v)


class BucketIndex:
    """key -> bucket mapping for one database, cached until the keys change."""

    def __init__(self):
        self._signature: Tuple[int, int] = (-1, -1)
        self.mask = INITIAL_SIZE - 1
        self.buckets: Dict[int, List[bytes]] = {}

    def refresh(self, db) -> None:
        signature = (id(db.data), db.version)
        if signature == self._signature:
            return
        size = table_size(len(db.data))
        self.mask = size - 1
        buckets: Dict[int, List[bytes]] = {}
        for key in db.data:
            buckets.setdefault(zlib.crc32(key) & self.mask, []).append(key)
        self.buckets = buckets
        self._signature = signature


def scan(db, cursor: int, count: int) -> Tuple[int, List[bytes]]:
    """Visit buckets from ``cursor`` until ``count`` keys were collected or
    ``count * 10`` buckets were visited (Redis's limit); returns (next, keys)."""
    index = db.bucket_index
    index.refresh(db)
    keys: List[bytes] = []
    budget = count * 10
    while True:
        keys.extend(index.buckets.get(cursor & index.mask, ()))
        cursor = next_cursor(cursor, index.mask)
        budget -= 1
        if cursor == 0 or budget <= 0 or len(keys) >= count:
            break
    return cursor, keys


def ordered_keys(db) -> List[bytes]:
    """Every key in bucket order (what KEYS returns)."""
    index = db.bucket_index
    index.refresh(db)
    out: List[bytes] = []
    cursor = 0
    while True:
        out.extend(index.buckets.get(cursor & index.mask, ()))
        cursor = next_cursor(cursor, index.mask)
        if cursor == 0:
            return out
