"""Bitmap commands, differential: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD
BITFIELD_RO byte-compared with redis-server 7.0 (replies, error texts,
resulting string bytes, OBJECT ENCODING and MEMORY USAGE of the grown strings).
"""
from __future__ import annotations

import pytest

from differential import ListKey, S, assert_same_command_info, case, run_case

SETBIT_CASES = [
    case("setbit-new-key", "SETBIT k 7 1", "GET k", "STRLEN k", "OBJECT ENCODING k",
         "MEMORY USAGE k"),
    case("setbit-returns-old", "SETBIT k 7 1", "SETBIT k 7 1", "SETBIT k 7 0", "GET k"),
    case("setbit-grows", "SETBIT k 0 1", "SETBIT k 100 1", "STRLEN k", "GET k",
         "MEMORY USAGE k", "SETBIT k 1000 1", "MEMORY USAGE k", "SETBIT k 40000 1",
         "MEMORY USAGE k", "STRLEN k"),
    case("setbit-on-int-becomes-raw", "SET i 1234", "GETBIT i 2", "SETBIT i 2 0",
         "OBJECT ENCODING i", "GET i", "MEMORY USAGE i"),
    case("setbit-on-embstr", "SET e hello", "OBJECT ENCODING e", "SETBIT e 0 0",
         "OBJECT ENCODING e", "MEMORY USAGE e", "SETBIT e 300 1", "MEMORY USAGE e", "GET e"),
    case("setbit-bad-offset", "SETBIT k -1 1", "SETBIT k 4294967296 1", "SETBIT k x 1",
         "SETBIT k 1.5 1", "SETBIT k '' 1", "EXISTS k"),
    case("setbit-bad-value", "SETBIT k 1 2", "SETBIT k 1 -1", "SETBIT k 1 x", "SETBIT k 1 ''",
         "EXISTS k"),
    case("setbit-wrongtype", ListKey("l"), "SETBIT l 1 1", "SETBIT l -1 1", "SETBIT l 1 5"),
    case("setbit-arity", "SETBIT k 1", "SETBIT k 1 1 1"),
    case("setbit-keeps-ttl", "SET k v EX 100000", "SETBIT k 3 1", "TTL k"),
    case("setbit-offset-limit", "CONFIG SET proto-max-bulk-len 1048576",
         "SETBIT k 8388607 1", "STRLEN k", "SETBIT k 8388608 1",
         "CONFIG SET proto-max-bulk-len 536870912"),
    case("getbit", "SETBIT k 100 1", "GETBIT k 100", "GETBIT k 99", "GETBIT k 100000",
         "GETBIT nokey 1", "GETBIT k -1", "GETBIT k x", "GETBIT k 4294967296"),
    case("getbit-wrongtype", ListKey("l"), "GETBIT l 0", "GETBIT l -1"),
    case("getbit-lowercase", "setbit k 3 1", "getbit k 3"),
]

BITCOUNT_CASES = [
    case("bitcount-whole", "SET k foobar", "BITCOUNT k", "BITCOUNT nokey"),
    case("bitcount-byte-ranges", "SET k foobar", "BITCOUNT k 0 0", "BITCOUNT k 1 1",
         "BITCOUNT k 1 -1", "BITCOUNT k -2 -1", "BITCOUNT k -1 -2", "BITCOUNT k 5 100",
         "BITCOUNT k -100 100", "BITCOUNT k 3 2", "BITCOUNT k 0 -100", "BITCOUNT k 1 2 BYTE"),
    case("bitcount-bit-ranges", "SET k foobar", "BITCOUNT k 5 30 BIT", "BITCOUNT k 5 30 bit",
         "BITCOUNT k 0 0 BIT", "BITCOUNT k 1 1 BIT", "BITCOUNT k -5 -1 BIT",
         "BITCOUNT k -100 -90 BIT", "BITCOUNT k 3 3 BIT", "BITCOUNT k 7 8 BIT",
         "BITCOUNT k 0 1000 BIT", "BITCOUNT k 47 47 BIT"),
    case("bitcount-syntax", "SET k foobar", "BITCOUNT k 5", "BITCOUNT k 5 x",
         "BITCOUNT k x 5", "BITCOUNT k 1 2 FOO", "BITCOUNT k 1 2 BIT x"),
    case("bitcount-missing-key-ignores-args", "BITCOUNT nokey 5", "BITCOUNT nokey 1 2 FOO",
         "BITCOUNT nokey x y"),
    case("bitcount-int-and-empty", "SET i 255", "BITCOUNT i", "SET e ''", "BITCOUNT e",
         "BITCOUNT e 0 -1", "BITCOUNT e 0 -1 BIT"),
    case("bitcount-wrongtype", ListKey("l"), "BITCOUNT l", "BITCOUNT l 1 x"),
]

BITPOS_CASES = [
    case("bitpos-basic", "SET k \\xff\\xf0\\x00", "BITPOS k 0", "BITPOS k 1", "BITPOS k 1 1",
         "BITPOS k 0 1", "BITPOS k 1 2", "BITPOS k 0 2", "BITPOS k 0 -1", "BITPOS k 1 -1"),
    case("bitpos-byte-range", "SET k \\x00\\xff\\xf0", "BITPOS k 1 0 0", "BITPOS k 1 0 1",
         "BITPOS k 0 1 1", "BITPOS k 0 1 2", "BITPOS k 1 2 1", "BITPOS k 0 100 200",
         "BITPOS k 1 -2 -1 BYTE"),
    case("bitpos-bit-range", "SET k \\x00\\xff\\xf0", "BITPOS k 1 0 7 BIT",
         "BITPOS k 1 3 10 BIT", "BITPOS k 0 8 15 BIT", "BITPOS k 0 8 20 BIT",
         "BITPOS k 0 9 9 BIT", "BITPOS k 1 7 7 BIT", "BITPOS k 1 8 8 bit",
         "BITPOS k 0 -4 -1 BIT", "BITPOS k 1 20 23 BIT", "BITPOS k 0 0 -1 BIT"),
    case("bitpos-all-ones", "SET ones \\xff\\xff\\xff", "BITPOS ones 0", "BITPOS ones 0 1",
         "BITPOS ones 0 1 2", "BITPOS ones 0 0 -1 BIT", "BITPOS ones 0 3 10 BIT",
         "BITPOS ones 1 3 10 BIT"),
    case("bitpos-all-zeros", "SET z \\x00\\x00", "BITPOS z 1", "BITPOS z 0",
         "BITPOS z 1 0 -1 BIT", "BITPOS z 0 1"),
    case("bitpos-empty-and-missing", "SET e ''", "BITPOS e 0", "BITPOS e 1", "BITPOS e 0 0 -1",
         "BITPOS nokey 1", "BITPOS nokey 0", "BITPOS nokey 0 1 2 3 4", "BITPOS nokey 1 x"),
    case("bitpos-errors", "SET k abc", "BITPOS k 2", "BITPOS k x", "BITPOS k -1",
         "BITPOS k 1 x", "BITPOS k 1 0 x", "BITPOS k 1 0 1 FOO", "BITPOS k 1 1 2 BYTE x"),
    case("bitpos-wrongtype", ListKey("l"), "BITPOS l 1", "BITPOS l 2"),
]

BITOP_CASES = [
    case("bitop-and-or-xor", "SET a \\xf0\\x0f\\xff", "SET b \\x3c", "BITOP AND d a b", "GET d",
         "OBJECT ENCODING d", "BITOP OR d a b", "GET d", "BITOP XOR d a b nokey", "GET d",
         "STRLEN d", "MEMORY USAGE d"),
    case("bitop-not", "SET a \\xf0\\x0f", "BITOP NOT d a", "GET d", "BITOP NOT d a a",
         "BITOP not d nokey", "EXISTS d"),
    case("bitop-empty-result-deletes", "SET d x", "BITOP AND d nokey", "EXISTS d",
         "SET e ''", "SET d x", "BITOP OR d e", "EXISTS d"),
    case("bitop-drops-ttl", "SET a x", "SET d y EX 100000", "BITOP OR d a", "TTL d"),
    case("bitop-dest-is-source", "SET a \\x01", "BITOP NOT a a", "GET a"),
    case("bitop-int-sources", "SET a 12", "SET b 3", "BITOP AND d a b", "GET d"),
    case("bitop-errors", "BITOP FOO d a", "BITOP AND d", "BITOP", ListKey("l"),
         "SET a x", "BITOP AND d a l", "BITOP AND l a", "GET l"),
    case("bitop-big", S(["SET", "a", b"\x5a" * 1000]), S(["SET", "b", b"\xa5" * 700]),
         "BITOP XOR d a b", "BITCOUNT d", "GET d", "MEMORY USAGE d"),
]

BITFIELD_CASES = [
    case("bitfield-unsigned", "BITFIELD b SET u8 0 255 GET u8 0 INCRBY u8 0 10 "
         "OVERFLOW SAT INCRBY u8 0 10 OVERFLOW FAIL INCRBY u8 0 10", "GET b"),
    case("bitfield-signed-hash-offsets", "BITFIELD b SET i8 #1 -128 INCRBY i8 #1 -1 "
         "OVERFLOW SAT INCRBY i8 #1 -1 GET i8 8", "GET b"),
    case("bitfield-64", "BITFIELD b GET u63 0 GET i64 0 SET i64 0 -1 GET u63 0 GET i64 0",
         "BITFIELD b INCRBY i64 0 9223372036854775807 INCRBY i64 0 9223372036854775807 "
         "OVERFLOW SAT INCRBY i64 0 9223372036854775807 INCRBY i64 0 -9223372036854775808",
         "BITFIELD b INCRBY u63 0 9223372036854775807 OVERFLOW SAT INCRBY u63 0 5 "
         "OVERFLOW FAIL INCRBY u63 0 -9223372036854775808", "GET b"),
    case("bitfield-set-out-of-range", "BITFIELD b SET u8 0 -1", "BITFIELD b OVERFLOW SAT "
         "SET u8 0 -1 SET i4 0 100 SET i4 0 -100", "BITFIELD b OVERFLOW WRAP SET i4 0 100 "
         "GET i4 0 SET u4 0 100 GET u4 0", "BITFIELD b OVERFLOW FAIL SET u2 0 4 SET i2 0 2 "
         "SET i2 0 -3 GET u8 0", "GET b"),
    case("bitfield-unaligned", "BITFIELD n SET u8 #100 1 SET u3 1000 7 GET u3 1000 "
         "GET u5 999 SET i1 0 -1 GET i1 0 SET u1 1 1 GET u1 1 GET u16 1", "GET n",
         "STRLEN n", "MEMORY USAGE n", "OBJECT ENCODING n"),
    case("bitfield-get-past-end", "SET k ab", "BITFIELD k GET u8 8 GET u16 8 GET i64 0 "
         "GET u8 100000", "BITFIELD nokey GET u8 0", "EXISTS nokey", "BITFIELD nokey",
         "BITFIELD k"),
    case("bitfield-on-int", "SET i 1234", "BITFIELD i GET u8 0 GET i16 4",
         "OBJECT ENCODING i", "BITFIELD i INCRBY u8 0 1", "GET i", "OBJECT ENCODING i"),
    case("bitfield-type-errors", "BITFIELD b GET u64 0", "BITFIELD b GET i65 0",
         "BITFIELD b GET x8 0", "BITFIELD b GET u0 0", "BITFIELD b GET u 0",
         "BITFIELD b GET u8x 0", "BITFIELD b GET i-1 0"),
    case("bitfield-offset-errors", "BITFIELD b GET u8 -1", "BITFIELD b GET u8 #-1",
         "BITFIELD b GET u8 #x", "BITFIELD b GET u8 #", "BITFIELD b GET u8 4294967296",
         "BITFIELD b GET u8 4294967288", "BITFIELD b SET u8 #536870912 1",
         "BITFIELD b GET u8 #9223372036854775807", "EXISTS b"),
    case("bitfield-syntax-errors", "BITFIELD b OVERFLOW FOO", "BITFIELD b OVERFLOW",
         "BITFIELD b GET u8", "BITFIELD b FOO u8 0", "BITFIELD b SET u8 0 x",
         "BITFIELD b SET u8 0", "BITFIELD b INCRBY u8 0 1.5", "BITFIELD b GET u8 0 OVERFLOW",
         "EXISTS b"),
    case("bitfield-error-before-wrongtype", ListKey("l"), "BITFIELD l GET u8 0",
         "BITFIELD l GET u99 0", "BITFIELD l SET u8 0 1", "BITFIELD_RO l GET u8 0"),
    case("bitfield-ro", "SET k hello", "BITFIELD_RO k GET u8 0 GET i3 5", "BITFIELD_RO k",
         "BITFIELD_RO k SET u8 0 1", "BITFIELD_RO k INCRBY u8 0 1", "BITFIELD_RO k GET u64 0",
         "BITFIELD_RO nokey GET u8 0", "GET k"),
    case("bitfield-lowercase", "bitfield k set u8 0 65 overflow sat incrby u8 0 300 get u8 0",
         "GET k"),
]

RESP3_CASES = [
    case("bitfield-resp3-nulls", S("HELLO 3"), "BITFIELD b OVERFLOW FAIL INCRBY u2 0 9 "
         "GET u2 0", "BITCOUNT nokey", "BITPOS nokey 1"),
]

ALL = SETBIT_CASES + BITCOUNT_CASES + BITPOS_CASES + BITOP_CASES + BITFIELD_CASES + RESP3_CASES
BITMAP_COMMANDS = ("setbit", "getbit", "bitcount", "bitpos", "bitop", "bitfield", "bitfield_ro")


@pytest.mark.parametrize("steps", ALL)
def test_bitmap_case(pair, steps):
    run_case(pair, steps)


def test_bitmap_command_info(pair):
    """COMMAND INFO: arity, flags, key positions, ACL categories."""
    assert_same_command_info(pair, *BITMAP_COMMANDS)


def test_bitmap_getkeys(pair):
    for args in (("BITOP", "AND", "d", "a", "b"), ("SETBIT", "k", "1", "1"),
                 ("BITFIELD", "k", "GET", "u8", "0"), ("BITFIELD_RO", "k")):
        pair.assert_same("COMMAND", "GETKEYS", *args)


@pytest.mark.parametrize("write,expected_run", [
    (("SETBIT", "k", "3", "1"), b"same bit"),
    (("SETBIT", "k", "2", "1"), b"changed"),
    (("SETBIT", "k", "100", "0"), b"grown"),
    (("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "100"), b"failed"),
    (("BITFIELD", "k", "SET", "u4", "0", "1"), b"same value"),
    (("BITFIELD", "k", "SET", "u4", "0", "2"), b"changed"),
    (("BITOP", "OR", "k", "k"), b"rewritten"),
])
def test_watch_and_bit_writes(pair, write, expected_run):
    """Redis 7.0 signals WATCHers only when a bit command changes the string
    (a bit flipped, or the string grew); EXEC's outcome must agree."""
    other = pair.connect()
    pair.assert_same("SETBIT", "k", "3", "1")
    pair.assert_same("WATCH", "k")
    other.assert_same(*write)
    pair.assert_same("MULTI")
    pair.assert_same("GET", "k")
    pair.assert_same("EXEC")
