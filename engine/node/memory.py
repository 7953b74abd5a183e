"""Memory accounting: how many bytes a key costs, the way Redis counts it.

Redis reports memory as the sum of what its allocator (jemalloc) handed out.
jemalloc rounds every request up to a *size class* (8, 16, 32, 48, 64, 80, …),
so a 23-byte allocation really costs 32 bytes. We model the same structures
Redis 7.0 allocates for a key and round each through the same size classes:

* ``dictEntry`` — 24 bytes: key pointer, value pointer, next pointer;
* the key, an *sds* string: a header (3 bytes for lengths < 256, 5 below 64 KiB,
  9 below 4 GiB) + the bytes + a terminating NUL;
* the value object (``robj``, 16 bytes) and its payload. Strings come in three
  encodings: ``int`` (the number lives inside the robj: 16 bytes), ``embstr``
  (robj and sds in one allocation, for strings up to 44 bytes) and ``raw``
  (robj + a separate sds).

``MEMORY USAGE key`` reports exactly dictEntry + key + value, as Redis does;
for strings the result matches redis-server 7.0 byte for byte (checked in
tests/compat). ``used_memory`` in INFO adds what the keyspace's hash tables
cost (8 bytes per bucket, the table size being the next power of two), an extra
dictEntry per key with a TTL (Redis keeps TTLs in a second dict), and a fixed
baseline for the server itself. It is an approximation — real Redis also counts
client buffers, fragmentation is not modelled — but it moves the way real
memory moves, which is what eviction needs.
"""
from __future__ import annotations

DICT_ENTRY = 24
ROBJ = 16
POINTER = 8
#: used_memory of an idle redis-server 7.0 with an empty keyspace, measured on
#: Debian's 7.0.15 (``INFO memory`` right after start, no clients but one).
BASELINE_USED_MEMORY = 866_000
#: embstr is used for strings up to this length (OBJ_ENCODING_EMBSTR_SIZE_LIMIT).
EMBSTR_LIMIT = 44


def _size_classes():
    """jemalloc's small and large size classes (bytes), as Redis builds it."""
    classes = [8]
    size = 16
    while size <= 128:
        classes.append(size)
        size += 16
    group = 128
    while group < 16 * 1024 * 1024:
        step = group // 4
        for i in range(1, 5):
            classes.append(group + i * step)
        group *= 2
    return classes


_CLASSES = _size_classes()
_SMALL = [0] * 4097  # lookup table for the common case
_ci = 0
for _n in range(4097):
    while _CLASSES[_ci] < _n:
        _ci += 1
    _SMALL[_n] = _CLASSES[_ci]


def alloc_size(n: int) -> int:
    """What jemalloc really reserves for a request of ``n`` bytes."""
    if n <= 4096:
        return _SMALL[n]
    if n >= 16 * 1024 * 1024:
        page = 4096
        return (n + page - 1) // page * page
    lo, hi = 0, len(_CLASSES) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if _CLASSES[mid] < n:
            lo = mid + 1
        else:
            hi = mid
    return _CLASSES[lo]


def sds_header(length: int) -> int:
    if length < 256:
        return 3
    if length < 65536:
        return 5
    if length < 2**32:
        return 9
    return 17


def sds_size(length: int) -> int:
    """An sds string of ``length`` bytes: header + bytes + NUL, rounded."""
    return alloc_size(sds_header(length) + length + 1)


def string_value_size(value: bytes, encoding: str) -> int:
    if encoding == "int":
        return ROBJ
    if encoding == "embstr":
        return alloc_size(ROBJ + 3 + len(value) + 1)
    return ROBJ + sds_size(len(value))


def key_overhead(key: bytes) -> int:
    """dictEntry + the key's sds: what any key costs before its value."""
    return DICT_ENTRY + sds_size(len(key))


def table_size(count: int) -> int:
    """Bytes of a Redis dict's bucket array holding ``count`` entries: the
    table grows in powers of two (minimum 4) and each bucket is a pointer."""
    if count == 0:
        return 0
    return max(4, 1 << (count - 1).bit_length()) * POINTER
