"""One logical database: the keyspace, TTLs, and per-key bookkeeping.

A Redis node holds 16 numbered databases (SELECT 0–15). Each maps key names to
values, and every value carries metadata the server needs:

* ``expire_at`` — absolute expiry time in unix milliseconds (or None);
* ``lru`` — when the key was last touched (for OBJECT IDLETIME and LRU eviction);
* ``freq``/``ldt`` — the LFU counter and when it last decayed (LFU eviction);
* ``size`` — what the key costs in bytes (see memory.py).

A key is expired once the clock is *past* its deadline (Redis's keyIsExpired:
``now > expire_at``): at the exact deadline millisecond it still answers, with
PTTL 0. Expired keys are removed two ways, as in Redis: *passively*, when a command
touches a key whose time has passed, and *actively*, by a periodic sampling
cycle (expiry.py) that finds keys nobody asks for. Between the two, an expired
key may linger in memory but is never visible to a client.
"""
from __future__ import annotations

import heapq
import re
from typing import TYPE_CHECKING, Dict, List, Optional

from .. import errors
from ..protocol.replies import ReplyError
from . import memory
from .dictscan import BucketIndex

if TYPE_CHECKING:  # pragma: no cover
    from .node import Node

#: Canonical 64-bit integers, the strings Redis stores with the ``int`` encoding.
_CANONICAL_INT = re.compile(rb"(?:-?[1-9][0-9]{0,18}|0)\Z")
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
LFU_INIT_VAL = 5
#: Values 0..9999 share preallocated objects in Redis (OBJECT REFCOUNT shows
#: INT_MAX for them) unless an LRU/LFU maxmemory policy needs per-key metadata.
SHARED_INTEGERS = 10000


def is_canonical_int(value: bytes) -> bool:
    if len(value) > 20 or not _CANONICAL_INT.match(value):
        return False
    return INT64_MIN <= int(value) <= INT64_MAX


def string_encoding(value: bytes, raw: bool = False) -> str:
    """The encoding Redis picks for a string it just stored: ``int`` for
    canonical 64-bit integers, ``embstr`` up to 44 bytes, else ``raw``.
    APPEND and SETRANGE always leave ``raw`` (``raw=True``)."""
    if raw:
        return "raw"
    if is_canonical_int(value):
        return "int"
    return "embstr" if len(value) <= memory.EMBSTR_LIMIT else "raw"


class Entry:
    """A value in the keyspace plus its metadata (Redis's ``robj`` + dictEntry)."""

    __slots__ = ("value", "type", "encoding", "expire_at", "lru", "freq", "ldt",
                 "size", "pos", "vpos", "capacity")

    def __init__(self, value, type_: str, encoding: str):
        self.value = value
        self.type = type_
        self.encoding = encoding
        self.expire_at: Optional[int] = None
        self.lru = 0
        self.freq = LFU_INIT_VAL
        self.ldt = 0
        self.size = 0
        self.pos = -1     # index in Database.key_list (for O(1) random sampling)
        self.vpos = -1    # index in Database.volatile, -1 when the key has no TTL
        self.capacity = -1  # allocated room of a grown raw string (-1: exact)

    def __repr__(self) -> str:
        return f"Entry({self.type}, {self.encoding}, expire_at={self.expire_at})"


def string_entry(value: bytes, raw: bool = False) -> Entry:
    return Entry(value, "string", string_encoding(value, raw))


class Database:
    """One numbered database of a :class:`~engine.node.node.Node`."""

    #: Set by FT.CREATE (engine/vector/ftindex.py): ``hook(db, key)`` after a key
    #: is stored, changed or deleted (``key`` None on flush). None = no index,
    #: so the write paths pay a single attribute check.
    search_hook = None

    def __init__(self, node: "Node", index: int):
        self.node = node
        self.index = index
        self.data: Dict[bytes, Entry] = {}
        self.key_list: List[bytes] = []      # every key, for random sampling
        self.volatile: List[bytes] = []      # keys with a TTL, for the expire cycle
        self._expiry_heap: list = []         # (expire_at, key): earliest deadline first
        self.used = 0                        # bytes of all entries (memory.py)
        self.watchers: Dict[bytes, set] = {}  # key -> clients WATCHing it
        #: key -> sessions blocked on it, first-blocked first (node/blocking.py)
        self.blocking_keys: Dict[bytes, list] = {}
        self.version = 0                     # bumped when a key is added or removed
        self.bucket_index = BucketIndex()    # SCAN's view of the keys (dictscan.py)

    # -- reading ---------------------------------------------------------
    def __len__(self) -> int:
        return len(self.data)

    def peek(self, key: bytes) -> Optional[Entry]:
        """The entry as stored: no expiry check, no statistics, no touch."""
        return self.data.get(key)

    def find(self, key: bytes) -> Optional[Entry]:
        """The live entry for ``key``, deleting it first if it has expired.
        Does not count a hit or miss and does not touch the key."""
        e = self.data.get(key)
        if e is not None and e.expire_at is not None and e.expire_at < self.node.now:
            self.expire(key, e)
            return None
        return e

    def read(self, key: bytes, touch: bool = True) -> Optional[Entry]:
        """Look a key up for reading, the way Redis's lookupKeyRead does:
        passive expiry, keyspace_hits/keyspace_misses, and the access recorded
        for LRU/LFU unless ``touch`` is False (TYPE, TTL, OBJECT…)."""
        e = self.data.get(key)
        node = self.node
        if e is not None and e.expire_at is not None and e.expire_at < node.now:
            self.expire(key, e)
            e = None
        if e is None:
            node.stats.keyspace_misses += 1
            return None
        node.stats.keyspace_hits += 1
        if touch:  # (Node.touch_entry, inlined: this is the hottest path)
            if node.lfu_enabled:
                node.lfu_access(e)
            else:
                e.lru = node.now
        return e

    def write(self, key: bytes) -> Optional[Entry]:
        """Look a key up to modify it: passive expiry and an LRU/LFU touch,
        but no hit/miss statistics (Redis counts only reads)."""
        e = self.data.get(key)
        if e is not None:
            if e.expire_at is not None and e.expire_at < self.node.now:
                self.expire(key, e)
                return None
            self.node.touch_entry(e)
        return e

    def read_as(self, key: bytes, type_: str, touch: bool = True) -> Optional[Entry]:
        """:meth:`read` for a command that works on one type: WRONGTYPE if the
        key holds a value of another type, None if it is missing."""
        e = self.read(key, touch)
        if e is not None and e.type != type_:
            raise ReplyError(errors.WRONGTYPE)
        return e

    def write_as(self, key: bytes, type_: str) -> Optional[Entry]:
        """:meth:`write` for a command that works on one type (WRONGTYPE otherwise)."""
        e = self.write(key)
        if e is not None and e.type != type_:
            raise ReplyError(errors.WRONGTYPE)
        return e

    def settle(self, key: bytes, e: Entry) -> None:
        """After a collection changed in place: an emptied collection
        disappears (Redis never keeps empty lists, sets, hashes or zsets),
        otherwise its size is recounted."""
        if not e.value:
            self.delete(key)
        else:
            self.resized(key, e)

    def exists(self, key: bytes) -> bool:
        return self.find(key) is not None

    # -- writing ---------------------------------------------------------
    def store(self, key: bytes, entry: Entry, keep_ttl: bool = False) -> None:
        """Bind ``key`` to ``entry``, replacing any old value (Redis's setKey).
        The old TTL is dropped unless ``keep_ttl``."""
        node = self.node
        old = self.data.get(key)
        if entry.type == "string":
            entry.size = memory.key_overhead(key) + memory.string_value_size(
                entry.value, entry.encoding, entry.capacity)
        else:
            entry.size = memory.key_overhead(key) + node.sizer(entry)
        entry.lru = node.now
        if node.lfu_enabled:
            entry.ldt = node.now // 60000
        if old is None:
            self.version += 1
            entry.pos = len(self.key_list)
            self.key_list.append(key)
            self.data[key] = entry
            self.used += entry.size
        else:
            entry.pos = old.pos
            if old.vpos >= 0:
                if keep_ttl:
                    entry.expire_at = old.expire_at
                    entry.vpos = old.vpos
                else:
                    self._drop_volatile(key, old)
            self.data[key] = entry
            self.used += entry.size - old.size
        if self.watchers:
            self.signal_modified(key)
        if self.blocking_keys and key in self.blocking_keys:
            self.node.blocking.signal(self, key)   # wake BLPOP & co. (blocking.py)
        if self.search_hook is not None:
            self.search_hook(self, key)

    def load_strings(self, keys, value: bytes, encoding: str) -> int:
        """Bulk-create string keys that do not exist yet, all holding the same
        ``value`` (what DEBUG POPULATE does): the per-key work of :meth:`store`
        without its per-call overhead, for experiments with millions of keys.
        Existing keys are left alone; returns how many keys were created."""
        if self.watchers or self.blocking_keys or self.search_hook is not None:
            # Someone watches keys here: take the ordinary path, signals included.
            created = 0
            for key in keys:
                if key not in self.data:
                    self.store(key, Entry(value, "string", encoding))
                    created += 1
            return created
        node = self.node
        now = node.now
        ldt = now // 60000 if node.lfu_enabled else 0
        value_size = memory.string_value_size(value, encoding)
        size_by_len = {}                 # a key's cost depends only on its length
        data, key_list = self.data, self.key_list
        created = added_bytes = 0
        for key in keys:
            if key in data:
                continue
            size = size_by_len.get(len(key))
            if size is None:
                size = size_by_len[len(key)] = memory.key_overhead(key) + value_size
            e = Entry(value, "string", encoding)
            e.size, e.lru, e.ldt, e.pos = size, now, ldt, len(key_list)
            key_list.append(key)
            data[key] = e
            added_bytes += size
            created += 1
        if created:
            self.used += added_bytes
            self.version += 1
        return created

    def value_size(self, entry: Entry) -> int:
        if entry.type == "string":
            return memory.string_value_size(entry.value, entry.encoding, entry.capacity)
        return self.node.sizer(entry)

    def resized(self, key: bytes, entry: Entry) -> None:
        """Recompute an entry's size after its value changed in place."""
        new = memory.key_overhead(key) + self.value_size(entry)
        self.used += new - entry.size
        entry.size = new
        if self.watchers:
            self.signal_modified(key)
        if self.blocking_keys and key in self.blocking_keys:
            self.node.blocking.signal(self, key)
        if self.search_hook is not None:
            self.search_hook(self, key)

    def delete(self, key: bytes) -> bool:
        """Remove ``key``; True if it existed (expired or not)."""
        e = self.data.pop(key, None)
        if e is None:
            return False
        self.used -= e.size
        self.version += 1
        last = self.key_list.pop()
        if last != key:
            self.key_list[e.pos] = last
            self.data[last].pos = e.pos
        if e.vpos >= 0:
            self._drop_volatile(key, e)
        if self.watchers:
            self.signal_modified(key)
        if self.search_hook is not None:
            self.search_hook(self, key)
        return True

    def expire(self, key: bytes, e: Entry, active: bool = False) -> None:
        """Delete a key whose TTL has passed, and count it in expired_keys.
        ``active`` tells whether the sampling cycle found it (else a command did)."""
        self.delete(key)
        node = self.node
        node.stats.expired_keys += 1
        if node.listeners or node.keep_events:
            node.emit("expired", self, key, "active" if active else "passive")

    def evict(self, key: bytes, policy: str) -> None:
        """Delete a key to free memory under ``policy`` (counted in evicted_keys)."""
        e = self.data.get(key)
        size = e.size if e is not None else 0
        self.delete(key)
        node = self.node
        node.stats.evicted_keys += 1
        if node.listeners or node.keep_events:
            node.emit("evicted", self, key, policy, size=size)

    def set_expire(self, key: bytes, e: Entry, when_ms: int) -> None:
        e.expire_at = when_ms
        if e.vpos < 0:
            e.vpos = len(self.volatile)
            self.volatile.append(key)
        heapq.heappush(self._expiry_heap, (when_ms, key))
        if len(self._expiry_heap) > 64 and len(self._expiry_heap) > 4 * len(self.volatile):
            self._rebuild_heap()
        if self.watchers:
            self.signal_modified(key)

    def persist(self, key: bytes, e: Entry) -> bool:
        """Remove the TTL; True if there was one."""
        if e.vpos < 0:
            return False
        self._drop_volatile(key, e)
        if self.watchers:
            self.signal_modified(key)
        return True

    def _drop_volatile(self, key: bytes, e: Entry) -> None:
        last = self.volatile.pop()
        if last != key:
            self.volatile[e.vpos] = last
            self.data[last].vpos = e.vpos
        e.vpos = -1
        e.expire_at = None

    def earliest_expiry(self) -> Optional[int]:
        """The soonest TTL deadline in this database (None if no key has one)."""
        heap = self._expiry_heap
        while heap:
            when, key = heap[0]
            e = self.data.get(key)
            if e is not None and e.expire_at == when:
                return when
            heapq.heappop(heap)  # stale: key deleted, persisted or TTL changed
        return None

    def _rebuild_heap(self) -> None:
        self._expiry_heap = [(self.data[k].expire_at, k) for k in self.volatile]
        heapq.heapify(self._expiry_heap)

    def flush(self) -> int:
        """Remove every key; returns how many there were."""
        count = len(self.data)
        if self.watchers:
            for key in list(self.watchers):
                if key in self.data:
                    self.signal_modified(key)
        self.data = {}
        self.key_list = []
        self.volatile = []
        self._expiry_heap = []
        self.used = 0
        self.version += 1
        if self.search_hook is not None:
            self.search_hook(self, None)
        return count

    # -- WATCH support -----------------------------------------------------
    def signal_modified(self, key: bytes) -> None:
        """Mark every client WATCHing ``key`` as dirty, so its EXEC fails."""
        for client in self.watchers.get(key, ()):
            client.watch_dirty = True

    # -- random access -----------------------------------------------------
    def random_key(self, rng) -> Optional[bytes]:
        """A uniformly random live key (RANDOMKEY), skipping expired ones."""
        tries = 0
        while self.key_list:
            key = self.key_list[rng.randrange(len(self.key_list))]
            e = self.data[key]
            if e.expire_at is not None and e.expire_at < self.node.now:
                tries += 1
                # Like Redis, give up expiring after many tries in a row of
                # all-volatile data and just return the (logically) dead key.
                if tries > 100 and len(self.volatile) == len(self.key_list):
                    return key
                self.expire(key, e)
                continue
            return key
        return None

    def table_bytes(self) -> int:
        """Bucket arrays of the main dict and the expires dict (memory.py)."""
        return memory.table_size(len(self.data)) + memory.table_size(len(self.volatile)) \
            + len(self.volatile) * memory.DICT_ENTRY
