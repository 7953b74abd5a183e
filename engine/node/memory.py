"""Memory accounting: how many bytes a key costs, the way Redis counts it.

Redis reports memory as the sum of what its allocator (jemalloc) handed out.
jemalloc rounds every request up to a *size class* (8, 16, 32, 48, 64, 80, …),
so a 23-byte allocation really costs 32 bytes. We model the same structures
Redis 7.0 allocates for a key and round each through the same size classes:

* ``dictEntry`` — 24 bytes: key pointer, value pointer, next pointer;
* the key, an *sds* string: a header (1 byte for keys under 32 bytes, else 3
  for lengths < 256, 5 below 64 KiB, 9 below 4 GiB) + the bytes + a NUL;
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
    """Header bytes of an sds string Redis *grows* (type 8 and up)."""
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


def new_sds_header(length: int) -> int:
    """Header of an sds created at its final size (sdsnewlen): the 1-byte
    ``sdshdr5`` for 1–31 bytes, otherwise as :func:`sds_header`."""
    if 0 < length < 32:
        return 1
    return sds_header(length)


def exact_capacity(length: int) -> int:
    """Room in a freshly created sds of ``length`` bytes: sdsnewlen keeps what
    the allocator rounded up to (sdshdr5 strings keep none)."""
    header = new_sds_header(length)
    if header == 1:
        return length
    usable = alloc_size(header + length + 1) - header - 1
    return min(usable, 255) if header == 3 else usable


def grown_capacity(length: int, addlen: int) -> int:
    """Capacity of an sds after Redis grows it to hold ``addlen`` more bytes
    (sdsMakeRoomFor, greedy): it asks for *double* the new length (or 1 MB more
    above 1 MB), and keeps whatever the allocator's size class rounds up to.
    That spare room is why APPEND is cheap when called repeatedly."""
    newlen = length + addlen
    newlen = newlen * 2 if newlen < 1024 * 1024 else newlen + 1024 * 1024
    header = sds_header(newlen)   # never sdshdr5: it cannot track spare room
    usable = alloc_size(header + newlen + 1) - header - 1
    if header == 3:
        usable = min(usable, 255)  # sdshdr8 stores the capacity in one byte
    return usable


def string_value_size(value: bytes, encoding: str, capacity: int = -1) -> int:
    """Bytes of a string value: the robj plus its payload. ``capacity`` is the
    allocated room of a ``raw`` string that has been grown (-1: exact fit)."""
    if encoding == "int":
        return ROBJ
    if encoding == "embstr":
        return alloc_size(ROBJ + 3 + len(value) + 1)
    if capacity < 0:
        n = len(value)
        return ROBJ + alloc_size(new_sds_header(n) + n + 1)
    header = 1 if capacity == len(value) and 0 < capacity < 32 else sds_header(capacity)
    return ROBJ + alloc_size(header + capacity + 1)


def key_sds_size(length: int) -> int:
    """A key's sds. Keys are created at their final size, so short ones (1–31
    bytes) get the 1-byte ``sdshdr5`` header; the empty key gets ``sdshdr8``."""
    return alloc_size(new_sds_header(length) + length + 1)


def key_overhead(key: bytes) -> int:
    """dictEntry + the key's sds: what any key costs before its value."""
    return DICT_ENTRY + key_sds_size(len(key))


def table_size(count: int) -> int:
    """Bytes of a Redis dict's bucket array holding ``count`` entries: the
    table grows in powers of two (minimum 4) and each bucket is a pointer."""
    if count == 0:
        return 0
    return max(4, 1 << (count - 1).bit_length()) * POINTER


#: type name -> function(entry, config) -> bytes of the value (robj + payload).
#: Each data-type module registers its own model here (strings are built in).
SIZERS = {}


def register_sizer(type_name: str):
    """Decorator: ``@register_sizer("hash")`` declares how a type is counted."""
    def decorate(fn):
        SIZERS[type_name] = fn
        return fn
    return decorate
