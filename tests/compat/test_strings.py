"""String commands, differential: every reply byte-compared with redis-server 7.0.

Each case is a short command sequence run on both servers in lock step (see
differential.py); the id says what it checks. Non-string keys are lists made
with ``ListKey`` (RPUSH on both servers).
TTLs are large so TTL matches exactly; absolute deadlines (EXAT/PXAT) are
checked with EXPIRETIME/PEXPIRETIME, which are exact.
"""
from __future__ import annotations

import pytest

from differential import ListKey, S, case, run_case

FAR = "4102444800"          # 2100-01-01T00:00:00Z, in seconds
FAR_MS = "4102444800123"    # the same, in milliseconds (+123)
PAST = "1000000000"         # 2001, in seconds

SET_CASES = [
    case("set-get", "SET k v", "GET k"),
    case("set-binary-and-empty", ("SET", "k", b"\x00\xff\r\n"), "GET k",
         ("SET", "e", b""), "GET e", "STRLEN e", "EXISTS e"),
    case("set-nx", "SET k v NX", "SET k w NX", "GET k"),
    case("set-xx-missing", "SET k v XX", "EXISTS k"),
    case("set-xx-existing", "SET k v", "SET k w XX", "GET k"),
    case("set-nx-xx-conflict", "SET k v NX XX", "SET k v XX NX"),
    case("set-ex-ttl", "SET k v EX 100000", "TTL k"),
    case("set-px-ttl", "SET k v PX 100000000", "TTL k"),
    case("set-exat", f"SET k v EXAT {FAR}", "EXPIRETIME k", "PEXPIRETIME k"),
    case("set-pxat", f"SET k v PXAT {FAR_MS}", "PEXPIRETIME k", "EXPIRETIME k"),
    case("set-exat-past-deletes", f"SET k v EXAT {PAST}", "EXISTS k", "GET k"),
    case("set-lowercase-options", "set k v ex 100000 nx", "ttl k", "set k w xx px 5000000 get",
         "get k"),
    case("set-ex-zero", "SET k v EX 0", "EXISTS k"),
    case("set-ex-negative", "SET k v EX -5"),
    case("set-px-zero", "SET k v PX 0"),
    case("set-exat-zero", "SET k v EXAT 0"),
    case("set-ex-not-integer", "SET k v EX ten", "SET k v EX 1.5", "SET k v EX ''"),
    case("set-ex-overflow", "SET k v EX 9223372036854775807",
         "SET k v EX 9223372036854775", "SET k v PX 9223372036854775807",
         "SET k v EXAT 9223372036854775807", "SET k v PXAT 9223372036854775807",
         "EXISTS k"),
    case("set-ex-too-big-integer", "SET k v EX 99999999999999999999"),
    case("set-ex-missing-value", "SET k v EX", "SET k v PX", "SET k v NX EX"),
    case("set-two-expiries", "SET k v EX 10 PX 100", "SET k v EX 10 EX 20",
         "SET k v PXAT 10 EXAT 20"),
    case("set-keepttl", "SET k v EX 100000", "SET k w KEEPTTL", "TTL k", "GET k"),
    case("set-keepttl-conflict", "SET k v EX 10 KEEPTTL", "SET k v KEEPTTL PX 10"),
    case("set-clears-ttl", "SET k v EX 100000", "SET k w", "TTL k"),
    case("set-get-option", "SET k v GET", "SET k w GET", "GET k"),
    case("set-get-nx", "SET k v NX GET", "SET k w NX GET", "GET k"),
    case("set-get-xx", "SET k v XX GET", "EXISTS k", "SET k v", "SET k w XX GET"),
    case("set-get-keepttl", "SET k v EX 100000", "SET k w GET KEEPTTL", "TTL k"),
    case("set-get-wrongtype", ListKey("l"), "SET l v GET", "TYPE l"),
    case("set-overwrites-list", ListKey("l"), "SET l v", "TYPE l", "GET l"),
    case("set-nx-on-list", ListKey("l"), "SET l v NX", "TYPE l"),
    case("set-unknown-option", "SET k v FOO", "SET k v EX 10 FOO", "SET k v GET GET"),
    case("set-wrong-arity", "SET k", "SET"),
    case("set-repeated-flags", "SET k v NX NX", "SET k v XX XX", "SET k v KEEPTTL KEEPTTL"),
]

GET_CASES = [
    case("get-missing", "GET nope"),
    case("get-wrongtype", ListKey("l"), "GET l"),
    case("get-arity", "GET", "GET a b"),
    case("getset", "GETSET k v", "GETSET k w", "GET k"),
    case("getset-clears-ttl", "SET k v EX 100000", "GETSET k w", "TTL k"),
    case("getset-wrongtype", ListKey("l"), "GETSET l v", "TYPE l"),
    case("getset-arity", "GETSET k"),
    case("getdel", "SET k v", "GETDEL k", "EXISTS k", "GETDEL k"),
    case("getdel-wrongtype", ListKey("l"), "GETDEL l", "EXISTS l"),
    case("getdel-arity", "GETDEL", "GETDEL a b"),
    case("getex-plain", "SET k v EX 100000", "GETEX k", "TTL k"),
    case("getex-ex", "SET k v", "GETEX k EX 100000", "TTL k"),
    case("getex-px", "SET k v", "GETEX k PX 100000000", "TTL k"),
    case("getex-exat", "SET k v", f"GETEX k EXAT {FAR}", "EXPIRETIME k"),
    case("getex-pxat", "SET k v", f"GETEX k PXAT {FAR_MS}", "PEXPIRETIME k"),
    case("getex-persist", "SET k v EX 100000", "GETEX k PERSIST", "TTL k"),
    case("getex-exat-past-deletes", "SET k v", f"GETEX k EXAT {PAST}", "EXISTS k"),
    case("getex-missing", "GETEX nope", "GETEX nope EX 10", "EXISTS nope"),
    case("getex-wrongtype", ListKey("l"), "GETEX l", "GETEX l EX 10"),
    case("getex-errors", "SET k v", "GETEX k EX 0", "GETEX k EX -1", "GETEX k EX abc",
         "GETEX k EX", "GETEX k EX 10 PX 10", "GETEX k PERSIST EX 10", "GETEX k EX 10 PERSIST",
         "GETEX k KEEPTTL", "GETEX k FOO", "GETEX k PX 9223372036854775807"),
    case("getex-errors-on-missing-key", "GETEX nope EX 0", "GETEX nope FOO"),
    case("getex-persist-twice", "SET k v", "GETEX k PERSIST PERSIST"),
    case("getex-arity", "GETEX"),
    case("mget", "SET a 1", "SET c 3", "MGET a b c", "MGET a a"),
    case("mget-with-list", ListKey("l"), "SET a 1", "MGET a l nope"),
    case("mget-arity", "MGET"),
    case("mset", "MSET a 1 b 2", "MGET a b", "MSET a x a y", "GET a"),
    case("mset-clears-ttl", "SET a v EX 100000", "MSET a 1", "TTL a"),
    case("mset-overwrites-list", ListKey("l"), "MSET l v", "TYPE l"),
    case("mset-odd", "MSET a 1 b", "MSET a", "EXISTS a"),
    case("msetnx", "MSETNX a 1 b 2", "MSETNX b 3 c 4", "MGET a b c", "MSETNX c 1 c 2", "GET c"),
    case("msetnx-odd", "MSETNX a 1 b", "MSETNX a"),
    case("msetnx-list-blocks", ListKey("l"), "MSETNX l v x y", "EXISTS x"),
    case("setnx", "SETNX k v", "SETNX k w", "GET k"),
    case("setnx-arity", "SETNX k"),
    case("setex", "SETEX k 100000 v", "TTL k", "GET k"),
    case("setex-errors", "SETEX k 0 v", "SETEX k -1 v", "SETEX k x v",
         "SETEX k 9223372036854775807 v", "EXISTS k"),
    case("setex-arity", "SETEX k 10"),
    case("psetex", "PSETEX k 100000000 v", "TTL k"),
    case("psetex-errors", "PSETEX k 0 v", "PSETEX k -1 v", "PSETEX k 1.5 v",
         "PSETEX k 9223372036854775807 v"),
    case("setex-overwrites-list", ListKey("l"), "SETEX l 100000 v", "TYPE l"),
]

APPEND_RANGE_CASES = [
    case("append", "APPEND k abc", "APPEND k def", "GET k", "OBJECT ENCODING k"),
    case("append-to-int", "SET k 12", "OBJECT ENCODING k", "APPEND k 3", "GET k",
         "OBJECT ENCODING k", "INCR k", "OBJECT ENCODING k"),
    case("append-empty", "APPEND k ''", "EXISTS k", "STRLEN k"),
    case("append-keeps-ttl", "SET k v EX 100000", "APPEND k w", "TTL k"),
    case("append-wrongtype", ListKey("l"), "APPEND l x"),
    case("append-arity", "APPEND k"),
    case("strlen", "SET k hello", "STRLEN k", "STRLEN nope", "SET n -123", "STRLEN n"),
    case("strlen-wrongtype", ListKey("l"), "STRLEN l"),
    case("strlen-arity", "STRLEN"),
    case("getrange", "SET k 'This is a string'", "GETRANGE k 0 3", "GETRANGE k -3 -1",
         "GETRANGE k 0 -1", "GETRANGE k 10 100", "GETRANGE k 5 3", "GETRANGE k -1 -5",
         "GETRANGE k -100 5", "GETRANGE k 100 200", "GETRANGE k -100 -90", "GETRANGE k 3 -100",
         "GETRANGE k 0 0", "GETRANGE k -1 -1"),
    case("getrange-int-encoded", "SET k 1234567", "GETRANGE k 1 3", "GETRANGE k -2 -1"),
    case("getrange-empty-and-missing", ("SET", "e", ""), "GETRANGE e 0 -1", "GETRANGE e 0 0",
         "GETRANGE nope 0 -1", "GETRANGE nope 0 5"),
    case("getrange-bad-int", "SET k v", "GETRANGE k a 1", "GETRANGE k 0 b",
         "GETRANGE nope x 1"),
    case("getrange-extremes", "SET k hello", "GETRANGE k -9223372036854775808 9223372036854775807",
         "GETRANGE k 9223372036854775807 -9223372036854775808"),
    case("getrange-wrongtype", ListKey("l"), "GETRANGE l 0 1"),
    case("getrange-arity", "GETRANGE k 0"),
    case("setrange", "SET k 'Hello World'", "SETRANGE k 6 Redis", "GET k",
         "OBJECT ENCODING k"),
    case("setrange-pad", "SETRANGE k 5 x", "GET k", "SETRANGE k 0 ''", "GET k"),
    case("setrange-extend", "SET k abc", "SETRANGE k 10 xyz", "GET k", "STRLEN k"),
    case("setrange-empty-missing", "SETRANGE k 0 ''", "EXISTS k", "SETRANGE k 10 ''",
         "EXISTS k"),
    case("setrange-empty-existing", "SET k abc", "SETRANGE k 100 ''", "GET k"),
    case("setrange-int", "SET k 12345", "SETRANGE k 1 9", "GET k", "OBJECT ENCODING k"),
    case("setrange-errors", "SETRANGE k -1 x", "SETRANGE k a x", "SETRANGE k 536870912 x",
         "SETRANGE k 536870911 ''", "SETRANGE k 536870911 xy", "EXISTS k"),
    case("setrange-negative-empty", "SETRANGE k -1 ''"),
    case("setrange-keeps-ttl", "SET k v EX 100000", "SETRANGE k 3 x", "TTL k"),
    case("setrange-wrongtype", ListKey("l"), "SETRANGE l 0 x", "SETRANGE l 0 ''"),
    case("setrange-arity", "SETRANGE k 0"),
]

COUNTER_CASES = [
    case("incr-new", "INCR k", "INCR k", "GET k", "OBJECT ENCODING k"),
    case("decr-new", "DECR k", "DECR k", "GET k"),
    case("incrby", "INCRBY k 10", "INCRBY k -25", "DECRBY k 5", "DECRBY k -100", "GET k"),
    case("incr-keeps-ttl", "SET k 5 EX 100000", "INCR k", "TTL k"),
    case("incr-not-integer", "SET k abc", "INCR k", "SET k 1.5", "INCR k", "SET k ' 1'",
         "INCR k", "SET k '1 '", "INCR k", "SET k +1", "INCR k", "SET k 01", "INCR k",
         "SET k ''", "INCR k", "SET k -0", "INCR k", "SET k 1e3", "INCR k"),
    case("incr-max", "SET k 9223372036854775807", "INCR k", "GET k",
         "SET k -9223372036854775808", "DECR k", "INCRBY k -1"),
    case("incr-too-big", "SET k 9223372036854775808", "INCR k", "SET k 99999999999999999999",
         "INCR k", "SET k 00000000000000000000001", "INCR k"),
    case("incrby-bad-increment", "INCRBY k abc", "INCRBY k 1.5", "INCRBY k ''",
         "INCRBY k 9223372036854775808", "INCRBY k -9223372036854775809", "EXISTS k"),
    case("incrby-overflow", "SET k 1", "INCRBY k 9223372036854775807", "SET k -2",
         "INCRBY k -9223372036854775807"),
    case("decrby-min", "DECRBY k -9223372036854775808", "DECRBY k 9223372036854775807",
         "DECRBY k 2", "GET k"),
    case("incr-negative-zero", "SET k -1", "INCR k", "GET k", "OBJECT ENCODING k"),
    case("incr-shared-refcount", "SET k 100", "OBJECT REFCOUNT k", "SET j 10000",
         "OBJECT REFCOUNT j", "SET n -1", "OBJECT REFCOUNT n", "INCR k", "OBJECT REFCOUNT k"),
    case("incr-wrongtype", ListKey("l"), "INCR l", "DECR l", "INCRBY l 1", "DECRBY l 1",
         "INCRBYFLOAT l 1"),
    case("incr-arity", "INCR", "INCR a b", "DECR", "INCRBY k", "DECRBY k", "INCRBYFLOAT k"),
    case("incrbyfloat", "SET k 10.50", "INCRBYFLOAT k 0.1", "INCRBYFLOAT k -5",
         "INCRBYFLOAT k 5.0e3", "GET k", "OBJECT ENCODING k"),
    case("incrbyfloat-new", "INCRBYFLOAT k 3", "GET k", "INCRBYFLOAT j -0.0", "GET j",
         "INCRBYFLOAT z 0.1", "INCRBYFLOAT z 0.2"),
    case("incrbyfloat-precision", "SET k 3.0e3", "INCRBYFLOAT k 2.0e2", "SET f 5",
         "INCRBYFLOAT f 1.1", "INCRBYFLOAT f 1e-17", "INCRBYFLOAT f 1e20", "INCRBYFLOAT f -1e20",
         "SET h 0x10", "INCRBYFLOAT h 1"),
    case("incrbyfloat-errors", "SET k abc", "INCRBYFLOAT k 1", "SET n 1", "INCRBYFLOAT n abc",
         "INCRBYFLOAT n nan", "INCRBYFLOAT n inf", "INCRBYFLOAT n -inf", "INCRBYFLOAT n ''",
         "INCRBYFLOAT n ' 1'", "INCRBYFLOAT n '1 '", "INCRBYFLOAT n 1e5000", "GET n"),
    case("incrbyfloat-inf-and-range", "SET k inf", "INCRBYFLOAT k 1", "SET k -infinity",
         "INCRBYFLOAT k 0", "SET k 1e-5000", "INCRBYFLOAT k 1", "SET n 1",
         "INCRBYFLOAT n 1e-5000", "INCRBYFLOAT n 0x1p-3", "INCRBYFLOAT n 0.0e-10",
         "INCRBYFLOAT n 1e-4940", "GET n"),
    case("incrbyfloat-overflow", "SET k 1e308", "INCRBYFLOAT k 1e308", "SET m 1e4932",
         "INCRBYFLOAT m 1e4932", "GET m"),
    case("incrbyfloat-keeps-ttl", "SET k 1 EX 100000", "INCRBYFLOAT k 1.5", "TTL k"),
    case("incrbyfloat-long-result", "SET k 1", "INCRBYFLOAT k 0.0000000001",
         "INCRBYFLOAT k 123456789012345678901234567890", "OBJECT ENCODING k", "STRLEN k"),
]

LCS_CASES = [
    case("lcs", "MSET a ohmytext b mynewtext", "LCS a b", "LCS a b LEN", "LCS b a"),
    case("lcs-idx", "MSET a ohmytext b mynewtext", "LCS a b IDX",
         "LCS a b IDX MINMATCHLEN 4", "LCS a b IDX MINMATCHLEN 4 WITHMATCHLEN",
         "LCS a b IDX WITHMATCHLEN", "LCS a b WITHMATCHLEN MINMATCHLEN -5 IDX"),
    case("lcs-missing", "SET a abc", "LCS a nope", "LCS nope nope2 LEN", "LCS a nope IDX"),
    case("lcs-same", "SET a abcdef", "LCS a a", "LCS a a IDX WITHMATCHLEN"),
    case("lcs-errors", "MSET a x b y", "LCS a b LEN IDX", "LCS a b FOO", "LCS a b MINMATCHLEN",
         "LCS a b MINMATCHLEN x", "LCS a"),
    case("lcs-wrongtype", ListKey("l"), "SET a x", "LCS a l", "LCS l a LEN"),
    case("lcs-binary", ("MSET", "a", b"\x00\x01\x02xyz", "b", b"\x02\x00x\x01yz"), "LCS a b",
         "LCS a b IDX"),
    case("lcs-len-withmatchlen", "MSET a abcd b bcda", "LCS a b LEN WITHMATCHLEN",
         "LCS a b WITHMATCHLEN"),
]

ENCODING_CASES = [
    case("encodings", "SET i 12345", "OBJECT ENCODING i", "SET e hello", "OBJECT ENCODING e",
         "SET r 123456789012345678901234567890123456789012345", "OBJECT ENCODING r",
         "SET r44 12345678901234567890123456789012345678901234", "OBJECT ENCODING r44",
         "SET big 9223372036854775808", "OBJECT ENCODING big",
         "SET neg -9223372036854775808", "OBJECT ENCODING neg",
         "SET lead 0123", "OBJECT ENCODING lead", "SET mz -0", "OBJECT ENCODING mz",
         "SET sp ' 1'", "OBJECT ENCODING sp", "OBJECT ENCODING nope"),
    case("encoding-after-incrbyfloat", "SET f 1", "INCRBYFLOAT f 1", "OBJECT ENCODING f",
         "GET f"),
    case("memory-usage-strings", "SET i 12345", "MEMORY USAGE i", "SET e hello",
         "MEMORY USAGE e", "SET a a", "MEMORY USAGE a",
         "SET r 123456789012345678901234567890123456789012345", "MEMORY USAGE r",
         "SET abcdefghijklmnopqrstuvwxyz012345 v", "MEMORY USAGE abcdefghijklmnopqrstuvwxyz012345",
         "APPEND n hello", "MEMORY USAGE n", "INCRBYFLOAT f 1.5", "MEMORY USAGE f",
         "MEMORY USAGE i SAMPLES 10", "MEMORY USAGE nope"),
    case("memory-usage-short-keys", "SET abcde 1", "MEMORY USAGE abcde",
         "SET abcdefghijklm 1", "MEMORY USAGE abcdefghijklm"),
    case("memory-usage-setrange-new", "SETRANGE s 0 hello", "MEMORY USAGE s"),
    case("memory-usage-after-append", "SET e hello", "APPEND e xyz", "MEMORY USAGE e",
         "APPEND e 0123456789012345678901234567890123456789", "MEMORY USAGE e",
         "SET r abc", "SETRANGE r 10 x", "MEMORY USAGE r"),
]


@pytest.mark.parametrize("steps", SET_CASES)
def test_set(pair, steps):
    run_case(pair, steps)


@pytest.mark.parametrize("steps", GET_CASES)
def test_get_family(pair, steps):
    run_case(pair, steps)


@pytest.mark.parametrize("steps", APPEND_RANGE_CASES)
def test_append_and_ranges(pair, steps):
    run_case(pair, steps)


@pytest.mark.parametrize("steps", COUNTER_CASES)
def test_counters(pair, steps):
    run_case(pair, steps)


@pytest.mark.parametrize("steps", LCS_CASES)
def test_lcs(pair, steps):
    run_case(pair, steps)


@pytest.mark.parametrize("steps", ENCODING_CASES)
def test_encodings(pair, steps):
    run_case(pair, steps)


def test_big_values_round_trip(pair):
    """A 1 MB value, an APPEND past it, and a 100k-element MSET/MGET."""
    big = b"x" * (1 << 20)
    S(("SET", "big", big)).run(pair)
    S(("APPEND", "big", b"yz")).run(pair)
    S(("STRLEN", "big")).run(pair)
    S(("GETRANGE", "big", "1048570", "-1")).run(pair)
    args = []
    for i in range(2000):
        args += [f"key:{i}", f"value:{i}"]
    S(["MSET", *args]).run(pair)
    S(["MGET", *[f"key:{i}" for i in range(0, 2000, 3)]]).run(pair)
    S(("DBSIZE",)).run(pair)
