"""Bloom filter commands: BF.RESERVE, BF.ADD, BF.MADD, BF.EXISTS, BF.MEXISTS,
BF.INSERT, BF.CARD, BF.INFO — as the valkey-bloom module ships them in
ElastiCache for Valkey 8.1 (API-compatible with RedisBloom's BF.*).

A Bloom filter answers "have I seen this item?" in a few bytes per item:

* an array of ``m`` bits, all 0, and ``k`` hash functions;
* **add**: set the ``k`` bits the item hashes to;
* **exists**: are all ``k`` bits set? If any is 0 the item was *never* added
  (no false negatives). If all are 1 it *probably* was — other items may have
  set those bits (a false positive).

Sizing for ``capacity`` n items at false-positive rate ε: bits per item
``-ln ε / (ln 2)²`` (9.6 bits for 1%) and ``k = ⌈ln 2 · bits per item⌉``
hash functions (7 for 1%) — whatever the size of the items themselves.
This engine rounds the bit count up so that the textbook rate
``(1 - e^(-k·n/m))^k`` at exactly ``capacity`` items is at most ε.

**Scaling.** When a filter holds ``capacity`` items it would start to exceed
ε, so a new *sub-filter* is added, ``EXPANSION`` (default 2) times larger
and with half the error rate (the tightening ratio 0.5): the chain's overall
rate stays below 2ε however much it grows, at the price of checking every
sub-filter on lookup. ``NONSCALING`` filters refuse to grow instead
("non scaling filter is full").

Hashing: each item is hashed once (BLAKE2b, 128 bits split into h1 and h2)
and the k positions are ``h1 + i·h2 mod m`` (Kirsch–Mitzenmacher double
hashing). RedisBloom uses MurmurHash64A the same way; bit positions differ,
the statistics do not.

Type: ``TYPE`` answers ``bloomfltr`` (valkey-bloom's module type name; Redis
Stack's RedisBloom says ``MBbloom--``). ``OBJECT ENCODING`` says ``raw``, as
for any module value. MEMORY USAGE counts the bit arrays plus a small header
per sub-filter.
"""
from __future__ import annotations

import hashlib
import math
from typing import List

from ..node import memory
from ..node.keyspace import Entry
from ..protocol.replies import OK, ReplyError
from .registry import command

TYPE_NAME = "bloomfltr"
DEFAULT_ERROR_RATE = 0.01
DEFAULT_CAPACITY = 100
DEFAULT_EXPANSION = 2
TIGHTENING_RATIO = 0.5

ERR_EXISTS = "ERR item exists"
ERR_NOT_FOUND = "ERR not found"
ERR_ERROR_RATE = "ERR (0 < error rate range < 1)"
ERR_CAPACITY = "ERR (capacity should be larger than 0)"
ERR_EXPANSION = "ERR (expansion should be greater or equal to 1)"
ERR_BAD_ERROR_RATE = "ERR bad error rate"
ERR_BAD_CAPACITY = "ERR bad capacity"
ERR_BAD_EXPANSION = "ERR bad expansion"
ERR_FULL = "ERR non scaling filter is full"
ERR_NONSCALING_EXPANSION = "ERR Nonscaling filters cannot expand"
ERR_SYNTAX = "ERR syntax error"
ERR_INFO_ARG = "ERR Invalid information value"
SUBFILTER_HEADER = 40   # bytes of bookkeeping per sub-filter in the memory model
#: valkey-bloom refuses a filter whose memory would pass ``bf-bloom-memory-usage-limit``
#: (128 MB by default) instead of allocating it.
MEMORY_LIMIT = 128 * 1024 * 1024
ERR_MEMORY_LIMIT = "ERR operation exceeds bloom object memory limit"


def hash_pair(item: bytes):
    d = hashlib.blake2b(item, digest_size=16).digest()
    return int.from_bytes(d[:8], "little"), int.from_bytes(d[8:], "little") | 1


class SubFilter:
    """One fixed-size Bloom filter: ``bits`` bits, ``hashes`` positions per item."""

    __slots__ = ("capacity", "error", "hashes", "bits", "array", "count")

    def __init__(self, capacity: int, error: float):
        self.capacity = capacity
        self.error = error
        bpe = -math.log(error) / (math.log(2) ** 2)
        self.hashes = max(1, math.ceil(math.log(2) * bpe))
        k = self.hashes
        # The m that makes (1 - e^(-k n / m))^k == error for this whole k.
        self.bits = max(8, math.ceil(-k * capacity / math.log(1.0 - error ** (1.0 / k))))
        if self.bits // 8 > MEMORY_LIMIT:
            raise ReplyError(ERR_MEMORY_LIMIT)
        self.array = bytearray((self.bits + 7) // 8)
        self.count = 0

    def positions(self, h1: int, h2: int):
        m = self.bits
        return [(h1 + i * h2) % m for i in range(self.hashes)]

    def contains(self, h1: int, h2: int) -> bool:
        a = self.array
        for p in self.positions(h1, h2):
            if not a[p >> 3] & (1 << (p & 7)):
                return False
        return True

    def add(self, h1: int, h2: int) -> bool:
        """Set the item's bits; True if at least one was 0 (the item is new)."""
        a = self.array
        changed = False
        for p in self.positions(h1, h2):
            byte, bit = p >> 3, 1 << (p & 7)
            if not a[byte] & bit:
                a[byte] |= bit
                changed = True
        if changed:
            self.count += 1
        return changed

    @property
    def nbytes(self) -> int:
        return len(self.array)


class BloomValue:
    """A scalable Bloom filter: a chain of sub-filters, newest last."""

    def __init__(self, error: float = DEFAULT_ERROR_RATE, capacity: int = DEFAULT_CAPACITY,
                 expansion: int = DEFAULT_EXPANSION, scaling: bool = True):
        self.error = error
        self.expansion = expansion if scaling else 0
        self.filters: List[SubFilter] = [SubFilter(capacity, error)]

    @property
    def scaling(self) -> bool:
        return self.expansion > 0

    def __len__(self) -> int:           # a value is never "empty" for the keyspace
        return 1

    def count(self) -> int:
        return sum(f.count for f in self.filters)

    def capacity(self) -> int:
        return sum(f.capacity for f in self.filters)

    def nbytes(self) -> int:
        return sum(f.nbytes for f in self.filters)

    def exists(self, item: bytes) -> bool:
        h1, h2 = hash_pair(item)
        return any(f.contains(h1, h2) for f in self.filters)

    def add(self, item: bytes) -> int:
        """1 if added, 0 if (probably) already there; ReplyError if a
        non-scaling filter is full."""
        h1, h2 = hash_pair(item)
        if any(f.contains(h1, h2) for f in self.filters):
            return 0
        last = self.filters[-1]
        if last.count >= last.capacity:
            if not self.scaling:
                raise ReplyError(ERR_FULL)
            last = SubFilter(last.capacity * self.expansion, last.error * TIGHTENING_RATIO)
            if self.nbytes() + last.nbytes > MEMORY_LIMIT:
                raise ReplyError(ERR_MEMORY_LIMIT)
            self.filters.append(last)
        return int(last.add(h1, h2))

    def __deepcopy__(self, memo):       # COPY duplicates the bit arrays
        dup = BloomValue.__new__(BloomValue)
        dup.error, dup.expansion = self.error, self.expansion
        dup.filters = []
        for f in self.filters:
            g = SubFilter.__new__(SubFilter)
            g.capacity, g.error, g.hashes, g.bits, g.count = f.capacity, f.error, f.hashes, f.bits, f.count
            g.array = bytearray(f.array)
            dup.filters.append(g)
        return dup


@memory.register_sizer(TYPE_NAME)
def bloom_size(entry, config) -> int:
    """MEMORY USAGE of a Bloom filter: robj + bit arrays + per-sub-filter header."""
    b = entry.value
    return memory.ROBJ + SUBFILTER_HEADER * len(b.filters) + b.nbytes()


# -- argument parsing ----------------------------------------------------------
def _error_rate(raw: bytes, bad: str = ERR_BAD_ERROR_RATE) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ReplyError(bad) from None
    if not 0 < value < 1:
        raise ReplyError(ERR_ERROR_RATE)
    return value


def _positive(raw: bytes, bad: str, out_of_range: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ReplyError(bad) from None
    if value < 1:
        raise ReplyError(out_of_range)
    return value


def _read(s, key):
    return s.db.read_as(key, TYPE_NAME)


def _create(s, key, value: BloomValue) -> Entry:
    e = Entry(value, TYPE_NAME, "raw")
    s.db.store(key, e)
    return e


def _add_items(s, key, e: Entry, items) -> list:
    """Add items one by one (a later duplicate in the same call answers 0);
    a full non-scaling filter answers that error *for that item*, as RedisBloom does."""
    out = []
    for item in items:
        try:
            out.append(e.value.add(item))
        except ReplyError as err:
            out.append(err)
    s.db.resized(key, e)
    return out


# -- commands --------------------------------------------------------------------
@command("bf.reserve", arity=-4, flags="write denyoom", keys=(1, 1, 1), group="bloom",
         since="1.0.0", complexity="O(1)")
def bf_reserve(s, key, error_rate, capacity, *options):
    """BF.RESERVE key error_rate capacity [EXPANSION expansion] [NONSCALING] — Create an empty Bloom filter

    Sized for ``capacity`` items at false-positive rate ``error_rate``. Fails
    if the key exists.
    """
    error = _error_rate(error_rate)
    cap = _positive(capacity, ERR_BAD_CAPACITY, ERR_CAPACITY)
    expansion, scaling = DEFAULT_EXPANSION, True
    i = 0
    while i < len(options):
        opt = options[i].upper()
        if opt == b"NONSCALING":
            scaling = False
            i += 1
        elif opt == b"EXPANSION" and i + 1 < len(options):
            expansion = _positive(options[i + 1], ERR_BAD_EXPANSION, ERR_EXPANSION)
            i += 2
        else:
            raise ReplyError(ERR_SYNTAX)
    if not scaling and any(o.upper() == b"EXPANSION" for o in options):
        raise ReplyError(ERR_NONSCALING_EXPANSION)
    if s.db.write(key) is not None:
        raise ReplyError(ERR_EXISTS)
    _create(s, key, BloomValue(error, cap, expansion, scaling))
    return OK


def _write_or_create(s, key) -> Entry:
    e = s.db.write_as(key, TYPE_NAME)
    return e if e is not None else _create(s, key, BloomValue())


@command("bf.add", arity=3, flags="write denyoom", keys=(1, 1, 1), group="bloom",
         since="1.0.0", complexity="O(k), k = the number of hash functions")
def bf_add(s, key, item):
    """BF.ADD key item — Add an item to a Bloom filter

    Creates the filter with the defaults (1% error, capacity 100) if needed.
    1 if the item was new, 0 if it (probably) was there already.
    """
    result = _add_items(s, key, _write_or_create(s, key), [item])[0]
    if isinstance(result, ReplyError):
        raise result
    return result


@command("bf.madd", arity=-3, flags="write denyoom", keys=(1, 1, 1), group="bloom",
         since="1.0.0", complexity="O(k × n)")
def bf_madd(s, key, *items):
    """BF.MADD key item [item ...] — Add several items to a Bloom filter

    One 1/0 per item, as BF.ADD.
    """
    return _add_items(s, key, _write_or_create(s, key), items)


@command("bf.insert", arity=-4, flags="write denyoom", keys=(1, 1, 1), group="bloom",
         since="1.0.0", complexity="O(k × n)")
def bf_insert(s, key, *args):
    """BF.INSERT key [CAPACITY c] [ERROR e] [EXPANSION x] [NOCREATE] [NONSCALING] ITEMS item [item ...] — Add items, creating the filter with these options if needed

    NOCREATE refuses to create the filter ("not found").
    """
    error, cap, expansion, scaling, create = DEFAULT_ERROR_RATE, DEFAULT_CAPACITY, DEFAULT_EXPANSION, True, True
    i = 0
    items = None
    while i < len(args):
        opt = args[i].upper()
        if opt == b"ITEMS":
            items = args[i + 1:]
            break
        if opt == b"NOCREATE":
            create = False
            i += 1
        elif opt == b"NONSCALING":
            scaling = False
            i += 1
        elif opt in (b"CAPACITY", b"ERROR", b"EXPANSION") and i + 1 < len(args):
            if opt == b"CAPACITY":
                cap = _positive(args[i + 1], ERR_BAD_CAPACITY, ERR_CAPACITY)
            elif opt == b"ERROR":
                error = _error_rate(args[i + 1])
            else:
                expansion = _positive(args[i + 1], ERR_BAD_EXPANSION, ERR_EXPANSION)
            i += 2
        else:
            raise ReplyError(ERR_SYNTAX)
    if not items:
        raise ReplyError("ERR wrong number of arguments for 'bf.insert' command")
    e = s.db.write_as(key, TYPE_NAME)
    if e is None:
        if not create:
            raise ReplyError(ERR_NOT_FOUND)
        e = _create(s, key, BloomValue(error, cap, expansion, scaling))
    return _add_items(s, key, e, items)


@command("bf.exists", arity=3, flags="readonly fast", keys=(1, 1, 1), group="bloom",
         since="1.0.0", complexity="O(k)")
def bf_exists(s, key, item):
    """BF.EXISTS key item — Test whether an item may have been added

    0 = certainly never added; 1 = probably added (or a false positive). A
    missing key answers 0.
    """
    e = _read(s, key)
    return int(e is not None and e.value.exists(item))


@command("bf.mexists", arity=-3, flags="readonly fast", keys=(1, 1, 1), group="bloom",
         since="1.0.0", complexity="O(k × n)")
def bf_mexists(s, key, *items):
    """BF.MEXISTS key item [item ...] — Test several items

    One 1/0 per item, as BF.EXISTS.
    """
    e = _read(s, key)
    return [int(e is not None and e.value.exists(item)) for item in items]


@command("bf.card", arity=2, flags="readonly fast", keys=(1, 1, 1), group="bloom",
         since="1.0.0", complexity="O(1)")
def bf_card(s, key):
    """BF.CARD key — How many items were added

    Items that set at least one bit (so not counting false-positive "duplicates");
    0 for a missing key.
    """
    e = _read(s, key)
    return 0 if e is None else e.value.count()


_INFO_FIELDS = (
    (b"CAPACITY", b"Capacity", lambda b: b.capacity()),
    (b"SIZE", b"Size", lambda b: b.nbytes()),
    (b"FILTERS", b"Number of filters", lambda b: len(b.filters)),
    (b"ITEMS", b"Number of items inserted", lambda b: b.count()),
    (b"EXPANSION", b"Expansion rate", lambda b: b.expansion if b.scaling else None),
)


@command("bf.info", arity=-2, flags="readonly fast", keys=(1, 1, 1), group="bloom",
         since="1.0.0", complexity="O(1)")
def bf_info(s, key, *which):
    """BF.INFO key [CAPACITY | SIZE | FILTERS | ITEMS | EXPANSION] — Describe a Bloom filter

    Capacity (of all sub-filters), size in bytes, number of sub-filters, items
    inserted, expansion rate (nil for NONSCALING). With one field name, just
    that value.
    """
    if len(which) > 1:
        raise ReplyError("ERR wrong number of arguments for 'bf.info' command")
    e = _read(s, key)
    if e is None:
        raise ReplyError(ERR_NOT_FOUND)
    b = e.value
    if which:
        for arg, _, get in _INFO_FIELDS:
            if which[0].upper() == arg:
                return [get(b)]
        raise ReplyError(ERR_INFO_ARG)
    out = []
    for _, label, get in _INFO_FIELDS:
        out += [label, get(b)]
    return out
