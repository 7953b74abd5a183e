"""Hash slots, computed locally: CRC16 (XMODEM) of the key — or of its hash tag — mod 16384.

This is the rule Redis Cluster and ElastiCache (cluster mode enabled) use to place a key
on a shard: ``HASH_SLOT = CRC16(key) mod 16384``. If the key contains ``{`` and a ``}``
after it with at least one character between them, only that part (the *hash tag*) is
hashed — so ``{user:42}:cart`` and ``{user:42}:profile`` land in the same slot, and one
MSET or MULTI can touch both. Kept small and local so exercises do not depend on the
cluster emulator.
"""
from __future__ import annotations

SLOTS = 16384


def _table():
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
        table.append(crc & 0xFFFF)
    return table


_TABLE = _table()


def crc16(data: bytes) -> int:
    """CRC16-CCITT (XMODEM): polynomial 0x1021, initial value 0 — the one Redis uses."""
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ _TABLE[((crc >> 8) ^ byte) & 0xFF]
    return crc


def hash_tag(key: bytes) -> bytes:
    """The part of ``key`` that is hashed: the first ``{...}`` if non-empty, else all."""
    start = key.find(b"{")
    if start != -1:
        end = key.find(b"}", start + 1)
        if end > start + 1:
            return key[start + 1:end]
    return key


def key_slot(key) -> int:
    """The hash slot (0–16383) of ``key`` (str or bytes)."""
    if isinstance(key, str):
        key = key.encode()
    return crc16(hash_tag(key)) % SLOTS
