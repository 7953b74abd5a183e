"""A memcached 1.6 server, in Python: items, CAS, expiry, slabs, eviction.

:class:`MemcachedNode` is to memcached what :class:`engine.Node` is to Redis:
one server's whole state, driven either from Python (``node.set(...)``,
``node.get(...)``, for labs) or through the text protocol (``node.execute``,
or the TCP server in :mod:`engine.memcached.server`). Both faces run the same
code, so what a lab shows is what a pymemcache client would see.

How memcached differs from Redis, and what the code below therefore does:

* **Values are opaque bytes** with 32 bits of client flags; there are no data
  types, only ``incr``/``decr`` read the value as a decimal number (64-bit
  unsigned: ``incr`` wraps around at 2**64, ``decr`` stops at 0).
* **Every stored version gets a CAS unique** from one server-wide counter
  (``gets`` shows it, ``cas`` checks it). Even ``flush_all`` draws a number:
  it remembers "everything older than CAS n is gone".
* **Expiry is lazy**: an expired item is only noticed when someone asks for it
  (or when its memory is wanted: the allocator reclaims expired items it finds
  at an LRU tail). ``flush_all`` does not delete anything either; it moves a
  watermark, and items older than it are treated as absent.
* **Memory is slabs** (see :mod:`engine.memcached.slabs`): an item takes a
  chunk of its size class, and when memory is full the least recently used item
  *of the same class* is evicted.

Time comes from the node's clock (a :class:`VirtualClock` unless given one), in
memcached's own unit: whole seconds since the server "started" (memcached
pretends it started 62 s before it really did, so no live time is 0).
"""
from __future__ import annotations

import random
import threading
from collections import deque
from itertools import islice
from typing import Dict, Iterable, List, NamedTuple, Optional, Tuple, Union

from ..clock import Clock, VirtualClock
from ..protocol import memcache_text as proto
from . import stats as stats_mod
from .items import (Item, PROCESS_STARTED_OFFSET, is_expired, realtime, unix_expiry)
from .slabs import LRU_TAIL_SEARCH, SlabAllocator, item_total_size

KeyLike = Union[bytes, str]
ValueLike = Union[bytes, str, int]

#: How many recent evictions/reclaims a node remembers (``node.events``).
EVENT_HISTORY = 100_000
#: Attempts to free a chunk before giving up ("out of memory"), as memcached.
ALLOC_ATTEMPTS = 10

_TOO_LARGE = "too_large"
_NO_MEMORY = "no_memory"


class MemcachedError(Exception):
    """An error reply from the node; ``message`` is memcached's exact text."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Event(NamedTuple):
    """An item leaving the cache to make room: ``evicted`` or ``reclaimed``
    (it had expired), with its slab class — labs plot these per class."""

    time: int       # Unix seconds (node clock)
    kind: str       # "evicted" or "reclaimed"
    key: bytes
    clsid: int
    size: int


class MemcachedNode:
    """One memcached server. ``MemcachedNode()`` runs on a fresh VirtualClock.

    ``memory_limit_mb``  memory for slab pages (``-m``, default 64)
    ``item_size_max``    largest item, header included (``-I``, default 1 MiB)
    ``growth_factor``    slab class growth (``-f``, default 1.25)
    ``chunk_min``        smallest chunk's data space (``-n``, default 48)
    ``seed``             seeds :attr:`rng` (for lab workloads); the engine
                         itself is deterministic
    """

    version = stats_mod.VERSION

    def __init__(self, clock: Optional[Clock] = None, *, memory_limit_mb: float = 64,
                 item_size_max: int = 1024 * 1024, growth_factor: float = 1.25,
                 chunk_min: int = 48, seed: int = 0, name: str = "memcached",
                 port: int = 11211):
        self.clock = clock if clock is not None else VirtualClock()
        self.name = name
        self.port = port
        self.seed = seed
        self.rng = random.Random(seed)
        self.slabs = SlabAllocator(int(memory_limit_mb * 1024 * 1024),
                                   growth_factor=growth_factor, chunk_min=chunk_min,
                                   item_size_max=item_size_max)
        #: key -> Item: memcached's hash table.
        self.table: Dict[bytes, Item] = {}
        self.bytes = 0
        self.counters = stats_mod.Counters()
        self.lock = threading.RLock()
        self.cas_id = 0
        self.process_started = int(self.clock.now()) - PROCESS_STARTED_OFFSET
        self.oldest_live = 0     # flush_all watermark (relative seconds; 0 = none)
        self.oldest_cas = 0
        self.verbosity = 0
        self.detail_enabled = False
        self.max_connections = 1024
        self.slab_automove = 0
        self.slabs_moved = 0
        self.reassign_evictions = 0
        #: Recent evictions and reclaims, oldest first (bounded).
        self.events: deque = deque(maxlen=EVENT_HISTORY)
        #: Set by :class:`engine.memcached.cluster.MemcachedCluster`: returns
        #: the auto-discovery payload that ``config get cluster`` answers with.
        #: None on a stand-alone node, which answers ``ERROR`` like memcached.
        self.cluster_config = None

    # -- time --------------------------------------------------------------------
    @property
    def current_time(self) -> int:
        """memcached's clock: whole seconds since the (pretended) start."""
        return int(self.clock.now()) - self.process_started

    @property
    def oldest_live_seconds(self) -> int:
        return self.oldest_live

    def _realtime(self, exptime: int) -> int:
        return realtime(exptime, self.current_time, self.process_started)

    def _next_cas(self) -> int:
        self.cas_id += 1
        return self.cas_id

    # -- the hash table and the LRUs ----------------------------------------------
    def _is_flushed(self, it: Item, now: int) -> bool:
        """``item_is_flushed``: older than the last flush_all's watermark."""
        oldest = self.oldest_live
        if oldest == 0 or oldest > now:
            return False
        return it.time <= oldest or (self.oldest_cas != 0 and 0 < it.cas < self.oldest_cas)

    def _lookup(self, key: bytes, update: bool) -> Optional[Item]:
        """``do_item_get``: find a live item; drop it if expired or flushed.

        ``update`` (a read by a client) marks it fetched and moves it to the
        head of its class's LRU."""
        it = self.table.get(key)
        if it is None:
            return None
        now = self.current_time
        if self._is_flushed(it, now):
            self._unlink(it)
            self.counters.get_flushed += 1
            return None
        if is_expired(it, now):
            self._unlink(it)
            self.counters.get_expired += 1
            return None
        if update:
            it.fetched = True
            self._bump(it, now)
        return it

    def _bump(self, it: Item, now: int) -> None:
        it.time = now
        self.slabs.cls(it.clsid).lru.move_to_end(it.key)

    def _link(self, it: Item) -> None:
        it.cas = self._next_cas()
        it.time = self.current_time
        it.linked = True
        self.table[it.key] = it
        cls = self.slabs.cls(it.clsid)
        cls.lru[it.key] = it
        cls.requested += it.size
        self.bytes += it.size
        self.counters.total_items += 1

    def _unlink(self, it: Item) -> None:
        """Remove a linked item from the table and its LRU, and free its memory."""
        if not it.linked:
            return
        it.linked = False
        del self.table[it.key]
        cls = self.slabs.cls(it.clsid)
        del cls.lru[it.key]
        cls.requested -= it.size
        self.bytes -= it.size
        self._free(it)

    def _free(self, it: Item) -> None:
        for clsid in it.chunks:
            self.slabs.release_chunk(clsid)
        it.chunks = []

    def _replace(self, old: Item, new: Item) -> None:
        self._unlink(old)
        self._link(new)

    # -- allocation and eviction ------------------------------------------------------
    def _pull_tail(self, clsid: int, protect: Optional[Item]) -> bool:
        """``lru_pull_tail`` with eviction: look at up to 5 items at the LRU
        tail; reclaim the expired ones, evict the first live one."""
        cls = self.slabs.cls(clsid)
        now = self.current_time
        removed = 0
        for it in list(islice(cls.lru.values(), LRU_TAIL_SEARCH)):
            if it is protect:
                continue
            if (it.exptime != 0 and it.exptime < now) or self._is_flushed(it, now):
                cls.reclaimed += 1
                if not it.fetched:
                    cls.expired_unfetched += 1
                self._event("reclaimed", it)
                self._unlink(it)
                removed += 1
                continue
            cls.evicted += 1
            cls.evicted_time = now - it.time
            if it.exptime != 0:
                cls.evicted_nonzero += 1
            if not it.fetched:
                cls.evicted_unfetched += 1
            self._event("evicted", it)
            self._unlink(it)
            removed += 1
            break
        return removed > 0

    def _event(self, kind: str, it: Item) -> None:
        self.events.append(Event(int(self.clock.now()), kind, it.key, it.clsid, it.size))

    def _alloc_chunk(self, clsid: int, protect: Optional[Item]) -> bool:
        for _ in range(ALLOC_ATTEMPTS):
            if self.slabs.take_chunk(clsid):
                return True
            if not self._pull_tail(clsid, protect):
                break
        self.slabs.cls(clsid).outofmemory += 1
        return False

    def _alloc(self, key: bytes, flags: int, exptime: int, nbytes: int,
               protect: Optional[Item] = None):
        """``do_item_alloc``: memory for an item, evicting if needed.

        Returns an unlinked :class:`Item` (value still empty), or the reason
        it cannot be had: too large for this cache, or out of memory."""
        plan = self.slabs.chunk_plan(len(key), nbytes, flags)
        if plan is None:
            return _TOO_LARGE
        taken = []
        for clsid in plan:
            if not self._alloc_chunk(clsid, protect):
                for c in taken:
                    self.slabs.release_chunk(c)
                return _NO_MEMORY
            taken.append(clsid)
        size = item_total_size(len(key), nbytes, flags)
        return Item(key, b"", flags, exptime, self.current_time, self.slabs.clsid(size),
                    taken, size)

    # -- commands (shared by the Python API and the text protocol) ---------------------
    def store(self, command: bytes, key: bytes, flags: int, exptime: int,
              data: Optional[bytes], length: int, cas_unique: int = 0) -> bytes:
        """Run a storage command; returns memcached's reply line.

        ``data`` is the payload as read from the wire, *with* its final two
        bytes (which must be ``\\r\\n``); ``length`` is the declared length.
        The order is memcached's: memory is taken (and items evicted) when the
        command line arrives, the payload is checked afterwards.
        """
        it = self._alloc(key, flags, self._realtime(exptime), length + 2)
        if not isinstance(it, Item):
            if it == _TOO_LARGE:
                self.counters.store_too_large += 1
                reply = proto.TOO_LARGE
            else:
                self.counters.store_no_memory += 1
                reply = proto.OUT_OF_MEMORY
            if command == b"set":
                # A failed set must not leave the old value readable.
                old = self._lookup(key, update=False)
                if old is not None:
                    self._unlink(old)
            return reply
        self.slabs.cls(it.clsid).cmd_set += 1
        if data is None or len(data) != length + 2 or data[-2:] != b"\r\n":
            self._free(it)
            return proto.BAD_DATA_CHUNK
        it.value = data[:-2]
        reply = self._store_item(it, command, cas_unique)
        if not it.linked:
            self._free(it)
        return reply

    def _store_item(self, it: Item, command: bytes, req_cas: int) -> bytes:
        """``do_store_item``: the semantics of set/add/replace/append/prepend/cas."""
        old = self._lookup(it.key, update=False)
        if old is None:
            if command in (b"set", b"add"):
                self._link(it)
                return proto.STORED
            if command == b"cas":
                self.counters.cas_misses += 1
                return proto.NOT_FOUND
            return proto.NOT_STORED              # replace/append/prepend need an item
        cas_match = req_cas != 0 and req_cas == old.cas
        if command == b"add":
            self._bump(old, self.current_time)   # add on a hit refreshes the old item
            return proto.NOT_STORED
        if command == b"cas":
            if cas_match:
                self.slabs.cls(old.clsid).cas_hits += 1
                self._replace(old, it)
                return proto.STORED
            self.slabs.cls(old.clsid).cas_badval += 1
            return proto.EXISTS
        if command in (b"append", b"prepend"):
            if req_cas != 0 and not cas_match:
                return proto.EXISTS
            # The combined item keeps the old flags and expiry.
            new = self._alloc(it.key, old.flags, old.exptime,
                              len(old.value) + len(it.value) + 2, protect=old)
            if not isinstance(new, Item):
                return proto.NOT_STORED
            new.value = old.value + it.value if command == b"append" else it.value + old.value
            self._replace(old, new)
            return proto.STORED
        self._replace(old, it)                   # set, replace
        return proto.STORED

    def retrieve(self, key: bytes, touch_exptime: Optional[int] = None) -> Optional[Item]:
        """One key of ``get``/``gets`` (or ``gat``/``gats`` with an exptime),
        counted in the statistics like memcached counts it."""
        c = self.counters
        if touch_exptime is None:
            it = self._lookup(key, update=True)
            c.get_cmds += 1
            if it is None:
                c.get_misses += 1
            else:
                self.slabs.cls(it.clsid).get_hits += 1
            return it
        it = self._touch(key, touch_exptime)
        return it

    def _touch(self, key: bytes, exptime: int) -> Optional[Item]:
        rel = self._realtime(exptime)
        it = self._lookup(key, update=True)
        self.counters.touch_cmds += 1
        if it is None:
            self.counters.touch_misses += 1
            return None
        it.exptime = rel
        self.slabs.cls(it.clsid).touch_hits += 1
        return it

    def touch_item(self, key: bytes, exptime: int) -> bytes:
        return proto.TOUCHED if self._touch(key, exptime) is not None else proto.NOT_FOUND

    def delete_item(self, key: bytes) -> bytes:
        it = self._lookup(key, update=False)
        if it is None:
            self.counters.delete_misses += 1
            return proto.NOT_FOUND
        self.slabs.cls(it.clsid).delete_hits += 1
        self._unlink(it)
        return proto.DELETED

    def add_delta(self, key: bytes, incr: bool, delta: int) -> bytes:
        """``incr``/``decr``: the new value as a reply line, or an error line.

        The value must be a decimal number (leading whitespace and trailing
        spaces are tolerated, as C's ``strtoull`` does). When the new number is
        not longer than the old text, memcached rewrites it *in place* and pads
        with spaces — ``decr`` of ``"100"`` by 95 leaves ``"5  "`` (a real
        memcached quirk). A longer number needs a new item."""
        it = self._lookup(key, update=False)
        if it is None:
            if incr:
                self.counters.incr_misses += 1
            else:
                self.counters.decr_misses += 1
            return proto.NOT_FOUND
        if it.nbytes <= 2 or it.chunked:
            return proto.NON_NUMERIC
        value = parse_counter(it.value)
        if value is None:
            return proto.NON_NUMERIC
        if incr:
            value = (value + delta) % 2**64
            self.slabs.cls(it.clsid).incr_hits += 1
        else:
            value = value - delta if delta <= value else 0
            self.slabs.cls(it.clsid).decr_hits += 1
        text = b"%d" % value
        if len(text) <= len(it.value):
            it.cas = self._next_cas()
            it.value = text.ljust(len(it.value))
            self._bump(it, self.current_time)
        else:
            new = self._alloc(key, it.flags, it.exptime, len(text) + 2, protect=it)
            if not isinstance(new, Item):
                return b"SERVER_ERROR out of memory\r\n"
            new.value = text
            self._replace(it, new)
        return text + b"\r\n"

    def flush(self, exptime: int = 0) -> None:
        """``flush_all [delay]``: everything stored before the moment (now, or
        ``delay`` from now) becomes invisible. Nothing is deleted now; items
        are dropped when next looked at, or reclaimed when memory is needed."""
        self.counters.flush_cmds += 1
        now = self.current_time
        new_oldest = self._realtime(exptime) if exptime > 0 else now
        self.oldest_live = new_oldest - 1
        if self.oldest_live <= now:
            self.oldest_cas = self._next_cas()

    def reassign(self, src: int, dst: int) -> bytes:
        """``slabs reassign <src> <dst>``: move one page from class ``src`` to
        ``dst``, evicting as many of ``src``'s least recently used items as it
        takes to empty a page (memcached moves the page's own items, rescuing
        some; the page count is what matters here). ``src`` -1: any class with a
        spare page. Returns memcached's reply line."""
        slabs = self.slabs
        if src == dst:
            return b"SAME src and dst class are identical\r\n"
        if src == -1:
            src = next((c.id for c in slabs.classes if c.pages >= 2 and c.id != dst), -1)
        if not (1 <= src <= slabs.largest and 1 <= dst <= slabs.largest):
            return b"BADCLASS invalid src or dst class id\r\n"
        s = slabs.cls(src)
        if s.pages < 2:
            return b"NOSPARE source class has no spare pages\r\n"
        while s.free_chunks < s.chunks_per_page and s.lru:
            victim = next(iter(s.lru.values()))
            self.reassign_evictions += 1
            self._event("evicted", victim)
            self._unlink(victim)
        if s.free_chunks < s.chunks_per_page:
            return b"NOSPARE source class has no spare pages\r\n"
        s.pages -= 1
        slabs.cls(dst).pages += 1
        self.slabs_moved += 1
        return proto.OK

    def reset_stats(self) -> None:
        """``stats reset``."""
        self.counters.reset()
        for c in self.slabs.classes:
            c.reset_stats()

    # -- the text protocol in-process ---------------------------------------------------
    def execute(self, data: Union[bytes, str]) -> bytes:
        """Run raw text-protocol input as one connection would; return the reply bytes.

        ``node.execute(b"set k 0 0 2\\r\\nhi\\r\\nget k\\r\\n")`` — handy in a
        notebook to see exactly what goes over the wire."""
        from .commands import Connection
        if isinstance(data, str):
            data = data.encode()
        conn = Connection(self)
        out = conn.receive(data)
        return out

    # -- Python API ------------------------------------------------------------------
    def set(self, key: KeyLike, value: ValueLike, flags: int = 0, exptime: int = 0) -> str:
        """Store ``value`` under ``key``; returns memcached's answer, ``"STORED"``
        (or ``"SERVER_ERROR object too large for cache"`` …)."""
        return self._py_store(b"set", key, value, flags, exptime)

    def add(self, key: KeyLike, value: ValueLike, flags: int = 0, exptime: int = 0) -> str:
        """Store only if the key is absent (``"NOT_STORED"`` otherwise)."""
        return self._py_store(b"add", key, value, flags, exptime)

    def replace(self, key: KeyLike, value: ValueLike, flags: int = 0, exptime: int = 0) -> str:
        """Store only if the key is present."""
        return self._py_store(b"replace", key, value, flags, exptime)

    def append(self, key: KeyLike, value: ValueLike) -> str:
        """Add bytes after an existing value (flags and expiry are kept)."""
        return self._py_store(b"append", key, value, 0, 0)

    def prepend(self, key: KeyLike, value: ValueLike) -> str:
        """Add bytes before an existing value."""
        return self._py_store(b"prepend", key, value, 0, 0)

    def cas(self, key: KeyLike, value: ValueLike, cas_unique: int, flags: int = 0,
            exptime: int = 0) -> str:
        """Store only if the item's CAS unique is still ``cas_unique``:
        ``"STORED"``, ``"EXISTS"`` (someone changed it) or ``"NOT_FOUND"``."""
        if not isinstance(cas_unique, int) or not 0 <= cas_unique < 2**64:
            raise ValueError("cas_unique must be an integer 0 .. 2**64-1 (from gets())")
        return self._py_store(b"cas", key, value, flags, exptime, cas_unique)

    def get(self, key: KeyLike) -> Optional[bytes]:
        """The value, or None (absent, expired or flushed)."""
        with self.lock:
            it = self.retrieve(_key(key))
            return None if it is None else it.value

    def gets(self, key: KeyLike) -> Optional[Tuple[bytes, int]]:
        """``(value, cas_unique)`` or None."""
        with self.lock:
            it = self.retrieve(_key(key))
            return None if it is None else (it.value, it.cas)

    def get_multi(self, keys: Iterable[KeyLike]) -> Dict[bytes, bytes]:
        """``get k1 k2 …``: the values of the keys that exist."""
        with self.lock:
            out = {}
            for k in keys:
                it = self.retrieve(_key(k))
                if it is not None:
                    out[it.key] = it.value
            return out

    def gat(self, exptime: int, key: KeyLike) -> Optional[bytes]:
        """Get and touch: return the value and give the item a new expiry."""
        with self.lock:
            it = self.retrieve(_key(key), _exptime(exptime))
            return None if it is None else it.value

    def gats(self, exptime: int, key: KeyLike) -> Optional[Tuple[bytes, int]]:
        with self.lock:
            it = self.retrieve(_key(key), _exptime(exptime))
            return None if it is None else (it.value, it.cas)

    def touch(self, key: KeyLike, exptime: int) -> bool:
        """Give an item a new expiry; False if it does not exist."""
        with self.lock:
            return self.touch_item(_key(key), _exptime(exptime)) == proto.TOUCHED

    def delete(self, key: KeyLike) -> bool:
        with self.lock:
            return self.delete_item(_key(key)) == proto.DELETED

    def incr(self, key: KeyLike, delta: int = 1) -> Optional[int]:
        """Add ``delta`` (wraps at 2**64); None if the key does not exist.
        Raises :class:`MemcachedError` if the value is not a number."""
        return self._py_delta(key, True, delta)

    def decr(self, key: KeyLike, delta: int = 1) -> Optional[int]:
        """Subtract ``delta``, stopping at 0; None if the key does not exist."""
        return self._py_delta(key, False, delta)

    def flush_all(self, delay: int = 0) -> None:
        with self.lock:
            self.flush(_exptime(delay))

    def item(self, key: KeyLike) -> Optional[Item]:
        """Peek at an item (flags, CAS, expiry, slab class) without counting a
        read or refreshing it; None if absent, expired or flushed."""
        with self.lock:
            it = self.table.get(_key(key))
            if it is None:
                return None
            now = self.current_time
            if is_expired(it, now) or self._is_flushed(it, now):
                return None
            return it

    def ttl(self, key: KeyLike) -> Optional[int]:
        """Seconds until the item expires: -1 if never, None if absent."""
        it = self.item(key)
        if it is None:
            return None
        if it.exptime == 0:
            return -1
        return it.exptime - self.current_time

    def expires_at(self, key: KeyLike) -> Optional[int]:
        """The item's expiry as a Unix time, None if it never expires or is absent."""
        it = self.item(key)
        return None if it is None else unix_expiry(it, self.process_started)

    def keys(self) -> List[bytes]:
        """Every key in the table (including expired ones not yet noticed)."""
        with self.lock:
            return list(self.table)

    def stats(self, kind: str = "") -> Dict[str, str]:
        """``stats [settings|slabs|items]`` as a dict of strings, as a client sees it."""
        producers = {"": stats_mod.general, "settings": stats_mod.settings,
                     "slabs": stats_mod.slabs, "items": stats_mod.items}
        if kind not in producers:
            raise ValueError(f"unknown stats kind {kind!r}: use '', 'settings', 'slabs' "
                             f"or 'items'")
        with self.lock:
            return {name: str(value) for name, value in producers[kind](self)}

    def slab_table(self, all_classes: bool = False) -> List[dict]:
        """Per slab class: chunk size, pages, used/free chunks, items, evictions."""
        with self.lock:
            return self.slabs.table(all_classes)

    @property
    def evictions(self) -> int:
        return sum(c.evicted for c in self.slabs.classes)

    def __len__(self) -> int:
        return len(self.table)

    def __repr__(self) -> str:
        return (f"MemcachedNode({self.name!r}, {len(self.table)} items, "
                f"{self.slabs.malloced // self.slabs.page_size} pages, clock={self.clock!r})")

    # -- helpers -------------------------------------------------------------------
    def _py_store(self, command: bytes, key: KeyLike, value: ValueLike, flags: int,
                  exptime: int, cas_unique: int = 0) -> str:
        key = _key(key)
        data = _value(value)
        if not isinstance(flags, int) or not 0 <= flags < 2**32:
            raise ValueError("flags must be an integer 0 .. 2**32-1")
        with self.lock:
            reply = self.store(command, key, flags, _exptime(exptime), data + b"\r\n",
                               len(data), cas_unique)
        return reply.rstrip(b"\r\n").decode()

    def _py_delta(self, key: KeyLike, incr: bool, delta: int) -> Optional[int]:
        if not isinstance(delta, int) or not 0 <= delta < 2**64:
            raise ValueError("delta must be an integer 0 .. 2**64-1 (use decr to subtract)")
        with self.lock:
            reply = self.add_delta(_key(key), incr, delta)
        if reply == proto.NOT_FOUND:
            return None
        if reply[:1].isdigit():
            return int(reply)
        raise MemcachedError(reply.rstrip(b"\r\n").decode())


def parse_counter(value: bytes) -> Optional[int]:
    """Read an item's value as ``strtoull`` does in ``do_add_delta``, or None."""
    i, n = 0, len(value)
    while i < n and value[i] in b" \t\n\v\f\r":
        i += 1
    start = i
    negative = False
    if i < n and value[i] in b"+-":
        negative = value[i] == 0x2D
        i += 1
    j = i
    while j < n and 0x30 <= value[j] <= 0x39:
        j += 1
    if j == i:
        return None
    if j < n and value[j] not in b" \t\n\v\f\r\0":
        return None
    magnitude = int(value[i:j])
    if magnitude > 2**64 - 1:
        return None
    result = (-magnitude) % 2**64 if negative else magnitude
    if negative and result >= 2**63 and b"-" in value[start:j]:
        return None
    return result


def _key(key: KeyLike) -> bytes:
    if isinstance(key, str):
        key = key.encode()
    if not isinstance(key, (bytes, bytearray)):
        raise TypeError(f"a key is bytes or str, not {type(key).__name__}")
    key = bytes(key)
    if not key or len(key) > proto.KEY_MAX_LENGTH:
        raise ValueError(f"a memcached key is 1 to {proto.KEY_MAX_LENGTH} bytes "
                         f"(got {len(key)})")
    if any(b <= 32 or b == 127 for b in key):
        raise ValueError(f"a memcached key cannot contain spaces or control characters: "
                         f"{key!r}")
    return key


def _value(value: ValueLike) -> bytes:
    if isinstance(value, bool):
        raise TypeError("store bytes, str or int, not bool")
    if isinstance(value, int):
        return b"%d" % value
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"a value is bytes, str or int, not {type(value).__name__}")


def _exptime(exptime: int) -> int:
    """The wire carries exptime as a 32-bit signed number; so does the API."""
    if not isinstance(exptime, int) or isinstance(exptime, bool):
        raise TypeError("exptime is an int (seconds, or a Unix time beyond 30 days)")
    if not -2**31 <= exptime < 2**31:
        raise ValueError("exptime must fit in 32 bits (-2**31 .. 2**31-1)")
    return exptime
