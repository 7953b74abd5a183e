"""String commands (redis-server's t_string.c).

A Redis string is a byte array up to 512 MB. It doubles as a counter: INCR and
friends parse it as a 64-bit integer, INCRBYFLOAT as a long double, and store
the result back as a string. Caching workloads live here: a cache-aside read is
GET, a write-through is SET with EX, a rate limiter is INCR plus EXPIRE.
"""
from __future__ import annotations

from fractions import Fraction

from .. import errors
from ..node import memory
from ..node.keyspace import Entry, string_entry
from ..protocol.replies import OK, Map, ReplyError
from .args import INT64_MAX, INT64_MIN, parse_int
from .longdouble import incr_by_float, parse_ld
from .registry import command

MAX_STRING = 512 * 1024 * 1024


def read_string(s, key: bytes):
    """The string at ``key`` for a read command (None if missing)."""
    e = s.db.read_as(key, "string")
    return None if e is None else e.value


def _write_string(s, key: bytes):
    return s.db.write_as(key, "string")


# -- expiry options shared by SET and GETEX ------------------------------------
_UNITS = {b"EX": 1000, b"PX": 1, b"EXAT": 1000, b"PXAT": 1}


def expire_at_ms(s, option: bytes, raw: bytes, cmdname: str) -> int:
    """Turn ``EX 10`` / ``PX 500`` / ``EXAT ts`` / ``PXAT ts`` into an absolute
    unix-ms deadline, rejecting what Redis rejects (getExpireMillisecondsOrReply)."""
    value = parse_int(raw)
    unit = _UNITS[option]
    if value <= 0 or (unit == 1000 and value > INT64_MAX // 1000):
        raise ReplyError(errors.INVALID_EXPIRE.format(cmdname))
    ms = value * unit
    if option in (b"EX", b"PX"):
        if ms > INT64_MAX - s.node.now:
            raise ReplyError(errors.INVALID_EXPIRE.format(cmdname))
        ms += s.node.now
    return ms


@command("set", arity=-3, flags="write denyoom", acl="string", keys=(1, 1, 1),
         group="string", since="1.0.0", complexity="O(1)")
def set_(s, key, value, *options):
    """SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ms|KEEPTTL] — Set the string value of a key

    Store a string.

    Returns OK; nil if NX/XX prevented the write; with GET, the old value.
    """
    if not options:  # the common case, kept short: plain SET key value
        db = s.db
        db.write(key)  # passive expiry of an old value, as lookupKeyWrite does
        db.store(key, string_entry(value))
        return OK
    nx = xx = get = keepttl = False
    expire_opt = expire_raw = None
    i = 0
    while i < len(options):
        opt = options[i].upper()
        has_next = i + 1 < len(options)
        if opt == b"NX" and not xx:
            nx = True
        elif opt == b"XX" and not nx:
            xx = True
        elif opt == b"GET":
            get = True
        elif opt == b"KEEPTTL" and expire_opt is None:
            keepttl = True
        elif opt in _UNITS and expire_opt in (None, opt) and not keepttl and has_next:
            # Like Redis, repeating the same expiry option is allowed (the last
            # value wins); mixing two different ones is a syntax error.
            expire_opt, expire_raw = opt, options[i + 1]
            i += 1
        else:
            raise ReplyError(errors.SYNTAX)
        i += 1
    when = expire_at_ms(s, expire_opt, expire_raw, "set") if expire_opt else None
    db = s.db
    if get:
        e = db.read(key)
        if e is not None and e.type != "string":
            raise ReplyError(errors.WRONGTYPE)
        old = e.value if e is not None else None
        found = e is not None
    else:
        found = db.write(key) is not None
    if (nx and found) or (xx and not found):
        return old if get else None
    entry = string_entry(value)
    db.store(key, entry, keep_ttl=keepttl)
    if when is not None:
        db.set_expire(key, entry, when)
    return old if get else OK


@command("get", arity=2, flags="readonly fast", acl="string", keys=(1, 1, 1),
         group="string", since="1.0.0", complexity="O(1)")
def get(s, key):
    """GET key — Get the value of a key

    The string stored at key, or nil.
    """
    e = s.db.read(key)
    if e is None:
        return None
    if e.type != "string":
        raise ReplyError(errors.WRONGTYPE)
    return e.value


@command("getset", arity=3, flags="write denyoom fast", acl="string", keys=(1, 1, 1),
         group="string", since="1.0.0", complexity="O(1)", doc_flags="deprecated")
def getset(s, key, value):
    """GETSET key value — Set the string value of a key and return its old value

    Set a new value and return the old one (use SET … GET).
    """
    old = read_string(s, key)
    s.db.store(key, string_entry(value))
    return old


@command("getdel", arity=2, flags="write fast", acl="string", keys=(1, 1, 1),
         group="string", since="6.2.0", complexity="O(1)")
def getdel(s, key):
    """GETDEL key — Get the value of a key and delete the key

    Return the value and delete the key.
    """
    value = read_string(s, key)
    if value is not None:
        s.db.delete(key)
    return value


@command("getex", arity=-2, flags="write fast", acl="string", keys=(1, 1, 1),
         group="string", since="6.2.0", complexity="O(1)")
def getex(s, key, *options):
    """GETEX key [EX s|PX ms|EXAT ts|PXAT ms|PERSIST] — Get the value of a key and optionally set its expiration

    Get, and change the TTL.
    """
    persist = False
    expire_opt = expire_raw = None
    i = 0
    while i < len(options):
        opt = options[i].upper()
        if opt in _UNITS and expire_opt in (None, opt) and not persist and i + 1 < len(options):
            expire_opt, expire_raw = opt, options[i + 1]
            i += 1
        elif opt == b"PERSIST" and expire_opt is None:
            persist = True
        else:
            raise ReplyError(errors.SYNTAX)
        i += 1
    db = s.db
    e = db.read(key)
    if e is None:
        return None
    if e.type != "string":
        raise ReplyError(errors.WRONGTYPE)
    # Redis validates the expiry only once it knows the key is a string:
    # GETEX on a missing key answers nil even with EX 0.
    when = expire_at_ms(s, expire_opt, expire_raw, "getex") if expire_opt else None
    value = e.value
    if when is not None:
        if when <= s.node.now:
            db.delete(key)  # an absolute time already in the past deletes the key
        else:
            db.set_expire(key, e, when)
    elif persist:
        db.persist(key, e)
    return value


@command("mget", arity=-2, flags="readonly fast", acl="string", keys=(1, -1, 1),
         group="string", since="1.0.0", complexity="O(N) where N is the number of keys to retrieve.",
         tips="request_policy:multi_shard")
def mget(s, *keys):
    """MGET key [key ...] — Get the values of all the given keys

    The values of all keys; nil for missing or non-string keys.
    """
    out = []
    read = s.db.read
    for key in keys:
        e = read(key)
        out.append(e.value if e is not None and e.type == "string" else None)
    return out


@command("mset", arity=-3, flags="write denyoom", acl="string", keys=(1, -1, 2),
         group="string", since="1.0.1", complexity="O(N) where N is the number of keys to set.",
         tips="request_policy:multi_shard response_policy:all_succeeded")
def mset(s, *pairs):
    """MSET key value [key value ...] — Set multiple keys to multiple values

    Set several keys at once (atomically).
    """
    if len(pairs) % 2:
        raise ReplyError(errors.wrong_arity("mset"))
    db = s.db
    for i in range(0, len(pairs), 2):
        db.write(pairs[i])
        db.store(pairs[i], string_entry(pairs[i + 1]))
    return OK


@command("msetnx", arity=-3, flags="write denyoom", acl="string", keys=(1, -1, 2),
         group="string", since="1.0.1", complexity="O(N) where N is the number of keys to set.",
         tips="request_policy:multi_shard response_policy:agg_min")
def msetnx(s, *pairs):
    """MSETNX key value [key value ...] — Set multiple keys to multiple values, only if none of the keys exist

    Set them all only if none exists; 1 or 0.
    """
    if len(pairs) % 2:
        raise ReplyError(errors.wrong_arity("msetnx"))
    db = s.db
    if any(db.write(pairs[i]) is not None for i in range(0, len(pairs), 2)):
        return 0
    for i in range(0, len(pairs), 2):
        db.store(pairs[i], string_entry(pairs[i + 1]))
    return 1


@command("setnx", arity=3, flags="write denyoom fast", acl="string", keys=(1, 1, 1),
         group="string", since="1.0.0", complexity="O(1)")
def setnx(s, key, value):
    """SETNX key value — Set the value of a key, only if the key does not exist

    Set only if the key does not exist; 1 if set, else 0.
    """
    if s.db.write(key) is not None:
        return 0
    s.db.store(key, string_entry(value))
    return 1


def _set_with_ttl(s, key, raw_ttl, value, option, name):
    when = expire_at_ms(s, option, raw_ttl, name)
    s.db.write(key)
    entry = string_entry(value)
    s.db.store(key, entry)
    s.db.set_expire(key, entry, when)
    return OK


@command("setex", arity=4, flags="write denyoom", acl="string", keys=(1, 1, 1),
         group="string", since="2.0.0", complexity="O(1)")
def setex(s, key, seconds, value):
    """SETEX key seconds value — Set the value and expiration of a key

    SET with a TTL in seconds (same as SET … EX).
    """
    return _set_with_ttl(s, key, seconds, value, b"EX", "setex")


@command("psetex", arity=4, flags="write denyoom", acl="string", keys=(1, 1, 1),
         group="string", since="2.6.0", complexity="O(1)")
def psetex(s, key, milliseconds, value):
    """PSETEX key milliseconds value — Set the value and expiration in milliseconds of a key

    SET with a TTL in milliseconds.
    """
    return _set_with_ttl(s, key, milliseconds, value, b"PX", "psetex")


def _check_size(length: int, s) -> None:
    if length > s.node.config["proto-max-bulk-len"]:
        raise ReplyError(errors.STRING_TOO_LONG)


@command("append", arity=3, flags="write denyoom fast", acl="string", keys=(1, 1, 1),
         group="string", since="2.0.0",
         complexity="O(1). The amortized time complexity is O(1) assuming the appended value "
                    "is small and the already present value is of any size, since the dynamic "
                    "string library used by Redis will double the free space available on every "
                    "reallocation.")
def append(s, key, value):
    """APPEND key value — Append a value to a key

    Append to the string (creating it); the new length.
    """
    e = _write_string(s, key)
    if e is None:
        s.db.store(key, string_entry(value))
        return len(value)
    new = e.value + value
    _check_size(len(new), s)
    _make_room(e, len(new))
    e.value = new
    s.db.resized(key, e)
    return len(new)


@command("strlen", arity=2, flags="readonly fast", acl="string", keys=(1, 1, 1),
         group="string", since="2.2.0", complexity="O(1)")
def strlen(s, key):
    """STRLEN key — Get the length of the value stored in a key

    The length of the string in bytes (0 if missing).
    """
    value = read_string(s, key)
    return 0 if value is None else len(value)


@command("getrange", arity=4, flags="readonly", acl="string", keys=(1, 1, 1),
         group="string", since="2.4.0",
         complexity="O(N) where N is the length of the returned string. The complexity is "
                    "ultimately determined by the returned length, but because creating a "
                    "substring from an existing string is very cheap, it can be considered O(1) "
                    "for small strings.")
def getrange(s, key, start, end):
    """GETRANGE key start end — Get a substring of the string stored at a key

    A substring; negative offsets count from the end.
    """
    start, end = parse_int(start), parse_int(end)
    value = read_string(s, key)
    if value is None:
        return b""
    n = len(value)
    if start < 0 and end < 0 and start > end:
        return b""
    if start < 0:
        start = max(n + start, 0)
    if end < 0:
        end = max(n + end, 0)
    end = min(end, n - 1)
    if start > end or n == 0:
        return b""
    return value[start:end + 1]


@command("setrange", arity=4, flags="write denyoom", acl="string", keys=(1, 1, 1),
         group="string", since="2.2.0",
         complexity="O(1), not counting the time taken to copy the new string in place. "
                    "Usually, this string is very small so the amortized complexity is O(1). "
                    "Otherwise, complexity is O(M) with M being the length of the value argument.")
def setrange(s, key, offset, value):
    """SETRANGE key offset value — Overwrite part of a string at key starting at the specified offset

    Overwrite part of the string, zero-padding as needed; returns the new length.
    """
    offset = parse_int(offset)
    if offset < 0:
        raise ReplyError(errors.OFFSET_OUT_OF_RANGE)
    e = _write_string(s, key)
    if e is None:
        if not value:
            return 0
        _check_size(offset + len(value), s)
        s.db.store(key, string_entry(b"\x00" * offset + value, raw=True))
        return offset + len(value)
    if not value:
        return len(e.value)
    _check_size(offset + len(value), s)
    old = e.value
    _make_room(e, max(len(old), offset + len(value)))
    if len(old) < offset:
        old = old + b"\x00" * (offset - len(old))
    e.value = old[:offset] + value + old[offset + len(value):]
    s.db.resized(key, e)
    return len(e.value)


def _make_room(e, new_len: int) -> None:
    """Prepare a string for in-place growth, as Redis does: turn it into a
    private ``raw`` sds (dbUnshareStringValue), then, if it lacks room, grow it
    *greedily* (sdsMakeRoomFor) — so a run of APPENDs reallocates rarely, at
    the price of spare memory that MEMORY USAGE reports."""
    if e.capacity < 0:
        e.capacity = memory.exact_capacity(len(e.value))
    e.encoding = "raw"
    if new_len > e.capacity:
        e.capacity = memory.grown_capacity(len(e.value), new_len - len(e.value))


def _incr(s, key, delta: int) -> int:
    e = _write_string(s, key)
    if e is None:
        current = 0
    else:
        current = parse_int(e.value) if len(e.value) <= 20 else None
        if current is None:
            raise ReplyError(errors.NOT_INTEGER)
    result = current + delta
    if not INT64_MIN <= result <= INT64_MAX:
        raise ReplyError(errors.OVERFLOW)
    raw = b"%d" % result
    if e is None:
        s.db.store(key, Entry(raw, "string", "int"))
    else:
        e.value, e.encoding = raw, "int"
        s.db.resized(key, e)
    return result


@command("incr", arity=2, flags="write denyoom fast", acl="string", keys=(1, 1, 1),
         group="string", since="1.0.0", complexity="O(1)")
def incr(s, key):
    """INCR key — Increment the integer value of a key by one

    Add 1 to the integer at key (missing counts as 0); the result.
    """
    return _incr(s, key, 1)


@command("decr", arity=2, flags="write denyoom fast", acl="string", keys=(1, 1, 1),
         group="string", since="1.0.0", complexity="O(1)")
def decr(s, key):
    """DECR key — Decrement the integer value of a key by one

    Subtract 1; the result.
    """
    return _incr(s, key, -1)


@command("incrby", arity=3, flags="write denyoom fast", acl="string", keys=(1, 1, 1),
         group="string", since="1.0.0", complexity="O(1)")
def incrby(s, key, increment):
    """INCRBY key increment — Increment the integer value of a key by the given amount

    Add an integer; the result.
    """
    return _incr(s, key, parse_int(increment))


@command("decrby", arity=3, flags="write denyoom fast", acl="string", keys=(1, 1, 1),
         group="string", since="1.0.0", complexity="O(1)")
def decrby(s, key, decrement):
    """DECRBY key decrement — Decrement the integer value of a key by the given number

    Subtract an integer; the result.
    """
    amount = parse_int(decrement)
    if amount == INT64_MIN:
        raise ReplyError("ERR decrement would overflow")
    return _incr(s, key, -amount)


@command("incrbyfloat", arity=3, flags="write denyoom fast", acl="string", keys=(1, 1, 1),
         group="string", since="2.6.0", complexity="O(1)")
def incrbyfloat(s, key, increment):
    """INCRBYFLOAT key increment — Increment the float value of a key by the given amount

    Add a float (long double arithmetic, like Redis); returns the new value as a string.
    """
    e = _write_string(s, key)
    current = b"0" if e is None else e.value
    for raw in (current, increment):
        if not _valid_ld(raw):
            raise ReplyError(errors.NOT_FLOAT)
    try:
        new = incr_by_float(current, increment)
    except OverflowError:
        raise ReplyError(errors.INCR_FLOAT_NAN) from None
    # Redis builds the result with createStringObject: embstr or raw, never int.
    entry = Entry(new, "string", "embstr" if len(new) <= 44 else "raw")
    if e is None:
        s.db.store(key, entry)
    else:
        s.db.store(key, entry, keep_ttl=True)
    return new


def _valid_ld(raw: bytes) -> bool:
    """string2ld: what strtold accepts, with no leading space, not NaN, and not
    out of the long double range (ERANGE); ``inf`` itself is accepted (the sum
    is then refused as Infinity). Redis also caps the input below 5 KB
    (MAX_LONG_DOUBLE_CHARS)."""
    from .args import _FLOAT
    if not raw or len(raw) >= 5 * 1024 or raw[:1].isspace() or not _FLOAT.match(raw):
        return False
    text = raw.lower()
    if b"nan" in text:
        return False
    if b"inf" in text:
        return True
    try:
        value = parse_ld(raw)
    except (OverflowError, ValueError):
        return False  # overflows a long double: strtold says ERANGE
    # A non-zero literal below half the smallest denormal rounds to zero:
    # strtold reports ERANGE and Redis refuses it.
    return value == 0 or abs(value) >= _LD_UNDERFLOW


_LD_UNDERFLOW = Fraction(1, 2**16446)  # half of the smallest long double denormal


@command("lcs", arity=-3, flags="readonly", acl="string", keys=(1, 2, 1),
         group="string", since="7.0.0", complexity="O(N*M) where N and M are the lengths of s1 and s2, respectively")
def lcs(s, key1, key2, *options):
    """LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN] — Find longest common substring

    The longest common subsequence of two strings, its length, or the matching ranges.
    """
    db = s.db
    e1, e2 = db.read(key1), db.read(key2)
    if (e1 is not None and e1.type != "string") or (e2 is not None and e2.type != "string"):
        raise ReplyError("ERR The specified keys must contain string values")
    a = e1.value if e1 is not None else b""
    b = e2.value if e2 is not None else b""
    getlen = getidx = withmatchlen = False
    minmatchlen = 0
    i = 0
    while i < len(options):
        opt = options[i].upper()
        if opt == b"IDX":
            getidx = True
        elif opt == b"LEN":
            getlen = True
        elif opt == b"WITHMATCHLEN":
            withmatchlen = True
        elif opt == b"MINMATCHLEN" and i + 1 < len(options):
            minmatchlen = max(parse_int(options[i + 1]), 0)
            i += 1
        else:
            raise ReplyError(errors.SYNTAX)
        i += 1
    if getlen and getidx:
        raise ReplyError("ERR If you want both the length and indexes, please just use IDX.")
    alen, blen = len(a), len(b)
    # Dynamic programming table: L[i][j] = LCS length of a[:i] and b[:j].
    table = [[0] * (blen + 1) for _ in range(alen + 1)]
    for x in range(1, alen + 1):
        row, prev, ax = table[x], table[x - 1], a[x - 1]
        for y in range(1, blen + 1):
            if ax == b[y - 1]:
                row[y] = prev[y - 1] + 1
            else:
                row[y] = prev[y] if prev[y] > row[y - 1] else row[y - 1]
    length = table[alen][blen]
    if getlen:
        return length
    # Walk back from the end, as redis-server does, collecting the subsequence
    # and the contiguous ranges ("matches") in the same order it emits them.
    result = bytearray(length)
    idx = length
    matches = []
    x, y = alen, blen
    a_start = a_end = b_start = b_end = alen  # alen means "no range open"
    while x > 0 and y > 0:
        emit = False
        if a[x - 1] == b[y - 1]:
            result[idx - 1] = a[x - 1]
            if a_start == alen:
                a_start = a_end = x - 1
                b_start = b_end = y - 1
            elif a_start == x and b_start == y:
                a_start -= 1
                b_start -= 1
            else:
                emit = True
            if a_start == 0 or b_start == 0:
                emit = True
            idx -= 1
            x -= 1
            y -= 1
        else:
            if table[x - 1][y] > table[x][y - 1]:
                x -= 1
            else:
                y -= 1
            if a_start != alen:
                emit = True
        if emit:
            match_len = a_end - a_start + 1
            if minmatchlen == 0 or match_len >= minmatchlen:
                match = [[a_start, a_end], [b_start, b_end]]
                if withmatchlen:
                    match.append(match_len)
                matches.append(match)
            a_start = alen
    if getidx:
        return Map([(b"matches", matches), (b"len", length)])
    return bytes(result)
