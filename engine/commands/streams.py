"""Stream commands (redis-server's t_stream.c): XADD, XRANGE, XREAD, consumer groups…

A stream is an append-only log: each XADD appends an entry — a small
field → value record — under an ID ``<ms>-<seq>`` that only grows. Readers
ask for ranges of IDs (XRANGE), or for "whatever came after the last ID I
saw" (XREAD, optionally blocking until something arrives). *Consumer groups*
share the work of reading a stream among several consumers: each entry is
delivered to one consumer of the group (XREADGROUP), stays *pending* until
that consumer acknowledges it (XACK), and can be taken over by another
consumer if the first one died (XCLAIM, XAUTOCLAIM). Caches use streams for
event logs, job queues and change feeds; ElastiCache supports them like any
other Redis type.

The data structure — nodes of up to 100 entries, the byte accounting that
decides node boundaries and approximate trimming, the pending entries lists —
is in :mod:`engine.commands.stream_type`. This module parses arguments and
shapes replies exactly as redis-server 7.0 does (checked against a real
server by tests/compat/test_streams.py and test_generated_streams.py).

Time: automatic IDs (``*``) use the node clock (``node.now``, ms), so on a
virtual clock they are deterministic.
"""
from __future__ import annotations

import sys

from .. import errors
from ..node import memory
from ..node.keyspace import Entry
from ..protocol.replies import OK, Map, NullArray, ReplyError, SimpleString
from .args import parse_int
from .registry import command, container
from .stream_type import (ENTRIES_READ_UNKNOWN, MAX_ID, MIN_ID, NACK, U64_MAX, ConsumerGroup,
                          Stream, decr_id, format_id, incr_id, parse_id, parse_interval_id,
                          parse_strict_id)

try:  # the blocking machinery (engine/node/blocking.py)
    from ..node.blocking import Block, parse_timeout
except ImportError:  # pragma: no cover - only while blocking.py is absent
    Block = None
    parse_timeout = None

XADD_EQUAL_OR_SMALLER = ("ERR The ID specified in XADD is equal or smaller than the "
                         "target stream top item")
XADD_ZERO_ID = "ERR The ID specified in XADD must be greater than 0-0"
STREAM_EXHAUSTED = ("ERR The stream has exhausted the last possible ID, unable to "
                    "add more items")
MAXLEN_AND_MINID = ("ERR syntax error, MAXLEN and MINID options at the same time are "
                    "not compatible")
LIMIT_WITHOUT_STRATEGY = ("ERR syntax error, LIMIT cannot be used without specifying a "
                          "trimming strategy")
LIMIT_WITHOUT_TILDE = "ERR syntax error, LIMIT cannot be used without the special ~ option"
XTRIM_WITHOUT_STRATEGY = "ERR syntax error, XTRIM must be called with a trimming strategy"
MAXLEN_NEGATIVE = "ERR The MAXLEN argument must be >= 0."
LIMIT_NEGATIVE = "ERR The LIMIT argument must be >= 0."
INVALID_START = "ERR invalid start ID for the interval"
INVALID_END = "ERR invalid end ID for the interval"
ENTRIESREAD_NEGATIVE = "ERR value for ENTRIESREAD must be positive or -1"
BUSYGROUP = "BUSYGROUP Consumer Group name already exists"
XGROUP_NEEDS_KEY = ("ERR The XGROUP subcommand requires the key to exist. Note that for "
                    "CREATE you may want to use the MKSTREAM option to create an empty "
                    "stream automatically.")
DOLLAR_IN_XREADGROUP = (
    "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the "
    "history of this consumer by specifying a proper ID, or use the > ID to get new "
    "messages. The $ ID would just return an empty result set.")
GT_IN_XREAD = ("ERR The > ID can be specified only when calling XREADGROUP using the "
               "GROUP <group> <consumer> option.")
GROUP_IN_XREAD = "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead."
NOACK_IN_XREAD = "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead."
MISSING_GROUP = "ERR Missing GROUP option for XREADGROUP"
UNBALANCED_STREAMS = ("ERR Unbalanced XREAD list of streams: for each stream key an ID or "
                      "'$' must be specified.")
GROUP_GONE = "NOGROUP the consumer group this client was blocked on no longer exists"
XSETID_SMALLER_THAN_TOP = ("ERR The ID specified in XSETID is smaller than the target "
                           "stream top item")
XSETID_SMALLER_THAN_MAXDEL_ARG = ("ERR The ID specified in XSETID is smaller than the "
                                  "provided max_deleted_entry_id")
XSETID_ENTRIES_ADDED_SMALL = ("ERR The entries_added specified in XSETID is smaller than "
                              "the target stream length")
ENTRIES_ADDED_NEGATIVE = "ERR entries_added must be positive"
COUNT_NOT_POSITIVE = "ERR COUNT must be > 0"
#: XAUTOCLAIM examines at most COUNT × this many PEL entries per call.
AUTOCLAIM_ATTEMPTS_FACTOR = 10
#: XAUTOCLAIM's COUNT may not exceed LONG_MAX / max(sizeof(streamID), 10).
AUTOCLAIM_MAX_COUNT = (2**63 - 1) // 16


# -- small helpers ---------------------------------------------------------------------

def _c(raw: bytes) -> bytes:
    """An argument as C's ``%s`` / ``strcmp`` sees it: up to the first NUL."""
    return raw.split(b"\0", 1)[0]


def _err(raw: bytes) -> ReplyError:
    """An error reply from bytes (CR/LF become spaces, as in every Redis error)."""
    raw = raw.replace(b"\r", b" ").replace(b"\n", b" ")
    return ReplyError(raw.decode("utf-8", errors="surrogateescape"))


def _nogroup(key: bytes, group: bytes, suffix: bytes = b"") -> ReplyError:
    return _err(b"NOGROUP No such key '" + _c(key) + b"' or consumer group '" + _c(group)
                + b"'" + suffix)


def _nogroup_for_key(group: bytes, key: bytes) -> ReplyError:
    return _err(b"NOGROUP No such consumer group '" + _c(group) + b"' for key name '"
                + _c(key) + b"'")


def _subcommand_syntax(container_name: str) -> ReplyError:
    """addReplySubcommandSyntaxError, which names the subcommand exactly as
    the client typed it (``'CREATE'`` or ``'create'``)."""
    return _err(b"ERR unknown subcommand or wrong number of arguments for '"
                + _c(_typed_subcommand())[:128] + b"'. Try " + container_name.encode()
                + b" HELP.")


def _typed_subcommand() -> bytes:
    """The subcommand word as sent. Handlers receive only the arguments after
    it, so this error path (and only it) looks at the dispatcher's ``argv``
    (Node.call) a few frames up; it falls back to the handler's name."""
    frame = sys._getframe(2)
    name = frame.f_code.co_name.split("_", 1)[-1].encode()
    for _ in range(6):
        frame = frame.f_back
        if frame is None:
            break
        argv = frame.f_locals.get("argv")
        if isinstance(argv, (list, tuple)) and len(argv) > 1 and argv[1].lower() == name:
            return argv[1]
    return name


def entry_reply(sid, items) -> list:
    """One entry as Redis sends it: [ID, [field, value, …]]."""
    return [format_id(sid), list(items)]


def _read(s, key: bytes):
    return s.db.read_as(key, "stream")


def _write(s, key: bytes):
    return s.db.write_as(key, "stream")


def _changed(s, key: bytes, e: Entry) -> None:
    """The stream's data changed (XADD, XDEL, XTRIM, XSETID…): re-measure it,
    invalidate WATCHes and wake clients blocked on it (db.resized does all)."""
    s.db.resized(key, e)


def _remeasure(s, key: bytes, e: Entry) -> None:
    """Only consumer-group state changed (XACK, XREADGROUP, XCLAIM…): Redis
    does not signal the key as modified (WATCH is not affected, nobody blocked
    is woken), so only the size is updated."""
    db = s.db
    fresh = memory.key_overhead(key) + db.value_size(e)
    db.used += fresh - e.size
    e.size = fresh


def new_stream_entry() -> Entry:
    return Entry(Stream(), "stream", "stream")


class _Reply3Key(bytes):
    """A stream name used a second time as a key of an XREAD map reply.

    XREAD STREAMS s s 0 0 answers, in RESP3, a map naming ``s`` twice — a
    Python dict cannot hold that. An instance of this class compares equal
    only to itself, so both entries survive, and the wire encoder sends it as
    a bulk string like any bytes. (In-process clients get a plain dict, as
    redis-py's own RESP3 parser would build from a real server's reply.)"""

    __slots__ = ()
    __hash__ = object.__hash__

    def __eq__(self, other):
        return self is other


def _streams_map(s, served) -> object:
    """XREAD's reply: [[key, entries], …] in RESP2, a map in RESP3."""
    if s.protocol == 2:
        return [[key, entries] for key, entries in served]
    out = Map()
    duplicates_allowed = s.kind != "inproc"
    for key, entries in served:
        if key in out and duplicates_allowed:
            key = _Reply3Key(key)
        out[key] = entries
    return out


# -- XADD / XTRIM ----------------------------------------------------------------------

class TrimArgs:
    """What streamParseAddOrTrimArgsOrReply collects (XADD's and XTRIM's options)."""

    __slots__ = ("strategy", "maxlen", "minid", "approx", "limit", "nomkstream",
                 "id", "id_given", "seq_given")

    def __init__(self):
        self.strategy = None     # None, "maxlen" or "minid"
        self.maxlen = 0
        self.minid = MIN_ID
        self.approx = False
        self.limit = 0
        self.nomkstream = False
        self.id = MIN_ID
        self.id_given = False
        self.seq_given = True

    def trim(self, st: Stream) -> int:
        if self.strategy is None:
            return 0
        if self.strategy == "maxlen":
            return st.trim(self.maxlen, None, self.approx, self.limit)
        return st.trim(None, self.minid, self.approx, self.limit)


def parse_add_trim(s, args, xadd: bool):
    """Parse XADD's or XTRIM's options (``args`` = the arguments after the
    key). Returns (TrimArgs, position of the ID in ``args``)."""
    t = TrimArgs()
    limit_given = False
    n = len(args)
    i = 0
    while i < n:
        more = n - 1 - i
        opt = _c(args[i]).lower()
        if xadd and opt == b"*":
            break                                   # the usual case: auto ID
        elif opt in (b"maxlen", b"minid") and more:
            if t.strategy is not None:
                raise ReplyError(MAXLEN_AND_MINID)
            t.approx = False
            nxt = _c(args[i + 1])
            if more >= 2 and nxt == b"~":
                t.approx = True
                i += 1
            elif more >= 2 and nxt == b"=":
                i += 1
            if opt == b"maxlen":
                t.maxlen = parse_int(args[i + 1])
                if t.maxlen < 0:
                    raise ReplyError(MAXLEN_NEGATIVE)
            else:
                t.minid = parse_strict_id(args[i + 1])
            i += 1
            t.strategy = opt.decode()
        elif opt == b"limit" and more:
            t.limit = parse_int(args[i + 1])
            if t.limit < 0:
                raise ReplyError(LIMIT_NEGATIVE)
            limit_given = True
            i += 1
        elif xadd and opt == b"nomkstream":
            t.nomkstream = True
        elif xadd:
            # Not an option: it must be the entry ID.
            t.id, t.seq_given = parse_id(args[i], 0, strict=True, seq_star=True)
            t.id_given = True
            break
        else:
            raise ReplyError(errors.SYNTAX)
        i += 1
    if t.limit and t.strategy is None:
        raise ReplyError(LIMIT_WITHOUT_STRATEGY)
    if not xadd and t.strategy is None:
        raise ReplyError(XTRIM_WITHOUT_STRATEGY)
    if limit_given:
        if not t.approx:
            raise ReplyError(LIMIT_WITHOUT_TILDE)
    elif t.approx:
        # Without LIMIT, "~" trimming does at most 100 nodes' worth of work.
        t.limit = 100 * s.node.config["stream-node-max-entries"]
        if t.limit <= 0 or t.limit > 1_000_000:
            t.limit = 10_000 if t.limit <= 0 else 1_000_000
    else:
        t.limit = 0                                  # exact trimming: no cap
    return t, i


def next_auto_id(last, now_ms: int):
    """streamNextID: the clock's millisecond with sequence 0, or — if the
    clock has not moved past the last ID (same millisecond, or the clock went
    backwards) — the last ID plus one."""
    if now_ms > last[0]:
        return (now_ms, 0)
    return incr_id(last)


@command("xadd", arity=-5, flags="write denyoom fast", acl="stream", keys=(1, 1, 1),
         tips="nondeterministic_output", group="stream", since="5.0.0",
         complexity="O(1) when adding a new entry, O(N) when trimming where N being the "
                    "number of entries evicted.")
def xadd(s, key, *args):
    """XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...] — Appends a new entry to a stream

    Append an entry and reply its ID. ``*`` lets the server pick the ID from
    its clock; ``ms-*`` fixes the millisecond and picks the sequence; an
    explicit ID must be greater than the stream's last ID. MAXLEN / MINID
    trim the oldest entries in the same command (``~``: only whole nodes,
    which is much cheaper). NOMKSTREAM: do nothing (nil) if the key is missing.
    """
    t, idpos = parse_add_trim(s, args, xadd=True)
    pairs = args[idpos + 1:]
    if len(pairs) < 2 or len(pairs) % 2:
        raise ReplyError(errors.wrong_arity("xadd"))
    if t.id_given and t.seq_given and t.id == MIN_ID:
        raise ReplyError(XADD_ZERO_ID)
    e = _write(s, key)
    if e is None:
        if t.nomkstream:
            return None
        e = new_stream_entry()
        s.db.store(key, e)
    st: Stream = e.value
    if st.last_id == MAX_ID:
        raise ReplyError(STREAM_EXHAUSTED)
    last = st.last_id
    if t.id_given:
        sid = t.id
        if not t.seq_given and last[0] == sid[0]:
            # "ms-*" in the millisecond of the last entry: next sequence.
            if last[1] == U64_MAX:
                raise ReplyError(XADD_EQUAL_OR_SMALLER)
            sid = (last[0], last[1] + 1)
        if sid <= last:
            raise ReplyError(XADD_EQUAL_OR_SMALLER)
    else:
        sid = next_auto_id(last, s.node.now)
    st.append(sid, tuple(pairs), s.node.config)
    t.trim(st)
    _changed(s, key, e)
    return format_id(sid)


@command("xtrim", arity=-4, flags="write", acl="stream", keys=(1, 1, 1),
         tips="nondeterministic_output", group="stream",
         since="5.0.0",
         complexity="O(N), with N being the number of evicted entries. Constant times are "
                    "very small however, since entries are organized in macro nodes "
                    "containing multiple entries that can be released with a single "
                    "deallocation.")
def xtrim(s, key, *args):
    """XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count] — Trims the stream to (approximately if '~' is passed) a certain size

    Drop the oldest entries: down to ``threshold`` entries (MAXLEN), or all
    entries with an ID below it (MINID). With ``~`` Redis only drops whole
    nodes (100 entries each by default), so a few more may stay. Returns how
    many entries were removed.
    """
    t, _ = parse_add_trim(s, args, xadd=False)
    e = _write(s, key)
    if e is None:
        return 0
    removed = t.trim(e.value)
    if removed:
        _changed(s, key, e)
    return removed


# -- XLEN / XRANGE / XREVRANGE / XDEL -------------------------------------------------------

@command("xlen", arity=2, flags="readonly fast", acl="stream", keys=(1, 1, 1),
         group="stream", since="5.0.0", complexity="O(1)")
def xlen(s, key):
    """XLEN key — Return the number of entries in a stream

    How many entries (0 for a missing key).
    """
    e = _read(s, key)
    return 0 if e is None else e.value.length


def parse_range(start_raw: bytes, end_raw: bytes):
    """Range bounds, ``-``/``+``/``(id`` included; exclusive bounds are moved
    one ID inwards (with Redis's errors at the very ends)."""
    start, start_ex = parse_interval_id(start_raw, 0)
    if start_ex:
        start = incr_id(start)
        if start is None:
            raise ReplyError(INVALID_START)
    end, end_ex = parse_interval_id(end_raw, U64_MAX)
    if end_ex:
        end = decr_id(end)
        if end is None:
            raise ReplyError(INVALID_END)
    return start, end


def _range(s, key, start_raw, end_raw, options, rev: bool):
    start, end = parse_range(start_raw, end_raw)
    count = -1
    i = 0
    while i < len(options):
        if _c(options[i]).lower() == b"count" and i + 1 < len(options):
            count = max(parse_int(options[i + 1]), 0)
            i += 2
        else:
            raise ReplyError(errors.SYNTAX)
    e = _read(s, key)
    if e is None:
        return []
    if count == 0:
        return NullArray
    out = []
    for sid, items in e.value.range(start, end, rev):
        out.append(entry_reply(sid, items))
        if len(out) == count:
            break
    return out


@command("xrange", arity=-4, flags="readonly", acl="stream", keys=(1, 1, 1), group="stream",
         since="5.0.0",
         complexity="O(N) with N being the number of elements being returned. If N is "
                    "constant (e.g. always asking for the first 10 elements with COUNT), "
                    "you can consider it O(1).")
def xrange(s, key, start, end, *options):
    """XRANGE key start end [COUNT count] — Return a range of elements in a stream, with IDs matching the specified IDs interval

    Entries with start <= ID <= end, oldest first. ``-`` and ``+`` are the
    smallest and largest IDs, ``(id`` excludes the bound, and an ID without
    ``-seq`` covers its whole millisecond.
    """
    return _range(s, key, start, end, options, rev=False)


@command("xrevrange", arity=-4, flags="readonly", acl="stream", keys=(1, 1, 1),
         group="stream", since="5.0.0",
         complexity="O(N) with N being the number of elements returned. If N is constant "
                    "(e.g. always asking for the first 10 elements with COUNT), you can "
                    "consider it O(1).")
def xrevrange(s, key, end, start, *options):
    """XREVRANGE key end start [COUNT count] — Return a range of elements in a stream, with IDs matching the specified IDs interval, in reverse order (from greater to smaller IDs) compared to XRANGE

    XRANGE backwards: note the bounds come end first.
    """
    return _range(s, key, start, end, options, rev=True)


@command("xdel", arity=-3, flags="write fast", acl="stream", keys=(1, 1, 1), group="stream",
         since="5.0.0",
         complexity="O(1) for each single item to delete in the stream, regardless of the "
                    "stream size.")
def xdel(s, key, *ids):
    """XDEL key id [id ...] — Removes the specified entries from the stream. Returns the number of items actually deleted, that may be different from the number of IDs passed in case certain IDs do not exist.

    Delete entries by ID; how many existed. The stream stays even if it
    becomes empty, and remembers the largest deleted ID
    (``max-deleted-entry-id`` in XINFO).
    """
    e = _write(s, key)
    if e is None:
        return 0
    parsed = [parse_strict_id(raw) for raw in ids]   # all or nothing
    st: Stream = e.value
    deleted = 0
    first_gone = False
    for sid in parsed:
        if st.delete(sid):
            if sid == st.first_id:
                first_gone = True
            if sid > st.max_deleted_id:
                st.max_deleted_id = sid
            deleted += 1
    if deleted:
        if st.length == 0:
            st.first_id = MIN_ID
        elif first_gone:
            st.refresh_first_id()
        _changed(s, key, e)
    return deleted


# -- XREAD / XREADGROUP ------------------------------------------------------------------

def _read_keys(argv):
    """Key positions of XREAD / XREADGROUP: the first half of what follows STREAMS."""
    for i in range(1, len(argv)):
        if argv[i].lower() == b"streams":
            rest = len(argv) - i - 1
            return list(range(i + 1, i + 1 + rest // 2))
    return []


def deliver_new(st: Stream, g, consumer, start, count: int, noack: bool, now: int) -> list:
    """XREADGROUP ``>``: entries after the group's last ID. Each one moves the
    group's last ID and, unless NOACK, becomes pending for ``consumer`` (if
    another consumer had it pending — after XGROUP SETID moved the group
    back — it changes owner)."""
    out = []
    for sid, items in st.range(start, MAX_ID):
        st.advance_group(g, sid)
        if not noack:
            nack = g.pel.get(sid)
            if nack is None:
                nack = NACK(now, consumer)
                g.pel.add(sid, nack)
            else:
                nack.consumer.pel.remove(sid)
                nack.consumer = consumer
                nack.delivery_time = now
                nack.delivery_count = 1
            consumer.pel.add(sid, nack)
        out.append(entry_reply(sid, items))
        if count and len(out) >= count:
            break
    return out


def deliver_history(st: Stream, consumer, start, count: int, now: int) -> list:
    """XREADGROUP with an ID: the consumer's own pending entries after it
    (streamReplyWithRangeFromConsumerPEL). Each counts as delivered again; an
    entry deleted meanwhile comes back as [ID, nil]."""
    out = []
    for sid, nack in consumer.pel.from_id(start):
        if count and len(out) >= count:
            break
        items = st.get(sid)
        if items is None:
            out.append([format_id(sid), NullArray])
        else:
            nack.delivery_time = now
            nack.delivery_count += 1
            out.append(entry_reply(sid, items))
    return out


def _xread(s, args, group_mode: bool):
    """xreadCommand, shared by XREAD and XREADGROUP."""
    node = s.node
    block = False
    deadline = None
    count = 0
    streams_at = -1
    nstreams = 0
    noack = False
    groupname = consumername = None
    n = len(args)
    i = 0
    while i < n:
        more = n - i - 1
        opt = _c(args[i]).lower()
        if opt == b"block" and more:
            i += 1
            deadline = parse_timeout(args[i], node.now, seconds=False) if parse_timeout \
                else max(parse_int(args[i], "ERR timeout is not an integer or out of range"), 0)
            block = True
        elif opt == b"count" and more:
            i += 1
            count = max(parse_int(args[i]), 0)
        elif opt == b"streams" and more:
            streams_at = i + 1
            rest = n - streams_at
            if rest % 2:
                # (The same text for XREADGROUP: Redis 7.0 hard-codes it.)
                raise ReplyError(UNBALANCED_STREAMS)
            nstreams = rest // 2
            break
        elif opt == b"group" and more >= 2:
            if not group_mode:
                raise ReplyError(GROUP_IN_XREAD)
            groupname, consumername = args[i + 1], args[i + 2]
            i += 2
        elif opt == b"noack":
            if not group_mode:
                raise ReplyError(NOACK_IN_XREAD)
            noack = True
        else:
            raise ReplyError(errors.SYNTAX)
        i += 1
    if streams_at < 0:
        raise ReplyError(errors.SYNTAX)
    if group_mode and groupname is None:
        raise ReplyError(MISSING_GROUP)

    keys = args[streams_at:streams_at + nstreams]
    id_args = args[streams_at + nstreams:]
    ids = []
    groups = []
    for key, raw in zip(keys, id_args):
        e = s.db.read(key)
        if e is not None and e.type != "stream":
            raise ReplyError(errors.WRONGTYPE)
        if groupname is not None:
            g = None if e is None else e.value.groups.get(groupname)
            if g is None:
                raise _nogroup(key, groupname, b" in XREADGROUP with GROUP option")
            groups.append(g)
        text = _c(raw)
        if text == b"$":
            if group_mode:
                raise ReplyError(DOLLAR_IN_XREADGROUP)
            ids.append(e.value.last_id if e is not None else MIN_ID)
        elif text == b">":
            if not group_mode:
                raise ReplyError(GT_IN_XREAD)
            ids.append(MAX_ID)          # Redis's marker for ">"
        else:
            ids.append(parse_strict_id(raw))

    served = []
    for k, key in enumerate(keys):
        e = s.db.read(key)
        if e is None:
            continue
        st: Stream = e.value
        gt = ids[k]
        history = False
        serve = False
        if group_mode:
            if gt != MAX_ID:
                serve = history = True
            elif st.length:
                g = groups[k]
                if st.last_live_id() > g.last_id:
                    serve = True
                    gt = g.last_id
        elif st.length and st.last_live_id() > gt:
            serve = True
        if not serve:
            continue
        start = incr_id(gt) or MIN_ID
        if group_mode:
            consumer = groups[k].consumer(consumername, node.now)
            if history:
                entries = deliver_history(st, consumer, start, count, node.now)
            else:
                entries = deliver_new(st, groups[k], consumer, start, count, noack, node.now)
            _remeasure(s, key, e)
        else:
            entries = [entry_reply(sid, items) for sid, items in _limited(st, start, count)]
        served.append((key, entries))
    if served:
        return _streams_map(s, served)
    if block and Block is not None:
        return _block_read(s, keys, ids, groupname, consumername, count, noack, deadline)
    # TODO(blocking): without engine/node/blocking.py, BLOCK answers like a timeout.
    return NullArray


def _limited(st: Stream, start, count: int):
    n = 0
    for item in st.range(start, MAX_ID):
        yield item
        n += 1
        if count and n >= count:
            return


def _block_read(s, keys, ids, groupname, consumername, count, noack, deadline):
    """Park the client until one of ``keys`` gets entries after its ID
    (Redis's serveClientsBlockedOnStreamKey). ``$`` was resolved to the last
    ID when the command ran; ``>`` means "after the group's last ID at the
    time the key is served". The reply names only the stream that woke it."""
    db = s.db
    wanted = {}
    for key, gt in zip(keys, ids):
        wanted.setdefault(key, gt)

    def serve():
        _, key = b.woken_by
        e = db.find(key)
        if e is None or e.type != "stream":
            return None
        st: Stream = e.value
        node = s.node
        if groupname is not None:
            g = st.groups.get(groupname)
            if g is None:
                return ReplyError(GROUP_GONE)
            gt = g.last_id
        else:
            gt = wanted[key]
        if not st.last_id > gt:
            return None
        start = incr_id(gt) or MIN_ID
        if groupname is not None:
            consumer = g.consumer(consumername, node.now)
            entries = deliver_new(st, g, consumer, start, count, noack, node.now)
            _remeasure(s, key, e)
        else:
            entries = [entry_reply(sid, items) for sid, items in _limited(st, start, count)]
        return _streams_map(s, [(key, entries)])

    b = Block([(db, key) for key in wanted], deadline, serve, NullArray)
    return b


@command("xread", arity=-4, flags="readonly blocking", acl="stream", getkeys=_read_keys,
         group="stream", since="5.0.0",
         complexity="For each stream mentioned: O(N) with N being the number of elements "
                    "being returned, it means that XREAD-ing with a fixed COUNT is O(1). "
                    "Note that when the BLOCK option is used, XADD will pay O(M) time in "
                    "order to serve the M clients blocked on the stream getting new data.")
def xread(s, *args):
    """XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...] — Return never seen elements in multiple streams, with IDs greater than the ones reported by the caller for each stream. Can block.

    For each stream, the entries after the given ID (``$``: after the last
    one now, i.e. only new entries). Streams with nothing new are left out;
    nil if none has anything. BLOCK waits up to that many milliseconds (0:
    forever) for an XADD.
    """
    return _xread(s, args, group_mode=False)


@command("xreadgroup", arity=-7, flags="write blocking", acl="stream", getkeys=_read_keys,
         group="stream", since="5.0.0",
         complexity="For each stream mentioned: O(M) with M being the number of elements "
                    "returned. If M is constant (e.g. always asking for the first 10 "
                    "elements with COUNT), you can consider it O(1). On the other side when "
                    "XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N "
                    "clients blocked on the stream getting new data.")
def xreadgroup(s, *args):
    """XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...] — Return new entries from a stream using a consumer group, or access the history of the pending entries for a given consumer. Can block.

    With ``>``: entries never delivered to the group; they become pending for
    this consumer until XACK (NOACK: not pending at all). With an ID: this
    consumer's own pending entries after it (to recover after a crash).
    """
    return _xread(s, args, group_mode=True)


# -- XGROUP ---------------------------------------------------------------------------------

container("xgroup", group="stream", since="5.0.0",
          summary="A container for consumer groups commands")

_XGROUP_HELP = (
    "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
    "HELP",
    "    Prints this help.",
)


def _entries_read_arg(raw: bytes) -> int:
    value = parse_int(raw)
    if value < 0 and value != ENTRIES_READ_UNKNOWN:
        raise ReplyError(ENTRIESREAD_NEGATIVE)
    return value


def _xgroup_target(s, sub: bytes, key: bytes, group: bytes, mkstream: bool = False):
    """The checks every XGROUP subcommand shares (xgroupCommand): the key must
    hold a stream (unless CREATE … MKSTREAM), and SETID / CREATECONSUMER /
    DELCONSUMER need an existing group. Returns (entry or None, group or None)."""
    e = _write(s, key)
    g = None if e is None else e.value.groups.get(group)
    if not mkstream:
        if e is None:
            raise ReplyError(XGROUP_NEEDS_KEY)
        if g is None and sub in (b"setid", b"createconsumer", b"delconsumer"):
            raise _nogroup_for_key(group, key)
    return e, g


@command("xgroup|create", arity=-5, flags="write denyoom", acl="stream", keys=(2, 2, 1),
         group="stream", since="5.0.0", complexity="O(1)")
def xgroup_create(s, key, group, id_raw, *options):
    """XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD entries_read] — Create a consumer group.

    A new group that will deliver entries after ``id`` (``$``: only entries
    added from now on; ``0``: the whole stream). MKSTREAM creates an empty
    stream if the key is missing.
    """
    mkstream = False
    entries_read = ENTRIES_READ_UNKNOWN
    i = 0
    while i < len(options):
        opt = _c(options[i]).lower()
        if opt == b"mkstream":
            mkstream = True
            i += 1
        elif opt == b"entriesread" and i + 1 < len(options):
            entries_read = _entries_read_arg(options[i + 1])
            i += 2
        else:
            raise _subcommand_syntax("XGROUP")
    e, g = _xgroup_target(s, b"create", key, group, mkstream)
    if len(options) > 3:
        raise _subcommand_syntax("XGROUP")
    if _c(id_raw) == b"$":
        sid = e.value.last_id if e is not None else MIN_ID
    else:
        sid = parse_strict_id(id_raw)
    created = False
    if e is None:
        e = new_stream_entry()
        s.db.store(key, e)
        created = True
    st: Stream = e.value
    if group in st.groups:
        if created:
            _changed(s, key, e)
        raise ReplyError(BUSYGROUP)
    st.groups[group] = ConsumerGroup(group, sid, entries_read)
    _remeasure(s, key, e)
    return OK


@command("xgroup|setid", arity=-5, flags="write", acl="stream", keys=(2, 2, 1),
         group="stream", since="5.0.0", complexity="O(1)")
def xgroup_setid(s, key, group, id_raw, *options):
    """XGROUP SETID key group id|$ [ENTRIESREAD entries_read] — Set a consumer group to an arbitrary last delivered ID value.

    Move the group's last delivered ID (to re-deliver, or to skip entries).
    """
    e, g = _xgroup_target(s, b"setid", key, group)
    if len(options) not in (0, 2):
        raise _subcommand_syntax("XGROUP")
    st: Stream = e.value
    if _c(id_raw) == b"$":
        sid = st.last_id
    else:
        sid = parse_id(id_raw, 0)[0]
    entries_read = ENTRIES_READ_UNKNOWN
    if options:
        if _c(options[0]).lower() != b"entriesread":
            raise _subcommand_syntax("XGROUP")
        entries_read = _entries_read_arg(options[1])
    g.last_id = sid
    g.entries_read = entries_read
    return OK


@command("xgroup|destroy", arity=4, flags="write", acl="stream", keys=(2, 2, 1),
         group="stream", since="5.0.0",
         complexity="O(N) where N is the number of entries in the group's pending entries "
                    "list (PEL).")
def xgroup_destroy(s, key, group):
    """XGROUP DESTROY key group — Destroy a consumer group.

    Remove a group, its consumers and its pending entries; 1 if it existed.
    """
    e, g = _xgroup_target(s, b"destroy", key, group)
    if g is None:
        return 0
    del e.value.groups[group]
    _remeasure(s, key, e)
    return 1


@command("xgroup|createconsumer", arity=5, flags="write denyoom", acl="stream",
         keys=(2, 2, 1), group="stream", since="6.2.0", complexity="O(1)")
def xgroup_createconsumer(s, key, group, consumer):
    """XGROUP CREATECONSUMER key group consumer — Create a consumer in a consumer group.

    1 if the consumer was created, 0 if it existed (XREADGROUP also creates
    consumers on the fly).
    """
    e, g = _xgroup_target(s, b"createconsumer", key, group)
    if consumer in g.consumers:
        return 0
    g.consumer(consumer, s.node.now)
    _remeasure(s, key, e)
    return 1


@command("xgroup|delconsumer", arity=5, flags="write", acl="stream", keys=(2, 2, 1),
         group="stream", since="5.0.0", complexity="O(1)")
def xgroup_delconsumer(s, key, group, consumer):
    """XGROUP DELCONSUMER key group consumer — Delete a consumer from a consumer group.

    Remove a consumer; replies how many entries it still had pending (they
    are no longer pending for anyone: claim them first if they matter).
    """
    e, g = _xgroup_target(s, b"delconsumer", key, group)
    c = g.consumers.get(consumer)
    if c is None:
        return 0
    pending = len(c.pel)
    g.delete_consumer(c)
    _remeasure(s, key, e)
    return pending


@command("xgroup|help", arity=2, flags="loading stale", acl="stream", group="stream",
         since="5.0.0", complexity="O(1)")
def xgroup_help(s):
    """XGROUP HELP — Show helpful text about the different subcommands

    What the XGROUP subcommands do.
    """
    return [SimpleString(line.encode()) for line in _XGROUP_HELP]


# -- XACK / XPENDING / XCLAIM / XAUTOCLAIM ----------------------------------------------------

@command("xack", arity=-4, flags="write fast", acl="stream", keys=(1, 1, 1), group="stream",
         since="5.0.0", complexity="O(1) for each message ID processed.")
def xack(s, key, group, *ids):
    """XACK key group id [id ...] — Marks a pending message as correctly processed, effectively removing it from the pending entries list of the consumer group. Return value of the command is the number of messages successfully acknowledged, that is, the IDs we were actually able to resolve in the PEL.

    Acknowledge entries: they stop being pending. How many were pending.
    """
    e = _read(s, key)
    g = None if e is None else e.value.groups.get(group)
    if g is None:
        return 0
    parsed = [parse_strict_id(raw) for raw in ids]
    acked = 0
    for sid in parsed:
        nack = g.pel.remove(sid)
        if nack is not None:
            nack.consumer.pel.remove(sid)
            acked += 1
    if acked:
        _remeasure(s, key, e)
    return acked


@command("xpending", arity=-3, flags="readonly", acl="stream", keys=(1, 1, 1),
         tips="nondeterministic_output", group="stream", since="5.0.0",
         complexity="O(N) with N being the number of elements returned, so asking for a small "
                    "fixed number of entries per call is O(1). O(M), where M is the total "
                    "number of entries scanned when used with the IDLE filter. When the "
                    "command returns just the summary and the list of consumers is small, it "
                    "runs in O(1) time; otherwise, an additional O(N) time for iterating "
                    "every consumer.")
def xpending(s, key, group, *args):
    """XPENDING key group [[IDLE min-idle-time] start end count [consumer]] — Return information and entries from a stream consumer group pending entries list, that are messages fetched but never acknowledged.

    Without a range: [how many pending, smallest ID, largest ID, [[consumer,
    count], …]]. With one: up to ``count`` pending entries as [ID, consumer,
    ms since last delivery, deliveries], optionally only those idle for at
    least IDLE ms, or only one consumer's.
    """
    argc = len(args) + 3
    if argc != 3 and not 6 <= argc <= 9:
        raise ReplyError(errors.SYNTAX)
    minidle = 0
    count = 0
    consumername = None
    if argc >= 6:
        at = 0
        if _c(args[0]).lower() == b"idle":
            minidle = parse_int(args[1])
            if argc < 8:
                raise ReplyError(errors.SYNTAX)
            at = 2
        count = max(parse_int(args[at + 2]), 0)
        start, end = parse_range(args[at], args[at + 1])
        if at + 3 < len(args):
            consumername = args[at + 3]
    e = _read(s, key)
    g = None if e is None else e.value.groups.get(group)
    if g is None:
        raise _nogroup(key, group)
    if argc == 3:
        if not len(g.pel):
            return [0, None, None, NullArray]
        owners = [[c.name, b"%d" % len(c.pel)] for c in g.sorted_consumers() if len(c.pel)]
        return [len(g.pel), format_id(g.pel.first()), format_id(g.pel.last()), owners]
    pel = g.pel
    if consumername is not None:
        c = g.consumers.get(consumername)
        if c is None:
            return []
        pel = c.pel
    now = s.node.now
    out = []
    if count:
        for sid, nack in pel.from_id(start):
            if sid > end:
                break
            if minidle and now - nack.delivery_time < minidle:
                continue
            out.append([format_id(sid), nack.consumer.name,
                        max(now - nack.delivery_time, 0), nack.delivery_count])
            if len(out) >= count:
                break
    return out


def _claim_one(g, consumer, sid, nack, delivery_time, retrycount, justid) -> None:
    """Give a pending entry to ``consumer`` (the heart of XCLAIM / XAUTOCLAIM)."""
    if nack.consumer is not consumer and nack.consumer is not None:
        nack.consumer.pel.remove(sid)
    nack.delivery_time = delivery_time
    if retrycount >= 0:
        nack.delivery_count = retrycount
    elif not justid:
        nack.delivery_count += 1
    if nack.consumer is not consumer:
        consumer.pel.add(sid, nack)
        nack.consumer = consumer


def _drop_pending(g, sid, nack) -> None:
    g.pel.remove(sid)
    if nack.consumer is not None:
        nack.consumer.pel.remove(sid)


@command("xclaim", arity=-6, flags="write fast", acl="stream", keys=(1, 1, 1),
         tips="nondeterministic_output", group="stream",
         since="5.0.0",
         complexity="O(log N) with N being the number of messages in the PEL of the consumer "
                    "group.")
def xclaim(s, key, group, consumername, min_idle, *args):
    """XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid] — Changes (or acquires) ownership of a message in a consumer group, as if the message was delivered to the specified consumer.

    Take over pending entries idle for at least ``min-idle-time`` ms (a
    consumer that died leaves its entries pending). Replies the claimed
    entries (JUSTID: their IDs, without counting a delivery). FORCE claims
    entries that are not pending yet; entries deleted from the stream are
    dropped from the PEL instead.
    """
    e = _read(s, key)
    g = None if e is None else e.value.groups.get(group)
    if g is None:
        raise _nogroup(key, group)
    minidle = max(parse_int(min_idle, "ERR Invalid min-idle-time argument for XCLAIM"), 0)
    ids = []
    j = 0
    while j < len(args):
        try:
            ids.append(parse_strict_id(args[j]))
        except ReplyError:
            break
        j += 1
    now = s.node.now
    force = justid = False
    retrycount = -1
    delivery_time = -1
    last_id = MIN_ID
    while j < len(args):
        more = len(args) - 1 - j
        opt = _c(args[j]).lower()
        if opt == b"force":
            force = True
        elif opt == b"justid":
            justid = True
        elif opt == b"idle" and more:
            j += 1
            delivery_time = now - parse_int(args[j], "ERR Invalid IDLE option argument for XCLAIM")
        elif opt == b"time" and more:
            j += 1
            delivery_time = parse_int(args[j], "ERR Invalid TIME option argument for XCLAIM")
        elif opt == b"retrycount" and more:
            j += 1
            retrycount = parse_int(args[j],
                                   "ERR Invalid RETRYCOUNT option argument for XCLAIM")
        elif opt == b"lastid" and more:
            j += 1
            last_id = parse_strict_id(args[j])
        else:
            raise _err(b"ERR Unrecognized XCLAIM option '" + _c(args[j]) + b"'")
        j += 1
    st: Stream = e.value
    if last_id > g.last_id:
        g.last_id = last_id
    if delivery_time != -1:
        # A bogus time (negative, in the future) silently becomes "now".
        if delivery_time < 0 or delivery_time > now:
            delivery_time = now
    else:
        delivery_time = now
    consumer = None
    out = []
    for sid in ids:
        nack = g.pel.get(sid)
        items = st.get(sid)
        if items is None:
            # The entry was deleted from the stream: forget it was pending.
            if nack is not None:
                _drop_pending(g, sid, nack)
            continue
        if force and nack is None:
            nack = NACK(now, None)
            g.pel.add(sid, nack)
        if nack is None:
            continue
        if nack.consumer is not None and minidle and now - nack.delivery_time < minidle:
            continue
        if consumer is None:
            consumer = g.consumer(consumername, now)
        _claim_one(g, consumer, sid, nack, delivery_time, retrycount, justid)
        out.append(format_id(sid) if justid else entry_reply(sid, items))
    _remeasure(s, key, e)
    return out


@command("xautoclaim", arity=-6, flags="write fast", acl="stream", keys=(1, 1, 1),
         tips="nondeterministic_output", group="stream", since="6.2.0",
         complexity="O(1) if COUNT is small.")
def xautoclaim(s, key, group, consumername, min_idle, start_raw, *options):
    """XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID] — Changes (or acquires) ownership of messages in a consumer group, as if the messages were delivered to the specified consumer.

    XCLAIM by scanning: claim up to COUNT (100) pending entries from
    ``start`` on that are idle enough. Replies [cursor for the next call (0-0
    when the scan is done), claimed entries, IDs that were pending but had
    been deleted from the stream (now dropped from the PEL)].
    """
    e = s.db.read(key)         # looked up first, type-checked after the arguments
    minidle = max(parse_int(min_idle, "ERR Invalid min-idle-time argument for XAUTOCLAIM"), 0)
    start, exclusive = parse_interval_id(start_raw, 0)
    if exclusive:
        start = incr_id(start)
        if start is None:
            raise ReplyError(INVALID_START)
    count = 100
    justid = False
    j = 0
    while j < len(options):
        more = len(options) - 1 - j
        opt = _c(options[j]).lower()
        if opt == b"count" and more:
            try:
                count = parse_int(options[j + 1])
            except ReplyError:
                raise ReplyError(COUNT_NOT_POSITIVE) from None
            if not 1 <= count <= AUTOCLAIM_MAX_COUNT:
                raise ReplyError(COUNT_NOT_POSITIVE)
            j += 1
        elif opt == b"justid":
            justid = True
        else:
            raise ReplyError(errors.SYNTAX)
        j += 1
    if e is not None and e.type != "stream":
        raise ReplyError(errors.WRONGTYPE)
    g = None if e is None else e.value.groups.get(group)
    if g is None:
        raise _nogroup(key, group)
    st: Stream = e.value
    now = s.node.now
    attempts = count * AUTOCLAIM_ATTEMPTS_FACTOR
    consumer = None
    claimed = []
    deleted = []
    cursor = MIN_ID
    scan = g.pel.from_id(start)
    for sid, nack in scan:
        if not attempts or not count:
            cursor = sid          # the first entry not examined
            break
        attempts -= 1
        items = st.get(sid)
        if items is None:
            _drop_pending(g, sid, nack)
            deleted.append(format_id(sid))
            count -= 1
            continue
        if minidle and now - nack.delivery_time < minidle:
            continue
        if consumer is None:
            consumer = g.consumer(consumername, now)
        _claim_one(g, consumer, sid, nack, now, -1, justid)
        claimed.append(format_id(sid) if justid else entry_reply(sid, items))
        count -= 1
    _remeasure(s, key, e)
    return [format_id(cursor), claimed, deleted]


# -- XINFO ------------------------------------------------------------------------------------

container("xinfo", group="stream", since="5.0.0",
          summary="A container for stream introspection commands")

_XINFO_HELP = (
    "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
    "HELP",
    "    Prints this help.",
)


def _info_target(s, key: bytes) -> Stream:
    e = s.db.read_as(key, "stream")
    if e is None:
        raise ReplyError(errors.NO_SUCH_KEY)
    return e.value


def _entries_read(g):
    return None if g.entries_read == ENTRIES_READ_UNKNOWN else g.entries_read


@command("xinfo|stream", arity=-3, flags="readonly", acl="stream", keys=(2, 2, 1),
         group="stream", since="5.0.0", complexity="O(1)")
def xinfo_stream(s, key, *options):
    """XINFO STREAM key [FULL [COUNT count]] — Get information about a stream

    Length, node tree, last generated ID, deletion and addition counters,
    and the first and last entries. FULL adds up to COUNT (10; 0 = all)
    entries, and every group with its PEL and consumers.
    """
    full = bool(options)
    count = 10
    if options:
        if len(options) not in (1, 3) or _c(options[0]).lower() != b"full":
            raise _subcommand_syntax("XINFO")
        if len(options) == 3:
            if _c(options[1]).lower() != b"count":
                raise _subcommand_syntax("XINFO")
            count = parse_int(options[2])
            if count < 0:
                count = 10
    st = _info_target(s, key)
    info = Map()
    info[b"length"] = st.length
    info[b"radix-tree-keys"] = len(st.rax)
    info[b"radix-tree-nodes"] = st.rax.numnodes
    info[b"last-generated-id"] = format_id(st.last_id)
    info[b"max-deleted-entry-id"] = format_id(st.max_deleted_id)
    info[b"entries-added"] = st.entries_added
    info[b"recorded-first-entry-id"] = format_id(st.first_id)
    if not full:
        info[b"groups"] = len(st.groups)
        first = next(st.range(MIN_ID, MAX_ID), None)
        last = next(st.range(MIN_ID, MAX_ID, rev=True), None)
        info[b"first-entry"] = entry_reply(*first) if first else None
        info[b"last-entry"] = entry_reply(*last) if last else None
        return info
    info[b"entries"] = [entry_reply(sid, items) for sid, items in _limited(st, MIN_ID, count)]
    groups = []
    for g in st.sorted_groups():
        gi = Map()
        gi[b"name"] = g.name
        gi[b"last-delivered-id"] = format_id(g.last_id)
        gi[b"entries-read"] = _entries_read(g)
        gi[b"lag"] = st.group_lag(g)
        gi[b"pel-count"] = len(g.pel)
        pending = []
        for sid, nack in g.pel.from_id(MIN_ID):
            if count and len(pending) >= count:
                break
            pending.append([format_id(sid), nack.consumer.name, nack.delivery_time,
                            nack.delivery_count])
        gi[b"pending"] = pending
        consumers = []
        for c in g.sorted_consumers():
            ci = Map()
            ci[b"name"] = c.name
            ci[b"seen-time"] = c.seen_time
            ci[b"pel-count"] = len(c.pel)
            cp = []
            for sid, nack in c.pel.from_id(MIN_ID):
                if count and len(cp) >= count:
                    break
                cp.append([format_id(sid), nack.delivery_time, nack.delivery_count])
            ci[b"pending"] = cp
            consumers.append(ci)
        gi[b"consumers"] = consumers
        groups.append(gi)
    info[b"groups"] = groups
    return info


@command("xinfo|groups", arity=3, flags="readonly", acl="stream", keys=(2, 2, 1),
         group="stream", since="5.0.0", complexity="O(1)")
def xinfo_groups(s, key):
    """XINFO GROUPS key — List the consumer groups of a stream

    Per group: name, consumers, pending, last delivered ID, entries read and
    lag (entries not delivered yet; nil when deletions make it unknowable).
    """
    st = _info_target(s, key)
    out = []
    for g in st.sorted_groups():
        gi = Map()
        gi[b"name"] = g.name
        gi[b"consumers"] = len(g.consumers)
        gi[b"pending"] = len(g.pel)
        gi[b"last-delivered-id"] = format_id(g.last_id)
        gi[b"entries-read"] = _entries_read(g)
        gi[b"lag"] = st.group_lag(g)
        out.append(gi)
    return out


@command("xinfo|consumers", arity=4, flags="readonly", acl="stream", keys=(2, 2, 1),
         tips="nondeterministic_output", group="stream", since="5.0.0", complexity="O(1)")
def xinfo_consumers(s, key, group):
    """XINFO CONSUMERS key group — List the consumers in a consumer group

    Per consumer: name, pending entries, and idle time (ms since it last
    read or claimed).
    """
    st = _info_target(s, key)
    g = st.groups.get(group)
    if g is None:
        raise _nogroup_for_key(group, key)
    now = s.node.now
    out = []
    for c in g.sorted_consumers():
        ci = Map()
        ci[b"name"] = c.name
        ci[b"pending"] = len(c.pel)
        ci[b"idle"] = max(now - c.seen_time, 0)
        out.append(ci)
    return out


@command("xinfo|help", arity=2, flags="loading stale", acl="stream", group="stream",
         since="5.0.0", complexity="O(1)")
def xinfo_help(s):
    """XINFO HELP — Show helpful text about the different subcommands

    What the XINFO subcommands do.
    """
    return [SimpleString(line.encode()) for line in _XINFO_HELP]


# -- XSETID ------------------------------------------------------------------------------------

@command("xsetid", arity=-3, flags="write denyoom fast", acl="stream", keys=(1, 1, 1),
         group="stream", since="5.0.0", complexity="O(1)")
def xsetid(s, key, id_raw, *options):
    """XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id] — An internal command for replicating stream values

    Set the stream's last ID (and its counters), as replication and AOF do.
    The last ID may not go below the newest entry.
    """
    sid = parse_strict_id(id_raw)
    entries_added = -1
    max_deleted = MIN_ID
    i = 0
    while i < len(options):
        more = len(options) - 1 - i
        opt = _c(options[i]).lower()
        if opt == b"entriesadded" and more:
            entries_added = parse_int(options[i + 1])
            if entries_added < 0:
                raise ReplyError(ENTRIES_ADDED_NEGATIVE)
            i += 2
        elif opt == b"maxdeletedid" and more:
            max_deleted = parse_strict_id(options[i + 1])
            if sid < max_deleted:
                raise ReplyError(XSETID_SMALLER_THAN_MAXDEL_ARG)
            i += 2
        else:
            raise ReplyError(errors.SYNTAX)
    e = _write(s, key)
    if e is None:
        raise ReplyError(errors.NO_SUCH_KEY)
    st: Stream = e.value
    # (7.0 does not compare with the stream's own max-deleted-entry-id.)
    if st.length:
        if sid < st.last_live_id():
            raise ReplyError(XSETID_SMALLER_THAN_TOP)
        if entries_added != -1 and st.length > entries_added:
            raise ReplyError(XSETID_ENTRIES_ADDED_SMALL)
    st.last_id = sid
    if entries_added != -1:
        st.entries_added = entries_added
    if max_deleted != MIN_ID:
        st.max_deleted_id = max_deleted
    _changed(s, key, e)
    return OK
