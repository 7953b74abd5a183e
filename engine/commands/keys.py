"""Generic key commands (redis-server's db.c and expire.c).

These work on any key whatever its type: existence, deletion, renaming,
moving between databases, scanning, and — central to caching — TTLs. A TTL is
stored as an absolute deadline in unix milliseconds; TTL/PTTL compute what is
left, and a key past its deadline is never returned (see node/keyspace.py for
passive expiry and node/expiry.py for the active cycle).
"""
from __future__ import annotations

import copy
import re

from .. import errors
from ..node import dictscan
from ..node.keyspace import SHARED_INTEGERS, Entry
from ..protocol.replies import OK, ReplyError, SimpleString
from . import glob
from .args import INT64_MAX, INT64_MIN, parse_c_int, parse_int
from .registry import command, container

MULTI_SHARD_SUM = "request_policy:multi_shard response_policy:agg_sum"


@command("del", arity=-2, flags="write", acl="keyspace", keys=(1, -1, 1),
         group="generic", since="1.0.0", tips=MULTI_SHARD_SUM,
         complexity="O(N) where N is the number of keys that will be removed. When a key to "
                    "remove holds a value other than a string, the individual complexity for this "
                    "key is O(M) where M is the number of elements in the list, set, sorted set "
                    "or hash. Removing a single key that holds a string value is O(1).")
def del_(s, *keys):
    """DEL key [key ...] — Delete a key

    Delete keys; the number that existed.
    """
    db = s.db
    return sum(1 for key in keys if db.find(key) is not None and db.delete(key))


@command("unlink", arity=-2, flags="write fast", acl="keyspace", keys=(1, -1, 1),
         group="generic", since="4.0.0", tips=MULTI_SHARD_SUM,
         complexity="O(1) for each key removed regardless of its size. Then the command does "
                    "O(N) work in a different thread in order to reclaim memory, where N is the "
                    "number of allocations the deleted objects where composed of.")
def unlink(s, *keys):
    """UNLINK key [key ...] — Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.

    Like DEL, but Redis frees big values in the background so the server does not stall;
    the number removed.
    """
    return del_(s, *keys)


@command("exists", arity=-2, flags="readonly fast", acl="keyspace", keys=(1, -1, 1),
         group="generic", since="1.0.0", tips=MULTI_SHARD_SUM,
         complexity="O(N) where N is the number of keys to check.")
def exists(s, *keys):
    """EXISTS key [key ...] — Determine if a key exists

    How many of the keys exist (repeats count twice).
    """
    db = s.db
    return sum(1 for key in keys if db.read(key, touch=False) is not None)


@command("type", arity=2, flags="readonly fast", acl="keyspace", keys=(1, 1, 1),
         group="generic", since="1.0.0", complexity="O(1)")
def type_(s, key):
    """TYPE key — Determine the type stored at key

    String, list, set, zset, hash, stream, or none.
    """
    e = s.db.read(key, touch=False)
    return SimpleString(b"none" if e is None else e.type.encode())


def _live(db, key) -> bool:
    e = db.data.get(key)
    return e is not None and (e.expire_at is None or e.expire_at >= db.node.now)


@command("keys", arity=2, flags="readonly", acl="keyspace dangerous", group="generic",
         since="1.0.0", tips="request_policy:all_shards nondeterministic_output_order",
         complexity="O(N) with N being the number of keys in the database, under the "
                    "assumption that the key names in the database and the given "
                    "pattern have limited length.")
def keys(s, pattern):
    """KEYS pattern — Find all keys matching the given pattern

    Every key matching a glob. It walks the whole keyspace in one go and blocks the
    server meanwhile: use SCAN in production.
    """
    db = s.db
    everything = pattern == b"*"
    return [k for k in dictscan.ordered_keys(db)
            if (everything or glob.match(pattern, k)) and _live(db, k)]


_CURSOR = re.compile(rb"[+-]?[0-9]+\Z")


def parse_cursor(raw: bytes) -> int:
    """SCAN cursors are unsigned 64-bit numbers read with C's ``strtoul``:
    a sign is accepted (``-1`` wraps around), an empty string is 0, leading
    spaces and anything after the digits are refused, and so is a number
    outside 64 bits."""
    if not raw:
        return 0
    if not _CURSOR.match(raw):
        raise ReplyError("ERR invalid cursor")
    value = int(raw)
    if abs(value) > dictscan.MASK64:
        raise ReplyError("ERR invalid cursor")
    return value & dictscan.MASK64


def parse_scan_options(options, allow_type: bool = False):
    """COUNT, MATCH and — for SCAN only — TYPE, as Redis's scanGenericCommand
    reads them for SCAN/HSCAN/SSCAN/ZSCAN. Returns (count, pattern or None,
    type or None); a MATCH of ``*`` matches everything and is dropped."""
    count, pattern, type_filter = 10, None, None
    i = 0
    while i < len(options):
        opt = options[i].upper()
        if i + 1 >= len(options):
            raise ReplyError(errors.SYNTAX)
        if opt == b"COUNT":
            count = parse_int(options[i + 1])
            if count < 1:
                raise ReplyError(errors.SYNTAX)
        elif opt == b"MATCH":
            pattern = None if options[i + 1] == b"*" else options[i + 1]
        elif opt == b"TYPE" and allow_type:
            type_filter = options[i + 1].decode("utf-8", "replace").lower()
        else:
            raise ReplyError(errors.SYNTAX)
        i += 2
    return count, pattern, type_filter


@command("scan", arity=-2, flags="readonly", acl="keyspace", group="generic",
         since="2.8.0", tips="nondeterministic_output request_policy:special",
         complexity="O(1) for every call. O(N) for a complete iteration, including "
                    "enough command calls for the cursor to return back to 0. N is the "
                    "number of elements inside the collection.")
def scan(s, cursor, *options):
    """SCAN cursor [MATCH pattern] [COUNT count] [TYPE type] — Incrementally iterate the keys space

    Iterate the keyspace a few keys at a time; returns [next cursor, keys]. A full
    iteration ends when the cursor comes back to 0.
    """
    cur = parse_cursor(cursor)
    count, pattern, type_filter = parse_scan_options(options, allow_type=True)
    db = s.db
    nxt, found = dictscan.scan(db, cur, count)
    out = []
    for key in found:
        if pattern is not None and not glob.match(pattern, key):
            continue
        # Like Redis, expired keys met on the way are deleted; with TYPE, the
        # type check is a real read (a keyspace hit or miss in INFO).
        e = db.find(key) if type_filter is None else db.read(key, touch=False)
        if e is None:
            continue
        if type_filter is not None and e.type != type_filter:
            continue
        out.append(key)
    return [str(nxt).encode(), out]


def clone(e: Entry) -> Entry:
    """A deep copy of a value with its encoding (COPY)."""
    value = e.value if e.type == "string" else copy.deepcopy(e.value)
    return Entry(value, e.type, e.encoding)


def _rename(s, src, dst, nx: bool):
    db = s.db
    e = db.write(src)
    if e is None:
        raise ReplyError(errors.NO_SUCH_KEY)
    if src == dst:
        return 0 if nx else OK
    if db.write(dst) is not None:
        if nx:
            return 0
        db.delete(dst)
    expire_at = e.expire_at
    db.delete(src)
    moved = Entry(e.value, e.type, e.encoding)
    moved.freq = e.freq
    db.store(dst, moved)
    if expire_at is not None:
        db.set_expire(dst, moved, expire_at)
    return 1 if nx else OK


@command("rename", arity=3, flags="write", acl="keyspace", keys=(1, 2, 1),
         group="generic", since="1.0.0", complexity="O(1)")
def rename(s, key, newkey):
    """RENAME key newkey — Rename a key

    Rename, overwriting newkey; keeps the TTL.
    """
    return _rename(s, key, newkey, nx=False)


@command("renamenx", arity=3, flags="write fast", acl="keyspace", keys=(1, 2, 1),
         group="generic", since="1.0.0", complexity="O(1)")
def renamenx(s, key, newkey):
    """RENAMENX key newkey — Rename a key, only if the new key does not exist

    Rename only if newkey does not exist; 1 or 0.
    """
    return _rename(s, key, newkey, nx=True)


def _db_index(s, raw: bytes) -> int:
    index = parse_c_int(raw)
    if not 0 <= index < len(s.node.dbs):
        raise ReplyError(errors.DB_INDEX_OUT_OF_RANGE)
    return index


@command("copy", arity=-3, flags="write denyoom", acl="keyspace", keys=(1, 2, 1),
         group="generic", since="6.2.0",
         complexity="O(N) worst case for collections, where N is the number of nested "
                    "items. O(1) for string values.")
def copy_(s, source, destination, *options):
    """COPY source destination [DB db] [REPLACE] — Copy a key

    Copy a key (TTL included); 1 or 0.
    """
    target, replace = s.db, False
    i = 0
    while i < len(options):
        opt = options[i].upper()
        if opt == b"REPLACE":
            replace = True
        elif opt == b"DB" and i + 1 < len(options):
            target = s.node.dbs[_db_index(s, options[i + 1])]
            i += 1
        else:
            raise ReplyError(errors.SYNTAX)
        i += 1
    if target is s.db and source == destination:
        raise ReplyError(errors.SAME_OBJECT)
    e = s.db.read(source)  # lookupKeyRead: counts a keyspace hit or miss
    if e is None:
        return 0
    if target.write(destination) is not None:
        if not replace:
            return 0
        target.delete(destination)
    dup = clone(e)
    target.store(destination, dup)
    if e.expire_at is not None:
        target.set_expire(destination, dup, e.expire_at)
    return 1


@command("move", arity=3, flags="write fast", acl="keyspace", keys=(1, 1, 1),
         group="generic", since="1.0.0", complexity="O(1)")
def move(s, key, db):
    """MOVE key db — Move a key to another database

    Move a key to another database; 0 if missing there or already taken.
    """
    index = _db_index(s, db)
    target = s.node.dbs[index]
    if target is s.db:
        raise ReplyError(errors.SAME_OBJECT)
    e = s.db.write(key)
    if e is None or target.write(key) is not None:
        return 0
    expire_at = e.expire_at
    s.db.delete(key)
    moved = Entry(e.value, e.type, e.encoding)
    target.store(key, moved)
    if expire_at is not None:
        target.set_expire(key, moved, expire_at)
    return 1


@command("touch", arity=-2, flags="readonly fast", acl="keyspace", keys=(1, -1, 1),
         group="generic", since="3.2.1", tips=MULTI_SHARD_SUM,
         complexity="O(N) where N is the number of keys that will be touched.")
def touch(s, *keys):
    """TOUCH key [key ...] — Alters the last access time of a key(s). Returns the number of existing keys specified.

    Record an access (resets idle time); how many exist.
    """
    db = s.db
    return sum(1 for key in keys if db.read(key) is not None)


@command("randomkey", arity=1, flags="readonly", acl="keyspace", group="generic",
         since="1.0.0", tips="request_policy:all_shards nondeterministic_output",
         complexity="O(1)")
def randomkey(s):
    """RANDOMKEY — Return a random key from the keyspace

    A random key name, or nil when the database is empty.
    """
    return s.db.random_key(s.node.rng)


# -- TTLs -----------------------------------------------------------------------

def _expire(s, key, raw, unit_ms: int, absolute: bool, name: str, options):
    nx = xx = gt = lt = False
    for opt in options:
        o = opt.upper()
        if o == b"NX":
            nx = True
        elif o == b"XX":
            xx = True
        elif o == b"GT":
            gt = True
        elif o == b"LT":
            lt = True
        else:
            raise ReplyError("ERR Unsupported option " + opt.decode("utf-8", "surrogateescape"))
    if nx and (xx or gt or lt):
        raise ReplyError("ERR NX and XX, GT or LT options at the same time are not compatible")
    if gt and lt:
        raise ReplyError("ERR GT and LT options at the same time are not compatible")
    when = parse_int(raw)
    invalid = errors.INVALID_EXPIRE.format(name)
    if unit_ms == 1000:
        if when > INT64_MAX // 1000 or when < -(-INT64_MIN // 1000):
            raise ReplyError(invalid)
        when *= 1000
    base = 0 if absolute else s.node.now
    if when > INT64_MAX - base:
        raise ReplyError(invalid)
    when += base
    db = s.db
    e = db.write(key)
    if e is None:
        return 0
    current = e.expire_at
    if nx and current is not None:
        return 0
    if xx and current is None:
        return 0
    if gt and (current is None or when <= current):
        return 0
    if lt and current is not None and when >= current:
        return 0
    if when <= s.node.now:
        db.delete(key)  # a deadline in the past deletes the key right away
        return 1
    db.set_expire(key, e, when)
    return 1


_EXPIRE_DOC = "O(1)"


@command("expire", arity=-3, flags="write fast", acl="keyspace", keys=(1, 1, 1),
         group="generic", since="1.0.0", complexity=_EXPIRE_DOC)
def expire(s, key, seconds, *options):
    """EXPIRE key seconds [NX|XX|GT|LT] — Set a key's time to live in seconds

    Set a TTL in seconds; 1 if set, 0 if not.
    """
    return _expire(s, key, seconds, 1000, False, "expire", options)


@command("pexpire", arity=-3, flags="write fast", acl="keyspace", keys=(1, 1, 1),
         group="generic", since="2.6.0", complexity=_EXPIRE_DOC)
def pexpire(s, key, milliseconds, *options):
    """PEXPIRE key milliseconds [NX|XX|GT|LT] — Set a key's time to live in milliseconds

    Set a TTL in milliseconds.
    """
    return _expire(s, key, milliseconds, 1, False, "pexpire", options)


@command("expireat", arity=-3, flags="write fast", acl="keyspace", keys=(1, 1, 1),
         group="generic", since="1.2.0", complexity=_EXPIRE_DOC)
def expireat(s, key, unix_time_seconds, *options):
    """EXPIREAT key unix-time-seconds [NX|XX|GT|LT] — Set the expiration for a key as a UNIX timestamp

    Expire at an absolute time.
    """
    return _expire(s, key, unix_time_seconds, 1000, True, "expireat", options)


@command("pexpireat", arity=-3, flags="write fast", acl="keyspace", keys=(1, 1, 1),
         group="generic", since="2.6.0", complexity=_EXPIRE_DOC)
def pexpireat(s, key, unix_time_milliseconds, *options):
    """PEXPIREAT key unix-time-milliseconds [NX|XX|GT|LT] — Set the expiration for a key as a UNIX timestamp specified in milliseconds

    Absolute time in ms.
    """
    return _expire(s, key, unix_time_milliseconds, 1, True, "pexpireat", options)


def _ttl_ms(s, key):
    e = s.db.read(key, touch=False)
    if e is None:
        return -2
    if e.expire_at is None:
        return -1
    return max(e.expire_at - s.node.now, 0)


@command("ttl", arity=2, flags="readonly fast", acl="keyspace", keys=(1, 1, 1),
         group="generic", since="1.0.0", tips="nondeterministic_output", complexity="O(1)")
def ttl(s, key):
    """TTL key — Get the time to live for a key in seconds

    Seconds left (rounded), -1 if no TTL, -2 if the key is missing.
    """
    ms = _ttl_ms(s, key)
    return ms if ms < 0 else (ms + 500) // 1000


@command("pttl", arity=2, flags="readonly fast", acl="keyspace", keys=(1, 1, 1),
         group="generic", since="2.6.0", tips="nondeterministic_output", complexity="O(1)")
def pttl(s, key):
    """PTTL key — Get the time to live for a key in milliseconds

    Milliseconds left, -1 if no TTL, -2 if the key is missing.
    """
    return _ttl_ms(s, key)


def _expiretime(s, key):
    e = s.db.read(key, touch=False)
    if e is None:
        return -2
    return -1 if e.expire_at is None else e.expire_at


@command("expiretime", arity=2, flags="readonly fast", acl="keyspace", keys=(1, 1, 1),
         group="generic", since="7.0.0", complexity="O(1)")
def expiretime(s, key):
    """EXPIRETIME key — Get the expiration Unix timestamp for a key

    The absolute unix time (s) when the key expires; -1/-2.
    """
    t = _expiretime(s, key)
    return t if t < 0 else t // 1000


@command("pexpiretime", arity=2, flags="readonly fast", acl="keyspace", keys=(1, 1, 1),
         group="generic", since="7.0.0", complexity="O(1)")
def pexpiretime(s, key):
    """PEXPIRETIME key — Get the expiration Unix timestamp for a key in milliseconds

    The absolute unix time in ms; -1/-2.
    """
    return _expiretime(s, key)


@command("persist", arity=2, flags="write fast", acl="keyspace", keys=(1, 1, 1),
         group="generic", since="2.2.0", complexity="O(1)")
def persist(s, key):
    """PERSIST key — Remove the expiration from a key

    Remove the TTL; 1 if there was one.
    """
    e = s.db.write(key)
    return int(e is not None and s.db.persist(key, e))


# -- OBJECT: a look inside a value -----------------------------------------------

container("object", group="generic", since="2.2.3",
          summary="A container for object introspection commands")

_OBJECT_TIPS = "nondeterministic_output"


def _object_entry(s, key):
    return s.db.read(key, touch=False)


@command("object|encoding", arity=3, flags="readonly", acl="keyspace", keys=(2, 2, 1),
         group="generic", since="2.2.3", tips=_OBJECT_TIPS, complexity="O(1)")
def object_encoding(s, key):
    """OBJECT ENCODING key — Inspect the internal encoding of a Redis object

    How the value is stored inside (int, embstr, raw, listpack…).
    """
    e = _object_entry(s, key)
    return None if e is None else e.encoding.encode()


@command("object|idletime", arity=3, flags="readonly", acl="keyspace", keys=(2, 2, 1),
         group="generic", since="2.2.3", tips=_OBJECT_TIPS, complexity="O(1)")
def object_idletime(s, key):
    """OBJECT IDLETIME key — Get the time since a Redis object was last accessed

    Seconds since the key was last read or written.
    """
    e = _object_entry(s, key)
    if e is None:
        return None
    if s.node.lfu_enabled:
        raise ReplyError(errors.LRU_NOT_SELECTED)
    return max(0, s.node.now - e.lru) // 1000


@command("object|freq", arity=3, flags="readonly", acl="keyspace", keys=(2, 2, 1),
         group="generic", since="4.0.0", tips=_OBJECT_TIPS, complexity="O(1)")
def object_freq(s, key):
    """OBJECT FREQ key — Get the logarithmic access frequency counter of a Redis object

    The logarithmic access counter (LFU policies only).
    """
    e = _object_entry(s, key)
    if e is None:
        return None
    if not s.node.lfu_enabled:
        raise ReplyError(errors.LFU_NOT_SELECTED)
    return s.node.lfu_decayed(e)


@command("object|refcount", arity=3, flags="readonly", acl="keyspace", keys=(2, 2, 1),
         group="generic", since="2.2.3", tips=_OBJECT_TIPS, complexity="O(1)")
def object_refcount(s, key):
    """OBJECT REFCOUNT key — Get the number of references to the value of the key

    References to the value; small integers are shared.
    """
    e = _object_entry(s, key)
    if e is None:
        return None
    if e.encoding == "int" and _shared_integers_allowed(s.node) \
            and 0 <= int(e.value) < SHARED_INTEGERS:
        return 2147483647  # OBJ_SHARED_REFCOUNT: one preallocated object for all
    return 1


def _shared_integers_allowed(node) -> bool:
    policy = node.config["maxmemory-policy"]
    return node.config["maxmemory"] == 0 or not (policy.endswith("-lru") or policy.endswith("-lfu"))


@command("object|help", arity=2, flags="loading stale", acl="keyspace", group="generic",
         since="6.2.0", complexity="O(1)")
def object_help(s):
    """OBJECT HELP — Show helpful text about the different subcommands

    What the OBJECT subcommands do.
    """
    return [SimpleString(line.encode()) for line in (
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help.",
    )]
