"""Bitmap commands (redis-server's bitops.c): strings seen as arrays of bits.

A bitmap is not a type of its own: it is a string, and bit ``n`` is bit
``7 - n % 8`` of byte ``n // 8`` — the most significant bit of the first byte
is bit 0, so ``SETBIT k 0 1`` makes the byte ``0x80``. Writing past the end
zero-pads the string, up to 512 MB (2**32 bits, ``proto-max-bulk-len``).
Daily-active-user flags (one bit per user id), feature toggles and bloom-ish
presence sets are built this way: 10 million users fit in 1.2 MB.

* SETBIT / GETBIT read and write one bit; BITCOUNT counts set bits and BITPOS
  finds the first 0 or 1, over a byte range or (Redis 7) a BIT range;
* BITOP AND / OR / XOR / NOT combines whole strings into a new key;
* BITFIELD treats the string as an array of signed or unsigned integers of
  any width from 1 to 64 bits (u63 at most), at any bit offset (``#N`` means
  "the N-th integer of this width"), with GET, SET and INCRBY and a choice of
  overflow behaviour: WRAP (modular), SAT (clamp) or FAIL (return nil).

Writing a bit turns the value into a private ``raw`` string, grown greedily
like APPEND (OBJECT ENCODING says ``raw``; MEMORY USAGE counts the spare room).
"""
from __future__ import annotations

from .. import errors
from ..node import memory
from ..node.keyspace import string_entry
from ..protocol.replies import ReplyError
from .args import INT64_MAX, parse_int
from .registry import command
from .strings import _make_room

BIT_OFFSET = "ERR bit offset is not an integer or out of range"
BIT_VALUE = "ERR bit is not an integer or out of range"
BIT_ARG = "ERR The bit argument must be 1 or 0."
BITFIELD_TYPE = ("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not "
                 "supported but i64 is.")
BITFIELD_RO_ONLY_GET = "ERR BITFIELD_RO only supports the GET subcommand"
BITOP_NOT_ONE_KEY = "ERR BITOP NOT must be called with a single source key."
_U64 = (1 << 64) - 1


def _wrap64(v: int) -> int:
    """What a C int64 holds after an overflowing operation (two's complement)."""
    v &= _U64
    return v - (1 << 64) if v >> 63 else v


def _bit_offset(s, raw: bytes, hash_ok: bool = False, bits: int = 0) -> int:
    """getBitOffsetFromArgument: a bit offset below 512 MB × 8 (the limit is
    proto-max-bulk-len). BITFIELD also accepts ``#N`` = N × the type width."""
    use_hash = hash_ok and bits > 0 and raw[:1] == b"#"
    offset = parse_int(raw[1:] if use_hash else raw, BIT_OFFSET)
    if use_hash:
        offset = _wrap64(offset * bits)
    if offset < 0 or (offset >> 3) >= s.node.config["proto-max-bulk-len"]:
        raise ReplyError(BIT_OFFSET)
    return offset


def resize_quietly(db, key: bytes, e) -> None:
    """Recount a value's bytes after it was unshared or grew room, *without*
    signalling a modification: Redis 7.0 does not touch WATCHers when a bit
    command leaves every bit as it was (db.resized would)."""
    size = memory.key_overhead(key) + db.value_size(e)
    db.used += size - e.size
    e.size = size


def _string_for_bits(s, key: bytes, maxbit: int):
    """lookupStringForBitCommand: the string at ``key`` made able to hold bit
    ``maxbit`` (created, or unshared to ``raw`` and zero-padded). Returns
    (entry, created or grown?)."""
    db = s.db
    need = (maxbit >> 3) + 1
    e = db.write_as(key, "string")
    if e is None:
        e = string_entry(bytes(need), raw=True)
        db.store(key, e)
        return e, True
    old = len(e.value)
    _make_room(e, max(old, need))
    if need > old:
        e.value = e.value + bytes(need - old)
    return e, need > old


# ==============================================================================
# SETBIT, GETBIT
# ==============================================================================

@command("setbit", arity=4, flags="write denyoom", acl="bitmap", keys=(1, 1, 1),
         group="bitmap", since="2.2.0", complexity="O(1)")
def setbit(s, key, offset, value):
    """SETBIT key offset 0|1 — Sets or clears the bit at offset in the string value stored at key

    Set or clear one bit (growing the string with zero bytes); returns the
    bit's previous value.
    """
    bit_offset = _bit_offset(s, offset)
    on = parse_int(value, BIT_VALUE)
    if on & ~1:
        raise ReplyError(BIT_VALUE)
    e, grown = _string_for_bits(s, key, bit_offset)
    byte, shift = bit_offset >> 3, 7 - (bit_offset & 7)
    v = e.value
    old = (v[byte] >> shift) & 1
    if grown or old != on:
        new_byte = (v[byte] & ~(1 << shift)) | (on << shift)
        e.value = v[:byte] + bytes((new_byte,)) + v[byte + 1:]
        s.db.resized(key, e)
    else:
        resize_quietly(s.db, key, e)
    return old


@command("getbit", arity=3, flags="readonly fast", acl="bitmap", keys=(1, 1, 1),
         group="bitmap", since="2.2.0", complexity="O(1)")
def getbit(s, key, offset):
    """GETBIT key offset — Returns the bit value at offset in the string value stored at key

    The bit at ``offset`` (0 past the end of the string or for a missing key).
    """
    bit_offset = _bit_offset(s, offset)
    e = s.db.read_as(key, "string")
    if e is None:
        return 0
    byte = bit_offset >> 3
    if byte >= len(e.value):
        return 0
    return (e.value[byte] >> (7 - (bit_offset & 7))) & 1


# ==============================================================================
# BITCOUNT, BITPOS
# ==============================================================================

def _range_unit(raw: bytes) -> bool:
    """BYTE or BIT (any case): True for BIT."""
    unit = raw.lower()
    if unit == b"bit":
        return True
    if unit == b"byte":
        return False
    raise ReplyError(errors.SYNTAX)


def _clamp_range(start: int, end: int, total: int):
    """Redis's index rules: negatives count from the end, then clip."""
    if start < 0:
        start = total + start
    if end < 0:
        end = total + end
    if start < 0:
        start = 0
    if end < 0:
        end = 0
    if end >= total:
        end = total - 1
    return start, end


def _bits_of(value: bytes, first_bit: int, last_bit: int) -> int:
    """Bits first_bit..last_bit (inclusive) as one integer, bit first_bit the
    most significant."""
    chunk = int.from_bytes(value[first_bit >> 3:(last_bit >> 3) + 1], "big")
    chunk >>= 7 - (last_bit & 7)
    return chunk & ((1 << (last_bit - first_bit + 1)) - 1)


@command("bitcount", arity=-2, flags="readonly", acl="bitmap", keys=(1, 1, 1),
         group="bitmap", since="2.6.0", complexity="O(N)")
def bitcount(s, key, *args):
    """BITCOUNT key [start end [BYTE|BIT]] — Count set bits in a string

    The number of 1 bits, in the whole string or in a byte (default) or bit
    range; negative indexes count from the end.
    """
    e = s.db.read_as(key, "string")
    if e is None:
        return 0   # Redis 7.0 answers 0 for a missing key before parsing the range
    value = e.value
    if not args:
        return int.from_bytes(value, "big").bit_count()
    if len(args) not in (2, 3):
        raise ReplyError(errors.SYNTAX)
    start, end = parse_int(args[0]), parse_int(args[1])
    isbit = _range_unit(args[2]) if len(args) == 3 else False
    if start < 0 and end < 0 and start > end:
        return 0
    total = len(value) * 8 if isbit else len(value)
    start, end = _clamp_range(start, end, total)
    if start > end:
        return 0
    if not isbit:
        return int.from_bytes(value[start:end + 1], "big").bit_count()
    return _bits_of(value, start, end).bit_count()


@command("bitpos", arity=-3, flags="readonly", acl="bitmap", keys=(1, 1, 1),
         group="bitmap", since="2.8.7", complexity="O(N)")
def bitpos(s, key, bit, *args):
    """BITPOS key 0|1 [start [end [BYTE|BIT]]] — Find first bit set or clear in a string

    The position of the first ``bit`` in the range, or -1. A missing key is
    all zeros; looking for 0 without an explicit end in a string of ones
    answers the first bit after the string.
    """
    b = parse_int(bit)
    if b not in (0, 1):
        raise ReplyError(BIT_ARG)
    e = s.db.read_as(key, "string")
    if e is None:
        return -1 if b else 0
    value = e.value
    n = len(value)
    end_given = False
    isbit = False
    if not args:
        first_bit, last_bit = 0, n * 8 - 1
    elif len(args) <= 3:
        start = parse_int(args[0])
        if len(args) == 3:
            isbit = _range_unit(args[2])
        if len(args) >= 2:
            end = parse_int(args[1])
            end_given = True
        else:
            end = (n << 3) + 7 if isbit else n - 1
        total = n * 8 if isbit else n
        start, end = _clamp_range(start, end, total)
        if start > end:
            return -1
        first_bit, last_bit = (start, end) if isbit else (start * 8, end * 8 + 7)
    else:
        raise ReplyError(errors.SYNTAX)
    if first_bit > last_bit:
        return -1
    width = last_bit - first_bit + 1
    chunk = _bits_of(value, first_bit, last_bit)
    if not b:
        chunk ^= (1 << width) - 1
    if chunk:
        return first_bit + width - chunk.bit_length()
    if b or end_given:
        return -1
    # No clear bit: the string is "padded with zeros on the right".
    return ((last_bit >> 3) + 1) * 8


# ==============================================================================
# BITOP
# ==============================================================================

@command("bitop", arity=-4, flags="write denyoom", acl="bitmap", keys=(2, -1, 1),
         group="bitmap", since="2.6.0", complexity="O(N)")
def bitop(s, operation, destkey, *keys):
    """BITOP AND|OR|XOR|NOT destkey key [key ...] — Perform bitwise operations between strings

    Combine the strings (shorter ones count as zero-padded) into ``destkey``;
    returns the result's length. An empty result deletes ``destkey``.
    """
    op = operation.lower()
    if op not in (b"and", b"or", b"xor", b"not"):
        raise ReplyError(errors.SYNTAX)
    if op == b"not" and len(keys) != 1:
        raise ReplyError(BITOP_NOT_ONE_KEY)
    db = s.db
    values = []
    for key in keys:
        e = db.read_as(key, "string")
        values.append(b"" if e is None else e.value)
    maxlen = max(len(v) for v in values)
    if not maxlen:
        db.delete(destkey)
        return 0
    nums = [int.from_bytes(v.ljust(maxlen, b"\0"), "big") for v in values]
    if op == b"not":
        result = nums[0] ^ ((1 << (8 * maxlen)) - 1)
    else:
        result = nums[0]
        for x in nums[1:]:
            if op == b"and":
                result &= x
            elif op == b"or":
                result |= x
            else:
                result ^= x
    db.write(destkey)
    db.store(destkey, string_entry(result.to_bytes(maxlen, "big"), raw=True))
    return maxlen


# ==============================================================================
# BITFIELD
# ==============================================================================

def _bitfield_type(raw: bytes):
    """``i1``..``i64`` or ``u1``..``u63``: (signed, bits)."""
    sign = raw[:1]
    if sign not in (b"i", b"u"):
        raise ReplyError(BITFIELD_TYPE)
    # string2ll on the rest up to the first NUL (it is read as a C string).
    rest = raw[1:].split(b"\0", 1)[0]
    try:
        bits = parse_int(rest)
    except ReplyError:
        raise ReplyError(BITFIELD_TYPE) from None
    signed = sign == b"i"
    if bits < 1 or (signed and bits > 64) or (not signed and bits > 63):
        raise ReplyError(BITFIELD_TYPE)
    return signed, bits


def _get_unsigned(buf: bytes, offset: int, bits: int) -> int:
    """The ``bits``-wide unsigned integer at bit ``offset`` (zero past the end)."""
    first, last = offset >> 3, (offset + bits - 1) >> 3
    chunk = buf[first:last + 1]
    chunk = chunk + bytes(last + 1 - first - len(chunk))
    v = int.from_bytes(chunk, "big") >> (7 - ((offset + bits - 1) & 7))
    return v & ((1 << bits) - 1)


def _get_signed(buf: bytes, offset: int, bits: int) -> int:
    v = _get_unsigned(buf, offset, bits)
    if v >> (bits - 1):
        v -= 1 << bits
    return v


def _set_bits(buf: bytearray, offset: int, bits: int, value: int) -> None:
    """Write the low ``bits`` bits of ``value`` at bit ``offset``."""
    value &= (1 << bits) - 1
    first, last = offset >> 3, (offset + bits - 1) >> 3
    width = (last - first + 1) * 8
    shift = 7 - ((offset + bits - 1) & 7)
    mask = ((1 << bits) - 1) << shift
    chunk = int.from_bytes(buf[first:last + 1], "big")
    chunk = (chunk & ~mask) | (value << shift)
    buf[first:last + 1] = chunk.to_bytes(width // 8, "big")


def _unsigned_overflow(value: int, incr: int, bits: int, how: str):
    """checkUnsignedBitfieldOverflow: (overflow?, the value to store)."""
    maximum = (1 << bits) - 1
    maxincr = _wrap64(maximum - value)
    minincr = _wrap64(-value)
    if value > maximum or (incr > 0 and incr > maxincr):
        if how == "wrap":
            return True, (value + incr) & maximum
        return True, maximum
    if incr < 0 and incr < minincr:
        if how == "wrap":
            return True, (value + incr) & maximum
        return True, 0
    return False, None


def _signed_overflow(value: int, incr: int, bits: int, how: str):
    """checkSignedBitfieldOverflow: (overflow?, the value to store)."""
    maximum = INT64_MAX if bits == 64 else (1 << (bits - 1)) - 1
    minimum = -maximum - 1
    maxincr = _wrap64(maximum - value)
    minincr = _wrap64(minimum - value)

    def wrapped():
        c = (value + incr) & _U64
        if bits < 64:
            c &= (1 << bits) - 1
            if c >> (bits - 1):
                c -= 1 << bits
            return c
        return _wrap64(c)

    if value > maximum or (bits != 64 and incr > maxincr) or \
            (value >= 0 and incr > 0 and incr > maxincr):
        return True, wrapped() if how == "wrap" else maximum
    if value < minimum or (bits != 64 and incr < minincr) or \
            (value < 0 and incr < 0 and incr < minincr):
        return True, wrapped() if how == "wrap" else minimum
    return False, None


def _bitfield(s, key, args, readonly_cmd: bool):
    ops = []
    how = "wrap"
    writes = False
    highest = 0
    j, n = 0, len(args)
    while j < n:
        sub = args[j].lower()
        left = n - j - 1
        if sub == b"get" and left >= 2:
            opcode = "get"
        elif sub == b"set" and left >= 3:
            opcode = "set"
        elif sub == b"incrby" and left >= 3:
            opcode = "incrby"
        elif sub == b"overflow" and left >= 1:
            kind = args[j + 1].lower()
            if kind not in (b"wrap", b"sat", b"fail"):
                raise ReplyError("ERR Invalid OVERFLOW type specified")
            how = kind.decode()
            j += 2
            continue
        else:
            raise ReplyError(errors.SYNTAX)
        signed, bits = _bitfield_type(args[j + 1])
        offset = _bit_offset(s, args[j + 2], hash_ok=True, bits=bits)
        value = 0
        if opcode != "get":
            writes = True
            highest = max(highest, offset + bits - 1)
            value = parse_int(args[j + 3])
        ops.append((opcode, signed, bits, offset, value, how))
        j += 3 if opcode == "get" else 4
    db = s.db
    if not writes:
        e = db.read_as(key, "string")
        src = e.value if e is not None else b""
        return [(_get_signed if signed else _get_unsigned)(src, offset, bits)
                for _op, signed, bits, offset, _v, _h in ops]
    if readonly_cmd:
        raise ReplyError(BITFIELD_RO_ONLY_GET)
    e, changed = _string_for_bits(s, key, highest)
    buf = bytearray(e.value)
    out = []
    for opcode, signed, bits, offset, value, ow in ops:
        if opcode == "get":
            out.append((_get_signed if signed else _get_unsigned)(buf, offset, bits))
            continue
        if signed:
            old = _get_signed(buf, offset, bits)
            if opcode == "incrby":
                overflow, limit = _signed_overflow(old, value, bits, ow)
                new = limit if overflow else old + value
                reply = new
            else:
                new = value
                overflow, limit = _signed_overflow(new, 0, bits, ow)
                if overflow:
                    new = limit
                reply = old
        else:
            old = _get_unsigned(buf, offset, bits)
            if opcode == "incrby":
                overflow, limit = _unsigned_overflow(old, value, bits, ow)
                new = limit if overflow else (old + value) & _U64
                reply = new
            else:
                new = value & _U64          # a negative SET value is read as uint64
                overflow, limit = _unsigned_overflow(new, 0, bits, ow)
                if overflow:
                    new = limit
                reply = old
        if overflow and ow == "fail":
            out.append(None)
        else:
            out.append(reply if signed else _wrap64(reply))
            _set_bits(buf, offset, bits, new)
            changed = changed or new != old
    e.value = bytes(buf)
    if changed:
        db.resized(key, e)
    else:
        resize_quietly(db, key, e)
    return out


@command("bitfield", arity=-2, flags="write denyoom", acl="bitmap", keys=(1, 1, 1),
         group="bitmap", since="3.2.0", complexity="O(1) for each subcommand specified")
def bitfield(s, key, *args):
    """BITFIELD key [GET type offset] [SET type offset value] [INCRBY type offset increment] [OVERFLOW WRAP|SAT|FAIL] ... — Perform arbitrary bitfield integer operations on strings

    Run the operations left to right; one reply per GET/SET/INCRBY (SET
    returns the old value, INCRBY the new one, nil when OVERFLOW FAIL
    refused it).
    """
    return _bitfield(s, key, args, readonly_cmd=False)


@command("bitfield_ro", arity=-2, flags="readonly fast", acl="bitmap", keys=(1, 1, 1),
         group="bitmap", since="6.0.0", complexity="O(1) for each subcommand specified")
def bitfield_ro(s, key, *args):
    """BITFIELD_RO key [GET type offset ...] — Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD

    BITFIELD restricted to GET (usable on read-only replicas).
    """
    return _bitfield(s, key, args, readonly_cmd=True)
