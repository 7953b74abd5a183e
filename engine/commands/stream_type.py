"""The stream data type (redis-server's t_stream.c and stream.h), without the commands.

A Redis stream is an append-only log of *entries*. Every entry has an ID,
``<milliseconds>-<sequence>`` (two unsigned 64-bit numbers), and a small
field → value record. IDs only grow, so the log is sorted by ID and range
reads (XRANGE, XREAD) are cheap.

How Redis stores it, and how this module mirrors it
---------------------------------------------------

Redis keeps a stream as a *radix tree of listpacks*. Entries are packed,
in order, into compact byte arrays ("listpacks", the same format small hashes
use) of at most ``stream-node-max-entries`` entries (100) and
``stream-node-max-bytes`` bytes (4096). Each listpack is a *node*; the radix
tree maps a node's first ID (its *master ID*, as 16 big-endian bytes) to the
listpack. A node starts with a *master entry* holding the field names of its
first entry: later entries with the same fields store only their values
(the SAMEFIELDS flag), and IDs are stored as deltas from the master ID.

The engine keeps the same nodes — :class:`StreamNode`, each a short Python
list of entries — in a list sorted by master ID, found with ``bisect``
(O(log n) to reach any ID, like the radix tree). It also keeps every byte
count a listpack would have, because three things observable from outside
depend on them:

* when a node is full and the next XADD opens a new one;
* approximate trimming (``XTRIM s MAXLEN ~ 10``), which only ever drops
  *whole* nodes, so what survives depends on where the node boundaries are;
* MEMORY USAGE, and XINFO STREAM's ``radix-tree-keys`` / ``radix-tree-nodes``.

Deleting an entry (XDEL, exact trimming) does not remove it from its
listpack: Redis only sets a *deleted* flag and updates the node's counters;
a node disappears when its last live entry does. The engine does the same.

Consumer groups
---------------

A group remembers the last ID it delivered and a *pending entries list*
(PEL): entries delivered to a consumer but not yet acknowledged (XACK). Each
pending entry is one :class:`NACK` (delivery time, delivery count, owner),
shared by the group's PEL and its consumer's PEL, as in Redis. PELs are radix
trees keyed by ID too; :class:`Pel` keeps the IDs sorted and the node count
of the equivalent tree (:class:`RaxShape`) for the memory model.
"""
from __future__ import annotations

import copy
from bisect import bisect_left, bisect_right
from typing import Dict, Iterator, List, Optional, Tuple

from ..node import memory
from ..node.keyspace import is_canonical_int
from ..protocol.replies import ReplyError

U64_MAX = 2**64 - 1
StreamID = Tuple[int, int]          # (milliseconds, sequence)
MIN_ID: StreamID = (0, 0)
MAX_ID: StreamID = (U64_MAX, U64_MAX)

INVALID_ID = "ERR Invalid stream ID specified as stream command argument"
#: A listpack may not grow beyond 1 GiB (STREAM_LISTPACK_MAX_SIZE).
LISTPACK_MAX_SIZE = 1 << 30
#: A new node's listpack is allocated this big up front, so that the next
#: XADDs do not reallocate it (STREAM_LISTPACK_MAX_PRE_ALLOCATE).
LISTPACK_PREALLOC = 4096
#: entries_read value meaning "unknown" (SCG_INVALID_ENTRIES_READ).
ENTRIES_READ_UNKNOWN = -1

# Entry flags stored in the listpack.
FLAG_DELETED = 1
FLAG_SAMEFIELDS = 2

# C struct sizes (x86-64, Redis 7.0) used by MEMORY USAGE; see stream_size().
STREAM_STRUCT = 80        # rax*, length, last_id, first_id, max_deleted_entry_id,
                          # entries_added, cgroups*
CG_STRUCT = 40            # last_id, entries_read, pel*, consumers*
CONSUMER_STRUCT = 24      # seen_time, name*, pel*
NACK_STRUCT = 24          # delivery_time, delivery_count, consumer*
RAX_NODE_STRUCT = 4       # the raxNode header
RAX_NODE_OVERHEAD = 8 * 30  # "children, aux pointers…": Redis's own fixed guess


# -- IDs ---------------------------------------------------------------------------

def format_id(sid: StreamID) -> bytes:
    return b"%d-%d" % sid


def id_to_int(sid: StreamID) -> int:
    """The ID as one 128-bit number: the order of its 16 big-endian bytes,
    which is how Redis sorts IDs in its radix trees."""
    return (sid[0] << 64) | sid[1]


def int_to_id(value: int) -> StreamID:
    return (value >> 64, value & U64_MAX)


def incr_id(sid: StreamID) -> Optional[StreamID]:
    """The next possible ID (streamIncrID), or None after the last one."""
    ms, seq = sid
    if seq == U64_MAX:
        if ms == U64_MAX:
            return None
        return (ms + 1, 0)
    return (ms, seq + 1)


def decr_id(sid: StreamID) -> Optional[StreamID]:
    """The previous possible ID (streamDecrID), or None before 0-0."""
    ms, seq = sid
    if seq == 0:
        if ms == 0:
            return None
        return (ms - 1, U64_MAX)
    return (ms, seq - 1)


_C_SPACE = b" \t\n\v\f\r"


def string2ull(text: bytes) -> Optional[int]:
    """Redis's string2ull: a canonical non-negative 64-bit integer, or else
    whatever C's ``strtoull`` accepts when it consumes the whole string —
    leading blanks, a ``+``, leading zeros, and even a ``-`` sign, which
    wraps around (``-01`` is 2**64 - 1). None if it is not a number."""
    if is_canonical_int(text):
        value = int(text)
        return value if value >= 0 else None
    i = 0
    while i < len(text) and text[i] in _C_SPACE:
        i += 1
    negative = False
    if i < len(text) and text[i] in b"+-":
        negative = text[i] == 0x2D
        i += 1
    digits = text[i:]
    if not digits or not digits.isdigit() or not text:
        return None
    value = int(digits)
    if value > U64_MAX:
        return None      # ERANGE
    return (-value) & U64_MAX if negative else value


def parse_id(raw: bytes, missing_seq: int = 0, strict: bool = False,
             seq_star: bool = False) -> Tuple[StreamID, bool]:
    """Parse a stream ID argument (streamGenericParseIDOrReply).

    ``ms-seq``, or ``ms`` alone (the sequence is then ``missing_seq``: 0 for
    a range start, the maximum for a range end). ``-`` and ``+`` mean the
    smallest and largest IDs unless ``strict``. With ``seq_star`` (XADD),
    ``ms-*`` asks for the next sequence in that millisecond. Returns the ID
    and whether a sequence was given. Like Redis, the text is read as a C
    string: at most 127 bytes, cut at the first NUL byte."""
    if len(raw) > 127:
        raise ReplyError(INVALID_ID)
    text = raw.split(b"\0", 1)[0]
    if text in (b"-", b"+"):
        if strict:
            raise ReplyError(INVALID_ID)
        return (MIN_ID if text == b"-" else MAX_ID), True
    ms_text, dash, seq_text = text.partition(b"-")
    ms = string2ull(ms_text)
    if ms is None:
        raise ReplyError(INVALID_ID)
    if not dash:
        return (ms, missing_seq), True
    if seq_star and seq_text == b"*":
        return (ms, 0), False
    seq = string2ull(seq_text)
    if seq is None:
        raise ReplyError(INVALID_ID)
    return (ms, seq), True


def parse_strict_id(raw: bytes) -> StreamID:
    """An exact ID: ``-``/``+`` are not allowed (streamParseStrictIDOrReply)."""
    return parse_id(raw, 0, strict=True)[0]


def parse_interval_id(raw: bytes, missing_seq: int) -> Tuple[StreamID, bool]:
    """A range bound (streamParseIntervalIDOrReply): an ID, or ``(ID`` for an
    exclusive bound. Returns (ID, exclusive)."""
    if len(raw) > 1 and raw[:1] == b"(":
        return parse_id(raw[1:], missing_seq, strict=True)[0], True
    return parse_id(raw, missing_seq)[0], False


# -- listpack byte counts ------------------------------------------------------------

def _int_bytes(value: int) -> int:
    return memory.listpack_int_entry(value)


def _delta(a: int, b: int) -> int:
    """a - b in uint64 arithmetic, stored as an int64 (as Redis does)."""
    d = (a - b) & U64_MAX
    return d - 2**64 if d >= 2**63 else d


# -- the radix tree's shape ------------------------------------------------------------

class RaxShape:
    """Sorted 128-bit keys plus the number of nodes Redis's radix tree (rax.c)
    would use for them — needed for XINFO's ``radix-tree-nodes`` and for
    MEMORY USAGE.

    A rax compresses chains of single-child nodes, so its nodes sit exactly
    at: the root, every key, every branching point (where keys diverge), and
    the first position after each branch. For sorted keys all branching
    points come from *adjacent* pairs: keys ``a < b`` sharing ``l`` leading
    bytes branch at ``a[:l]`` into ``a[:l+1]`` and ``b[:l+1]``. So each
    position is counted once per adjacent pair (plus once per key), and the
    tree's node count is the number of distinct positions — kept up to date
    in O(log n) per insert or delete. (rax.c re-compresses after deletions,
    so the shape does not depend on history.)"""

    __slots__ = ("keys", "_positions")

    def __init__(self):
        self.keys: List[int] = []
        self._positions: Dict[Tuple[int, int], int] = {(0, 0): 1}   # the root

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def numnodes(self) -> int:
        return len(self._positions)

    def _bump(self, pos, delta: int) -> None:
        n = self._positions.get(pos, 0) + delta
        if n:
            self._positions[pos] = n
        else:
            del self._positions[pos]

    def _pair(self, a: int, b: int, delta: int) -> None:
        common = (128 - (a ^ b).bit_length()) // 8        # shared leading bytes
        self._bump((common, a >> (128 - 8 * common)), delta)
        self._bump((common + 1, a >> (120 - 8 * common)), delta)
        self._bump((common + 1, b >> (120 - 8 * common)), delta)

    def insert(self, key: int) -> bool:
        keys = self.keys
        i = bisect_left(keys, key)
        if i < len(keys) and keys[i] == key:
            return False
        before = keys[i - 1] if i else None
        after = keys[i] if i < len(keys) else None
        if before is not None and after is not None:
            self._pair(before, after, -1)
        if before is not None:
            self._pair(before, key, 1)
        if after is not None:
            self._pair(key, after, 1)
        self._bump((16, key), 1)
        keys.insert(i, key)
        return True

    def remove(self, key: int) -> bool:
        keys = self.keys
        i = bisect_left(keys, key)
        if i == len(keys) or keys[i] != key:
            return False
        before = keys[i - 1] if i else None
        after = keys[i + 1] if i + 1 < len(keys) else None
        if before is not None:
            self._pair(before, key, -1)
        if after is not None:
            self._pair(key, after, -1)
        if before is not None and after is not None:
            self._pair(before, after, 1)
        self._bump((16, key), -1)
        del keys[i]
        return True

    def memory_usage(self) -> int:
        """streamRadixTreeMemoryUsage: Redis's own estimate of a rax's bytes."""
        return len(self.keys) * 16 + self.numnodes * (RAX_NODE_STRUCT + RAX_NODE_OVERHEAD)


# -- stream nodes ----------------------------------------------------------------------

class StreamNode:
    """One listpack of entries. ``ids`` and ``items`` include deleted entries
    (``alive[i]`` False), which still take room until the node goes away."""

    __slots__ = ("master", "fields", "ids", "items", "alive", "count", "deleted",
                 "nbytes", "alloc")

    def __init__(self, master: StreamID, fields: tuple, prealloc: int):
        self.master = master
        self.fields = fields          # the master entry's field names
        self.ids: List[StreamID] = []
        self.items: List[tuple] = []  # field, value, field, value… per entry
        self.alive: List[bool] = []
        self.count = 0                # live entries
        self.deleted = 0              # entries flagged deleted
        # listpack header (6) + end byte (1) + the master entry:
        # count, deleted, number of fields, the fields, a 0 terminator.
        self.nbytes = (memory.LISTPACK_OVERHEAD + _int_bytes(0) * 3
                       + _int_bytes(len(fields))
                       + sum(memory.listpack_entry(f) for f in fields))
        self.alloc = memory.alloc_size(max(prealloc, self.nbytes))

    def _set_counter(self, old: int, new: int) -> None:
        self._resize(_int_bytes(new) - _int_bytes(old))

    def _resize(self, delta: int) -> None:
        """Follow the allocation the way listpack.c does: grow it only when
        the bytes no longer fit, and reallocate to the exact size on shrink."""
        self.nbytes += delta
        if delta > 0 and self.nbytes > self.alloc:
            self.alloc = memory.alloc_size(self.nbytes)
        elif delta < 0:
            self.alloc = memory.alloc_size(self.nbytes)

    def append(self, sid: StreamID, pairs: tuple) -> None:
        fields = pairs[0::2]
        same = fields == self.fields
        size = (_int_bytes(FLAG_SAMEFIELDS if same else 0)
                + _int_bytes(_delta(sid[0], self.master[0]))
                + _int_bytes(_delta(sid[1], self.master[1])))
        n = len(fields)
        if same:
            size += sum(memory.listpack_entry(v) for v in pairs[1::2])
            size += _int_bytes(n + 3)                     # lp-count
        else:
            size += _int_bytes(n) + sum(memory.listpack_entry(x) for x in pairs)
            size += _int_bytes(2 * n + 4)
        self._set_counter(self.count, self.count + 1)
        self.count += 1
        self.ids.append(sid)
        self.items.append(pairs)
        self.alive.append(True)
        self._resize(size)

    def mark_deleted(self, i: int) -> None:
        """Flag entry ``i`` deleted (its flags byte keeps its size)."""
        self.alive[i] = False
        self._set_counter(self.count, self.count - 1)
        self._set_counter(self.deleted, self.deleted + 1)
        self.count -= 1
        self.deleted += 1

    def shrink_to_fit(self) -> None:
        """lpShrinkToFit: give back the pre-allocated room of a full node."""
        self.alloc = memory.alloc_size(self.nbytes)

    def index(self, sid: StreamID) -> int:
        """Position of ``sid`` in this node, or -1."""
        i = bisect_left(self.ids, sid)
        return i if i < len(self.ids) and self.ids[i] == sid else -1


# -- consumer groups ---------------------------------------------------------------------

class NACK:
    """A pending entry: delivered, not yet acknowledged (streamNACK)."""

    __slots__ = ("delivery_time", "delivery_count", "consumer")

    def __init__(self, now: int, consumer: Optional["Consumer"]):
        self.delivery_time = now
        self.delivery_count = 1
        self.consumer = consumer


class Pel:
    """A pending entries list: ID → NACK, in ID order."""

    __slots__ = ("shape", "nacks")

    def __init__(self):
        self.shape = RaxShape()             # sorted IDs as 128-bit ints
        self.nacks: Dict[int, NACK] = {}

    def __len__(self) -> int:
        return len(self.nacks)

    def get(self, sid: StreamID) -> Optional[NACK]:
        return self.nacks.get(id_to_int(sid))

    def add(self, sid: StreamID, nack: NACK) -> bool:
        key = id_to_int(sid)
        if key in self.nacks:
            return False
        self.nacks[key] = nack
        self.shape.insert(key)
        return True

    def remove(self, sid: StreamID) -> Optional[NACK]:
        key = id_to_int(sid)
        nack = self.nacks.pop(key, None)
        if nack is not None:
            self.shape.remove(key)
        return nack

    def from_id(self, start: StreamID) -> Iterator[Tuple[StreamID, NACK]]:
        """Pending entries with ID >= start, in order. Safe against removal of
        the entry just yielded."""
        keys = self.shape.keys
        key = id_to_int(start)
        i = bisect_left(keys, key)
        while i < len(keys):
            key = keys[i]
            yield int_to_id(key), self.nacks[key]
            if i < len(keys) and keys[i] == key:
                i += 1          # (otherwise it was removed: stay at i)

    def first(self) -> StreamID:
        return int_to_id(self.shape.keys[0])

    def last(self) -> StreamID:
        return int_to_id(self.shape.keys[-1])

    def memory_usage(self) -> int:
        return self.shape.memory_usage()


class Consumer:
    __slots__ = ("name", "seen_time", "pel")

    def __init__(self, name: bytes, now: int):
        self.name = name
        self.seen_time = now
        self.pel = Pel()


class ConsumerGroup:
    __slots__ = ("name", "last_id", "entries_read", "pel", "consumers")

    def __init__(self, name: bytes, last_id: StreamID, entries_read: int):
        self.name = name
        self.last_id = last_id
        self.entries_read = entries_read
        self.pel = Pel()
        self.consumers: Dict[bytes, Consumer] = {}

    def sorted_consumers(self) -> List[Consumer]:
        """Consumers in radix-tree order (bytewise), as Redis lists them."""
        return [self.consumers[name] for name in sorted(self.consumers)]

    def consumer(self, name: bytes, now: int, refresh: bool = True) -> Consumer:
        """Look a consumer up, creating it if needed; ``refresh`` updates its
        seen-time (streamLookupConsumer / streamCreateConsumer)."""
        c = self.consumers.get(name)
        if c is None:
            c = self.consumers[name] = Consumer(name, now)
        elif refresh:
            c.seen_time = now
        return c

    def delete_consumer(self, c: Consumer) -> None:
        """streamDelConsumer: its pending entries leave the group's PEL too."""
        for key in list(c.pel.shape.keys):
            self.pel.remove(int_to_id(key))
        del self.consumers[c.name]


# -- the stream ---------------------------------------------------------------------------

class Stream:
    """A stream value (Redis's ``stream`` struct)."""

    __slots__ = ("nodes", "node_ids", "rax", "length", "last_id", "first_id",
                 "max_deleted_id", "entries_added", "groups")

    def __init__(self):
        self.nodes: List[StreamNode] = []
        self.node_ids: List[StreamID] = []   # master IDs, for bisect
        self.rax = RaxShape()                # the node tree's shape
        self.length = 0
        self.last_id: StreamID = MIN_ID
        self.first_id: StreamID = MIN_ID     # XINFO's recorded-first-entry-id
        self.max_deleted_id: StreamID = MIN_ID
        self.entries_added = 0
        self.groups: Dict[bytes, ConsumerGroup] = {}

    def __bool__(self) -> bool:
        return True      # an empty stream is still a key (unlike lists or sets)

    def __deepcopy__(self, memo):
        """COPY (streamDup): everything is copied — groups, consumers, and the
        pending entries shared between a group's and a consumer's PEL stay
        shared in the copy — but each listpack is copied at its exact size,
        so the copy has no pre-allocated room (MEMORY USAGE shows it)."""
        new = Stream.__new__(Stream)
        memo[id(self)] = new
        for name in Stream.__slots__:
            setattr(new, name, copy.deepcopy(getattr(self, name), memo))
        for node in new.nodes:
            node.shrink_to_fit()
        return new

    def __len__(self) -> int:
        return self.length

    # -- nodes --------------------------------------------------------------
    def _add_node(self, node: StreamNode) -> None:
        self.nodes.append(node)
        self.node_ids.append(node.master)
        self.rax.insert(id_to_int(node.master))

    def _drop_node(self, k: int) -> None:
        node = self.nodes.pop(k)
        del self.node_ids[k]
        self.rax.remove(id_to_int(node.master))

    def _locate(self, sid: StreamID) -> Tuple[int, int]:
        """(node index, entry index) of ``sid``, or (-1, -1)."""
        k = bisect_right(self.node_ids, sid) - 1
        if k < 0:
            return -1, -1
        i = self.nodes[k].index(sid)
        return (k, i) if i >= 0 else (-1, -1)

    # -- append --------------------------------------------------------------
    def append(self, sid: StreamID, pairs: tuple, config) -> None:
        """Add an entry whose ID the caller checked is greater than last_id
        (streamAppendItem): into the tail node, or a new node if the tail is
        full by bytes or by entry count (deleted entries count too)."""
        tail = self.nodes[-1] if self.nodes else None
        max_bytes = config["stream-node-max-bytes"]
        if tail is not None:
            limit = max_bytes if 0 < max_bytes <= LISTPACK_MAX_SIZE else LISTPACK_MAX_SIZE
            max_entries = config["stream-node-max-entries"]
            if (tail.nbytes + sum(len(x) for x in pairs) >= limit
                    or (max_entries and tail.count + tail.deleted >= max_entries)):
                tail.shrink_to_fit()      # a full node gives back its spare room
                tail = None
        if tail is None:
            prealloc = LISTPACK_PREALLOC
            if 0 < max_bytes < prealloc:
                prealloc = max_bytes
            tail = StreamNode(sid, pairs[0::2], prealloc)
            self._add_node(tail)
        tail.append(sid, pairs)
        self.length += 1
        self.entries_added += 1
        self.last_id = sid
        if self.length == 1:
            self.first_id = sid

    # -- read ----------------------------------------------------------------
    def range(self, start: StreamID, end: StreamID, rev: bool = False
              ) -> Iterator[Tuple[StreamID, tuple]]:
        """Live entries with start <= ID <= end, oldest first (or newest
        first with ``rev``)."""
        if start > end or not self.nodes:
            return
        nodes = self.nodes
        if not rev:
            k = max(bisect_right(self.node_ids, start) - 1, 0)
            i = bisect_left(nodes[k].ids, start)
            while k < len(nodes):
                node = nodes[k]
                ids = node.ids
                while i < len(ids):
                    sid = ids[i]
                    if sid > end:
                        return
                    if node.alive[i]:
                        yield sid, node.items[i]
                    i += 1
                k += 1
                i = 0
        else:
            k = bisect_right(self.node_ids, end) - 1
            if k < 0:
                return
            i = bisect_right(nodes[k].ids, end) - 1
            while k >= 0:
                node = nodes[k]
                while i >= 0:
                    sid = node.ids[i]
                    if sid < start:
                        return
                    if node.alive[i]:
                        yield sid, node.items[i]
                    i -= 1
                k -= 1
                if k >= 0:
                    i = len(nodes[k].ids) - 1

    def get(self, sid: StreamID) -> Optional[tuple]:
        """The fields of a live entry, or None (streamEntryExists)."""
        k, i = self._locate(sid)
        if k < 0 or not self.nodes[k].alive[i]:
            return None
        return self.nodes[k].items[i]

    def first_live_id(self) -> Optional[StreamID]:
        for sid, _ in self.range(MIN_ID, MAX_ID):
            return sid
        return None

    def last_live_id(self) -> Optional[StreamID]:
        """streamLastValidID (None if the stream is empty)."""
        for sid, _ in self.range(MIN_ID, MAX_ID, rev=True):
            return sid
        return None

    # -- delete ---------------------------------------------------------------
    def delete(self, sid: StreamID) -> bool:
        """XDEL one entry (streamIteratorRemoveEntry): flag it deleted, or
        drop its whole node if it was the node's last live entry."""
        k, i = self._locate(sid)
        if k < 0:
            return False
        node = self.nodes[k]
        if not node.alive[i]:
            return False
        if node.count == 1:
            self._drop_node(k)
        else:
            node.mark_deleted(i)
        self.length -= 1
        return True

    def refresh_first_id(self) -> None:
        first = self.first_live_id() if self.length else None
        self.first_id = first if first is not None else MIN_ID

    def trim(self, maxlen: Optional[int], minid: Optional[StreamID], approx: bool,
             limit: int) -> int:
        """streamTrim: drop the oldest entries until at most ``maxlen`` remain
        (or none older than ``minid``). Whole nodes go first; ``approx`` stops
        at the first node that cannot go entirely (that is what ``~`` buys:
        no listpack is ever rewritten). ``limit`` (0 = none) caps the entries
        removed. Returns how many entries were removed."""
        deleted = 0
        while self.nodes:
            if maxlen is not None and self.length <= maxlen:
                break
            node = self.nodes[0]
            entries = node.count
            if limit and deleted + entries > limit:
                break
            if maxlen is not None:
                remove = self.length - entries >= maxlen
            else:
                remove = node.ids[-1] < minid     # its last ID, deleted or not
            if remove:
                self._drop_node(0)
                self.length -= entries
                deleted += entries
                continue
            if approx:
                break
            removed_here = 0
            for i, sid in enumerate(node.ids):
                if maxlen is not None:
                    if self.length <= maxlen:
                        break
                elif sid >= minid:
                    break
                if node.alive[i]:
                    node.mark_deleted(i)
                    removed_here += 1
                    self.length -= 1
            deleted += removed_here
            break
        self.refresh_first_id()
        return deleted

    # -- consumer groups ---------------------------------------------------------
    def sorted_groups(self) -> List[ConsumerGroup]:
        return [self.groups[name] for name in sorted(self.groups)]

    def range_has_tombstones(self, start: Optional[StreamID]) -> bool:
        """streamRangeHasTombstones(start, +): may a deleted entry lie at or
        after ``start``? (Redis only remembers the largest deleted ID.)"""
        if not self.length or self.max_deleted_id == MIN_ID:
            return False
        if self.first_id > self.max_deleted_id:
            return False
        return (start or MIN_ID) <= self.max_deleted_id

    def estimate_entries_read(self, sid: StreamID) -> int:
        """streamEstimateDistanceFromFirstEverEntry: how many entries were
        added up to ``sid``, when that can be known, else -1."""
        if not self.entries_added:
            return 0
        if not self.length and sid <= self.last_id:
            return self.entries_added
        if sid == self.last_id:
            return self.entries_added
        if sid > self.last_id:
            return ENTRIES_READ_UNKNOWN
        if self.max_deleted_id == MIN_ID or self.max_deleted_id < self.first_id:
            if sid < self.first_id:
                return self.entries_added - self.length
            if sid == self.first_id:
                return self.entries_added - self.length + 1
        return ENTRIES_READ_UNKNOWN

    def group_lag(self, g: ConsumerGroup) -> Optional[int]:
        """How many entries the group has not been delivered yet (XINFO's
        ``lag``), or None when tombstones make it unknowable."""
        if not self.entries_added:
            return 0
        if g.entries_read != ENTRIES_READ_UNKNOWN and not self.range_has_tombstones(g.last_id):
            return self.entries_added - g.entries_read
        read = self.estimate_entries_read(g.last_id)
        if read != ENTRIES_READ_UNKNOWN:
            return self.entries_added - read
        return None

    def advance_group(self, g: ConsumerGroup, sid: StreamID) -> None:
        """A group was delivered ``sid`` (beyond its last ID): move last_id and
        keep entries_read counting when that is still exact."""
        if sid <= g.last_id:
            return
        if g.entries_read != ENTRIES_READ_UNKNOWN and not self.range_has_tombstones(sid):
            g.entries_read += 1
        elif self.entries_added:
            g.entries_read = self.estimate_entries_read(sid)
        g.last_id = sid


# -- memory ---------------------------------------------------------------------------

def stream_value_size(s: Stream, samples: int = 5) -> int:
    """MEMORY USAGE of a stream value (objectComputeSize for OBJ_STREAM):
    robj + stream struct + Redis's estimate of the node tree + the listpacks'
    allocations — with SAMPLES n, the first n nodes averaged and multiplied,
    plus the real last node — + per group its struct, PEL tree and NACKs,
    and per consumer its struct, name and PEL tree. The struct sizes and the
    tree estimate are Redis 7.0's own; listpacks follow their real byte
    counts and allocations (pre-allocated 4 KiB, shrunk when full). The
    engine's figure matches redis-server's for the cases tested in
    tests/compat/test_streams.py; it is an estimate in Redis too."""
    size = memory.ROBJ + STREAM_STRUCT + s.rax.memory_usage()
    nodes = s.nodes
    if nodes:
        if samples <= 0 or len(nodes) <= samples:
            size += sum(n.alloc for n in nodes)
        else:
            average = sum(n.alloc for n in nodes[:samples]) // samples
            size += average * (len(nodes) - 1) + nodes[-1].alloc
    for g in s.groups.values():
        size += CG_STRUCT + g.pel.memory_usage() + NACK_STRUCT * len(g.pel)
        for c in g.consumers.values():
            size += CONSUMER_STRUCT + len(c.name) + c.pel.memory_usage()
    return size


@memory.register_sizer("stream")
def stream_size(entry, config) -> int:
    """What MEMORY USAGE reports for a stream (default SAMPLES 5)."""
    return stream_value_size(entry.value)
