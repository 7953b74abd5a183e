"""Sorted-set commands (redis-server's t_zset.c).

A sorted set maps unique members (byte strings) to scores (doubles) and keeps
the members ordered by score, ties broken by the member bytes compared with
``memcmp`` (shorter first when one is a prefix of the other — exactly how
Python orders ``bytes``). Leaderboards, rate-limit windows, priority queues,
"latest N" feeds and autocomplete (all members at score 0, queried by
lexicographic range) are built on it.

How the engine stores one — :class:`ZSet`
-----------------------------------------
* ``scores``: a dict member → score, for O(1) ZSCORE and membership;
* ``order``: a Python list of ``(score, member)`` tuples kept sorted with
  :mod:`bisect`. Tuples compare by score, then member, which is Redis's order.

Redis uses a *skiplist* (plus the same dict): a linked structure of towers
with random heights, giving O(log N) insert, delete and rank (each forward
pointer records how many nodes it spans). Our sorted list finds a position in
O(log N) too, but inserting or deleting shifts the tail of the list: O(N)
element moves — done by one ``memmove`` in C, so it stays fast up to ~10^5
members, after which a real skiplist (or a B-tree of lists) would win. Ranks
and index ranges are O(1) on the list (plain indexing) where the skiplist
needs O(log N). Range queries by score are two binary searches.

What OBJECT ENCODING says — the engine follows Redis's rules exactly: a new
sorted set is a compact ``listpack`` (one flat byte array: member, score,
member, score …) while it has at most ``zset-max-listpack-entries`` (128)
members and every member is at most ``zset-max-listpack-value`` (64) bytes;
the first insertion that breaks either limit converts it to ``skiplist``, and
it never converts back (deleting members does not shrink it). Results written
by ZUNIONSTORE / ZINTERSTORE / ZDIFFSTORE / ZRANGESTORE are built fresh, so
they come out as a listpack whenever they fit. One visible quirk of the
listpack: it stores a score of ``-0`` as ``0`` (a skiplist keeps the sign).

Scores on the wire: RESP2 has no double type, so Redis sends scores as bulk
strings formatted with ``%.17g`` (``0.1`` → ``0.10000000000000001``,
``1e20`` → ``1e+20``, ``inf``/``-inf``); RESP3 sends a double (``,``). In
RESP3, WITHSCORES replies become an array of ``[member, score]`` pairs.

Blocking pops — BZPOPMIN, BZPOPMAX, BZMPOP — pop at once when a set has
members, and otherwise wait (engine/node/blocking.py) until another client
adds some or the timeout passes: a priority queue that workers can sleep on.
"""
from __future__ import annotations

import bisect
import math
import re
import zlib
from typing import Dict, Iterable, List, Optional, Tuple

from .. import errors
from ..node import memory
from ..node.dictscan import next_cursor
from ..node.blocking import Block, parse_timeout
from ..node.keyspace import Entry
from ..protocol.replies import Double, NullArray, ReplyError
from . import glob
from .args import INT64_MAX, INT64_MIN, parse_int
from .keys import parse_cursor, parse_scan_options
from .registry import command

NAN_SCORE = "ERR resulting score is not a number (NaN)"
RANGE_NOT_FLOAT = "ERR min or max is not a float"
RANGE_NOT_LEX = "ERR min or max not valid string range item"
WEIGHT_NOT_FLOAT = "ERR weight value is not a float"
MUST_BE_POSITIVE = "ERR value is out of range, must be positive"
INVALID_GETKEYS = "ERR Invalid arguments specified for command"
LONG_MAX = INT64_MAX


# ==============================================================================
# The data structure
# ==============================================================================

def _score_text(score: float) -> bytes:
    """The score as Redis writes it into a listpack or a ZSCAN reply (%.17g;
    integral values as plain digits, which %.17g also gives)."""
    if score == math.inf:
        return b"inf"
    if score == -math.inf:
        return b"-inf"
    return b"%.17g" % score


def _lp_cost(member: bytes, score: float) -> int:
    """Bytes a member and its score take inside a listpack."""
    return memory.listpack_entry(member) + memory.listpack_entry(_score_text(score))


def _level(member: bytes) -> int:
    """A skiplist node's height. Redis draws it at random (P=1/4 per extra
    level); the engine derives it from the member's CRC-32 so memory figures
    are reproducible, with the same distribution."""
    h = zlib.crc32(member)
    level = 1
    while h & 3 == 0 and level < memory.ZSKIPLIST_MAXLEVEL:
        level += 1
        h >>= 2
        if h == 0:
            break
    return level


def _sl_cost(member: bytes) -> int:
    """Bytes a member costs in the skiplist encoding: its sds string, a dict
    entry, and its skiplist node."""
    return memory.key_sds_size(len(member)) + memory.DICT_ENTRY + memory.skiplist_node(_level(member))


def _score_key(t):
    return t[0]


def _member_key(t):
    return t[1]


class ZSet:
    """One sorted set: ``scores`` (member → score) + ``order`` (sorted
    ``(score, member)`` tuples). See the module docstring for why."""

    __slots__ = ("scores", "order", "listpack", "lp_bytes", "sl_bytes", "slots",
                 "rehash_old", "rehash_left")

    def __init__(self, listpack: bool = True):
        self.scores: Dict[bytes, float] = {}
        self.order: List[Tuple[float, bytes]] = []
        self.listpack = listpack
        self.lp_bytes = 0    # entries of the listpack form (members + scores)
        self.sl_bytes = 0    # nodes of the skiplist form (sds + dictEntry + node)
        self.slots = 0       # buckets of the skiplist form's dict
        self.rehash_old = 0  # buckets of its old table while Redis would be rehashing
        self.rehash_left = 0  # non-empty old buckets still to move

    # -- size and iteration --------------------------------------------------
    def __len__(self) -> int:
        return len(self.scores)

    def __iter__(self):
        return iter(self.scores)

    def __contains__(self, member) -> bool:
        return member in self.scores

    @property
    def encoding(self) -> str:
        return "listpack" if self.listpack else "skiplist"

    # -- updates ---------------------------------------------------------------
    def insert(self, member: bytes, score: float) -> None:
        """Add a member that is not in the set yet (no encoding check)."""
        if self.listpack:
            if score == 0:
                score = 0.0   # a listpack stores -0 as 0
        else:
            self._dict_add(2)   # zsetAdd: dictFind, then dictAdd
        self.scores[member] = score
        bisect.insort(self.order, (score, member))
        self.lp_bytes += _lp_cost(member, score)
        self.sl_bytes += _sl_cost(member)

    # The skiplist form's dict, for the memory model: Redis doubles a dict's
    # bucket array when it is full and then moves the old buckets over
    # *incrementally*, one bucket per dict operation, keeping both arrays
    # meanwhile. Right after a set crosses a power of two it holds 1.5x the
    # buckets; MEMORY USAGE sees that.
    def _rehash_step(self, steps: int) -> None:
        if self.rehash_left:
            self.rehash_left = max(0, self.rehash_left - steps)
            if not self.rehash_left:
                self.rehash_old = 0

    def _dict_add(self, steps: int) -> None:
        self._rehash_step(steps)
        used = len(self.scores)
        if self.rehash_left or used < self.slots:
            return
        if self.slots == 0:
            self.slots = 4
            return
        self.rehash_old = self.slots
        # ~63% of the buckets of a table filled to load 1 are non-empty
        self.rehash_left = max(1, round(0.632 * self.slots))
        self.slots *= 2

    def add(self, member: bytes, score: float, config) -> None:
        """Add a new member, converting to a skiplist first if the listpack
        would break zset-max-listpack-entries / zset-max-listpack-value."""
        if self.listpack and (len(self.scores) + 1 > config["zset-max-listpack-entries"]
                              or len(member) > config["zset-max-listpack-value"]):
            self.convert()
        self.insert(member, score)

    def convert(self) -> None:
        """listpack → skiplist (zsetConvert): every member is added to a new
        dict, which grows as it goes."""
        self.listpack = False
        self.slots = self.rehash_old = self.rehash_left = 0
        scores = self.scores
        self.scores = {}
        for m in scores:
            self._dict_add(1)
            self.scores[m] = scores[m]

    def remove(self, member: bytes) -> float:
        score = self.scores.pop(member)
        i = bisect.bisect_left(self.order, (score, member))
        del self.order[i]
        self.lp_bytes -= _lp_cost(member, score)
        self.sl_bytes -= _sl_cost(member)
        if not self.listpack:
            self._rehash_step(1)
        return score

    def update(self, member: bytes, score: float) -> None:
        """Give an existing member a new score (it moves in the order)."""
        old = self.scores[member]
        del self.order[bisect.bisect_left(self.order, (old, member))]
        if self.listpack:
            if score == 0:
                score = 0.0
        else:
            self._rehash_step(1)   # the dictFind that found it
        self.scores[member] = score
        bisect.insort(self.order, (score, member))
        self.lp_bytes += _lp_cost(member, score) - _lp_cost(member, old)

    def remove_slice(self, start: int, end: int) -> int:
        """Delete the members at positions [start, end) of the order."""
        doomed = self.order[start:end]
        for score, member in doomed:
            del self.scores[member]
            self.lp_bytes -= _lp_cost(member, score)
            self.sl_bytes -= _sl_cost(member)
        del self.order[start:end]
        if not self.listpack:
            self._rehash_step(len(doomed))
        return len(doomed)

    # -- score ranges ------------------------------------------------------------
    def score_span(self, lo: float, lo_ex: bool, hi: float, hi_ex: bool) -> Tuple[int, int]:
        """Positions [start, end) of the members with lo <= score <= hi
        (``<`` on a side marked exclusive). Two binary searches."""
        order = self.order
        if lo_ex:
            start = bisect.bisect_right(order, lo, key=_score_key)
        else:
            start = bisect.bisect_left(order, lo, key=_score_key)
        if hi_ex:
            end = bisect.bisect_left(order, hi, key=_score_key)
        else:
            end = bisect.bisect_right(order, hi, key=_score_key)
        return start, max(start, end)

    # -- lexicographic ranges ------------------------------------------------------
    def uniform(self) -> bool:
        """True when every member has the same score (what BYLEX assumes)."""
        return not self.order or self.order[0][0] == self.order[-1][0]

    def lex_first(self, lo, hi) -> int:
        """Where a forward lexicographic walk starts (-1: nothing in range).

        Redis's rule, valid for any scores: the first member (from the head)
        that is >= min, which must also be <= max. When all scores are equal
        the members are sorted and two binary searches find it."""
        n = len(self.order)
        if n == 0 or _lex_range_empty(lo, hi):
            return -1
        order = self.order
        if not _gte_min(order[-1][1], lo) or not _lte_max(order[0][1], hi):
            return -1
        if self.uniform():
            i = _lex_bisect_min(order, lo)
        else:
            i = next((j for j in range(n) if _gte_min(order[j][1], lo)), n)
        if i >= n or not _lte_max(order[i][1], hi):
            return -1
        return i

    def lex_last(self, lo, hi) -> int:
        """Where a backward lexicographic walk starts: the last member (from
        the tail) that is <= max, which must also be >= min (-1: none)."""
        n = len(self.order)
        if n == 0 or _lex_range_empty(lo, hi):
            return -1
        order = self.order
        if not _gte_min(order[-1][1], lo) or not _lte_max(order[0][1], hi):
            return -1
        if self.uniform():
            i = _lex_bisect_max(order, hi) - 1
        else:
            i = next((j for j in range(n - 1, -1, -1) if _lte_max(order[j][1], hi)), -1)
        if i < 0 or not _gte_min(order[i][1], lo):
            return -1
        return i

    def lex_span(self, lo, hi) -> Tuple[int, int]:
        """Positions [start, end) a forward walk covers (start == end: none)."""
        start = self.lex_first(lo, hi)
        if start < 0:
            return 0, 0
        order = self.order
        if self.uniform():
            return start, max(start, _lex_bisect_max(order, hi))
        end = start
        while end < len(order) and _lte_max(order[end][1], hi):
            end += 1
        return start, end

    # -- building ---------------------------------------------------------------------
    @classmethod
    def build(cls, pairs: Iterable[Tuple[float, bytes]], config) -> "ZSet":
        """A fresh set from sorted (score, member) pairs, encoded the way a
        STORE command leaves it: a listpack when everything fits."""
        pairs = list(pairs)
        fits = (len(pairs) <= config["zset-max-listpack-entries"]
                and all(len(m) <= config["zset-max-listpack-value"] for _, m in pairs))
        z = cls(listpack=fits)
        for score, member in pairs:
            if score == 0 and fits:
                score = 0.0
            z.scores[member] = score
            z.order.append((score, member))
            z.lp_bytes += _lp_cost(member, score)
            z.sl_bytes += _sl_cost(member)
        if not fits:
            z.slots = memory.dict_slots(len(pairs))
        return z


@memory.register_sizer("zset")
def zset_size(entry, config) -> int:
    """Bytes of a sorted-set value, modelled on Redis 7.0's MEMORY USAGE:

    * listpack: the robj + the listpack allocation (7 bytes of header and
      end marker + each member and score entry), rounded by jemalloc;
    * skiplist: robj + struct zset + struct zskiplist + struct dict + the dict's
      bucket array + the skiplist header node (32 levels) + for each member its
      sds string, dictEntry and node (node height from :func:`_level`).

    Redis *samples* the first 5 skiplist nodes and extrapolates, with random
    node heights, so its own figure for a skiplist wobbles by a few percent;
    the engine counts every node."""
    z = entry.value
    if z.listpack:
        return memory.ROBJ + memory.alloc_size(memory.LISTPACK_OVERHEAD + z.lp_bytes)
    return (memory.ROBJ + memory.ZSET_STRUCT + memory.ZSKIPLIST_STRUCT + memory.DICT_STRUCT
            + memory.POINTER * (z.slots + z.rehash_old) + memory.skiplist_node(memory.ZSKIPLIST_MAXLEVEL)
            + z.sl_bytes)


# ==============================================================================
# Argument parsing: scores and ranges the way C's strtod reads them
# ==============================================================================

_STRTOD = re.compile(
    rb"[ \t\n\v\f\r]*[+-]?(?:(inf(?:inity)?)|nan(?:\([0-9a-z_]*\))?"
    rb"|0x(?:[0-9a-f]+\.?[0-9a-f]*|\.[0-9a-f]+)(?:p[+-]?[0-9]+)?"
    rb"|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?)",
    re.IGNORECASE,
)
_NONZERO_DIGIT = re.compile(rb"[1-9a-fA-F]")


def strtod(raw: bytes) -> Tuple[float, int, bool]:
    """C's ``strtod`` on ``raw``: (value, bytes consumed, ERANGE?). Nothing
    parsable gives (0.0, 0, False), like C. Leading spaces, hex floats,
    ``inf``/``infinity`` and ``nan`` are accepted, as glibc does."""
    m = _STRTOD.match(raw)
    if m is None:
        return 0.0, 0, False
    text = m.group(0).strip(b" \t\n\v\f\r").decode("ascii").lower()
    erange = False
    if m.group(1) is not None:
        value = -math.inf if text.startswith("-") else math.inf
    elif "nan" in text:
        return math.nan, m.end(), False
    elif "x" in text:
        try:
            value = float.fromhex(text)
        except OverflowError:
            value = -math.inf if text.startswith("-") else math.inf
            erange = True
    else:
        value = float(text)
        if math.isinf(value):
            erange = True   # overflow
    if value == 0 and not erange:
        mantissa = re.split(r"[pP]" if "x" in text else r"[eE]", text)[0]
        if "x" in mantissa:
            mantissa = mantissa.split("x", 1)[1]
        if _NONZERO_DIGIT.search(mantissa.encode()):
            erange = True   # underflow to zero
    return value, m.end(), erange


def parse_score(raw: bytes, error: str = errors.NOT_FLOAT) -> float:
    """A score or increment (getDoubleFromObject): the whole argument must be
    a number, no leading space, not NaN, and not out of double range."""
    if not raw or raw[:1] in b" \t\n\v\f\r":
        raise ReplyError(error)
    value, end, erange = strtod(raw)
    if end != len(raw) or math.isnan(value) or erange:
        raise ReplyError(error)
    return value


def _range_item(raw: bytes) -> Tuple[float, bool]:
    """One end of a score range: ``1.5``, ``(1.5`` (exclusive), ``-inf``,
    ``+inf``… read with strtod, which stops at a NUL byte (C string)."""
    exclusive = raw[:1] == b"("
    body = raw[1:] if exclusive else raw
    value, end, _ = strtod(body)
    if (end != len(body) and body[end] != 0) or math.isnan(value):
        raise ReplyError(RANGE_NOT_FLOAT)
    return value, exclusive


def parse_score_range(rmin: bytes, rmax: bytes):
    lo, lo_ex = _range_item(rmin)
    hi, hi_ex = _range_item(rmax)
    return lo, lo_ex, hi, hi_ex


# Lexicographic range ends: (kind, bytes, exclusive), kind -1 = "-", +1 = "+".
_MIN, _MAX = -1, 1


def _lex_item(raw: bytes):
    c = raw[:1]
    if c in (b"+", b"-"):
        if len(raw) > 1 and raw[1] != 0:  # C string: "+\0…" is still "+"
            raise ReplyError(RANGE_NOT_LEX)
        return (_MAX if c == b"+" else _MIN, b"", True)
    if c == b"(":
        return (0, raw[1:], True)
    if c == b"[":
        return (0, raw[1:], False)
    raise ReplyError(RANGE_NOT_LEX)


def parse_lex_range(rmin: bytes, rmax: bytes):
    return _lex_item(rmin), _lex_item(rmax)


def _lex_cmp(a, b) -> int:
    """sdscmplex: compare two range ends, "-" below and "+" above everything."""
    if a[0] == b[0] and a[0] != 0:
        return 0
    if a[0] == _MIN or b[0] == _MAX:
        return -1
    if a[0] == _MAX or b[0] == _MIN:
        return 1
    return (a[1] > b[1]) - (a[1] < b[1])


def _lex_range_empty(lo, hi) -> bool:
    cmp = _lex_cmp(lo, hi)
    return cmp > 0 or (cmp == 0 and (lo[2] or hi[2]))


def _gte_min(member: bytes, lo) -> bool:
    kind, value, ex = lo
    if kind:
        return kind == _MIN
    return member > value if ex else member >= value


def _lte_max(member: bytes, hi) -> bool:
    kind, value, ex = hi
    if kind:
        return kind == _MAX
    return member < value if ex else member <= value


def _lex_bisect_min(order, lo) -> int:
    kind, value, ex = lo
    if kind:
        return 0 if kind == _MIN else len(order)
    if ex:
        return bisect.bisect_right(order, value, key=_member_key)
    return bisect.bisect_left(order, value, key=_member_key)


def _lex_bisect_max(order, hi) -> int:
    """First position past the members <= max (for a sorted, same-score order)."""
    kind, value, ex = hi
    if kind:
        return len(order) if kind == _MAX else 0
    if ex:
        return bisect.bisect_left(order, value, key=_member_key)
    return bisect.bisect_right(order, value, key=_member_key)


def _long(raw: bytes) -> int:
    return parse_int(raw)


# ==============================================================================
# Keyspace helpers and reply shapes
# ==============================================================================

def _check(e: Optional[Entry]) -> Optional[Entry]:
    if e is not None and e.type != "zset":
        raise ReplyError(errors.WRONGTYPE)
    return e


def _read(s, key) -> Optional[Entry]:
    """lookupKeyRead + type check: counts a keyspace hit or miss."""
    return s.db.read_as(key, "zset")


def _write(s, key) -> Optional[Entry]:
    """lookupKeyWrite + type check: no hit/miss statistics."""
    return s.db.write_as(key, "zset")


def _save(s, key, e: Entry) -> None:
    """After changing a set in place: delete the key if it became empty,
    otherwise record its (maybe new) encoding and size."""
    z = e.value
    if not z.scores:
        s.db.delete(key)
        return
    e.encoding = z.encoding
    s.db.resized(key, e)


def _store(s, key, z: ZSet) -> int:
    """setKey for the STORE commands: replace ``key`` (dropping its TTL), or
    delete it when the result is empty. Returns the new cardinality."""
    db = s.db
    if not z.scores:
        db.delete(key)
        return 0
    db.write(key)  # lookupKeyWrite: an expired old value goes first
    db.store(key, Entry(z, "zset", z.encoding))
    return len(z.scores)


def _scored(s, pairs, withscores: bool) -> list:
    """A member list, or with WITHSCORES: flat member, score, member, score …
    in RESP2, [member, score] pairs in RESP3. ``pairs`` yields (score, member)."""
    if not withscores:
        return [m for _, m in pairs]
    if s.protocol >= 3:
        return [[m, Double(sc)] for sc, m in pairs]
    out = []
    for sc, m in pairs:
        out.append(m)
        out.append(Double(sc))
    return out


# ==============================================================================
# ZADD and ZINCRBY
# ==============================================================================

def _zadd(s, key, args, incr: bool = False):
    nx = xx = gt = lt = ch = False
    i = 0
    while i < len(args):
        opt = args[i].lower()
        if opt == b"nx":
            nx = True
        elif opt == b"xx":
            xx = True
        elif opt == b"ch":
            ch = True
        elif opt == b"incr":
            incr = True
        elif opt == b"gt":
            gt = True
        elif opt == b"lt":
            lt = True
        else:
            break
        i += 1
    rest = args[i:]
    if not rest or len(rest) % 2:
        raise ReplyError(errors.SYNTAX)
    if xx and nx:
        raise ReplyError("ERR XX and NX options at the same time are not compatible")
    if (gt and nx) or (lt and nx) or (gt and lt):
        raise ReplyError("ERR GT, LT, and/or NX options at the same time are not compatible")
    if incr and len(rest) > 2:
        raise ReplyError("ERR INCR option supports a single increment-element pair")
    scores = [parse_score(rest[j]) for j in range(0, len(rest), 2)]

    db = s.db
    e = _write(s, key)
    created = False
    if e is None:
        if xx:
            return None if incr else 0
        e = Entry(ZSet(), "zset", "listpack")
        created = True
    z = e.value
    config = s.node.config
    added = updated = processed = 0
    result = None
    for j, score in enumerate(scores):
        member = rest[2 * j + 1]
        current = z.scores.get(member)
        if current is not None:
            if nx:
                continue
            if incr:
                score = current + score
                if math.isnan(score):
                    if added or updated:
                        _save(s, key, e)
                    raise ReplyError(NAN_SCORE)
            if (lt and score >= current) or (gt and score <= current):
                continue
            processed += 1
            result = score
            if score != current:
                z.update(member, score)
                updated += 1
        elif not xx:
            z.add(member, score, config)
            added += 1
            processed += 1
            result = score
    if created:
        e.encoding = z.encoding
        db.store(key, e)
    elif added or updated:
        _save(s, key, e)
    if incr:
        return Double(result) if processed else None
    return added + updated if ch else added


@command("zadd", arity=-4, flags="write denyoom fast", acl="sortedset", keys=(1, 1, 1),
         group="sorted-set", since="1.2.0",
         complexity="O(log(N)) for each item added, where N is the number of elements in "
                    "the sorted set.")
def zadd(s, key, *args):
    """ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...] — Add one or more members to a sorted set, or update its score if it already exists

    Add members with scores, or update the scores of existing ones. Returns how
    many members were *added* (with CH: added + changed).

    * NX: only add new members; XX: only update existing ones (never both).
    * GT / LT: update an existing member only if the new score is greater /
      less than its current one (new members are still added unless XX).
    * INCR: add to the score instead of setting it (one pair only) and reply
      with the new score, like ZINCRBY — or nil when NX/XX/GT/LT prevented it.

    All scores are parsed before anything is written, so a bad one changes
    nothing. Adding ``inf`` to ``-inf`` gives NaN, which Redis refuses.
    """
    return _zadd(s, key, args)


@command("zincrby", arity=4, flags="write denyoom fast", acl="sortedset", keys=(1, 1, 1),
         group="sorted-set", since="1.2.0",
         complexity="O(log(N)) where N is the number of elements in the sorted set.")
def zincrby(s, key, increment, member):
    """ZINCRBY key increment member — Increment the score of a member in a sorted set

    Add ``increment`` to the member's score (a missing member starts at 0);
    returns the new score. Redis runs it through ZADD's code, so ZADD's option
    words are recognised here too: ``ZINCRBY k nx m`` is a syntax error.
    """
    return _zadd(s, key, (increment, member), incr=True)


# ==============================================================================
# Reading single members and counts
# ==============================================================================

@command("zscore", arity=3, flags="readonly fast", acl="sortedset", keys=(1, 1, 1),
         group="sorted-set", since="1.2.0", complexity="O(1)")
def zscore(s, key, member):
    """ZSCORE key member — Get the score associated with the given member in a sorted set

    The member's score (a double), or nil. O(1): a dict lookup.
    """
    e = _read(s, key)
    if e is None:
        return None
    score = e.value.scores.get(member)
    return None if score is None else Double(score)


@command("zmscore", arity=-3, flags="readonly fast", acl="sortedset", keys=(1, 1, 1),
         group="sorted-set", since="6.2.0",
         complexity="O(N) where N is the number of members being requested.")
def zmscore(s, key, *members):
    """ZMSCORE key member [member ...] — Get the score associated with the given members in a sorted set

    One score (or nil) per member asked; a missing key is an empty set.
    """
    e = _read(s, key)
    scores = e.value.scores if e is not None else {}
    return [None if m not in scores else Double(scores[m]) for m in members]


@command("zcard", arity=2, flags="readonly fast", acl="sortedset", keys=(1, 1, 1),
         group="sorted-set", since="1.2.0", complexity="O(1)")
def zcard(s, key):
    """ZCARD key — Get the number of members in a sorted set

    How many members (0 for a missing key).
    """
    e = _read(s, key)
    return 0 if e is None else len(e.value.scores)


@command("zcount", arity=4, flags="readonly fast", acl="sortedset", keys=(1, 1, 1),
         group="sorted-set", since="2.0.0",
         complexity="O(log(N)) with N being the number of elements in the sorted set.")
def zcount(s, key, min, max):
    """ZCOUNT key min max — Count the members in a sorted set with scores within the given values

    Members with min <= score <= max. Prefix a bound with ``(`` to exclude it;
    ``-inf`` and ``+inf`` are the open ends. Two binary searches: O(log N).
    """
    lo, lo_ex, hi, hi_ex = parse_score_range(min, max)
    e = _read(s, key)
    if e is None:
        return 0
    start, end = e.value.score_span(lo, lo_ex, hi, hi_ex)
    return end - start


@command("zlexcount", arity=4, flags="readonly fast", acl="sortedset", keys=(1, 1, 1),
         group="sorted-set", since="2.8.9",
         complexity="O(log(N)) with N being the number of elements in the sorted set.")
def zlexcount(s, key, min, max):
    """ZLEXCOUNT key min max — Count the number of members in a sorted set between a given lexicographical range

    Members between two *strings*: ``[a`` includes a, ``(a`` excludes it,
    ``-`` and ``+`` are the open ends. Meant for sets whose members all have
    the same score (then members are in byte order).
    """
    lo, hi = parse_lex_range(min, max)
    e = _read(s, key)
    if e is None:
        return 0
    start, end = e.value.lex_span(lo, hi)
    return end - start


@command("zrank", arity=3, flags="readonly fast", acl="sortedset", keys=(1, 1, 1),
         group="sorted-set", since="2.0.0", complexity="O(log(N))")
def zrank(s, key, member):
    """ZRANK key member — Determine the index of a member in a sorted set

    The member's 0-based position from the lowest score, or nil.
    """
    e = _read(s, key)
    if e is None:
        return None
    z = e.value
    score = z.scores.get(member)
    if score is None:
        return None
    return bisect.bisect_left(z.order, (score, member))


@command("zrevrank", arity=3, flags="readonly fast", acl="sortedset", keys=(1, 1, 1),
         group="sorted-set", since="2.0.0", complexity="O(log(N))")
def zrevrank(s, key, member):
    """ZREVRANK key member — Determine the index of a member in a sorted set, with scores ordered from high to low

    The member's 0-based position from the highest score, or nil.
    """
    e = _read(s, key)
    if e is None:
        return None
    z = e.value
    score = z.scores.get(member)
    if score is None:
        return None
    return len(z.order) - 1 - bisect.bisect_left(z.order, (score, member))


# ==============================================================================
# ZRANGE and its family
# ==============================================================================

RANK, SCORE, LEX = "rank", "score", "lex"
_RANGE_DOC = ("O(log(N)+M) with N being the number of elements in the sorted set and M the "
              "number of elements returned.")
_BY_DOC = ("O(log(N)+M) with N being the number of elements in the sorted set and M the "
           "number of elements being returned. If M is constant (e.g. always asking for the "
           "first 10 elements with LIMIT), you can consider it O(log(N)).")


def _rank_span(n: int, start: int, end: int) -> Tuple[int, int]:
    """Redis's index sanitising: negatives count from the end; [a, b) or empty."""
    if start < 0:
        start += n
    if end < 0:
        end += n
    if start < 0:
        start = 0
    if start > end or start >= n:
        return 0, 0
    if end >= n:
        end = n - 1
    return start, end + 1


def _select(z: ZSet, rangetype, spec, reverse: bool, offset: int, limit: int):
    """The (score, member) pairs a range selects, in reply order."""
    order = z.order
    n = len(order)
    if rangetype == RANK:
        a, b = _rank_span(n, spec[0], spec[1])
        if a >= b:
            return []
        if reverse:
            return [order[n - 1 - i] for i in range(a, b)]
        return order[a:b]
    if offset < 0 or limit == 0 or (offset > 0 and offset >= n):
        return []
    if rangetype == SCORE:
        a, b = z.score_span(*spec)
        if reverse:
            hi = b - offset
            lo = a if limit < 0 else max(a, hi - limit)
            return order[lo:hi][::-1] if hi > lo else []
        lo = a + offset
        hi = b if limit < 0 else min(b, lo + limit)
        return order[lo:hi] if hi > lo else []
    lo_b, hi_b = spec
    out = []
    if reverse:
        i = z.lex_last(lo_b, hi_b)
        if i < 0:
            return []
        i -= offset   # skipped whatever they are, as Redis does
        while i >= 0 and limit != 0 and _gte_min(order[i][1], lo_b):
            out.append(order[i])
            i -= 1
            limit -= 1
    else:
        i = z.lex_first(lo_b, hi_b)
        if i < 0:
            return []
        i += offset
        while i < n and limit != 0 and _lte_max(order[i][1], hi_b):
            out.append(order[i])
            i += 1
            limit -= 1
    return out


def _zrange(s, args, store: bool, rangetype=None, reverse=None):
    """zrangeGenericCommand: parse options, the range, then look up the key.
    ``args`` starts at the source key. Returns the reply, or for ZRANGESTORE
    the selected pairs (None when the source is missing)."""
    key, rmin, rmax = args[0], args[1], args[2]
    withscores = False
    offset, limit = 0, -1
    fixed_dir = reverse is not None
    fixed_type = rangetype is not None
    j = 3
    while j < len(args):
        opt = args[j].lower()
        left = len(args) - j - 1
        if not store and opt == b"withscores":
            withscores = True
        elif opt == b"limit" and left >= 2:
            offset = _long(args[j + 1])
            limit = _long(args[j + 2])
            j += 2
        elif not fixed_dir and reverse is None and opt == b"rev":
            reverse = True
        elif not fixed_type and rangetype is None and opt == b"bylex":
            rangetype = LEX
        elif not fixed_type and rangetype is None and opt == b"byscore":
            rangetype = SCORE
        else:
            raise ReplyError(errors.SYNTAX)
        j += 1
    reverse = bool(reverse)
    rangetype = rangetype or RANK
    if limit != -1 and rangetype == RANK:
        raise ReplyError("ERR syntax error, LIMIT is only supported in combination with "
                         "either BYSCORE or BYLEX")
    if withscores and rangetype == LEX:
        raise ReplyError("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
    if reverse and rangetype != RANK:
        rmin, rmax = rmax, rmin   # given as max, min
    if rangetype == RANK:
        spec = (_long(rmin), _long(rmax))
    elif rangetype == SCORE:
        spec = parse_score_range(rmin, rmax)
    else:
        spec = parse_lex_range(rmin, rmax)
    e = _read(s, key)
    if e is None:
        return None if store else []
    pairs = _select(e.value, rangetype, spec, reverse, offset, limit)
    if store:
        return pairs
    return _scored(s, pairs, withscores)


@command("zrange", arity=-4, flags="readonly", acl="sortedset", keys=(1, 1, 1),
         group="sorted-set", since="1.2.0", complexity=_RANGE_DOC)
def zrange(s, key, start, stop, *options):
    """ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES] — Return a range of members in a sorted set

    Members by position (0 = lowest score, -1 = highest), or with BYSCORE by
    score range, or with BYLEX by string range; REV walks from the top (then
    give the range as max, min); LIMIT offset count pages through BYSCORE /
    BYLEX results. The one command that replaced the six older ones below.
    """
    return _zrange(s, (key, start, stop) + options, store=False)


@command("zrangestore", arity=-5, flags="write denyoom", acl="sortedset", keys=(1, 2, 1),
         group="sorted-set", since="6.2.0",
         complexity="O(log(N)+M) with N being the number of elements in the sorted set and M "
                    "the number of elements stored into the destination key.")
def zrangestore(s, dst, src, min, max, *options):
    """ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count] — Store a range of members from sorted set into another key

    ZRANGE, but the result (with scores) is written to ``dst``; returns its
    size. An empty result deletes ``dst``.
    """
    pairs = _zrange(s, (src, min, max) + options, store=True)
    pairs = sorted(pairs or ())
    return _store(s, dst, ZSet.build(pairs, s.node.config))


@command("zrevrange", arity=-4, flags="readonly", acl="sortedset", keys=(1, 1, 1),
         group="sorted-set", since="1.2.0", complexity=_RANGE_DOC, doc_flags="deprecated")
def zrevrange(s, key, start, stop, *options):
    """ZREVRANGE key start stop [WITHSCORES] — Return a range of members in a sorted set, by index, with scores ordered from high to low

    Positions counted from the highest score (ZRANGE … REV).
    """
    return _zrange(s, (key, start, stop) + options, store=False, rangetype=RANK, reverse=True)


@command("zrangebyscore", arity=-4, flags="readonly", acl="sortedset", keys=(1, 1, 1),
         group="sorted-set", since="1.0.5", complexity=_BY_DOC, doc_flags="deprecated")
def zrangebyscore(s, key, min, max, *options):
    """ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count] — Return a range of members in a sorted set, by score

    ZRANGE … BYSCORE.
    """
    return _zrange(s, (key, min, max) + options, store=False, rangetype=SCORE, reverse=False)


@command("zrevrangebyscore", arity=-4, flags="readonly", acl="sortedset", keys=(1, 1, 1),
         group="sorted-set", since="2.2.0", complexity=_BY_DOC, doc_flags="deprecated")
def zrevrangebyscore(s, key, max, min, *options):
    """ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count] — Return a range of members in a sorted set, by score, with scores ordered from high to low

    ZRANGE … BYSCORE REV (note: max first).
    """
    return _zrange(s, (key, max, min) + options, store=False, rangetype=SCORE, reverse=True)


@command("zrangebylex", arity=-4, flags="readonly", acl="sortedset", keys=(1, 1, 1),
         group="sorted-set", since="2.8.9", complexity=_BY_DOC, doc_flags="deprecated")
def zrangebylex(s, key, min, max, *options):
    """ZRANGEBYLEX key min max [LIMIT offset count] — Return a range of members in a sorted set, by lexicographical range

    ZRANGE … BYLEX.
    """
    return _zrange(s, (key, min, max) + options, store=False, rangetype=LEX, reverse=False)


@command("zrevrangebylex", arity=-4, flags="readonly", acl="sortedset", keys=(1, 1, 1),
         group="sorted-set", since="2.8.9", complexity=_BY_DOC, doc_flags="deprecated")
def zrevrangebylex(s, key, max, min, *options):
    """ZREVRANGEBYLEX key max min [LIMIT offset count] — Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.

    ZRANGE … BYLEX REV (note: max first).
    """
    return _zrange(s, (key, max, min) + options, store=False, rangetype=LEX, reverse=True)


# ==============================================================================
# Removing
# ==============================================================================

@command("zrem", arity=-3, flags="write fast", acl="sortedset", keys=(1, 1, 1),
         group="sorted-set", since="1.2.0",
         complexity="O(M*log(N)) with N being the number of elements in the sorted set and M "
                    "the number of elements to be removed.")
def zrem(s, key, *members):
    """ZREM key member [member ...] — Remove one or more members from a sorted set

    How many of the members were there. Removing the last one deletes the key.
    """
    e = _write(s, key)
    if e is None:
        return 0
    z = e.value
    removed = 0
    for m in members:
        if m in z.scores:
            z.remove(m)
            removed += 1
            if not z.scores:
                break
    if removed:
        _save(s, key, e)
    return removed


_REMRANGE_DOC = ("O(log(N)+M) with N being the number of elements in the sorted set and M the "
                 "number of elements removed by the operation.")


def _zremrange(s, key, span):
    e = _write(s, key)
    if e is None:
        return 0
    start, end = span(e.value)
    if start >= end:
        return 0
    removed = e.value.remove_slice(start, end)
    _save(s, key, e)
    return removed


@command("zremrangebyrank", arity=4, flags="write", acl="sortedset", keys=(1, 1, 1),
         group="sorted-set", since="2.0.0", complexity=_REMRANGE_DOC)
def zremrangebyrank(s, key, start, stop):
    """ZREMRANGEBYRANK key start stop — Remove all members in a sorted set within the given indexes

    Remove by position (negative = from the end); how many went.
    """
    a, b = _long(start), _long(stop)
    return _zremrange(s, key, lambda z: _rank_span(len(z.order), a, b))


@command("zremrangebyscore", arity=4, flags="write", acl="sortedset", keys=(1, 1, 1),
         group="sorted-set", since="1.2.0", complexity=_REMRANGE_DOC)
def zremrangebyscore(s, key, min, max):
    """ZREMRANGEBYSCORE key min max — Remove all members in a sorted set within the given scores

    Remove by score range — e.g. trim a sliding window of timestamps.
    """
    spec = parse_score_range(min, max)
    return _zremrange(s, key, lambda z: z.score_span(*spec))


@command("zremrangebylex", arity=4, flags="write", acl="sortedset", keys=(1, 1, 1),
         group="sorted-set", since="2.8.9", complexity=_REMRANGE_DOC)
def zremrangebylex(s, key, min, max):
    """ZREMRANGEBYLEX key min max — Remove all members in a sorted set between the given lexicographical range

    Remove by string range (same-score sets).
    """
    lo, hi = parse_lex_range(min, max)
    return _zremrange(s, key, lambda z: z.lex_span(lo, hi))


# -- popping ------------------------------------------------------------------------

def _pop(s, keys, maximum: bool, count: int, emit_key: bool, nested: bool, nil_if_empty: bool):
    """genericZpopCommand: pop up to ``count`` from the first existing key."""
    e = key = None
    for k in keys:
        found = s.db.write(k)
        if found is None:
            continue
        _check(found)
        e, key = found, k
        break
    if e is None:
        return NullArray if nil_if_empty else []
    if count == 0:
        return []
    z = e.value
    n = min(count, len(z.order))
    if maximum:
        taken = z.order[-n:][::-1]
        z.remove_slice(len(z.order) - n, len(z.order))
    else:
        taken = z.order[:n]
        z.remove_slice(0, n)
    _save(s, key, e)
    if nested:
        items = [[m, Double(sc)] for sc, m in taken]
    else:
        items = []
        for sc, m in taken:
            items.append(m)
            items.append(Double(sc))
    if emit_key:
        return [key, items]
    return items


def _zpop(s, key, count, maximum):
    if len(count) > 1:
        raise ReplyError(errors.SYNTAX)
    n = -1
    if count:
        n = parse_int(count[0], MUST_BE_POSITIVE)
        if n < 0:
            raise ReplyError(MUST_BE_POSITIVE)
    nested = s.protocol >= 3 and n != -1
    return _pop(s, [key], maximum, 1 if n == -1 else n, False, nested, False)


_POP_DOC = ("O(log(N)*M) with N being the number of elements in the sorted set, and M being "
            "the number of elements popped.")


@command("zpopmin", arity=-2, flags="write fast", acl="sortedset", keys=(1, 1, 1),
         group="sorted-set", since="5.0.0", complexity=_POP_DOC)
def zpopmin(s, key, *count):
    """ZPOPMIN key [count] — Remove and return members with the lowest scores in a sorted set

    Take the lowest-scored member(s): member, score … (a priority queue).
    """
    return _zpop(s, key, count, maximum=False)


@command("zpopmax", arity=-2, flags="write fast", acl="sortedset", keys=(1, 1, 1),
         group="sorted-set", since="5.0.0", complexity=_POP_DOC)
def zpopmax(s, key, *count):
    """ZPOPMAX key [count] — Remove and return members with the highest scores in a sorted set

    Take the highest-scored member(s).
    """
    return _zpop(s, key, count, maximum=True)


# -- numkeys commands: where their keys are ------------------------------------------

_STRICT_INT = re.compile(rb"(?:-?[1-9][0-9]*|0)\Z")
_ATOI = re.compile(rb"[ \t\n\v\f\r]*([+-]?[0-9]+)")


def _atoi(raw: bytes) -> int:
    m = _ATOI.match(raw)
    if m is None:
        return 0
    value = int(m.group(1))
    return ((value + 2**31) % 2**32) - 2**31   # C int


def _numkeys_getkeys(numkeys_at: int, store_at: int = 0):
    """Key positions of a command with a ``numkeys`` argument, as Redis 7.0
    finds them: first from the key specs (a strict integer ≥ 0 that fits the
    arguments; the destination key first), else the legacy ``getkeys_proc``
    (C's atoi, destination last). Invalid → COMMAND GETKEYS's error."""

    def getkeys(argv):
        argc = len(argv)
        first = numkeys_at + 1
        raw = argv[numkeys_at] if numkeys_at < argc else b""
        if _STRICT_INT.match(raw) and len(raw) <= 20 and int(raw) <= INT64_MAX:
            last = first + int(raw) - 1
            if not (last >= argc or last < first or first >= argc):
                return ([store_at] if store_at else []) + list(range(first, last + 1))
        num = _atoi(raw)
        if num < 1 or num > argc - first:
            raise ReplyError(INVALID_GETKEYS)
        return list(range(first, first + num)) + ([store_at] if store_at else [])

    return getkeys


@command("zmpop", arity=-4, flags="write", acl="sortedset", getkeys=_numkeys_getkeys(1),
         group="sorted-set", since="7.0.0",
         complexity="O(K) + O(M*log(N)) where K is the number of provided keys, N being the "
                    "number of elements in the sorted set, and M being the number of elements "
                    "popped.")
def zmpop(s, numkeys, *args):
    """ZMPOP numkeys key [key ...] MIN|MAX [COUNT count] — Remove and return members with scores in a sorted set

    Pop from the first of the keys that is not empty: [key, [[member, score] …]],
    or nil when all are empty.
    """
    n = parse_int(numkeys, "ERR numkeys should be greater than 0")
    if n < 1:
        raise ReplyError("ERR numkeys should be greater than 0")
    where_at = n
    if where_at >= len(args):
        raise ReplyError(errors.SYNTAX)
    where = args[where_at].lower()
    if where not in (b"min", b"max"):
        raise ReplyError(errors.SYNTAX)
    count = -1
    j = where_at + 1
    while j < len(args):
        if count == -1 and args[j].lower() == b"count" and j + 1 < len(args):
            j += 1
            count = parse_int(args[j], "ERR count should be greater than 0")
            if count < 1:
                raise ReplyError("ERR count should be greater than 0")
        else:
            raise ReplyError(errors.SYNTAX)
        j += 1
    if count == -1:
        count = 1
    return _pop(s, args[:n], where == b"max", count, True, True, True)


# -- blocking pops ----------------------------------------------------------------------
#
# As for lists (see lists.py): pop at once if a set has members, else return a
# Block whose serve() pops from the key that became ready.

def _ready_zset(b: Block):
    """The key that woke ``b`` if it now holds a non-empty sorted set, else None."""
    db, key = b.woken_by
    e = db.write(key)
    if e is None or e.type != "zset" or not e.value.scores:
        return None
    return key


def _bzpop(s, args, maximum: bool):
    """BZPOPMIN / BZPOPMAX key [key ...] timeout → [key, member, score]."""
    *keys, timeout = args
    deadline = parse_timeout(timeout, s.node.now)

    def flat(reply):
        # _pop answers [key, [member, score]]; these commands answer flat.
        return reply if reply is NullArray else [reply[0], *reply[1]]

    found = _pop(s, keys, maximum, 1, True, False, True)
    if found is not NullArray:
        return flat(found)

    def serve():
        key = _ready_zset(b)
        if key is None:
            return None
        return flat(_pop(s, [key], maximum, 1, True, False, True))

    b = Block([(s.db, key) for key in keys], deadline, serve, on_timeout=NullArray)
    return b


_BZPOP_DOC = "O(log(N)) with N being the number of elements in the sorted set."


@command("bzpopmin", arity=-3, flags="write noscript blocking fast", acl="sortedset",
         keys=(1, -2, 1), group="sorted-set", since="5.0.0", complexity=_BZPOP_DOC)
def bzpopmin(s, *args):
    """BZPOPMIN key [key ...] timeout — Remove and return the member with the lowest score from one or more sorted sets, or block until one is available

    Pop the lowest-scored member of the first non-empty set: [key, member,
    score]; wait up to ``timeout`` seconds (0 = forever) if all are empty.
    """
    return _bzpop(s, args, maximum=False)


@command("bzpopmax", arity=-3, flags="write noscript blocking fast", acl="sortedset",
         keys=(1, -2, 1), group="sorted-set", since="5.0.0", complexity=_BZPOP_DOC)
def bzpopmax(s, *args):
    """BZPOPMAX key [key ...] timeout — Remove and return the member with the highest score from one or more sorted sets, or block until one is available

    Like BZPOPMIN, for the highest score.
    """
    return _bzpop(s, args, maximum=True)


@command("bzmpop", arity=-5, flags="write blocking", acl="sortedset",
         getkeys=_numkeys_getkeys(2), group="sorted-set", since="7.0.0",
         complexity="O(K) + O(M*log(N)) where K is the number of provided keys, N being the "
                    "number of elements in the sorted set, and M being the number of elements "
                    "popped.")
def bzmpop(s, timeout, numkeys, *args):
    """BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count] — Remove and return members with scores in a sorted set or block until one is available

    ZMPOP that waits up to ``timeout`` seconds for one of the sets to get
    members: [key, [[member, score] …]], or nil.
    """
    n = parse_int(numkeys, "ERR numkeys should be greater than 0")
    if n < 1:
        raise ReplyError("ERR numkeys should be greater than 0")
    if n >= len(args):
        raise ReplyError(errors.SYNTAX)
    where = args[n].lower()
    if where not in (b"min", b"max"):
        raise ReplyError(errors.SYNTAX)
    count = -1
    j = n + 1
    while j < len(args):
        if count == -1 and args[j].lower() == b"count" and j + 1 < len(args):
            j += 1
            count = parse_int(args[j], "ERR count should be greater than 0")
            if count < 1:
                raise ReplyError("ERR count should be greater than 0")
        else:
            raise ReplyError(errors.SYNTAX)
        j += 1
    count = 1 if count == -1 else count
    maximum = where == b"max"
    deadline = parse_timeout(timeout, s.node.now)   # after the other arguments
    keys = args[:n]
    found = _pop(s, keys, maximum, count, True, True, True)
    if found is not NullArray:
        return found

    def serve():
        key = _ready_zset(b)
        if key is None:
            return None
        return _pop(s, [key], maximum, count, True, True, True)

    b = Block([(s.db, key) for key in keys], deadline, serve, on_timeout=NullArray)
    return b


# ==============================================================================
# ZRANDMEMBER
# ==============================================================================

@command("zrandmember", arity=-2, flags="readonly", acl="sortedset", keys=(1, 1, 1),
         group="sorted-set", since="6.2.0", tips="nondeterministic_output",
         complexity="O(N) where N is the number of elements returned")
def zrandmember(s, key, *args):
    """ZRANDMEMBER key [count [WITHSCORES]] — Get one or multiple random elements from a sorted set

    One random member; with a positive count, up to that many *distinct*
    members; with a negative count, exactly |count| picks that may repeat.
    Randomness comes from the node's seeded RNG (reproducible runs).
    """
    rng = s.node.rng
    if not args:
        e = _read(s, key)
        if e is None:
            return None
        order = e.value.order
        return order[rng.randrange(len(order))][1]
    count = parse_int(args[0])
    if count == INT64_MIN:
        raise ReplyError("ERR value is out of range, value must between "
                         "-9223372036854775807 and 9223372036854775807")
    if len(args) > 2 or (len(args) == 2 and args[1].lower() != b"withscores"):
        raise ReplyError(errors.SYNTAX)
    withscores = len(args) == 2
    if withscores and not -(LONG_MAX // 2) <= count <= LONG_MAX // 2:
        raise ReplyError("ERR value is out of range")
    e = _read(s, key)
    if e is None or count == 0:
        return []
    order = e.value.order
    size = len(order)
    if count < 0 or count == 1:
        picks = [order[rng.randrange(size)] for _ in range(abs(count))]
    elif count >= size:
        picks = list(order)
    else:
        picks = rng.sample(order, count)
    return _scored(s, picks, withscores)


# ==============================================================================
# ZUNION, ZINTER, ZDIFF (+STORE) and ZINTERCARD
# ==============================================================================

UNION, INTER, DIFF = "union", "inter", "diff"


def _members_of(e: Optional[Entry]) -> Dict[bytes, float]:
    """An input as member → score: a sorted set as is, a plain SET with
    every score 1, a missing key empty."""
    if e is None:
        return {}
    if e.type == "zset":
        return e.value.scores
    return {m if isinstance(m, bytes) else str(m).encode(): 1.0 for m in e.value}


def _aggregate(how: str):
    if how == "sum":
        def agg(a, b):
            r = a + b
            return 0.0 if r != r else r   # inf + -inf: Redis uses 0
        return agg
    if how == "min":
        return lambda a, b: b if b < a else a
    return lambda a, b: b if b > a else a


def _setop(s, name: str, op: str, args, store: bool, card_only: bool = False):
    """zunionInterDiffGenericCommand. ``args`` starts at numkeys."""
    setnum = parse_int(args[0])
    if setnum < 1:
        raise ReplyError(f"ERR at least 1 input key is needed for '{name}' command")
    if setnum > len(args) - 1:
        raise ReplyError(errors.SYNTAX)
    db = s.db
    inputs = []
    for key in args[1:1 + setnum]:
        e = db.read(key)   # lookupKeyRead even for the STORE variants (hits/misses)
        if e is not None and e.type not in ("zset", "set"):
            raise ReplyError(errors.WRONGTYPE)
        inputs.append(e)
    weights = [1.0] * setnum
    how = "sum"
    withscores = False
    limit = 0
    j = 1 + setnum
    while j < len(args):
        remaining = len(args) - j
        opt = args[j].lower()
        if op != DIFF and not card_only and remaining >= setnum + 1 and opt == b"weights":
            weights = [parse_score(w, WEIGHT_NOT_FLOAT) for w in args[j + 1:j + 1 + setnum]]
            j += 1 + setnum
        elif op != DIFF and not card_only and remaining >= 2 and opt == b"aggregate":
            how = args[j + 1].lower().decode("latin-1")
            if how not in ("sum", "min", "max"):
                raise ReplyError(errors.SYNTAX)
            j += 2
        elif not store and not card_only and opt == b"withscores":
            withscores = True
            j += 1
        elif card_only and remaining >= 2 and opt == b"limit":
            limit = parse_int(args[j + 1], "ERR LIMIT can't be negative")
            if limit < 0:
                raise ReplyError("ERR LIMIT can't be negative")
            j += 2
        else:
            raise ReplyError(errors.SYNTAX)

    sources = [(_members_of(e), w) for e, w in zip(inputs, weights)]
    result: Dict[bytes, float] = {}
    if op == DIFF:
        first = sources[0][0]
        others = [src for src, _ in sources[1:] if src]
        result = {m: sc for m, sc in first.items() if not any(m in o for o in others)}
    else:
        # Smallest inputs first (a stable sort, as glibc's qsort is here): it
        # decides the order in which SUM adds the scores up.
        sources.sort(key=lambda sw: len(sw[0]))
        agg = _aggregate(how)
        if op == UNION:
            for src, w in sources:
                for m, sc in src.items():
                    v = w * sc
                    if v != v:
                        v = 0.0   # 0 * inf
                    if m in result:
                        result[m] = agg(result[m], v)
                    else:
                        result[m] = v
        else:
            base, w0 = sources[0]
            count = 0
            for m, sc in base.items():
                v = w0 * sc
                if v != v:
                    v = 0.0
                for src, w in sources[1:]:
                    other = src.get(m)
                    if other is None:
                        break
                    v = agg(v, other * w)
                else:
                    if card_only:
                        count += 1
                        if limit and count >= limit:
                            break
                    else:
                        result[m] = v
            if card_only:
                return count
    pairs = sorted((sc, m) for m, sc in result.items())
    if store:
        return pairs
    return _scored(s, pairs, withscores)


def _setop_store(s, name, op, dst, args):
    pairs = _setop(s, name, op, args, store=True)
    return _store(s, dst, ZSet.build(pairs, s.node.config))


_UNION_DOC = ("O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, "
              "and M being the number of elements in the resulting sorted set.")
_INTER_DOC = ("O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K "
              "being the number of input sorted sets and M being the number of elements in the "
              "resulting sorted set.")
_DIFF_DOC = ("O(L + (N-K)log(N)) worst case where L is the total number of elements in all the "
             "sets, N is the size of the first set, and K is the size of the result set.")


@command("zunion", arity=-3, flags="readonly", acl="sortedset", getkeys=_numkeys_getkeys(1),
         group="sorted-set", since="6.2.0", complexity=_UNION_DOC)
def zunion(s, numkeys, *args):
    """ZUNION numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX] [WITHSCORES] — Add multiple sorted sets

    Every member of any input; its score combines the inputs' scores (each
    times its weight) with SUM (default), MIN or MAX. Plain sets count as
    sorted sets whose scores are all 1.
    """
    return _setop(s, "zunion", UNION, (numkeys,) + args, store=False)


@command("zinter", arity=-3, flags="readonly", acl="sortedset", getkeys=_numkeys_getkeys(1),
         group="sorted-set", since="6.2.0", complexity=_INTER_DOC)
def zinter(s, numkeys, *args):
    """ZINTER numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX] [WITHSCORES] — Intersect multiple sorted sets

    Members present in every input, scores combined as in ZUNION.
    """
    return _setop(s, "zinter", INTER, (numkeys,) + args, store=False)


@command("zdiff", arity=-3, flags="readonly", acl="sortedset", getkeys=_numkeys_getkeys(1),
         group="sorted-set", since="6.2.0", complexity=_DIFF_DOC)
def zdiff(s, numkeys, *args):
    """ZDIFF numkeys key [key ...] [WITHSCORES] — Subtract multiple sorted sets

    Members of the first input that are in none of the others, with the
    first input's scores.
    """
    return _setop(s, "zdiff", DIFF, (numkeys,) + args, store=False)


@command("zunionstore", arity=-4, flags="write denyoom", acl="sortedset", keys=(1, 1, 1),
         getkeys=_numkeys_getkeys(2, store_at=1), group="sorted-set", since="2.0.0",
         complexity="O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted "
                    "sets, and M being the number of elements in the resulting sorted set.")
def zunionstore(s, destination, numkeys, *args):
    """ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX] — Add multiple sorted sets and store the resulting sorted set in a new key

    ZUNION written to ``destination``; returns its size (0 deletes it).
    """
    return _setop_store(s, "zunionstore", UNION, destination, (numkeys,) + args)


@command("zinterstore", arity=-4, flags="write denyoom", acl="sortedset", keys=(1, 1, 1),
         getkeys=_numkeys_getkeys(2, store_at=1), group="sorted-set", since="2.0.0",
         complexity=_INTER_DOC)
def zinterstore(s, destination, numkeys, *args):
    """ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX] — Intersect multiple sorted sets and store the resulting sorted set in a new key

    ZINTER written to ``destination``; returns its size.
    """
    return _setop_store(s, "zinterstore", INTER, destination, (numkeys,) + args)


@command("zdiffstore", arity=-4, flags="write denyoom", acl="sortedset", keys=(1, 1, 1),
         getkeys=_numkeys_getkeys(2, store_at=1), group="sorted-set", since="6.2.0",
         complexity=_DIFF_DOC)
def zdiffstore(s, destination, numkeys, *args):
    """ZDIFFSTORE destination numkeys key [key ...] — Subtract multiple sorted sets and store the resulting sorted set in a new key

    ZDIFF written to ``destination``; returns its size.
    """
    return _setop_store(s, "zdiffstore", DIFF, destination, (numkeys,) + args)


@command("zintercard", arity=-3, flags="readonly", acl="sortedset", getkeys=_numkeys_getkeys(1),
         group="sorted-set", since="7.0.0",
         complexity="O(N*K) worst case with N being the smallest input sorted set, K being the "
                    "number of input sorted sets.")
def zintercard(s, numkeys, *args):
    """ZINTERCARD numkeys key [key ...] [LIMIT limit] — Intersect multiple sorted sets and return the cardinality of the result

    How many members ZINTER would return, without building it; LIMIT stops
    counting early (0 = no limit).
    """
    return _setop(s, "zintercard", INTER, (numkeys,) + args, store=False, card_only=True)


# ==============================================================================
# ZSCAN
# ==============================================================================

def _scan_members(z: ZSet, cursor: int, count: int):
    """One dictScan step over the skiplist form's dict (see node/dictscan.py
    for the reverse-binary cursor): buckets visited until ``count`` members
    were collected or 10×count buckets were looked at."""
    mask = max(z.slots, 4) - 1
    buckets: Dict[int, list] = {}
    for m in z.scores:
        buckets.setdefault(zlib.crc32(m) & mask, []).append(m)
    found = []
    budget = count * 10
    while True:
        found.extend(buckets.get(cursor & mask, ()))
        cursor = next_cursor(cursor, mask)
        budget -= 1
        if cursor == 0 or budget <= 0 or len(found) >= count:
            break
    return cursor, found


@command("zscan", arity=-3, flags="readonly", acl="sortedset", keys=(1, 1, 1),
         group="sorted-set", since="2.8.0", tips="nondeterministic_output",
         complexity="O(1) for every call. O(N) for a complete iteration, including enough "
                    "command calls for the cursor to return back to 0. N is the number of "
                    "elements inside the collection..")
def zscan(s, key, cursor, *options):
    """ZSCAN key cursor [MATCH pattern] [COUNT count] — Incrementally iterate sorted sets elements and associated scores

    Like SCAN, inside one sorted set: [next cursor, [member, score, …]]. A
    listpack-encoded set is returned whole in one call (cursor 0), as Redis
    does; a skiplist one a few hash buckets at a time. Scores come back as
    strings, even in RESP3.
    """
    cur = parse_cursor(cursor)
    e = _read(s, key)
    if e is None:
        return [b"0", []]
    count, pattern, _ = parse_scan_options(options)
    z = e.value
    if z.listpack:
        nxt, members = 0, [m for _, m in z.order]
    else:
        nxt, members = _scan_members(z, cur, count)
    out = []
    for m in members:
        if pattern is not None and not glob.match(pattern, m):
            continue
        out.append(m)
        out.append(_score_text(z.scores[m]))
    return [str(nxt).encode(), out]
