"""Set commands (redis-server's t_set.c).

A Redis set is an unordered collection of distinct strings: tags, the users
online, the IDs already processed. Besides adding, removing and testing members
it does algebra — intersection, union, difference — on the server, optionally
storing the result in another key (the *STORE variants).

Two encodings in Redis 7.0 (OBJECT ENCODING shows which):

* ``intset`` — while every member is an integer (canonical 64-bit decimal:
  ``12`` but not ``012`` or ``+12``) and there are at most
  ``set-max-intset-entries`` (512) of them, the set is a sorted array of
  integers, 2, 4 or 8 bytes each. It is tiny, and its members come back in
  ascending order.
* ``hashtable`` — anything else: a hash table of strings. Replies then come in
  hash-table order, which Redis does not specify. A set never converts back.

(Redis 7.2 added a third, listpack, for small sets of strings; 7.0 has none.)

The engine keeps members in a :class:`SetValue` (a list plus an index, so a
random member is O(1) for SPOP/SRANDMEMBER) and reproduces the intset order.
Random choices use the node's seeded generator, so simulations repeat.
"""
from __future__ import annotations

from .. import errors
from ..node import memory
from ..node.keyspace import Entry, is_canonical_int
from ..protocol.replies import ReplyError, SetReply
from .args import parse_int
from .hashes import MAX_RANDOM_REPLY, parse_random_count, scan_table
from .keys import parse_cursor, parse_scan_options
from .registry import command
from . import glob


class SetValue:
    """The members of one set: a list (for O(1) random picks) and a
    member -> position index. ``width`` is the intset's bytes per member (it
    only grows), ``buckets`` the hash table's size and ``payload`` the
    members' sds bytes (hashtable encoding)."""

    __slots__ = ("index", "items", "width", "buckets", "payload")

    def __init__(self):
        self.index = {}
        self.items = []
        self.width = 2
        self.buckets = 0
        self.payload = 0

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, member) -> bool:
        return member in self.index

    def __iter__(self):
        return iter(self.items)

    def __repr__(self) -> str:
        return f"SetValue({self.items!r})"

    def add(self, member: bytes) -> None:
        self.index[member] = len(self.items)
        self.items.append(member)

    def discard(self, member: bytes) -> bool:
        pos = self.index.pop(member, None)
        if pos is None:
            return False
        last = self.items.pop()
        if pos < len(self.items):
            self.items[pos] = last
            self.index[last] = pos
        return True

    def random(self, rng) -> bytes:
        return self.items[rng.randrange(len(self.items))]


@memory.register_sizer("set")
def set_size(entry, config) -> int:
    """MEMORY USAGE of a set value (the key's own bytes are added by the keyspace)."""
    v = entry.value
    if entry.encoding == "intset":
        return memory.ROBJ + memory.intset_size(len(v), v.width)
    return memory.hashtable_size(v.buckets, len(v), v.payload)


def new_set(first: bytes) -> Entry:
    """setTypeCreate: an intset if the first member is an integer, else a
    hashtable."""
    return Entry(SetValue(), "set", "intset" if is_canonical_int(first) else "hashtable")


def _intset_limit(config) -> int:
    return min(config["set-max-intset-entries"], 1 << 30)


def convert_to_hashtable(e: Entry) -> None:
    """intset -> hashtable (setTypeConvert), the table sized for the members."""
    v = e.value
    e.encoding = "hashtable"
    v.buckets = memory.dict_initial_size(len(v))
    v.payload = sum(memory.key_sds_size(len(m)) for m in v.items)


def set_add(e: Entry, member: bytes, config) -> bool:
    """Add one member (setTypeAdd); True if it was new."""
    v = e.value
    if member in v.index:
        return False
    if e.encoding == "intset":
        if is_canonical_int(member):
            v.add(member)
            v.width = max(v.width, memory.intset_width(int(member)))
            if len(v) > _intset_limit(config):
                convert_to_hashtable(e)
            return True
        convert_to_hashtable(e)
    v.buckets = memory.dict_size_after_add(v.buckets, len(v))
    v.add(member)
    v.payload += memory.key_sds_size(len(member))
    return True


def set_remove(e: Entry, member: bytes) -> bool:
    """Remove one member (setTypeRemove); a hashtable may shrink."""
    v = e.value
    if not v.discard(member):
        return False
    if e.encoding == "hashtable":
        v.payload -= memory.key_sds_size(len(member))
        v.buckets = memory.dict_size_after_delete(v.buckets, len(v))
    return True


def members(e: Entry) -> list:
    """Members in the order Redis iterates them: ascending for an intset."""
    if e.encoding == "intset":
        return sorted(e.value.items, key=int)
    return list(e.value.items)


def _read(s, key: bytes):
    return s.db.read_as(key, "set")


def _write(s, key: bytes):
    return s.db.write_as(key, "set")


def _done(s, key: bytes, e: Entry) -> None:
    s.db.settle(key, e)


@command("sadd", arity=-3, flags="write denyoom fast", acl="set", keys=(1, 1, 1),
         group="set", since="1.0.0",
         complexity="O(1) for each element added, so O(N) to add N elements when the "
                    "command is called with multiple arguments.")
def sadd(s, key, *items):
    """SADD key member [member ...] — Add one or more members to a set

    Add members (creating the set); how many were not already there.
    """
    e = _write(s, key)
    if e is None:
        e = new_set(items[0])
        s.db.store(key, e)
    config = s.node.config
    added = sum(1 for m in items if set_add(e, m, config))
    if added:
        s.db.resized(key, e)
    return added


@command("srem", arity=-3, flags="write fast", acl="set", keys=(1, 1, 1),
         group="set", since="1.0.0",
         complexity="O(N) where N is the number of members to be removed.")
def srem(s, key, *items):
    """SREM key member [member ...] — Remove one or more members from a set

    Remove members; how many were there. Removing the last deletes the key.
    """
    e = _write(s, key)
    if e is None:
        return 0
    removed = sum(1 for m in items if set_remove(e, m))
    if removed:
        _done(s, key, e)
    return removed


@command("smembers", arity=2, flags="readonly", acl="set", keys=(1, 1, 1),
         group="set", since="1.0.0", tips="nondeterministic_output_order",
         complexity="O(N) where N is the set cardinality.")
def smembers(s, key):
    """SMEMBERS key — Get all the members in a set

    Every member (an intset answers in ascending order).
    """
    e = _read(s, key)
    return SetReply() if e is None else SetReply(members(e))


@command("sismember", arity=3, flags="readonly fast", acl="set", keys=(1, 1, 1),
         group="set", since="1.0.0", complexity="O(1)")
def sismember(s, key, member):
    """SISMEMBER key member — Determine if a given value is a member of a set

    1 if it is a member, else 0.
    """
    e = _read(s, key)
    return int(e is not None and member in e.value)


@command("smismember", arity=-3, flags="readonly fast", acl="set", keys=(1, 1, 1),
         group="set", since="6.2.0",
         complexity="O(N) where N is the number of elements being checked for membership")
def smismember(s, key, *items):
    """SMISMEMBER key member [member ...] — Returns the membership associated with the given elements for a set

    1 or 0 for each member asked about.
    """
    e = _read(s, key)
    v = e.value if e is not None else ()
    return [int(m in v) for m in items]


@command("scard", arity=2, flags="readonly fast", acl="set", keys=(1, 1, 1),
         group="set", since="1.0.0", complexity="O(1)")
def scard(s, key):
    """SCARD key — Get the number of members in a set

    The number of members (0 if missing).
    """
    e = _read(s, key)
    return 0 if e is None else len(e.value)


#: SPOP with a count rebuilds the set when few members remain (t_set.c).
SPOP_MOVE_STRATEGY_MUL = 5


@command("spop", arity=-2, flags="write fast", acl="set", keys=(1, 1, 1),
         group="set", since="1.0.0", tips="nondeterministic_output",
         complexity="Without the count argument O(1), otherwise O(N) where N is the value "
                    "of the passed count.")
def spop(s, key, *options):
    """SPOP key [count] — Remove and return one or multiple random members from a set

    Remove and return a random member (nil if missing), or up to ``count``
    distinct ones. Popping the last member deletes the key.
    """
    if len(options) > 1:
        raise ReplyError(errors.SYNTAX)
    rng = s.node.rng
    if not options:
        e = _write(s, key)
        if e is None:
            return None
        member = e.value.random(rng)
        set_remove(e, member)
        _done(s, key, e)
        return member
    count = parse_int(options[0], "ERR value is out of range, must be positive")
    if count < 0:
        raise ReplyError("ERR value is out of range, must be positive")
    e = _write(s, key)
    if e is None or count == 0:
        return SetReply()
    v = e.value
    size = len(v)
    if count >= size:
        # Redis answers this case with SUNION's code, which reads the key once
        # more (one more keyspace hit in INFO), then deletes the key.
        s.db.read(key)
        popped = members(e)
        s.db.delete(key)
        return SetReply(popped)
    remaining = size - count
    if remaining * SPOP_MOVE_STRATEGY_MUL > count:
        popped = []
        for _ in range(count):
            member = v.random(rng)
            set_remove(e, member)
            popped.append(member)
    else:
        # Few members stay: Redis moves those into a fresh set and returns the
        # rest of the old one.
        keep = rng.sample(v.items, remaining)
        kept = Entry(SetValue(), "set", e.encoding)
        config = s.node.config
        for member in keep:
            set_add(kept, member, config)
        for member in keep:
            v.discard(member)
        popped = members(e)          # what is left of the old set, in its order
        e.value, e.encoding = kept.value, kept.encoding
    s.db.resized(key, e)
    return SetReply(popped)


@command("srandmember", arity=-2, flags="readonly", acl="set", keys=(1, 1, 1),
         group="set", since="1.0.0", tips="nondeterministic_output",
         complexity="Without the count argument O(1), otherwise O(N) where N is the "
                    "absolute value of the passed count.")
def srandmember(s, key, *options):
    """SRANDMEMBER key [count] — Get one or multiple random members from a set

    A random member; or ``count`` distinct members (the whole set if count is
    at least its size); or, with a negative count, that many picks that may
    repeat. Nothing is removed.
    """
    if len(options) > 1:
        raise ReplyError(errors.SYNTAX)
    rng = s.node.rng
    if not options:
        e = _read(s, key)
        return None if e is None else e.value.random(rng)
    count = parse_random_count(options[0])
    e = _read(s, key)
    if e is None or count == 0:
        return []
    v = e.value
    if count < 0:
        if -count > MAX_RANDOM_REPLY:
            raise ReplyError("ERR count is too large for the engine")
        return [v.random(rng) for _ in range(-count)]
    if count >= len(v):
        return members(e)
    return rng.sample(v.items, count)


@command("smove", arity=4, flags="write fast", acl="set", keys=(1, 2, 1),
         group="set", since="1.0.0", complexity="O(1)")
def smove(s, source, destination, member):
    """SMOVE source destination member — Move a member from one set to another

    Move a member between sets; 1 if it was moved, 0 if it was not in source.
    The destination's type is checked even when nothing moves.
    """
    db = s.db
    src = db.write(source)
    dst = db.write(destination)
    if src is None:
        return 0
    if src.type != "set" or (dst is not None and dst.type != "set"):
        raise ReplyError(errors.WRONGTYPE)
    if src is dst:
        return int(member in src.value)
    if not set_remove(src, member):
        return 0
    _done(s, source, src)
    if dst is None:
        dst = new_set(member)
        db.store(destination, dst)
    set_add(dst, member, s.node.config)
    db.resized(destination, dst)
    return 1


# -- set algebra -----------------------------------------------------------------------

def _sources(s, keys):
    """Look every source key up (lookupKeyRead), stopping at the first one of
    the wrong type; None stands for a missing key (an empty set)."""
    out = []
    for key in keys:
        out.append(_read(s, key))
    return out


def _intersection(sets, limit: int = 0) -> list:
    """Members of all ``sets`` (entries), iterating the smallest one in its
    own order, as Redis does; stops after ``limit`` members (0: no limit)."""
    ordered = sorted(sets, key=lambda e: len(e.value))
    others = [e.value for e in ordered[1:]]
    out = []
    for m in members(ordered[0]):
        if all(m in o for o in others):
            out.append(m)
            if limit and len(out) >= limit:
                break
    return out


def _build(s, items) -> Entry:
    """A result set built like Redis builds one: start as an intset and add."""
    e = Entry(SetValue(), "set", "intset")
    config = s.node.config
    for m in items:
        set_add(e, m, config)
    return e


def _store(s, destination, e: Entry) -> int:
    """Write a *STORE result: overwrite (dropping any TTL) or, if empty, delete."""
    db = s.db
    if not e.value:
        db.delete(destination)
        return 0
    db.write(destination)
    db.store(destination, e)
    return len(e.value)


def _inter(s, keys, destination=None):
    sets = _sources(s, keys)
    if any(e is None for e in sets):
        if destination is not None:
            s.db.delete(destination)
            return 0
        return SetReply()
    result = _intersection(sets)
    if destination is not None:
        return _store(s, destination, _build(s, result))
    return SetReply(result)


def _union_or_diff(s, keys, diff: bool):
    sets = _sources(s, keys)
    if diff:
        if sets[0] is None:
            return _build(s, ())
        others = [e.value for e in sets[1:] if e is not None]
        return _build(s, (m for m in members(sets[0]) if not any(m in o for o in others)))
    return _build(s, (m for e in sets if e is not None for m in members(e)))


_INTER_DOC = ("O(N*M) worst case where N is the cardinality of the smallest set and M "
              "is the number of sets.")
_UNION_DOC = "O(N) where N is the total number of elements in all given sets."


@command("sinter", arity=-2, flags="readonly", acl="set", keys=(1, -1, 1),
         group="set", since="1.0.0", tips="nondeterministic_output_order",
         complexity=_INTER_DOC)
def sinter(s, *keys):
    """SINTER key [key ...] — Intersect multiple sets

    Members present in every set; a missing key is an empty set, so the result
    is empty too.
    """
    return _inter(s, keys)


def _sintercard_keys(argv):
    """COMMAND GETKEYS for SINTERCARD: numkeys keys after the count."""
    try:
        numkeys = parse_int(argv[1])
    except ReplyError:
        numkeys = 0
    if numkeys < 1 or numkeys > len(argv) - 2:
        raise ReplyError("ERR Invalid arguments specified for command")
    return range(2, 2 + numkeys)


@command("sintercard", arity=-3, flags="readonly", acl="set", getkeys=_sintercard_keys,
         group="set", since="7.0.0", complexity=_INTER_DOC)
def sintercard(s, numkeys, *args):
    """SINTERCARD numkeys key [key ...] [LIMIT limit] — Intersect multiple sets and return the cardinality of the result

    The size of the intersection, without building it; LIMIT stops counting
    early (0 means no limit).
    """
    try:
        n = parse_int(numkeys)
    except ReplyError:
        n = 0
    if n < 1:
        raise ReplyError("ERR numkeys should be greater than 0")
    if n > len(args):
        raise ReplyError("ERR Number of keys can't be greater than number of args")
    limit = 0
    i = n
    while i < len(args):
        if args[i].upper() == b"LIMIT" and i + 1 < len(args):
            limit = parse_int(args[i + 1], "ERR LIMIT can't be negative")
            if limit < 0:
                raise ReplyError("ERR LIMIT can't be negative")
            i += 2
        else:
            raise ReplyError(errors.SYNTAX)
    sets = _sources(s, args[:n])
    if any(e is None for e in sets):
        return 0
    return len(_intersection(sets, limit))


@command("sinterstore", arity=-3, flags="write denyoom", acl="set", keys=(1, -1, 1),
         group="set", since="1.0.0", complexity=_INTER_DOC)
def sinterstore(s, destination, *keys):
    """SINTERSTORE destination key [key ...] — Intersect multiple sets and store the resulting set in a key

    Store the intersection in destination (replacing it, TTL dropped; an empty
    result deletes it); returns its size.
    """
    return _inter(s, keys, destination)


@command("sunion", arity=-2, flags="readonly", acl="set", keys=(1, -1, 1),
         group="set", since="1.0.0", tips="nondeterministic_output_order",
         complexity=_UNION_DOC)
def sunion(s, *keys):
    """SUNION key [key ...] — Add multiple sets

    Members present in any of the sets.
    """
    return SetReply(members(_union_or_diff(s, keys, diff=False)))


@command("sunionstore", arity=-3, flags="write denyoom", acl="set", keys=(1, -1, 1),
         group="set", since="1.0.0", complexity=_UNION_DOC)
def sunionstore(s, destination, *keys):
    """SUNIONSTORE destination key [key ...] — Add multiple sets and store the resulting set in a key

    Store the union in destination; returns its size.
    """
    return _store(s, destination, _union_or_diff(s, keys, diff=False))


@command("sdiff", arity=-2, flags="readonly", acl="set", keys=(1, -1, 1),
         group="set", since="1.0.0", tips="nondeterministic_output_order",
         complexity=_UNION_DOC)
def sdiff(s, *keys):
    """SDIFF key [key ...] — Subtract multiple sets

    Members of the first set that are in none of the others.
    """
    return SetReply(members(_union_or_diff(s, keys, diff=True)))


@command("sdiffstore", arity=-3, flags="write denyoom", acl="set", keys=(1, -1, 1),
         group="set", since="1.0.0", complexity=_UNION_DOC)
def sdiffstore(s, destination, *keys):
    """SDIFFSTORE destination key [key ...] — Subtract multiple sets and store the resulting set in a key

    Store the difference in destination; returns its size.
    """
    return _store(s, destination, _union_or_diff(s, keys, diff=True))


@command("sscan", arity=-3, flags="readonly", acl="set", keys=(1, 1, 1),
         group="set", since="2.8.0", tips="nondeterministic_output",
         complexity="O(1) for every call. O(N) for a complete iteration, including enough "
                    "command calls for the cursor to return back to 0. N is the number of "
                    "elements inside the collection..")
def sscan(s, key, cursor, *options):
    """SSCAN key cursor [MATCH pattern] [COUNT count] — Incrementally iterate Set elements

    Iterate a set a few members at a time: [next cursor, members]. An intset
    comes back whole (cursor 0); a hashtable is walked bucket by bucket.
    """
    cur = parse_cursor(cursor)
    e = _read(s, key)
    if e is None:
        return [b"0", []]
    count, pattern, _ = parse_scan_options(options)
    if e.encoding == "intset":
        nxt, found = 0, members(e)
    else:
        nxt, found = scan_table(e.value.items, e.value.buckets, cur, count, 1)
    if pattern is not None:
        found = [m for m in found if glob.match(pattern, m)]
    return [str(nxt).encode(), found]
