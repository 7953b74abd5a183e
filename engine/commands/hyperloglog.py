"""HyperLogLog commands (redis-server's hyperloglog.c), byte for byte.

A HyperLogLog estimates how many *distinct* elements were added, in at most
12 KB, with a standard error of 0.81 %. Each element is hashed (MurmurHash64A);
the low 14 bits pick one of 16384 *registers*, and the register keeps the
longest run of zero bits (+1) seen in the remaining 50 bits. Long runs are
rare, so the registers together say roughly how many distinct hashes went by.

The value is an ordinary Redis string (GET returns it; TYPE says ``string``),
laid out exactly as redis-server lays it out, so a GET of an HLL key returns
the same bytes on both servers:

* a 16-byte header: ``HYLL``, the encoding (0 dense, 1 sparse), 3 unused
  bytes, and the cached cardinality (8 bytes little-endian; the top bit of the
  last byte set means "stale, recompute");
* **sparse** encoding for small sets — a run-length code of the registers:
  ``ZERO`` (00xxxxxx: 1–64 zero registers), ``XZERO`` (01xxxxxx yyyyyyyy:
  up to 16384 zero registers) and ``VAL`` (1vvvvvxx: 1–4 registers holding
  1–32). A new HLL is just two XZERO bytes after the header;
* **dense** encoding: 16384 registers × 6 bits = 12288 bytes. Redis switches
  for good once the sparse form would exceed ``hll-sparse-max-bytes`` (3000)
  or a register needs a value above 32.

The cardinality is Otmar Ertl's improved estimator ("New cardinality
estimation algorithms for HyperLogLog sketches", 2017) as Redis 7 computes it
from the register histogram, in the same double arithmetic, so PFCOUNT gives
the same integer. PFCOUNT of one key stores the result in the header (so it is
a write, for WATCH and replication); PFCOUNT of several keys merges them into
a temporary.
"""
from __future__ import annotations

import math
from typing import List, Optional

from .. import errors
from ..node import memory
from ..node.keyspace import Entry
from ..protocol.replies import OK, ReplyError
from .bitmaps import resize_quietly
from .registry import command

HLL_P = 14
HLL_Q = 64 - HLL_P
REGISTERS = 1 << HLL_P                # 16384
P_MASK = REGISTERS - 1
HLL_BITS = 6
REGISTER_MAX = (1 << HLL_BITS) - 1
HDR_SIZE = 16
DENSE_SIZE = HDR_SIZE + (REGISTERS * HLL_BITS + 7) // 8   # 12304
DENSE, SPARSE = 0, 1
SPARSE_VAL_MAX_VALUE = 32
SPARSE_VAL_MAX_LEN = 4
SPARSE_ZERO_MAX_LEN = 64
SPARSE_XZERO_MAX_LEN = 16384
ALPHA_INF = 0.721347520444481703680   # 0.5 / ln(2)
SEED = 0xADC83B19

NOT_HLL = "WRONGTYPE Key is not a valid HyperLogLog string value."
CORRUPTED = "INVALIDOBJ Corrupted HLL object detected"

_U64 = (1 << 64) - 1
_M = 0xC6A4A7935BD1E995


# ==============================================================================
# Hashing
# ==============================================================================

def murmurhash64a(data: bytes, seed: int = SEED) -> int:
    """MurmurHash2, 64-bit version, endian-neutral as Redis uses it."""
    n = len(data)
    h = (seed ^ (n * _M)) & _U64
    end = n - (n & 7)
    for i in range(0, end, 8):
        k = int.from_bytes(data[i:i + 8], "little")
        k = (k * _M) & _U64
        k ^= k >> 47
        k = (k * _M) & _U64
        h ^= k
        h = (h * _M) & _U64
    if n & 7:
        h ^= int.from_bytes(data[end:], "little")
        h = (h * _M) & _U64
    h ^= h >> 47
    h = (h * _M) & _U64
    h ^= h >> 47
    return h


def pattern(element: bytes):
    """hllPatLen: (register index, run length of zeros + 1) for an element."""
    h = murmurhash64a(element)
    index = h & P_MASK
    h >>= HLL_P
    h |= 1 << HLL_Q          # the run cannot exceed Q+1
    return index, (h & -h).bit_length()


# ==============================================================================
# Dense registers: 6 bits each, packed little-endian from the header on
# ==============================================================================

def dense_get(buf, regnum: int) -> int:
    byte = HDR_SIZE + regnum * HLL_BITS // 8
    fb = regnum * HLL_BITS & 7
    b0 = buf[byte]
    b1 = buf[byte + 1] if byte + 1 < len(buf) else 0
    return ((b0 >> fb) | (b1 << (8 - fb))) & REGISTER_MAX


def dense_set_register(buf: bytearray, regnum: int, val: int) -> None:
    byte = HDR_SIZE + regnum * HLL_BITS // 8
    fb = regnum * HLL_BITS & 7
    buf[byte] = (buf[byte] & ~(REGISTER_MAX << fb) & 0xFF) | ((val << fb) & 0xFF)
    if byte + 1 < len(buf):   # the last register's high bits land on the sds NUL
        buf[byte + 1] = (buf[byte + 1] & ~(REGISTER_MAX >> (8 - fb)) & 0xFF) | (val >> (8 - fb))


def dense_set(buf: bytearray, index: int, count: int) -> int:
    """hllDenseSet: raise register ``index`` to ``count``; 1 if it changed."""
    if count > dense_get(buf, index):
        dense_set_register(buf, index, count)
        return 1
    return 0


def dense_registers(buf) -> List[int]:
    """All 16384 registers of a dense HLL (3 bytes hold 4 registers)."""
    r = bytes(buf[HDR_SIZE:HDR_SIZE + REGISTERS * HLL_BITS // 8])
    out: List[int] = []
    for b0, b1, b2 in zip(r[0::3], r[1::3], r[2::3]):
        out += (b0 & 63, ((b0 >> 6) | (b1 << 2)) & 63, ((b1 >> 4) | (b2 << 4)) & 63, b2 >> 2)
    return out


# ==============================================================================
# Sparse opcodes
# ==============================================================================

def _op_span(buf, p: int, end: int):
    """(registers covered, opcode length, kind) of the opcode at ``p``."""
    b = buf[p]
    if b & 0xC0 == 0:
        return (b & 0x3F) + 1, 1, "zero"
    if b & 0x80:
        return (b & 0x03) + 1, 1, "val"
    nxt = buf[p + 1] if p + 1 < end else 0
    return (((b & 0x3F) << 8) | nxt) + 1, 2, "xzero"


def _val(value: int, length: int) -> int:
    return ((value - 1) << 2 | (length - 1)) | 0x80


def _xzero(length: int) -> bytes:
    n = length - 1
    return bytes(((n >> 8) | 0x40, n & 0xFF))


def _zero_run(length: int) -> bytes:
    return _xzero(length) if length > SPARSE_ZERO_MAX_LEN else bytes((length - 1,))


def new_sparse() -> bytearray:
    """createHLLObject: the header and XZERO opcodes covering every register
    (a cached cardinality of 0 that is valid)."""
    buf = bytearray(b"HYLL") + bytearray(HDR_SIZE - 4)
    buf[4] = SPARSE
    left = REGISTERS
    while left:
        n = min(left, SPARSE_XZERO_MAX_LEN)
        buf += _xzero(n)
        left -= n
    return buf


def sparse_walk(buf):
    """Yield (first register, run length, value) for each opcode; value 0 for
    zero runs. Stops at the end of the buffer."""
    p, end, idx = HDR_SIZE, len(buf), 0
    while p < end:
        span, oplen, kind = _op_span(buf, p, end)
        yield idx, span, (((buf[p] >> 2) & 0x1F) + 1) if kind == "val" else 0
        idx += span
        p += oplen


def sparse_to_dense(buf) -> Optional[bytearray]:
    """hllSparseToDense: the dense form (header copied, cache included), or
    None if the sparse form is corrupted (it does not cover 16384 registers)."""
    dense = bytearray(DENSE_SIZE)
    dense[:HDR_SIZE] = buf[:HDR_SIZE]
    dense[4] = DENSE
    idx = 0
    for first, runlen, value in sparse_walk(buf):
        if value:
            if runlen + first > REGISTERS:
                break
            for r in range(first, first + runlen):
                dense_set_register(dense, r, value)
        idx = first + runlen
    if idx != REGISTERS:
        return None
    return dense


class HLL:
    """A mutable HLL value while a command works on it: the bytes and the
    sds allocation (``capacity``, -1 = exact fit) that MEMORY USAGE sees."""

    __slots__ = ("buf", "capacity")

    def __init__(self, buf: bytearray, capacity: int = -1):
        self.buf = buf
        self.capacity = capacity

    @property
    def dense(self) -> bool:
        return self.buf[4] == DENSE

    def make_room(self, addlen: int) -> None:
        """sdsMakeRoomFor: grow greedily when fewer than ``addlen`` bytes are spare."""
        n = len(self.buf)
        if self.capacity < 0:
            self.capacity = memory.exact_capacity(n)
        if n + addlen > self.capacity:
            self.capacity = memory.grown_capacity(n, addlen)

    def promote(self) -> bool:
        dense = sparse_to_dense(self.buf)
        if dense is None:
            return False
        self.buf, self.capacity = dense, -1
        return True

    def invalidate(self) -> None:
        self.buf[15] |= 0x80

    # -- hllSparseSet -----------------------------------------------------------
    def sparse_set(self, index: int, count: int, max_bytes: int, hint=None) -> int:
        """Raise register ``index`` to ``count`` in the sparse form, splitting
        and merging opcodes exactly as Redis does (the bytes must match).
        Returns 1 if changed, 0 if not, -1 if corrupted; may promote to dense.
        ``hint`` (a list [position, first register]) lets PFMERGE, which sets
        registers in increasing order, resume the scan where it left off."""
        if count > SPARSE_VAL_MAX_VALUE:
            return self._promote_and_set(index, count)
        self.make_room(3)
        buf = self.buf
        end = len(buf)
        p, first = (hint[0], hint[1]) if hint else (HDR_SIZE, 0)
        prev = prev2 = -1
        prev2_first = prev_first = 0
        span = oplen = 0
        kind = ""
        while p < end:
            span, oplen, kind = _op_span(buf, p, end)
            if index <= first + span - 1:
                break
            prev2, prev2_first = prev, prev_first
            prev, prev_first = p, first
            p += oplen
            first += span
        if span == 0 or p >= end:
            return -1
        if hint is not None:
            # Everything before the opcode preceding this one stays put.
            # (The next index is larger, so it cannot fall in that opcode:
            # the next scan sets ``prev`` correctly after one step.)
            hint[0], hint[1] = (prev2, prev2_first) if prev2 >= 0 else (HDR_SIZE, 0)
        runlen = span
        if kind == "val":
            oldcount = ((buf[p] >> 2) & 0x1F) + 1
            if oldcount >= count:
                return 0
            if runlen == 1:
                buf[p] = _val(count, 1)
                return self._merge_and_finish(prev, end)
        if kind == "zero" and runlen == 1:
            buf[p] = _val(count, 1)
            return self._merge_and_finish(prev, end)
        last = first + span - 1
        seq = bytearray()
        if kind in ("zero", "xzero"):
            if index != first:
                seq += _zero_run(index - first)
            seq.append(_val(count, 1))
            if index != last:
                seq += _zero_run(last - index)
        else:
            curval = ((buf[p] >> 2) & 0x1F) + 1
            if index != first:
                seq.append(_val(curval, index - first))
            seq.append(_val(count, 1))
            if index != last:
                seq.append(_val(curval, last - index))
        oldlen = 2 if kind == "xzero" else 1
        delta = len(seq) - oldlen
        if delta > 0 and len(buf) + delta > max_bytes:
            return self._promote_and_set(index, count)
        buf[p:p + oldlen] = seq
        return self._merge_and_finish(prev, end + delta)

    def _merge_and_finish(self, prev: int, end: int) -> int:
        """Step 4 of hllSparseSet: merge adjacent VAL opcodes of equal value
        (up to 5 opcodes from the one before the change), then mark the
        cached cardinality stale."""
        buf = self.buf
        p = prev if prev >= 0 else HDR_SIZE
        scan = 5
        while p < end and scan > 0:
            scan -= 1
            b = buf[p]
            if b & 0xC0 == 0x40:      # XZERO
                p += 2
                continue
            if b & 0xC0 == 0:         # ZERO
                p += 1
                continue
            if p + 1 < end and buf[p + 1] & 0x80:
                v1 = ((b >> 2) & 0x1F) + 1
                v2 = ((buf[p + 1] >> 2) & 0x1F) + 1
                if v1 == v2:
                    length = (b & 3) + 1 + (buf[p + 1] & 3) + 1
                    if length <= SPARSE_VAL_MAX_LEN:
                        buf[p + 1] = _val(v1, length)
                        del buf[p]
                        end -= 1
                        continue
            p += 1
        self.invalidate()
        return 1

    def _promote_and_set(self, index: int, count: int) -> int:
        if not self.promote():
            return -1
        dense_set(self.buf, index, count)
        return 1

    # -- adding and merging ------------------------------------------------------------
    def add(self, element: bytes, max_bytes: int) -> int:
        """hllAdd: 1 if a register changed, 0 if not, -1 if corrupted."""
        index, count = pattern(element)
        if self.dense:
            return dense_set(self.buf, index, count)
        return self.sparse_set(index, count, max_bytes)

    def merge_into(self, regs: List[int]) -> bool:
        """hllMerge: regs[i] = max(regs[i], this HLL's register i). False if
        the sparse form is corrupted."""
        if self.dense:
            for i, v in enumerate(dense_registers(self.buf)):
                if v > regs[i]:
                    regs[i] = v
            return True
        i = 0
        for first, runlen, value in sparse_walk(self.buf):
            i = first + runlen
            if value:
                if i > REGISTERS:
                    i = first
                    break
                for r in range(first, i):
                    if value > regs[r]:
                        regs[r] = value
        return i == REGISTERS

    def histogram(self) -> Optional[List[int]]:
        """Register histogram (hllDenseRegHisto / hllSparseRegHisto); None if
        the sparse form does not cover exactly 16384 registers."""
        histo = [0] * 64
        if self.dense:
            for v in dense_registers(self.buf):
                histo[v] += 1
            return histo
        idx = 0
        for first, runlen, value in sparse_walk(self.buf):
            histo[value] += runlen
            idx = first + runlen
        return histo if idx == REGISTERS else None


# ==============================================================================
# The estimator (Ertl's, as Redis 7's hllCount)
# ==============================================================================

def _sigma(x: float) -> float:
    if x == 1.0:
        return math.inf
    y = 1.0
    z = x
    while True:
        x *= x
        z_prev = z
        z += x * y
        y += y
        if z_prev == z:
            return z


def _tau(x: float) -> float:
    if x == 0.0 or x == 1.0:
        return 0.0
    y = 1.0
    z = 1 - x
    while True:
        x = math.sqrt(x)
        z_prev = z
        y *= 0.5
        z -= math.pow(1 - x, 2) * y
        if z_prev == z:
            return z / 3


def count_from_histogram(histo: List[int]) -> int:
    """hllCount's estimate from the register histogram (llroundl of it)."""
    m = float(REGISTERS)
    z = m * _tau((m - histo[HLL_Q + 1]) / m)
    for j in range(HLL_Q, 0, -1):
        z += histo[j]
        z *= 0.5
    z += m * _sigma(histo[0] / m)
    e = ALPHA_INF * m * m / z
    whole = math.floor(e)
    return int(whole) + (1 if e - whole >= 0.5 else 0)   # round half away from zero


def registers_histogram(regs: List[int]) -> List[int]:
    histo = [0] * 64
    for v in regs:
        histo[v] += 1
    return histo


# ==============================================================================
# Keys
# ==============================================================================

def _as_hll(e: Entry) -> HLL:
    """isHLLObjectOrReply: the key must be a string that is a valid HLL."""
    if e.type != "string":
        raise ReplyError(errors.WRONGTYPE)
    v = e.value
    if (e.encoding == "int" or len(v) < HDR_SIZE or v[:4] != b"HYLL" or v[4] > SPARSE
            or (v[4] == DENSE and len(v) != DENSE_SIZE)):
        raise ReplyError(NOT_HLL)
    return HLL(bytearray(v), e.capacity if e.encoding == "raw" else -1)


def _save(s, key, e: Entry, h: HLL, modified: bool = True) -> None:
    """Write an HLL back: as dbUnshareStringValue left it, a private ``raw``
    string, whose allocation may have grown. Only a real change counts as a
    modification (WATCH): PFADD that changes no register, or PFCOUNT that
    finds its cached value, leave watchers alone, as in Redis."""
    e.value = bytes(h.buf)
    e.encoding = "raw"
    e.capacity = h.capacity
    if modified:
        s.db.resized(key, e)
    else:
        resize_quietly(s.db, key, e)


def _new_entry(h: HLL) -> Entry:
    e = Entry(bytes(h.buf), "string", "raw")
    e.capacity = h.capacity
    return e


@command("pfadd", arity=-2, flags="write denyoom fast", acl="hyperloglog", keys=(1, 1, 1),
         group="hyperloglog", since="2.8.9", complexity="O(1) to add every element.")
def pfadd(s, key, *elements):
    """PFADD key [element ...] — Adds the specified elements to the specified HyperLogLog.

    1 if the estimate may have changed (a register grew, or the key was
    created), else 0.
    """
    db = s.db
    e = db.write(key)
    max_bytes = s.node.config["hll-sparse-max-bytes"]
    updated = 0
    if e is None:
        h = HLL(new_sparse())
        created = True
        updated = 1
    else:
        h = _as_hll(e)
        created = False
    for element in elements:
        r = h.add(element, max_bytes)
        if r == 1:
            updated += 1
        elif r == -1:
            if created:
                db.store(key, _new_entry(h))
            else:
                _save(s, key, e, h, modified=False)
            raise ReplyError(CORRUPTED)
    if updated:
        h.invalidate()
    if created:
        db.store(key, _new_entry(h))
    else:
        _save(s, key, e, h, modified=bool(updated))
    return 1 if updated else 0


@command("pfcount", arity=-2, flags="readonly", acl="hyperloglog", keys=(1, -1, 1),
         group="hyperloglog", since="2.8.9",
         complexity="O(1) with a very small average constant time when called with a single "
                    "key. O(N) with N being the number of keys, and much bigger constant times, "
                    "when called with multiple keys.")
def pfcount(s, *keys):
    """PFCOUNT key [key ...] — Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).

    The estimated number of distinct elements (of the union, for several
    keys). With one key the result is cached in the value's header.
    """
    db = s.db
    if len(keys) > 1:
        regs = [0] * REGISTERS
        for key in keys:
            e = db.read(key)
            if e is None:
                continue
            if not _as_hll(e).merge_into(regs):
                raise ReplyError(CORRUPTED)
        return count_from_histogram(registers_histogram(regs))
    key = keys[0]
    e = db.read(key)
    if e is None:
        return 0
    h = _as_hll(e)
    buf = h.buf
    if not buf[15] & 0x80:
        card = int.from_bytes(buf[8:16], "little")
        if e.encoding != "raw":
            _save(s, key, e, h, modified=False)   # dbUnshareStringValue made it raw
        return card
    histo = h.histogram()
    if histo is None:
        raise ReplyError(CORRUPTED)
    card = count_from_histogram(histo)
    buf[8:16] = card.to_bytes(8, "little")
    _save(s, key, e, h)
    return card


@command("pfmerge", arity=-2, flags="write denyoom", acl="hyperloglog", keys=(1, -1, 1),
         group="hyperloglog", since="2.8.9",
         complexity="O(N) to merge N HyperLogLogs, but with high constant times.")
def pfmerge(s, destkey, *sourcekeys):
    """PFMERGE destkey [sourcekey ...] — Merge N different HyperLogLogs into a single one.

    destkey becomes the union (register-wise maximum) of itself and the
    sources; dense if any input was dense. Returns OK.
    """
    db = s.db
    regs = [0] * REGISTERS
    use_dense = False
    for key in (destkey,) + sourcekeys:
        e = db.read(key)
        if e is None:
            continue
        h = _as_hll(e)
        if h.dense:
            use_dense = True
        if not h.merge_into(regs):
            raise ReplyError(CORRUPTED)
    e = db.write(destkey)
    if e is None:
        h = HLL(new_sparse())
        created = True
    else:
        h = _as_hll(e)
        created = False
    if use_dense and not h.promote():
        raise ReplyError(CORRUPTED)
    max_bytes = s.node.config["hll-sparse-max-bytes"]
    hint = [HDR_SIZE, 0]
    for j, value in enumerate(regs):
        if not value:
            continue
        if h.dense:
            dense_set(h.buf, j, value)
        else:
            h.sparse_set(j, value, max_bytes, hint)
    h.invalidate()
    if created:
        db.store(destkey, _new_entry(h))
    else:
        _save(s, destkey, e, h)
    return OK
