"""Hash slots: how Redis Cluster decides which shard owns a key.

The key space is cut into 16384 *hash slots*. A key's slot is
``CRC16(key) mod 16384`` (CRC16 in its XMODEM variant: polynomial 0x1021,
initial value 0), and every slot belongs to exactly one shard. Moving data
between shards therefore means moving *slots*, never re-hashing every key as a
modulo-N scheme would.

Hash tags let an application keep related keys together: when a key contains
``{`` followed later by ``}`` with at least one byte between them, only the
bytes inside the *first* such pair are hashed. ``user:{42}:cart`` and
``user:{42}:profile`` share a slot, so a multi-key command (MGET, a MULTI
transaction, a Lua script) may use both. ``foo{}{bar}`` hashes the whole key:
the first ``{`` is followed at once by ``}``, an empty tag, and Redis does not
look for another one (cluster.c ``keyHashSlot``).
"""
from __future__ import annotations

import math
import struct
from binascii import crc_hqx
from typing import Iterable, List, Tuple

#: How many hash slots a Redis cluster has (CLUSTER_SLOTS in cluster.h).
NUM_SLOTS = 16384
_MASK = NUM_SLOTS - 1


def crc16(data: bytes) -> int:
    """CRC16/XMODEM of ``data`` — the checksum Redis Cluster hashes keys with.

    ``binascii.crc_hqx`` is exactly this CRC (CCITT polynomial 0x1021) when
    started from 0, computed in C: ``crc16(b"123456789") == 0x31C3``.
    """
    return crc_hqx(_as_bytes(data), 0)


def key_slot(key) -> int:
    """The hash slot (0–16383) of ``key`` (bytes or str), honouring hash tags."""
    key = _as_bytes(key)
    start = key.find(b"{")
    if start >= 0:
        end = key.find(b"}", start + 1)
        # A tag counts only if it is non-empty: "{}" hashes the whole key.
        if end > start + 1:
            key = key[start + 1:end]
    return crc_hqx(key, 0) & _MASK


def _as_bytes(value) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"a key is bytes or str, not {type(value).__name__}")


def ranges(slots: Iterable[int]) -> List[Tuple[int, int]]:
    """Collapse slot numbers into sorted inclusive ranges: [0,1,2,7] -> [(0,2),(7,7)]."""
    out: List[Tuple[int, int]] = []
    for slot in sorted(slots):
        if out and out[-1][1] == slot - 1:
            out[-1] = (out[-1][0], slot)
        else:
            out.append((slot, slot))
    return out


def _f32(x: float) -> float:
    """Round to a C ``float`` (redis-cli does this arithmetic in 32 bits)."""
    return struct.unpack("f", struct.pack("f", x))[0]


def even_split(count: int) -> List[Tuple[int, int]]:
    """Split the 16384 slots into ``count`` contiguous ranges of nearly equal
    size exactly as ``redis-cli --cluster create`` lays out a new cluster
    (3 shards: 0-5460, 5461-10922, 10923-16383), so the same key lands on the
    same shard number in the emulator and in a real cluster."""
    if count < 1:
        raise ValueError("a cluster needs at least one shard")
    per_node = _f32(NUM_SLOTS / count)
    cursor = 0.0
    first = 0
    out = []
    for i in range(count):
        value = _f32(_f32(cursor + per_node) - 1)
        last = int(math.floor(value + 0.5))  # C lround: halves away from zero
        if last > NUM_SLOTS or i == count - 1:
            last = NUM_SLOTS - 1
        if last < first:
            last = first
        out.append((first, last))
        first = last + 1
        cursor = _f32(cursor + per_node)
    return out
