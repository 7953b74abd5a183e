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


# -- collections (hashes and sets) ---------------------------------------------
# Redis 7.0 keeps small collections in one compact allocation and big ones in a
# hash table. MEMORY USAGE reports, for each encoding:
#
# * listpack (small hashes): robj + the listpack's allocation. A listpack is a
#   6-byte header, one entry per field and per value, and a 1-byte end mark;
#   see :func:`listpack_entry_size`.
# * intset (small sets of integers): robj + an 8-byte header + n × width,
#   width being 2, 4 or 8 bytes (the widest member ever stored: it never
#   shrinks back).
# * hashtable: robj + the ``dict`` struct (56 bytes) + 8 bytes per bucket +
#   per element a 24-byte dictEntry and its sds strings (Redis counts
#   ``sizeof(dictEntry)``, not the allocator's 32).

LISTPACK_OVERHEAD = 7      # 4-byte total length + 2-byte count + end byte
DICT_STRUCT = 56           # sizeof(dict) in Redis 7.0
INTSET_HEADER = 8          # encoding + length (uint32 each)


def listpack_entry_size(value: bytes) -> int:
    """Bytes of one listpack entry: encoding header + data + back-length.
    Canonical integers are stored as integers (1 to 9 bytes), other strings
    as a 1-, 2- or 5-byte length header followed by the bytes."""
    n = len(value)
    size = 0
    if 0 < n <= 20 and value[:1] in b"-0123456789":
        try:
            i = int(value)
        except ValueError:
            i = None
        if i is not None and b"%d" % i == value and -(2**63) <= i < 2**63:
            if 0 <= i <= 127:
                size = 1
            elif -4096 <= i <= 4095:
                size = 2
            elif -32768 <= i <= 32767:
                size = 3
            elif -8388608 <= i <= 8388607:
                size = 4
            elif -(2**31) <= i < 2**31:
                size = 5
            else:
                size = 9
    if size == 0:
        size = (1 if n < 64 else 2 if n < 4096 else 5) + n
    if size <= 127:
        back = 1
    elif size < 16383:
        back = 2
    elif size < 2097151:
        back = 3
    elif size < 268435455:
        back = 4
    else:
        back = 5
    return size + back


def listpack_size(entry_bytes: int) -> int:
    """Allocation of a listpack whose entries take ``entry_bytes`` bytes."""
    return alloc_size(LISTPACK_OVERHEAD + entry_bytes)


def intset_width(value: int) -> int:
    """Bytes per member an intset needs to hold ``value`` (2, 4 or 8)."""
    if -32768 <= value <= 32767:
        return 2
    if -(2**31) <= value < 2**31:
        return 4
    return 8


def intset_size(count: int, width: int) -> int:
    return alloc_size(INTSET_HEADER + count * width)


def dict_initial_size(count: int) -> int:
    """Buckets of a dict pre-sized for ``count`` entries (dictExpand): the next
    power of two, at least 4."""
    size = 4
    while size < count:
        size <<= 1
    return size


def dict_size_after_add(size: int, used: int) -> int:
    """Buckets after adding one entry to a dict holding ``used`` in ``size``
    buckets: an empty table gets 4, a full one (used >= size) doubles."""
    if size == 0:
        return 4
    if used >= size:
        return dict_initial_size(used + 1)
    return size


def dict_size_after_delete(size: int, used: int) -> int:
    """Buckets after a delete left ``used`` entries: below 10 % fill Redis
    shrinks the table to fit (htNeedsResize + dictResize)."""
    if size > 4 and used * 100 // size < 10:
        return dict_initial_size(max(used, 4))
    return size


def hashtable_size(buckets: int, count: int, payload: int) -> int:
    """robj + dict + bucket array + dictEntries + the elements' sds bytes."""
    return ROBJ + DICT_STRUCT + buckets * POINTER + count * DICT_ENTRY + payload


# -- listpack and skiplist (sorted sets; hashes and sets may share them) --------
#: A listpack's fixed bytes: 4 (total bytes) + 2 (element count) + 1 (end marker).
LISTPACK_OVERHEAD = 7


def listpack_backlen(length: int) -> int:
    """Bytes of an entry's back-length field (lpEncodeBacklen)."""
    if length <= 127:
        return 1
    if length < 16383:
        return 2
    if length < 2097151:
        return 3
    if length < 268435455:
        return 4
    return 5


def listpack_int_entry(value: int) -> int:
    """Bytes of a listpack entry holding an integer (encoding + data + backlen)."""
    if 0 <= value <= 127:
        size = 1            # 7-bit unsigned
    elif -4096 <= value <= 4095:
        size = 2            # 13-bit
    elif -32768 <= value <= 32767:
        size = 3            # int16
    elif -8388608 <= value <= 8388607:
        size = 4            # int24
    elif -2147483648 <= value <= 2147483647:
        size = 5            # int32
    else:
        size = 9            # int64
    return size + listpack_backlen(size)


def listpack_entry(data: bytes) -> int:
    """Bytes of a listpack entry for ``data``: strings that read as a canonical
    64-bit integer are stored as integers (lpStringToInt64), others as strings
    with a 1-, 2- or 5-byte header."""
    from .keyspace import is_canonical_int  # local: keyspace imports this module
    if is_canonical_int(data):
        return listpack_int_entry(int(data))
    n = len(data)
    size = n + (1 if n < 64 else 2 if n < 4096 else 5)
    return size + listpack_backlen(size)


#: Redis 7.0 structure sizes (x86-64) used by the skiplist model.
ZSET_STRUCT = 16          # struct zset: dict* + zskiplist*
ZSKIPLIST_STRUCT = 32     # header*, tail*, length, level
DICT_STRUCT = 56          # struct dict (7.0: type, 2 tables, 2 used, rehashidx, …)
ZSKIPLIST_MAXLEVEL = 32


def skiplist_node(level: int) -> int:
    """A zskiplistNode with ``level`` levels: ele, score, backward + 16 bytes
    (forward pointer and span) per level, rounded by the allocator."""
    return alloc_size(24 + 16 * level)


def dict_slots(count: int, current: int = 0) -> int:
    """Buckets of a Redis dict after inserting up to ``count`` entries: it
    starts at 4 and doubles when full (it does not shrink here)."""
    slots = max(current, 4 if count else 0)
    while slots < count:
        slots *= 2
    return slots
