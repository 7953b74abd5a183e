"""Set commands, differential against redis-server 7.0.

Intsets answer in ascending order on both servers, so replies over sets of
integers are compared byte for byte; hashtable sets answer in Redis's seeded
hash order and are compared sorted (``sort``), SSCAN as a whole iteration.
SPOP and SRANDMEMBER are random: both replies are checked against their rules
(``Random``), and what is left afterwards is compared exactly.
"""
from __future__ import annotations

import pytest

from collections_support import (FullScan, Random, listpack_entries, memory_pair,  # noqa: F401
                                 sadd_many)
from differential import ListKey, S, case, run_case, sort

FAR = "4102444800"
WRONG = "SET str v"

SADD_CASES = [
    case("sadd-intset", "SADD s 3 1 2 -5 10", "SMEMBERS s", "OBJECT ENCODING s", "SCARD s",
         "TYPE s"),
    case("sadd-duplicates", "SADD s 1 1 2", "SADD s 2 3", "SMEMBERS s"),
    case("sadd-non-canonical-converts", "SADD s 1 2", "SADD s 01", "OBJECT ENCODING s",
         S("SMEMBERS s", sort), "SISMEMBER s 1", "SISMEMBER s 01"),
    case("sadd-int-edges", "SADD a -9223372036854775808 9223372036854775807",
         "OBJECT ENCODING a", "SMEMBERS a", "SADD b 9223372036854775808", "OBJECT ENCODING b",
         "SADD c -0", "OBJECT ENCODING c", "SADD d +1", "OBJECT ENCODING d", "SADD e ' 1'",
         "OBJECT ENCODING e", "SADD f 0", "OBJECT ENCODING f", "SADD g 1.0", "OBJECT ENCODING g"),
    case("sadd-first-member-string", "SADD s abc 1 2", "OBJECT ENCODING s", S("SMEMBERS s", sort)),
    case("sadd-binary-empty", ("SADD", "s", b"\x00\xff", b""), S("SMEMBERS s", sort),
         ("SISMEMBER", "s", b""), "SCARD s"),
    case("sadd-arity", "SADD s", "SADD", "EXISTS s"),
    case("sadd-wrongtype", WRONG, "SADD str a", ListKey("l"), "SADD l a", "SMEMBERS l"),
    case("sadd-keeps-ttl", "SADD s a", f"EXPIREAT s {FAR}", "SADD s b", "SREM s a", "EXPIRETIME s"),
    case("intset-limit", sadd_many("s", range(512)), "OBJECT ENCODING s", "SCARD s",
         "SADD s 512", "OBJECT ENCODING s", "SREM s 512 511", "OBJECT ENCODING s", "SCARD s"),
    case("intset-512-sorted", sadd_many("s", range(511, -1, -1)), "SMEMBERS s",
         "SSCAN s 0", "SRANDMEMBER s 1000"),
    case("intset-config", "CONFIG SET set-max-intset-entries 2", "SADD s 1 2", "OBJECT ENCODING s",
         "SADD s 3", "OBJECT ENCODING s", "CONFIG SET set-max-intset-entries 512"),
    case("set-never-converts-back", "SADD s 1 a", "SREM s a", "OBJECT ENCODING s", "SMEMBERS s"),
]

READ_CASES = [
    case("smembers", "SADD s c a b", S("SMEMBERS s", sort), "SMEMBERS nope", "SMEMBERS",
         "SMEMBERS s x", WRONG, "SMEMBERS str"),
    case("smembers-resp3", "HELLO 3", "SADD s 3 1 2", "SMEMBERS s", "SMEMBERS nope",
         "SINTER s nope", "SUNION s", "SDIFF s", "HELLO 2"),
    case("sismember", "SADD s a 1", "SISMEMBER s a", "SISMEMBER s 1", "SISMEMBER s x",
         "SISMEMBER nope a", "SISMEMBER s", WRONG, "SISMEMBER str a"),
    case("smismember", "SADD s a 1", "SMISMEMBER s a x 1 01 a", "SMISMEMBER nope a b",
         "SMISMEMBER s", WRONG, "SMISMEMBER str a"),
    case("scard", "SADD s a b", "SCARD s", "SCARD nope", "SCARD", "SCARD s x", WRONG,
         "SCARD str"),
]

SREM_CASES = [
    case("srem", "SADD s 1 2 3", "SREM s 01 1 9", "SMEMBERS s", "SREM s 2 3", "EXISTS s",
         "TYPE s"),
    case("srem-hashtable", "SADD s a b c", "SREM s a x", S("SMEMBERS s", sort), "SREM s b c",
         "EXISTS s"),
    case("srem-missing-arity-wrongtype", "SREM nope a", "SREM s", WRONG, "SREM str a"),
]

SPOP_CASES = [
    case("spop-single", "SADD s 1 2 3", Random("SPOP s"), "SCARD s", Random("SPOP nope"),
         Random("SPOP s"), Random("SPOP s"), "EXISTS s", "SPOP s"),
    case("spop-count", sadd_many("s", range(20)), Random("SPOP s 3"), "SCARD s",
         Random("SPOP s 15"), "SCARD s", Random("SPOP s 5"), "EXISTS s"),
    case("spop-count-strings", sadd_many("s", [f"m{i}" for i in range(30)]),
         Random("SPOP s 1"), Random("SPOP s 28"), "SCARD s", "OBJECT ENCODING s"),
    case("spop-count-whole-intset-in-order", "SADD s 5 3 1", "SPOP s 3", "EXISTS s",
         "SADD t 2 1", "SPOP t 100", "EXISTS t"),
    case("spop-count-resp3", "HELLO 3", "SADD s 5 3 1", "SPOP s 0", "SPOP nope 3",
         Random("SPOP s 1"), Random("SPOP s 5"), "HELLO 2"),
    case("spop-errors", "SADD s 1", "SPOP s -1", "SPOP s x", "SPOP s 1.5", "SPOP s 1 2",
         "SPOP nope -1", "SPOP nope 0", "SPOP s 0", "SPOP", "SMEMBERS s"),
    case("spop-wrongtype", WRONG, "SPOP str", "SPOP str 1", "SPOP str 0", "SPOP str -1"),
    case("spop-keeps-ttl", "SADD s 1 2 3", "EXPIRE s 100000", Random("SPOP s"),
         Random("SPOP s 1"), "TTL s"),
]

SRANDMEMBER_CASES = [
    case("srandmember", "SADD s a b c d", Random("SRANDMEMBER s"), Random("SRANDMEMBER nope"),
         Random("SRANDMEMBER s 2"), Random("SRANDMEMBER s 4"), Random("SRANDMEMBER s -10"),
         Random("SRANDMEMBER s 100"), "SRANDMEMBER s 0", "SCARD s"),
    case("srandmember-intset-whole-in-order", "SADD s 3 1 2", "SRANDMEMBER s 3",
         "SRANDMEMBER s 10"),
    case("srandmember-big", sadd_many("s", range(1000)), Random("SRANDMEMBER s 10"),
         Random("SRANDMEMBER s 900"), Random("SRANDMEMBER s -50"), S("SRANDMEMBER s 5000", sort)),
    case("srandmember-resp3", "HELLO 3", "SADD s 1 2 3", "SRANDMEMBER s 5",
         Random("SRANDMEMBER s -2"), "HELLO 2"),
    case("srandmember-errors", "SADD s 1", "SRANDMEMBER s x", "SRANDMEMBER s 1 2",
         "SRANDMEMBER s x 2", "SRANDMEMBER s -9223372036854775808",
         "SRANDMEMBER s 9223372036854775808", "SRANDMEMBER nope x", "SRANDMEMBER nope 5",
         "SRANDMEMBER nope -5", "SRANDMEMBER"),
    case("srandmember-wrongtype", WRONG, "SRANDMEMBER str", "SRANDMEMBER str 1",
         "SRANDMEMBER str 0", "SRANDMEMBER str x"),
]

SMOVE_CASES = [
    case("smove", "SADD a 1 2", "SMOVE a b 1", "SMEMBERS a", "SMEMBERS b",
         "OBJECT ENCODING b", "SMOVE a b 2", "EXISTS a", "SMEMBERS b", "SMOVE a b 3"),
    case("smove-string-creates-hashtable", "SADD a x", "SMOVE a b x", "OBJECT ENCODING b"),
    case("smove-into-intset-converts", "SADD a x", "SADD b 1", "SMOVE a b x",
         "OBJECT ENCODING b", S("SMEMBERS b", sort)),
    case("smove-same-key", "SADD a 1", "SMOVE a a 1", "SMOVE a a 2", "SMEMBERS a"),
    case("smove-missing", "SMOVE nope b x", "SMOVE nope str x", "EXISTS b"),
    case("smove-wrongtype", WRONG, "SADD a 1", "SMOVE str a x", "SMOVE a str x",
         "SMOVE a str 1", "SMOVE str nope x", "SMEMBERS a"),
    case("smove-already-in-dst", "SADD a 1 2", "SADD b 1", "SMOVE a b 1", "SMEMBERS a",
         "SMEMBERS b"),
    case("smove-ttl", "SADD a 1 2", "SADD b 3", f"EXPIREAT a {FAR}", f"EXPIREAT b {FAR}",
         "SMOVE a b 1", "EXPIRETIME a", "EXPIRETIME b"),
    case("smove-arity", "SMOVE a b", "SMOVE a b c d"),
]

ALGEBRA_CASES = [
    case("sinter-intsets", "SADD a 1 2 3 4", "SADD b 4 3 5", "SADD c 3 4 6", "SINTER a b c",
         "SINTER a", "SINTER a nope", "SINTER nope", "SINTERCARD 3 a b c",
         "SINTERSTORE d a b", "SMEMBERS d", "OBJECT ENCODING d"),
    case("sinter-strings", "SADD a x y z 1", "SADD b y z 1 w", S("SINTER a b", sort),
         "SINTERCARD 2 a b", "SINTERSTORE d a b", "OBJECT ENCODING d", S("SMEMBERS d", sort)),
    case("sinter-mixed-int-result", "SADD a x 1 2", "SADD b 1 2 3", "SINTERSTORE d a b",
         "OBJECT ENCODING d", "SMEMBERS d"),
    case("sinter-wrongtype-checked-after-missing", WRONG, "SADD a 1", "SINTER nope str",
         "SINTER str nope", "SINTER a str", "SINTERSTORE d nope str", "SINTERCARD 2 nope str",
         "EXISTS d"),
    case("sinterstore-empty-deletes", "SADD a 1", "SADD b 2", "SET d x", "SINTERSTORE d a b",
         "EXISTS d", "SET d x", "SINTERSTORE d a nope", "EXISTS d", "SINTERSTORE d nope",
         "EXISTS d"),
    case("sinterstore-overwrites-and-drops-ttl", "SADD a 1 2", "SADD d 9", "EXPIRE d 100000",
         "SINTERSTORE d a", "TTL d", "SMEMBERS d", "SET str v", "SINTERSTORE str a", "TYPE str"),
    case("sinterstore-dst-is-source", "SADD a 1 2 3", "SADD b 2 3 4", "SINTERSTORE a a b",
         "SMEMBERS a"),
    case("sintercard-limit", "SADD a 1 2 3 4 5", "SADD b 1 2 3 4 5 6", "SINTERCARD 2 a b",
         "SINTERCARD 2 a b LIMIT 0", "SINTERCARD 2 a b LIMIT 2", "SINTERCARD 2 a b LIMIT 100",
         "SINTERCARD 2 a b limit 3", "SINTERCARD 2 a b LIMIT 1 LIMIT 4", "SINTERCARD 1 a",
         "SINTERCARD 2 a nope", "SINTERCARD 1 nope"),
    case("sintercard-errors", "SADD a 1", "SINTERCARD 0 a", "SINTERCARD -1 a", "SINTERCARD x a",
         "SINTERCARD 2 a", "SINTERCARD 2147483648 a", "SINTERCARD 1 a LIMIT",
         "SINTERCARD 1 a LIMIT -1", "SINTERCARD 1 a LIMIT x", "SINTERCARD 1 a FOO 1",
         "SINTERCARD 1 a LIMIT 9223372036854775808", "SINTERCARD 1", "SINTERCARD",
         "SINTERCARD 1 a b", WRONG, "SINTERCARD 1 str", "SINTERCARD 1 str LIMIT x"),
    case("sunion", "SADD a 3 1", "SADD b 2 1", "SUNION a b nope", "SUNIONSTORE d a b",
         "SMEMBERS d", "OBJECT ENCODING d", "SADD c x", S("SUNION a c", sort),
         "SUNIONSTORE e a c", "OBJECT ENCODING e", "SUNION nope", "SUNIONSTORE d nope",
         "EXISTS d"),
    case("sunion-over-intset-limit", "CONFIG SET set-max-intset-entries 3", "SADD a 1 2",
         "SADD b 3 4", "SUNIONSTORE d a b", "OBJECT ENCODING d", S("SUNION a b", sort),
         "CONFIG SET set-max-intset-entries 512"),
    case("sdiff", "SADD a 1 2 3 4", "SADD b 2", "SADD c 3 x", "SDIFF a b c", "SDIFF a nope",
         "SDIFF nope a", "SDIFFSTORE d a b c", "SMEMBERS d", "OBJECT ENCODING d",
         "SDIFFSTORE d b a", "EXISTS d", "SDIFF a a", "SADD s x y z", S("SDIFF s c", sort)),
    case("sunion-sdiff-wrongtype", WRONG, "SADD a 1", "SUNION a str", "SUNION nope str",
         "SDIFF nope str", "SDIFF a nope str", "SUNIONSTORE d a str", "SDIFFSTORE d str",
         "EXISTS d", "SUNIONSTORE str a", "TYPE str", "SMEMBERS str"),
    case("store-drops-ttl", "SADD a 1", f"SET d x EXAT {FAR}", "SUNIONSTORE d a", "TTL d",
         f"EXPIREAT d {FAR}", "SDIFFSTORE d a", "TTL d"),
    case("algebra-arity", "SINTER", "SUNION", "SDIFF", "SINTERSTORE d", "SUNIONSTORE d",
         "SDIFFSTORE d", "SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"),
    case("algebra-big", sadd_many("a", range(0, 600, 2)), sadd_many("b", range(0, 600, 3)),
         S("SINTER a b", sort), "SINTERCARD 2 a b", "SINTERCARD 2 a b LIMIT 7",
         S("SUNION a b", sort), S("SDIFF a b", sort), "SUNIONSTORE u a b", "OBJECT ENCODING u",
         "SCARD u", "SINTERSTORE i a b", "OBJECT ENCODING i", "SMEMBERS i",
         "SDIFFSTORE d a b", "OBJECT ENCODING d", "SCARD d"),
]

SSCAN_CASES = [
    case("sscan-intset", "SADD s 3 1 2", "SSCAN s 0", "SSCAN s 0 COUNT 1", "SSCAN s 77",
         "SSCAN s 0 MATCH 1", "SSCAN s 0 MATCH [23] COUNT 100", "SSCAN s 0 match * count 1",
         "SSCAN s 0 MATCH 1 COUNT 100 MATCH 2", "SSCAN s 18446744073709551615"),
    case("sscan-missing", "SSCAN nope 0", "SSCAN nope 0 COUNT 0", "SSCAN nope 0 FOO",
         "SSCAN nope x"),
    case("sscan-errors", "SADD s 1", "SSCAN s x", "SSCAN s 0 COUNT 0", "SSCAN s 0 COUNT x",
         "SSCAN s 0 MATCH", "SSCAN s 0 TYPE set", "SSCAN s 0 FOO bar", "SSCAN s -1.5",
         "SSCAN s", "SSCAN"),
    case("sscan-wrongtype", WRONG, "SSCAN str 0", "SSCAN str x"),
    case("sscan-hashtable-full", sadd_many("s", [f"m{i}" for i in range(300)]),
         FullScan("SSCAN s"), FullScan("SSCAN s COUNT 2"), FullScan("SSCAN s MATCH m1?"),
         FullScan("SSCAN s COUNT 1 MATCH *9")),
    case("sscan-small-hashtable-one-call", "SADD s a b c", S("SSCAN s 0", lambda r: (
        r.value[0].raw, sorted(c.raw for c in r.value[1].value)))),
]

MISC_CASES = [
    case("set-del-type-exists", "SADD s a", "TYPE s", "DEL s", "EXISTS s", "SCARD s"),
    case("set-rename-copy", "SADD s 1 2", f"EXPIREAT s {FAR}", "RENAME s t", "SMEMBERS t",
         "EXPIRETIME t", "COPY t c", "SADD c 3", "SMEMBERS t", "SMEMBERS c",
         "OBJECT ENCODING c"),
    case("set-wrongtype-on-other-commands", "SADD s a", "GET s", "HGET s a", "INCR s"),
    case("set-multi-exec", "MULTI", "SADD s 1 2", "SREM s 1", "SMEMBERS s", "SCARD s", "EXEC"),
    case("set-getkeys", "COMMAND GETKEYS SMOVE a b c", "COMMAND GETKEYS SINTERSTORE d a b",
         "COMMAND GETKEYS SINTERCARD 2 a b", "COMMAND GETKEYS SINTERCARD 2 a b LIMIT 1",
         "COMMAND GETKEYS SINTERCARD 0 a", "COMMAND GETKEYS SINTERCARD x a",
         "COMMAND GETKEYS SINTERCARD 5 a", "COMMAND GETKEYS SUNION a b c",
         "COMMAND GETKEYS SSCAN s 0"),
]

ALL = (SADD_CASES + READ_CASES + SREM_CASES + SPOP_CASES + SRANDMEMBER_CASES + SMOVE_CASES
       + ALGEBRA_CASES + SSCAN_CASES + MISC_CASES)


@pytest.mark.parametrize("steps", ALL)
def test_set_case(pair, listpack_entries, steps):
    run_case(pair, steps)


SET_COMMANDS = ("sadd", "srem", "smembers", "sismember", "smismember", "scard", "spop",
                "srandmember", "smove", "sinter", "sintercard", "sunion", "sdiff",
                "sinterstore", "sunionstore", "sdiffstore", "sscan")


def test_set_command_info(pair):
    """COMMAND INFO: arity, flags, key positions, ACL categories and tips."""
    from differential import assert_same_command_info
    assert_same_command_info(pair, *SET_COMMANDS)


# -- memory -------------------------------------------------------------------------
# Exact in steady state; up to ~10 % low while Redis is rehashing a table that
# just doubled (the engine does not model incremental rehashing).

def _members(kind: str, n: int):
    if kind == "int":
        return [str(i) for i in range(n)]
    return [f"member:{i:05d}" for i in range(n)]


EXACT_SETS = [("int", 1), ("int", 5), ("int", 100), ("int", 512), ("int", 513),
              ("int", 1000), ("str", 1), ("str", 1000)]


@pytest.mark.parametrize("kind,n", EXACT_SETS, ids=[f"{k}{n}" for k, n in EXACT_SETS])
def test_set_memory_usage_exact(memory_pair, kind, n):
    from collections_support import memory_usage
    key = f"s{kind}{n}"
    sadd_many(key, _members(kind, n)).run(memory_pair)
    memory_pair.assert_same("OBJECT", "ENCODING", key)
    real, eng = memory_usage(memory_pair, key)
    assert eng == real, (key, real, eng)


def test_set_memory_usage_widths(memory_pair):
    """intset widths 2, 4 and 8 bytes; the width never shrinks."""
    from collections_support import memory_usage
    p = memory_pair
    p.assert_same("SADD", "w2", "1", "-32768", "32767")
    p.assert_same("SADD", "w4", "1", "100000", "-2147483648")
    p.assert_same("SADD", "w8", "1", "10000000000", "2", "3")
    p.assert_same("SREM", "w8", "10000000000")
    for key in ("w2", "w4", "w8"):
        real, eng = memory_usage(p, key)
        assert eng == real, (key, real, eng)


@pytest.mark.parametrize("n", [5, 10, 100])
def test_set_memory_usage_while_rehashing(memory_pair, n):
    from collections_support import memory_usage
    sadd_many("s", _members("str", n)).run(memory_pair)
    real, eng = memory_usage(memory_pair, "s")
    assert abs(eng - real) <= 0.10 * real, (real, eng)
