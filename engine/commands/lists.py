"""List commands (redis-server's t_list.c).

A Redis list is a sequence of strings kept in insertion order: a queue (LPUSH
+ RPOP), a stack (LPUSH + LPOP), a capped log (LPUSH + LTRIM), a work list
moved between keys (LMOVE). Pushing and popping at either end is O(1);
reaching into the middle (LINDEX, LSET, LINSERT) walks the list.

One encoding in Redis 7.0 (OBJECT ENCODING shows it): ``quicklist`` — a
doubly linked list of *nodes*, each a listpack holding a run of elements. A
node takes new elements until its listpack would pass the size that
``list-max-listpack-size`` allows (-2, the default: 8 KB; -1..-5 mean 4, 8,
16, 32, 64 KB; a positive N means "at most N elements", capped at 8 KB), then
a new node starts. Even a one-element list is a quicklist in 7.0 (Redis 7.2
added a plain ``listpack`` encoding for small lists; 7.0 has none), and an
emptied list is deleted. ``list-compress-depth`` (LZF-compressing inner
nodes) is not modelled: its default, 0, compresses nothing.

The engine keeps the elements in a :class:`ListValue` (a ``collections.deque``)
plus a model of the quicklist's nodes (element count and listpack bytes per
node), which only MEMORY USAGE reads. Pushes and pops at the ends update the
model the way quicklist.c does, and so do the edits in the middle: LSET
replaces inside a node, LINSERT fills a node, its neighbour or a new node, or
splits the node and merges neighbours, LREM and LTRIM shrink nodes and free
empty ones (see :func:`list_size` for how close this comes).

Blocking variants — BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP — answer like
their plain forms when a list has data. When every list is empty the client
*waits* (engine/node/blocking.py) until another client pushes, or until the
timeout (seconds, decimals allowed; 0 = forever) passes and it gets a nil.
That is how a work queue avoids polling: workers sit in BLPOP/BLMOVE and the
first one that blocked gets the next job.
"""
from __future__ import annotations

from collections import deque

from .. import errors
from ..node import memory
from ..node.blocking import Block, parse_timeout
from ..node.keyspace import Entry
from ..protocol.replies import OK, NullArray, ReplyError
from .args import parse_int
from .registry import command

#: quicklist.c: bytes a node may reach for fill -1 … -5.
OPTIMIZATION_LEVEL = (4096, 8192, 16384, 32768, 65536)
#: quicklist.c: a count-limited node (positive fill) never passes this size.
SIZE_SAFETY_LIMIT = 8192
#: quicklist.c: added to an element's length when estimating a node's growth.
SIZE_ESTIMATE_OVERHEAD = 8
QUICKLIST_STRUCT = 40       # sizeof(quicklist) in Redis 7.0 (x86-64)
QUICKLIST_NODE = 40         # sizeof(quicklistNode): 3 pointers, size_t sz, bit fields

HEAD, TAIL = 0, 1


class ListValue:
    """The elements of one list (``items``, a deque) and the model of its
    quicklist nodes (``nodes``: a deque of ``[count, listpack bytes]``)."""

    __slots__ = ("items", "nodes")

    def __init__(self):
        self.items = deque()
        self.nodes = deque()

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return iter(self.items)

    def __repr__(self) -> str:
        return f"ListValue({list(self.items)!r})"

    # -- the node model (quicklist.c) ----------------------------------------------
    @staticmethod
    def _allow_insert(node, fill: int, sz: int) -> bool:
        """_quicklistNodeAllowInsert: may ``node`` take an element of ``sz`` bytes?"""
        new_sz = node[1] + sz + SIZE_ESTIMATE_OVERHEAD
        if fill < 0:
            if new_sz <= OPTIMIZATION_LEVEL[min(-fill, len(OPTIMIZATION_LEVEL)) - 1]:
                return True
        if new_sz > SIZE_SAFETY_LIMIT:
            return False
        return node[0] < fill

    def push(self, value: bytes, where: int, fill: int) -> None:
        entry = memory.listpack_entry(value)
        nodes = self.nodes
        if where == HEAD:
            self.items.appendleft(value)
            if nodes and self._allow_insert(nodes[0], fill, len(value)):
                nodes[0][0] += 1
                nodes[0][1] += entry
            else:
                nodes.appendleft([1, memory.LISTPACK_OVERHEAD + entry])
        else:
            self.items.append(value)
            if nodes and self._allow_insert(nodes[-1], fill, len(value)):
                nodes[-1][0] += 1
                nodes[-1][1] += entry
            else:
                nodes.append([1, memory.LISTPACK_OVERHEAD + entry])

    def pop(self, where: int) -> bytes:
        if where == HEAD:
            value = self.items.popleft()
            node = self.nodes[0]
        else:
            value = self.items.pop()
            node = self.nodes[-1]
        node[0] -= 1
        node[1] -= memory.listpack_entry(value)
        if node[0] == 0:
            if where == HEAD:
                self.nodes.popleft()
            else:
                self.nodes.pop()
        return value

    # -- edits in the middle (quicklist.c's node-level behaviour) ---------------------
    def _locate(self, index: int):
        """(node position, offset in node, index of the node's first element)."""
        start = 0
        for pos, node in enumerate(self.nodes):
            if index < start + node[0]:
                return pos, index - start, start
            start += node[0]
        raise IndexError(index)

    def set(self, index: int, value: bytes) -> None:
        """LSET (quicklistReplaceEntry): the element is replaced inside its
        node's listpack, which may grow past the fill limit."""
        old = self.items[index]
        self.items[index] = value
        node = self.nodes[self._locate(index)[0]]
        node[1] += memory.listpack_entry(value) - memory.listpack_entry(old)

    def insert(self, index: int, value: bytes, after: bool, fill: int) -> None:
        """LINSERT next to the element at ``index`` (_quicklistInsert): into its
        node if there is room, else into the neighbour at that edge, else a
        new node there, else the node is split in two and neighbours merged."""
        nodes = self.nodes
        pos, offset, start = self._locate(index)
        node = nodes[pos]
        entry = memory.listpack_entry(value)
        sz = len(value)
        nxt = nodes[pos + 1] if pos + 1 < len(nodes) else None
        prv = nodes[pos - 1] if pos > 0 else None
        full = not self._allow_insert(node, fill, sz)
        at_tail = after and offset == node[0] - 1
        at_head = not after and offset == 0
        avail_next = at_tail and nxt is not None and self._allow_insert(nxt, fill, sz)
        avail_prev = at_head and prv is not None and self._allow_insert(prv, fill, sz)
        members = [self.items[start + i] for i in range(node[0])] if full else None
        if after:
            self.items.insert(index + 1, value)
        else:
            self.items.insert(index, value)
        if not full:
            node[0] += 1
            node[1] += entry
        elif avail_next:
            nxt[0] += 1
            nxt[1] += entry
        elif avail_prev:
            prv[0] += 1
            prv[1] += entry
        elif (at_tail and nxt is not None) or (at_head and prv is not None):
            nodes.insert(pos + 1 if after else pos, [1, memory.LISTPACK_OVERHEAD + entry])
        else:
            # _quicklistSplitNode: ``node`` keeps one side of the pivot, a new
            # node takes the other side plus the new element.
            if after:
                keep, moved = members[:offset + 1], [value] + members[offset + 1:]
            else:
                keep, moved = members[offset:], members[:offset] + [value]
            node[0], node[1] = len(keep), _lp_bytes(keep)
            new = [len(moved), _lp_bytes(moved)]
            nodes.insert(pos + 1 if after else pos, new)
            self._merge_around(node, fill)

    @staticmethod
    def _allow_merge(a, b, fill: int) -> bool:
        """_quicklistNodeAllowMerge (7.0: the merged size less 11 bytes)."""
        if a is None or b is None:
            return False
        merge_sz = a[1] + b[1] - 11
        if fill < 0:
            if merge_sz <= OPTIMIZATION_LEVEL[min(-fill, len(OPTIMIZATION_LEVEL)) - 1]:
                return True
        if merge_sz > SIZE_SAFETY_LIMIT:
            return False
        return a[0] + b[0] <= fill

    def _merge_around(self, center, fill: int) -> None:
        """_quicklistMergeNodes: merge the nodes around ``center`` that fit."""
        nodes = self.nodes

        def at(i):
            return nodes[i] if 0 <= i < len(nodes) else None

        def where(n):
            for i, x in enumerate(nodes):
                if x is n:
                    return i
            raise ValueError

        def merge(a, b):          # b follows a; one listpack header goes
            a[0] += b[0]
            a[1] += b[1] - memory.LISTPACK_OVERHEAD
            del nodes[where(b)]
            return a

        c = where(center)
        prev, prev_prev, nxt, nxt_next = at(c - 1), at(c - 2), at(c + 1), at(c + 2)
        if self._allow_merge(prev, prev_prev, fill):
            merge(prev_prev, prev)
        if self._allow_merge(nxt, nxt_next, fill):
            merge(nxt, nxt_next)
        c = where(center)
        prev = at(c - 1)
        if self._allow_merge(center, prev, fill):
            target = merge(prev, center)
        else:
            target = center
        t = where(target)
        if self._allow_merge(target, at(t + 1), fill):
            merge(target, at(t + 1))

    def delete(self, indexes) -> None:
        """Remove the elements at ``indexes`` (ascending): each leaves its
        node's listpack, and a node left empty is freed (LREM, LTRIM)."""
        if not indexes:
            return
        items = self.items
        gone = set(indexes)
        nodes = self.nodes
        it = iter(indexes)
        nxt = next(it, None)
        start = 0
        kept_nodes = deque()
        for node in nodes:
            end = start + node[0]
            while nxt is not None and nxt < end:
                node[0] -= 1
                node[1] -= memory.listpack_entry(items[nxt])
                nxt = next(it, None)
            if node[0]:
                kept_nodes.append(node)
            start = end
        self.nodes = kept_nodes
        self.items = deque(v for i, v in enumerate(items) if i not in gone)


def _lp_bytes(values) -> int:
    return memory.LISTPACK_OVERHEAD + sum(memory.listpack_entry(v) for v in values)


@memory.register_sizer("list")
def list_size(entry, config) -> int:
    """MEMORY USAGE of a list value (the key's own bytes are added by the
    keyspace): robj + quicklist struct + per node a quicklistNode and its
    listpack's allocation — objectComputeSize with SAMPLES 0 (every node).
    The node layout follows quicklist.c for every command, so this matches
    redis-server's ``MEMORY USAGE key SAMPLES 0`` (checked in
    tests/compat/test_lists.py). Without SAMPLES 0 Redis estimates from the
    first 5 nodes (average × node count); the engine always reports the
    full sum, identical whenever the list has at most 5 nodes."""
    nodes = entry.value.nodes
    if not nodes:
        return memory.ROBJ + QUICKLIST_STRUCT
    elesize = sum(QUICKLIST_NODE + memory.alloc_size(nbytes) for _, nbytes in nodes)
    # Redis computes size_t + (double)elesize / samples * len and truncates:
    # the floating-point average can lose a byte, so do the same.
    return int(float(memory.ROBJ + QUICKLIST_STRUCT) + float(elesize) / len(nodes) * len(nodes))


def _fill(s) -> int:
    return s.node.config["list-max-listpack-size"]


def new_list() -> Entry:
    return Entry(ListValue(), "list", "quicklist")


def _read(s, key: bytes):
    return s.db.read_as(key, "list")


def _write(s, key: bytes):
    return s.db.write_as(key, "list")


def _done(s, key: bytes, e: Entry) -> None:
    s.db.settle(key, e)


def _where(raw: bytes) -> int:
    """LEFT / RIGHT (getListPositionFromObjectOrReply)."""
    word = raw.upper()
    if word == b"LEFT":
        return HEAD
    if word == b"RIGHT":
        return TAIL
    raise ReplyError(errors.SYNTAX)


# -- push ------------------------------------------------------------------------------

def _push(s, key, items, where: int, only_existing: bool):
    e = _write(s, key)
    if e is None:
        if only_existing:
            return 0
        e = new_list()
        s.db.store(key, e)
    fill = _fill(s)
    for value in items:
        e.value.push(value, where, fill)
    s.db.resized(key, e)
    return len(e.value)


_PUSH_DOC = ("O(1) for each element added, so O(N) to add N elements when the command "
             "is called with multiple arguments.")


@command("lpush", arity=-3, flags="write denyoom fast", acl="list", keys=(1, 1, 1),
         group="list", since="1.0.0", complexity=_PUSH_DOC)
def lpush(s, key, *items):
    """LPUSH key element [element ...] — Prepend one or multiple elements to a list

    Insert elements at the head, one after the other (so the last one given
    ends up first), creating the list; returns the new length.
    """
    return _push(s, key, items, HEAD, False)


@command("rpush", arity=-3, flags="write denyoom fast", acl="list", keys=(1, 1, 1),
         group="list", since="1.0.0", complexity=_PUSH_DOC)
def rpush(s, key, *items):
    """RPUSH key element [element ...] — Append one or multiple elements to a list

    Append elements at the tail, creating the list; returns the new length.
    """
    return _push(s, key, items, TAIL, False)


@command("lpushx", arity=-3, flags="write denyoom fast", acl="list", keys=(1, 1, 1),
         group="list", since="2.2.0", complexity=_PUSH_DOC)
def lpushx(s, key, *items):
    """LPUSHX key element [element ...] — Prepend an element to a list, only if the list exists

    Like LPUSH, but only onto an existing list (0 if the key is missing).
    """
    return _push(s, key, items, HEAD, True)


@command("rpushx", arity=-3, flags="write denyoom fast", acl="list", keys=(1, 1, 1),
         group="list", since="2.2.0", complexity=_PUSH_DOC)
def rpushx(s, key, *items):
    """RPUSHX key element [element ...] — Append an element to a list, only if the list exists

    Like RPUSH, but only onto an existing list (0 if the key is missing).
    """
    return _push(s, key, items, TAIL, True)


# -- pop -------------------------------------------------------------------------------

def _pop(s, key, options, where: int):
    if len(options) > 1:
        # popGenericCommand checks this itself (the declared arity is -2).
        raise ReplyError(errors.wrong_arity("lpop" if where == HEAD else "rpop"))
    count = None
    if options:
        count = parse_int(options[0], "ERR value is out of range, must be positive")
        if count < 0:
            raise ReplyError("ERR value is out of range, must be positive")
    e = _write(s, key)
    if e is None:
        return None if count is None else NullArray
    if count is None:
        value = e.value.pop(where)
        _done(s, key, e)
        return value
    if count == 0:
        return []
    v = e.value
    out = [v.pop(where) for _ in range(min(count, len(v)))]
    _done(s, key, e)
    return out


_POP_DOC = "O(N) where N is the number of elements returned"


@command("lpop", arity=-2, flags="write fast", acl="list", keys=(1, 1, 1),
         group="list", since="1.0.0", complexity=_POP_DOC)
def lpop(s, key, *options):
    """LPOP key [count] — Remove and get the first elements in a list

    Remove and return the first element (nil if missing), or up to ``count``
    of them as an array. Popping the last element deletes the key.
    """
    return _pop(s, key, options, HEAD)


@command("rpop", arity=-2, flags="write fast", acl="list", keys=(1, 1, 1),
         group="list", since="1.0.0", complexity=_POP_DOC)
def rpop(s, key, *options):
    """RPOP key [count] — Remove and get the last elements in a list

    Remove and return the last element (nil if missing), or up to ``count``
    of them as an array (last first).
    """
    return _pop(s, key, options, TAIL)


# -- read ------------------------------------------------------------------------------

@command("llen", arity=2, flags="readonly fast", acl="list", keys=(1, 1, 1),
         group="list", since="1.0.0", complexity="O(1)")
def llen(s, key):
    """LLEN key — Get the length of a list

    The number of elements (0 if missing).
    """
    e = _read(s, key)
    return 0 if e is None else len(e.value)


def _range(length: int, start: int, end: int):
    """Normalize LRANGE/LTRIM indexes; None when the range is empty."""
    if start < 0:
        start += length
    if end < 0:
        end += length
    if start < 0:
        start = 0
    if start > end or start >= length:
        return None
    if end >= length:
        end = length - 1
    return start, end


@command("lrange", arity=4, flags="readonly", acl="list", keys=(1, 1, 1),
         group="list", since="1.0.0",
         complexity="O(S+N) where S is the distance of start offset from HEAD for small "
                    "lists, from nearest end (HEAD or TAIL) for large lists; and N is the "
                    "number of elements in the specified range.")
def lrange(s, key, start, stop):
    """LRANGE key start stop — Get a range of elements from a list

    Elements ``start`` to ``stop``, both inclusive; negative indexes count
    from the end (-1 is the last).
    """
    start, stop = parse_int(start), parse_int(stop)
    e = _read(s, key)
    if e is None:
        return []
    r = _range(len(e.value), start, stop)
    if r is None:
        return []
    items = e.value.items
    if r[0] == 0 and r[1] == len(items) - 1:
        return list(items)
    return [items[i] for i in range(r[0], r[1] + 1)]


@command("lindex", arity=3, flags="readonly", acl="list", keys=(1, 1, 1),
         group="list", since="1.0.0",
         complexity="O(N) where N is the number of elements to traverse to get to the "
                    "element at index. This makes asking for the first or the last element "
                    "of the list O(1).")
def lindex(s, key, index):
    """LINDEX key index — Get an element from a list by its index

    The element at ``index`` (negative counts from the end), or nil.
    """
    e = _read(s, key)
    if e is None:
        return None
    index = parse_int(index)
    n = len(e.value)
    if index < 0:
        index += n
    if not 0 <= index < n:
        return None
    return e.value.items[index]


@command("lpos", arity=-3, flags="readonly", acl="list", keys=(1, 1, 1),
         group="list", since="6.0.6",
         complexity="O(N) where N is the number of elements in the list, for the average "
                    "case. When searching for elements near the head or the tail of the "
                    "list, or when the MAXLEN option is provided, the command may run in "
                    "constant time.")
def lpos(s, key, element, *options):
    """LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] — Return the index of matching elements on a list

    The index of the first match (nil if none); RANK skips matches (negative:
    search from the tail), COUNT returns up to that many indexes as an array
    (0: all), MAXLEN compares only that many elements.
    """
    rank, count, maxlen = 1, None, 0
    i = 0
    while i < len(options):
        opt = options[i].upper()
        more = i + 1 < len(options)
        if opt == b"RANK" and more:
            rank = parse_int(options[i + 1])
            if rank == 0:
                raise ReplyError("ERR RANK can't be zero: use 1 to start from the first "
                                 "match, 2 from the second ... or use negative to start "
                                 "from the end of the list")
        elif opt == b"COUNT" and more:
            count = parse_int(options[i + 1], "ERR COUNT can't be negative")
            if count < 0:
                raise ReplyError("ERR COUNT can't be negative")
        elif opt == b"MAXLEN" and more:
            maxlen = parse_int(options[i + 1], "ERR MAXLEN can't be negative")
            if maxlen < 0:
                raise ReplyError("ERR MAXLEN can't be negative")
        else:
            raise ReplyError(errors.SYNTAX)
        i += 2
    e = _read(s, key)
    if e is None:
        return [] if count is not None else None
    items = e.value.items
    n = len(items)
    if rank > 0:
        indexes = range(n)
        skip = rank - 1
    else:
        indexes = range(n - 1, -1, -1)
        # 7.0 negates RANK in a C long: -LONG_MIN stays LONG_MIN, so every
        # match counts and COUNT's "enough" test never passes.
        skip = 0 if rank == -(2**63) else -rank - 1
        if rank == -(2**63) and count:
            count = 0
    found = []
    want = count if count else None
    for compared, idx in enumerate(indexes):
        if maxlen and compared >= maxlen:
            break
        if items[idx] == element:
            if skip:
                skip -= 1
                continue
            found.append(idx)
            if count is None or (want is not None and len(found) >= want):
                break
    if count is None:
        return found[0] if found else None
    return found


# -- edit in place ----------------------------------------------------------------------

@command("lset", arity=4, flags="write denyoom", acl="list", keys=(1, 1, 1),
         group="list", since="1.0.0",
         complexity="O(N) where N is the length of the list. Setting either the first or "
                    "the last element of the list is O(1).")
def lset(s, key, index, element):
    """LSET key index element — Set the value of an element in a list by its index

    Replace the element at ``index``; errors if the key is missing or the
    index is out of range.
    """
    e = _write(s, key)
    if e is None:
        raise ReplyError("ERR no such key")
    index = parse_int(index)
    n = len(e.value)
    if index < 0:
        index += n
    if not 0 <= index < n:
        raise ReplyError("ERR index out of range")
    e.value.set(index, element)
    s.db.resized(key, e)
    return OK


@command("linsert", arity=5, flags="write denyoom", acl="list", keys=(1, 1, 1),
         group="list", since="2.2.0",
         complexity="O(N) where N is the number of elements to traverse before seeing the "
                    "value pivot. This means that inserting somewhere on the left end on "
                    "the list (head) can be considered O(1) and inserting somewhere on the "
                    "right end (tail) is O(N).")
def linsert(s, key, where, pivot, element):
    """LINSERT key BEFORE|AFTER pivot element — Insert an element before or after another element in a list

    Insert next to the first occurrence of ``pivot``; the new length, -1 if
    the pivot is not there, 0 if the key is missing.
    """
    word = where.upper()
    if word == b"AFTER":
        after = True
    elif word == b"BEFORE":
        after = False
    else:
        raise ReplyError(errors.SYNTAX)
    e = _write(s, key)
    if e is None:
        return 0
    items = e.value.items
    for i, value in enumerate(items):
        if value == pivot:
            break
    else:
        return -1
    e.value.insert(i, element, after, _fill(s))
    s.db.resized(key, e)
    return len(e.value)


@command("lrem", arity=4, flags="write", acl="list", keys=(1, 1, 1),
         group="list", since="1.0.0",
         complexity="O(N+M) where N is the length of the list and M is the number of "
                    "elements removed.")
def lrem(s, key, count, element):
    """LREM key count element — Remove elements from a list

    Remove up to ``count`` occurrences of ``element`` from the head (count
    > 0), from the tail (count < 0), or all of them (0); how many went.
    """
    count = parse_int(count)
    e = _write(s, key)
    if e is None:
        return 0
    items = e.value.items
    limit = abs(count)
    order = range(len(items)) if count >= 0 else range(len(items) - 1, -1, -1)
    hits = []
    for i in order:
        if items[i] == element:
            hits.append(i)
            if limit and len(hits) == limit:
                break
    if hits:
        e.value.delete(sorted(hits))
        _done(s, key, e)
    return len(hits)


@command("ltrim", arity=4, flags="write", acl="list", keys=(1, 1, 1),
         group="list", since="1.0.0",
         complexity="O(N) where N is the number of elements to be removed by the operation.")
def ltrim(s, key, start, stop):
    """LTRIM key start stop — Trim a list to the specified range

    Keep only elements ``start`` to ``stop`` (inclusive; an empty range
    deletes the key).
    """
    start, stop = parse_int(start), parse_int(stop)
    e = _write(s, key)
    if e is None:
        return OK
    n = len(e.value)
    r = _range(n, start, stop)
    if r is None:
        r = (n, n - 1)                      # everything goes
    doomed = list(range(r[0])) + list(range(r[1] + 1, n))
    e.value.delete(doomed)
    _done(s, key, e)
    return OK


# -- move between lists ------------------------------------------------------------------

def _move(s, source, destination, wherefrom: int, whereto: int):
    src = _write(s, source)
    if src is None:
        return None
    dst = _write(s, destination)
    value = src.value.pop(wherefrom)
    fill = _fill(s)
    if src is dst:
        # Rotation: the key never becomes empty.
        src.value.push(value, whereto, fill)
        s.db.resized(source, src)
        return value
    _done(s, source, src)
    if dst is None:
        dst = new_list()
        s.db.store(destination, dst)
    dst.value.push(value, whereto, fill)
    s.db.resized(destination, dst)
    return value


@command("lmove", arity=5, flags="write denyoom", acl="list", keys=(1, 2, 1),
         group="list", since="6.2.0", complexity="O(1)")
def lmove(s, source, destination, wherefrom, whereto):
    """LMOVE source destination LEFT|RIGHT LEFT|RIGHT — Pop an element from a list, push it to another list and return it

    Pop from one end of source and push onto one end of destination (the
    same key rotates it); the element moved, or nil if source is missing.
    """
    return _move(s, source, destination, _where(wherefrom), _where(whereto))


@command("rpoplpush", arity=3, flags="write denyoom", acl="list", keys=(1, 2, 1),
         group="list", since="1.2.0", doc_flags="deprecated", complexity="O(1)")
def rpoplpush(s, source, destination):
    """RPOPLPUSH source destination — Remove the last element in a list, prepend it to another list and return it

    LMOVE source destination RIGHT LEFT, by its old name (deprecated since 6.2).
    """
    return _move(s, source, destination, TAIL, HEAD)


def _lmpop_keys(argv):
    """COMMAND GETKEYS for LMPOP: numkeys keys after the count."""
    try:
        numkeys = parse_int(argv[1])
    except ReplyError:
        numkeys = 0
    if numkeys < 1 or numkeys > len(argv) - 2:
        raise ReplyError("ERR Invalid arguments specified for command")
    return range(2, 2 + numkeys)


@command("lmpop", arity=-4, flags="write", acl="list", getkeys=_lmpop_keys,
         group="list", since="7.0.0",
         complexity="O(N+M) where N is the number of provided keys and M is the number of "
                    "elements returned.")
def lmpop(s, numkeys, *args):
    """LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count] — Pop elements from a list

    Pop up to ``count`` (default 1) elements from the first non-empty list
    among the keys: [key, [elements]], or nil if every list is empty.
    """
    keys, where, count = _mpop_args(numkeys, args)
    found = _mpop_now(s, keys, where, count)
    return NullArray if found is None else found


def _mpop_args(numkeys, args):
    """numkeys key [key ...] LEFT|RIGHT [COUNT count] → (keys, where, count)."""
    msg = "ERR numkeys should be greater than 0"
    n = parse_int(numkeys, msg)
    if n < 1:
        raise ReplyError(msg)
    if n >= len(args):
        raise ReplyError(errors.SYNTAX)
    where = _where(args[n])
    count = None
    i = n + 1
    while i < len(args):
        if count is None and args[i].upper() == b"COUNT" and i + 1 < len(args):
            msg = "ERR count should be greater than 0"
            count = parse_int(args[i + 1], msg)
            if count < 1:
                raise ReplyError(msg)
            i += 2
        else:
            raise ReplyError(errors.SYNTAX)
    return args[:n], where, 1 if count is None else count


def _mpop_now(s, keys, where: int, count: int):
    """Pop from the first non-empty list: [key, [elements]], or None."""
    for key in keys:
        e = _write(s, key)
        if e is None:
            continue
        return _pop_range(s, key, e, where, count)
    return None


def _pop_range(s, key, e, where: int, count: int):
    v = e.value
    out = [v.pop(where) for _ in range(min(count, len(v)))]
    _done(s, key, e)
    return [key, out]


# -- blocking variants ---------------------------------------------------------------
#
# Each checks the lists first and answers at once if one has data (exactly
# like the non-blocking form). Otherwise it returns a Block: the node parks
# the client, and ``serve`` runs when one of the keys is written — it pops
# from *that* key (``block.woken_by``), which may not be the first key the
# client named. Until then nothing is popped, so nothing is lost if the
# client gives up (timeout, CLIENT UNBLOCK, disconnect).

def _ready_list(b: Block):
    """The (key, entry) of the list that woke ``b`` if it has elements, else
    None (created as another type, or emptied again before the serve)."""
    db, key = b.woken_by
    e = db.write(key)
    if e is None or e.type != "list" or not e.value:
        return None
    return key, e


def _blocking_pop(s, args, where: int):
    """BLPOP / BRPOP key [key ...] timeout."""
    *keys, timeout = args
    deadline = parse_timeout(timeout, s.node.now)
    for key in keys:
        e = _write(s, key)       # WRONGTYPE for any non-list key on the way
        if e is not None:
            value = e.value.pop(where)
            _done(s, key, e)
            return [key, value]

    def serve():
        found = _ready_list(b)
        if found is None:
            return None
        key, e = found
        value = e.value.pop(where)
        _done(s, key, e)
        return [key, value]

    b = Block([(s.db, key) for key in keys], deadline, serve, on_timeout=NullArray)
    return b


_BPOP_DOC = "O(N) where N is the number of provided keys."


@command("blpop", arity=-3, flags="write noscript blocking", acl="list", keys=(1, -2, 1),
         group="list", since="2.0.0", complexity=_BPOP_DOC)
def blpop(s, *args):
    """BLPOP key [key ...] timeout — Remove and get the first element in a list, or block until one is available

    Pop the head of the first non-empty list: [key, element]. If all are
    empty, wait up to ``timeout`` seconds (0 = forever) for a push; nil if
    none came.
    """
    return _blocking_pop(s, args, HEAD)


@command("brpop", arity=-3, flags="write noscript blocking", acl="list", keys=(1, -2, 1),
         group="list", since="2.0.0", complexity=_BPOP_DOC)
def brpop(s, *args):
    """BRPOP key [key ...] timeout — Remove and get the last element in a list, or block until one is available

    Like BLPOP, from the tail.
    """
    return _blocking_pop(s, args, TAIL)


def _blocking_move(s, source, destination, wherefrom: int, whereto: int, timeout):
    deadline = parse_timeout(timeout, s.node.now)
    if _write(s, source) is not None:
        return _move(s, source, destination, wherefrom, whereto)

    def serve():
        if _ready_list(b) is None:
            return None
        # _move checks the destination's type first (WRONGTYPE goes to the
        # waiting client, and nothing is popped), then pops and pushes.
        return _move(s, source, destination, wherefrom, whereto)

    # Timing out answers a null *array*; inside MULTI Redis answers a null
    # bulk string (blmoveGenericCommand's addReplyNull).
    b = Block([(s.db, source)], deadline, serve, on_timeout=NullArray, on_deny=None)
    return b


@command("blmove", arity=6, flags="write denyoom noscript blocking", acl="list",
         keys=(1, 2, 1), group="list", since="6.2.0", complexity="O(1)")
def blmove(s, source, destination, wherefrom, whereto, timeout):
    """BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout — Pop an element from a list, push it to another list and return it; or block until one is available

    LMOVE that waits for ``source`` to get an element (a reliable queue:
    the job stays in a "processing" list until acknowledged).
    """
    wherefrom, whereto = _where(wherefrom), _where(whereto)
    return _blocking_move(s, source, destination, wherefrom, whereto, timeout)


@command("brpoplpush", arity=4, flags="write denyoom noscript blocking", acl="list",
         keys=(1, 2, 1), group="list", since="2.2.0", doc_flags="deprecated",
         complexity="O(1)")
def brpoplpush(s, source, destination, timeout):
    """BRPOPLPUSH source destination timeout — Pop an element from a list, push it to another list and return it; or block until one is available

    BLMOVE source destination RIGHT LEFT timeout, by its old name (deprecated since 6.2).
    """
    return _blocking_move(s, source, destination, TAIL, HEAD, timeout)


def _blmpop_keys(argv):
    """COMMAND GETKEYS for BLMPOP: like LMPOP, one argument further."""
    return [i + 1 for i in _lmpop_keys(argv[1:])]


@command("blmpop", arity=-5, flags="write blocking", acl="list", getkeys=_blmpop_keys,
         group="list", since="7.0.0",
         complexity="O(N+M) where N is the number of provided keys and M is the number of "
                    "elements returned.")
def blmpop(s, timeout, numkeys, *args):
    """BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count] — Pop elements from a list, or block until one is available

    LMPOP that waits up to ``timeout`` seconds for one of the lists to get
    elements: [key, [elements]], or nil.
    """
    keys, where, count = _mpop_args(numkeys, args)
    deadline = parse_timeout(timeout, s.node.now)   # after the other arguments
    found = _mpop_now(s, keys, where, count)
    if found is not None:
        return found

    def serve():
        ready = _ready_list(b)
        if ready is None:
            return None
        return _pop_range(s, ready[0], ready[1], where, count)

    b = Block([(s.db, key) for key in keys], deadline, serve, on_timeout=NullArray)
    return b
