"""Hash commands (redis-server's t_hash.c).

A Redis hash maps field names to string values inside one key — an object's
attributes (``user:42`` → name, email, visits) stored and expired together.
Caches use hashes to keep one record per key and update single fields
(HSET, HINCRBY) without rewriting the whole object.

Two encodings, as in Redis 7.0 (OBJECT ENCODING shows which):

* ``listpack`` — a small hash is one compact byte array of field, value,
  field, value… Lookups scan it linearly, which is fast for a few dozen
  entries and saves the per-field pointers of a hash table. Fields stay in
  insertion order (updating a field keeps its place), so HGETALL, HKEYS and
  HSCAN answer in that order.
* ``hashtable`` — once the hash holds more than ``hash-max-listpack-entries``
  fields, or any field or value is longer than ``hash-max-listpack-value``
  bytes, Redis converts it to a real hash table. It never converts back, even
  if the hash shrinks again. Replies then come in hash-table order, which
  Redis does not specify (its hash function is seeded at random).

The engine keeps every hash in a Python dict (:class:`HashValue`) and records
the encoding Redis would use, plus the byte counts the memory model needs
(see node/memory.py). ElastiCache note: the ``hash-max-listpack-*`` knobs are
set through a parameter group; the defaults here (128 entries, 64 bytes) are
redis.conf's and ElastiCache's.

HSCAN and SSCAN share the collection scanner defined at the end of this module.
"""
from __future__ import annotations

import zlib

from .. import errors
from ..node import dictscan, memory
from ..node.keyspace import Entry
from ..protocol.replies import OK, Map, ReplyError
from .args import INT64_MAX, INT64_MIN, parse_int
from .keys import parse_cursor, parse_scan_options
from .longdouble import incr_by_float
from .registry import command
from . import glob

LONG_MAX = 2**63 - 1
HASH_NOT_INTEGER = "ERR hash value is not an integer"
HASH_NOT_FLOAT = "ERR hash value is not a float"
#: The engine refuses replies larger than this many elements (Redis would try
#: to build them and stall; HRANDFIELD/SRANDMEMBER with a huge negative count).
MAX_RANDOM_REPLY = 10_000_000


class HashValue(dict):
    """field -> value, in insertion order (the listpack's order), plus the
    figures the memory model needs: ``payload`` is the listpack's entry bytes
    (listpack encoding) or the fields' and values' sds bytes (hashtable), and
    ``buckets`` the hash table's size (hashtable encoding only)."""

    __slots__ = ("payload", "buckets")

    def __init__(self, *args):
        super().__init__(*args)
        self.payload = 0
        self.buckets = 0


@memory.register_sizer("hash")
def hash_size(entry, config) -> int:
    """MEMORY USAGE of a hash value (the key's own bytes are added by the keyspace)."""
    h = entry.value
    if entry.encoding == "listpack":
        return memory.ROBJ + memory.listpack_size(h.payload)
    return memory.hashtable_size(h.buckets, len(h), h.payload)


def _sds(value: bytes) -> int:
    return memory.key_sds_size(len(value))


def convert_to_hashtable(e: Entry) -> None:
    """listpack -> hashtable (hashTypeConvertListpack): the table is sized for
    the current fields at once."""
    h = e.value
    e.encoding = "hashtable"
    h.buckets = memory.dict_initial_size(len(h))
    h.payload = sum(_sds(f) + _sds(v) for f, v in h.items())


def hash_set(e: Entry, field: bytes, value: bytes, config) -> bool:
    """Set one field (hashTypeSet); True if it is new. Converts to a hashtable
    when the field or value is too long for a listpack, or when the hash grows
    past ``hash-max-listpack-entries``."""
    h = e.value
    if e.encoding == "listpack":
        limit = config["hash-max-listpack-value"]
        if len(field) > limit or len(value) > limit:
            convert_to_hashtable(e)
    old = h.get(field)
    if e.encoding == "listpack":
        lp = memory.listpack_entry_size
        if old is None:
            h.payload += lp(field) + lp(value)
        else:
            h.payload += lp(value) - lp(old)
        h[field] = value
        if old is None and len(h) > config["hash-max-listpack-entries"]:
            convert_to_hashtable(e)
    else:
        if old is None:
            h.buckets = memory.dict_size_after_add(h.buckets, len(h))
            h.payload += _sds(field) + _sds(value)
        else:
            h.payload += _sds(value) - _sds(old)
        h[field] = value
    return old is None


def hash_delete(e: Entry, field: bytes) -> bool:
    """Remove one field; True if it existed. A hashtable may shrink."""
    h = e.value
    old = h.pop(field, None)
    if old is None:
        return False
    if e.encoding == "listpack":
        h.payload -= memory.listpack_entry_size(field) + memory.listpack_entry_size(old)
    else:
        h.payload -= _sds(field) + _sds(old)
        h.buckets = memory.dict_size_after_delete(h.buckets, len(h))
    return True


def _read(s, key: bytes):
    """The hash at ``key`` for a read command (lookupKeyRead), or None."""
    return s.db.read_as(key, "hash")


def _write(s, key: bytes):
    return s.db.write_as(key, "hash")


def _write_or_create(s, key: bytes) -> Entry:
    """hashTypeLookupWriteOrCreate: a new key starts as an empty listpack."""
    e = _write(s, key)
    if e is None:
        e = Entry(HashValue(), "hash", "listpack")
        s.db.store(key, e)
    return e


def _try_conversion(e: Entry, args, config) -> None:
    """hashTypeTryConversion: any argument longer than hash-max-listpack-value
    converts the hash *before* anything is written."""
    if e.encoding != "listpack":
        return
    limit = config["hash-max-listpack-value"]
    if any(len(a) > limit for a in args):
        convert_to_hashtable(e)


def _done(s, key: bytes, e: Entry) -> None:
    """After an in-place change: delete an emptied hash, else re-measure it."""
    s.db.settle(key, e)


_HSET_DOC = ("O(1) for each field/value pair added, so O(N) to add N field/value pairs "
             "when the command is called with multiple field/value pairs.")


@command("hset", arity=-4, flags="write denyoom fast", acl="hash", keys=(1, 1, 1),
         group="hash", since="2.0.0", complexity=_HSET_DOC)
def hset(s, key, *pairs):
    """HSET key field value [field value ...] — Set the string value of a hash field

    Set one or more fields, creating the hash if needed. Returns how many fields
    were *added* (updating an existing field counts 0).
    """
    if len(pairs) % 2:
        raise ReplyError(errors.wrong_arity("hset"))
    return _hset_pairs(s, key, pairs)


def _hset_pairs(s, key, pairs) -> int:
    config = s.node.config
    e = _write_or_create(s, key)
    _try_conversion(e, pairs, config)
    added = 0
    for i in range(0, len(pairs), 2):
        added += hash_set(e, pairs[i], pairs[i + 1], config)
    s.db.resized(key, e)
    return added


@command("hmset", arity=-4, flags="write denyoom fast", acl="hash", keys=(1, 1, 1),
         group="hash", since="2.0.0", doc_flags="deprecated",
         complexity="O(N) where N is the number of fields being set.")
def hmset(s, key, *pairs):
    """HMSET key field value [field value ...] — Set multiple hash fields to multiple values

    The old name of HSET (deprecated since 4.0): same effect, but replies OK.
    """
    if len(pairs) % 2:
        raise ReplyError(errors.wrong_arity("hmset"))
    _hset_pairs(s, key, pairs)
    return OK


@command("hsetnx", arity=4, flags="write denyoom fast", acl="hash", keys=(1, 1, 1),
         group="hash", since="2.0.0", complexity="O(1)")
def hsetnx(s, key, field, value):
    """HSETNX key field value — Set the value of a hash field, only if the field does not exist

    Set a field only if it is absent; 1 if set, 0 if it already existed.
    """
    e = _write_or_create(s, key)
    if field in e.value:
        return 0
    config = s.node.config
    _try_conversion(e, (field, value), config)
    hash_set(e, field, value, config)
    s.db.resized(key, e)
    return 1


@command("hget", arity=3, flags="readonly fast", acl="hash", keys=(1, 1, 1),
         group="hash", since="2.0.0", complexity="O(1)")
def hget(s, key, field):
    """HGET key field — Get the value of a hash field

    The value of one field, or nil if the field or the key is missing.
    """
    e = _read(s, key)
    return None if e is None else e.value.get(field)


@command("hmget", arity=-3, flags="readonly fast", acl="hash", keys=(1, 1, 1),
         group="hash", since="2.0.0",
         complexity="O(N) where N is the number of fields being requested.")
def hmget(s, key, *fields):
    """HMGET key field [field ...] — Get the values of all the given hash fields

    The values of several fields, nil for each missing one.
    """
    e = _read(s, key)
    h = e.value if e is not None else {}
    return [h.get(f) for f in fields]


@command("hgetall", arity=2, flags="readonly", acl="hash", keys=(1, 1, 1),
         group="hash", since="2.0.0", tips="nondeterministic_output_order",
         complexity="O(N) where N is the size of the hash.")
def hgetall(s, key):
    """HGETALL key — Get all the fields and values in a hash

    Every field and value: a map in RESP3, a flat field, value, … array in RESP2.
    Listpack hashes answer in insertion order.
    """
    e = _read(s, key)
    return Map() if e is None else Map(e.value)


@command("hkeys", arity=2, flags="readonly", acl="hash", keys=(1, 1, 1),
         group="hash", since="2.0.0", tips="nondeterministic_output_order",
         complexity="O(N) where N is the size of the hash.")
def hkeys(s, key):
    """HKEYS key — Get all the fields in a hash

    Every field name.
    """
    e = _read(s, key)
    return [] if e is None else list(e.value)


@command("hvals", arity=2, flags="readonly", acl="hash", keys=(1, 1, 1),
         group="hash", since="2.0.0", tips="nondeterministic_output_order",
         complexity="O(N) where N is the size of the hash.")
def hvals(s, key):
    """HVALS key — Get all the values in a hash

    Every value, in the same order HKEYS lists the fields.
    """
    e = _read(s, key)
    return [] if e is None else list(e.value.values())


@command("hdel", arity=-3, flags="write fast", acl="hash", keys=(1, 1, 1),
         group="hash", since="2.0.0",
         complexity="O(N) where N is the number of fields to be removed.")
def hdel(s, key, *fields):
    """HDEL key field [field ...] — Delete one or more hash fields

    Remove fields; how many existed. Removing the last field deletes the key.
    """
    e = _write(s, key)
    if e is None:
        return 0
    removed = sum(1 for f in fields if hash_delete(e, f))
    if removed:
        _done(s, key, e)
    return removed


@command("hexists", arity=3, flags="readonly fast", acl="hash", keys=(1, 1, 1),
         group="hash", since="2.0.0", complexity="O(1)")
def hexists(s, key, field):
    """HEXISTS key field — Determine if a hash field exists

    1 if the field exists, else 0.
    """
    e = _read(s, key)
    return int(e is not None and field in e.value)


@command("hlen", arity=2, flags="readonly fast", acl="hash", keys=(1, 1, 1),
         group="hash", since="2.0.0", complexity="O(1)")
def hlen(s, key):
    """HLEN key — Get the number of fields in a hash

    How many fields (0 for a missing key).
    """
    e = _read(s, key)
    return 0 if e is None else len(e.value)


@command("hstrlen", arity=3, flags="readonly fast", acl="hash", keys=(1, 1, 1),
         group="hash", since="3.2.0", complexity="O(1)")
def hstrlen(s, key, field):
    """HSTRLEN key field — Get the length of the value of a hash field

    The value's length in bytes (0 if missing).
    """
    e = _read(s, key)
    value = None if e is None else e.value.get(field)
    return 0 if value is None else len(value)


@command("hincrby", arity=4, flags="write denyoom fast", acl="hash", keys=(1, 1, 1),
         group="hash", since="2.0.0", complexity="O(1)")
def hincrby(s, key, field, increment):
    """HINCRBY key field increment — Increment the integer value of a hash field by the given number

    Add an integer to a field (a missing field counts as 0); the new value.
    The increment is checked before the key.
    """
    delta = parse_int(increment)
    e = _write_or_create(s, key)
    old = e.value.get(field)
    if old is None:
        current = 0
    else:
        current = parse_int(old, HASH_NOT_INTEGER)
    result = current + delta
    if not INT64_MIN <= result <= INT64_MAX:
        raise ReplyError(errors.OVERFLOW)
    hash_set(e, field, b"%d" % result, s.node.config)
    s.db.resized(key, e)
    return result


@command("hincrbyfloat", arity=4, flags="write denyoom fast", acl="hash", keys=(1, 1, 1),
         group="hash", since="2.6.0", complexity="O(1)")
def hincrbyfloat(s, key, field, increment):
    """HINCRBYFLOAT key field increment — Increment the float value of a hash field by the given amount

    Add a float to a field in long double arithmetic, like INCRBYFLOAT; returns
    the new value as a string (``10.5 + 0.1`` gives ``10.6``).
    """
    from .strings import _valid_ld
    if not _valid_ld(increment):
        raise ReplyError(errors.NOT_FLOAT)
    if b"inf" in increment.lower():
        raise ReplyError("ERR value is NaN or Infinity")
    e = _write_or_create(s, key)
    old = e.value.get(field)
    current = b"0" if old is None else old
    if old is not None and not _valid_ld(old):
        raise ReplyError(HASH_NOT_FLOAT)
    try:
        new = incr_by_float(current, increment)
    except OverflowError:
        raise ReplyError(errors.INCR_FLOAT_NAN) from None
    hash_set(e, field, new, s.node.config)
    s.db.resized(key, e)
    return new


def parse_random_count(raw: bytes) -> int:
    """A count for HRANDFIELD / SRANDMEMBER: a long in [-LONG_MAX, LONG_MAX]."""
    value = parse_int(raw)
    if value < -LONG_MAX:
        raise ReplyError("ERR value is out of range, value must between "
                         "-9223372036854775807 and 9223372036854775807")
    return value


@command("hrandfield", arity=-2, flags="readonly", acl="hash", keys=(1, 1, 1),
         group="hash", since="6.2.0", tips="nondeterministic_output",
         complexity="O(N) where N is the number of fields returned")
def hrandfield(s, key, *options):
    """HRANDFIELD key [count [WITHVALUES]] — Get one or multiple random fields from a hash

    One random field; or ``count`` distinct fields (all of them if count is at
    least the size); or, with a negative count, that many picks where a field
    may repeat. WITHVALUES adds each field's value (pairs in RESP3).
    """
    rng = s.node.rng
    if not options:
        e = _read(s, key)
        if e is None:
            return None
        fields = list(e.value)
        return fields[rng.randrange(len(fields))]
    count = parse_random_count(options[0])
    withvalues = False
    if len(options) > 2 or (len(options) == 2 and options[1].upper() != b"WITHVALUES"):
        raise ReplyError(errors.SYNTAX)
    if len(options) == 2:
        withvalues = True
        if not -(LONG_MAX // 2) <= count <= LONG_MAX // 2:
            raise ReplyError("ERR value is out of range")
    e = _read(s, key)
    if e is None or count == 0:
        return []
    h = e.value
    if count < 0:
        if -count > MAX_RANDOM_REPLY:
            raise ReplyError("ERR count is too large for the engine")
        items = list(h.items())
        picks = [items[rng.randrange(len(items))] for _ in range(-count)]
    elif count >= len(h):
        picks = list(h.items())     # the whole hash, in its own order
    else:
        picks = rng.sample(list(h.items()), count)
    if not withvalues:
        return [f for f, _ in picks]
    if s.protocol == 3:
        return [[f, v] for f, v in picks]
    return [x for pair in picks for x in pair]


# -- HSCAN / SSCAN ----------------------------------------------------------------

def scan_table(members, buckets: int, cursor: int, count: int, weight: int):
    """One step of dictScan over a hash table of ``buckets`` buckets holding
    ``members``: visit buckets in reverse-binary order from ``cursor`` until
    ``count`` reply items were gathered (``weight`` items per member: 2 for a
    hash's field and value) or ``10 * count`` buckets were visited. The
    engine's bucket of a member is CRC-32 of it (Redis uses a seeded hash)."""
    mask = max(buckets, 1) - 1
    table = {}
    for m in members:
        table.setdefault(zlib.crc32(m) & mask, []).append(m)
    found = []
    budget = count * 10
    while True:
        found.extend(table.get(cursor & mask, ()))
        cursor = dictscan.next_cursor(cursor, mask)
        if not cursor or budget <= 0 or len(found) * weight >= count:
            break
        budget -= 1
    return cursor, found


@command("hscan", arity=-3, flags="readonly", acl="hash", keys=(1, 1, 1),
         group="hash", since="2.8.0", tips="nondeterministic_output",
         complexity="O(1) for every call. O(N) for a complete iteration, including enough "
                    "command calls for the cursor to return back to 0. N is the number of "
                    "elements inside the collection..")
def hscan(s, key, cursor, *options):
    """HSCAN key cursor [MATCH pattern] [COUNT count] — Incrementally iterate hash fields and associated values

    Iterate a hash a few fields at a time: [next cursor, [field, value, …]].
    A listpack hash is small, so it comes back whole with cursor 0 whatever
    COUNT says; a hashtable is walked bucket by bucket like SCAN.
    """
    cur = parse_cursor(cursor)
    e = _read(s, key)
    if e is None:
        return [b"0", []]
    count, pattern, _ = parse_scan_options(options)
    h = e.value
    if e.encoding == "listpack":
        nxt, fields = 0, list(h)
    else:
        nxt, fields = scan_table(h, h.buckets, cur, count, 2)
    out = []
    for f in fields:
        if pattern is None or glob.match(pattern, f):
            out.extend((f, h[f]))
    return [str(nxt).encode(), out]
