"""List commands, differential against redis-server 7.0.

Lists keep insertion order on both servers, so every reply is compared byte
for byte (no normalizers). Each command has cases for its replies, its
errors (arity, WRONGTYPE, bad integers, syntax), RESP3 shapes where they
differ from RESP2 (nil vs null array), TTLs kept across edits and the key
deleted when the list empties. The blocking variants (BLPOP, BRPOP, BLMOVE,
BRPOPLPUSH, BLMPOP) need two clients and are tested in test_blocking.py.
"""
from __future__ import annotations

import pytest

from collections_support import Build, memory_pair  # noqa: F401
from differential import REPORT, ListKey, S, assert_same_command_info, case, run_case

FAR = "4102444800"
WRONG = "SET str v"
NOT_INT = ["abc", "1.5", "''", "99999999999999999999", " 1", "0x10"]

PUSH_CASES = [
    case("rpush-lrange", "RPUSH l a b c", "LRANGE l 0 -1", "LLEN l", "TYPE l",
         "OBJECT ENCODING l"),
    case("lpush-order", "LPUSH l a b c", "LRANGE l 0 -1", "LPUSH l d", "LRANGE l 0 -1"),
    case("push-binary-empty", ("RPUSH", "l", b"\x00\xff", b"", b"\r\n"), "LRANGE l 0 -1",
         "LLEN l", ("LPOS", "l", "")),
    case("push-ints", "RPUSH l 1 -1 007 9223372036854775807 -9223372036854775808 1.5",
         "LRANGE l 0 -1", "LINDEX l 3"),
    case("push-arity", "RPUSH", "RPUSH l", "LPUSH l", "LPUSHX l", "RPUSHX", "EXISTS l"),
    case("push-wrongtype", WRONG, "RPUSH str a", "LPUSH str a", "LPUSHX str a", "RPUSHX str a",
         "HSET h a 1", "RPUSH h a", "GET str"),
    case("pushx", "LPUSHX l a", "RPUSHX l a", "EXISTS l", "RPUSH l m", "LPUSHX l a b",
         "RPUSHX l y z", "LRANGE l 0 -1"),
    case("push-keeps-ttl", "RPUSH l a", f"EXPIREAT l {FAR}", "RPUSH l b", "LPUSH l c",
         "LPOP l", "LSET l 0 z", "LINSERT l BEFORE z q", "LREM l 1 q", "LTRIM l 0 5",
         "EXPIRETIME l"),
    case("push-case-insensitive", "rpush l a", "RpUsH l b", "lrange l 0 -1"),
]

POP_CASES = [
    case("lpop-rpop", "RPUSH l a b c d", "LPOP l", "RPOP l", "LRANGE l 0 -1", "LPOP l",
         "RPOP l", "EXISTS l", "LPOP l", "RPOP l"),
    case("pop-count", "RPUSH l a b c d e", "LPOP l 2", "RPOP l 2", "LPOP l 0", "RPOP l 0",
         "LPOP l 10", "EXISTS l"),
    case("pop-count-missing", "LPOP nope 0", "RPOP nope 0", "LPOP nope 3", "RPOP nope 1",
         "LPOP nope", "RPOP nope"),
    case("pop-count-missing-resp3", "HELLO 3", "LPOP nope 0", "RPOP nope 3", "LPOP nope",
         "RPUSH l a", "LPOP l 0", "LPOP l 5", "HELLO 2"),
    case("pop-count-errors", "RPUSH l a", "LPOP l -1", "RPOP l -1", "LPOP l abc",
         "LPOP l 1.5", "LPOP l 99999999999999999999", "LPOP nope -1", "LPOP nope abc",
         "LPOP l 1 2", "RPOP l 1 2", "LPOP", "RPOP", "LRANGE l 0 -1"),
    case("pop-wrongtype", WRONG, "LPOP str", "RPOP str", "LPOP str 0", "RPOP str 2",
         "LPOP str -1"),
    case("pop-last-deletes-ttl-key", "RPUSH l a", "EXPIRE l 100000", "RPOP l", "TTL l",
         "EXISTS l"),
]

READ_CASES = [
    case("llen", "RPUSH l a b", "LLEN l", "LLEN nope", "LLEN", "LLEN l x", WRONG, "LLEN str"),
    case("lrange-indexes", "RPUSH l a b c d e", "LRANGE l 0 0", "LRANGE l 1 3",
         "LRANGE l -2 -1", "LRANGE l -100 100", "LRANGE l 3 1", "LRANGE l 5 10",
         "LRANGE l -1 -2", "LRANGE l -100 -50", "LRANGE l 0 -6", "LRANGE l 0 -5",
         "LRANGE l 2 -1", "LRANGE l -9223372036854775808 9223372036854775807"),
    case("lrange-errors", "RPUSH l a", *[f"LRANGE l {x} 1" for x in NOT_INT],
         "LRANGE l 0 x", "LRANGE nope x 0", "LRANGE l 0", "LRANGE l 0 1 2", WRONG,
         "LRANGE str 0 -1", "LRANGE str x 0", "LRANGE nope 0 -1"),
    case("lrange-resp3", "HELLO 3", "RPUSH l a b", "LRANGE l 0 -1", "LRANGE nope 0 -1",
         "LINDEX nope 0", "HELLO 2"),
    case("lindex", "RPUSH l a b c", "LINDEX l 0", "LINDEX l 2", "LINDEX l 3", "LINDEX l -1",
         "LINDEX l -3", "LINDEX l -4", "LINDEX nope 0", "LINDEX l x", "LINDEX nope x",
         "LINDEX l", "LINDEX l 0 1", WRONG, "LINDEX str 0", "LINDEX str x"),
]

LSET_CASES = [
    case("lset", "RPUSH l a b c", "LSET l 0 x", "LSET l -1 z", "LSET l 1 ''",
         "LRANGE l 0 -1", "LSET l 3 q", "LSET l -4 q", "LSET nope 0 a", "LSET l x a",
         "LSET nope x a", "LSET l 0", "LSET l 0 a b", WRONG, "LSET str 0 a", "LSET str x a"),
    case("lset-long-values", "RPUSH l a b", ("LSET", "l", "0", "x" * 9000), "LLEN l",
         "LINDEX l 0", "LSET l 0 1", "LRANGE l 0 -1"),
]

LINSERT_CASES = [
    case("linsert", "RPUSH l a b c", "LINSERT l BEFORE b x", "LINSERT l AFTER c y",
         "LINSERT l after a z", "LINSERT l before a w", "LRANGE l 0 -1",
         "LINSERT l BEFORE nope q", "LINSERT nope BEFORE a q", "EXISTS nope"),
    case("linsert-first-match", "RPUSH l a b a b", "LINSERT l AFTER b x", "LRANGE l 0 -1"),
    case("linsert-errors", "RPUSH l a", "LINSERT l MIDDLE a x", "LINSERT nope MIDDLE a x",
         "LINSERT l BEFORE a", "LINSERT l", WRONG, "LINSERT str BEFORE a x",
         "LINSERT str MIDDLE a x"),
]

LREM_CASES = [
    case("lrem-head", "RPUSH l a b a c a", "LREM l 2 a", "LRANGE l 0 -1"),
    case("lrem-tail", "RPUSH l a b a c a", "LREM l -2 a", "LRANGE l 0 -1"),
    case("lrem-all", "RPUSH l a b a c a", "LREM l 0 a", "LRANGE l 0 -1", "LREM l 0 nope",
         "LREM l 0 b", "LREM l 0 c", "EXISTS l"),
    case("lrem-errors", "RPUSH l a", "LREM l x a", "LREM nope x a", "LREM nope 0 a",
         "LREM l 0", "LREM l 1.5 a", WRONG, "LREM str 0 a", "LREM str x a"),
    case("lrem-big-count", "RPUSH l a a", "LREM l 9223372036854775807 a", "EXISTS l",
         "RPUSH l a a", "LREM l -9223372036854775808 a", "EXISTS l"),
]

LTRIM_CASES = [
    case("ltrim", "RPUSH l a b c d e", "LTRIM l 1 -2", "LRANGE l 0 -1", "LTRIM l 0 100",
         "LRANGE l 0 -1", "LTRIM l -1 -1", "LRANGE l 0 -1", "LTRIM l 5 1", "EXISTS l"),
    case("ltrim-empty-range-deletes", "RPUSH l a b", "EXPIRE l 1000", "LTRIM l 2 3",
         "EXISTS l", "TTL l"),
    case("ltrim-errors", "RPUSH l a", "LTRIM l x 1", "LTRIM l 0 x", "LTRIM nope x 1",
         "LTRIM nope 0 1", "LTRIM l 0", WRONG, "LTRIM str 0 1", "LTRIM str x 1"),
]

LPOS_CASES = [
    case("lpos-basic", "RPUSH l a b c b a b", "LPOS l b", "LPOS l a", "LPOS l z",
         "LPOS nope a", "LPOS nope a COUNT 0", "LPOS nope a COUNT 2"),
    case("lpos-rank", "RPUSH l a b c b a b", "LPOS l b RANK 2", "LPOS l b RANK 3",
         "LPOS l b RANK 4", "LPOS l b RANK -1", "LPOS l b RANK -3", "LPOS l b RANK -4",
         "LPOS l b RANK 9223372036854775807", "LPOS l b RANK -9223372036854775807"),
    case("lpos-count", "RPUSH l a b c b a b", "LPOS l b COUNT 0", "LPOS l b COUNT 2",
         "LPOS l b COUNT 10", "LPOS l z COUNT 0", "LPOS l b RANK -1 COUNT 2",
         "LPOS l b RANK 2 COUNT 0", "LPOS l b RANK -2 COUNT 0"),
    case("lpos-maxlen", "RPUSH l a b c b a b", "LPOS l b MAXLEN 1", "LPOS l b MAXLEN 2",
         "LPOS l b COUNT 0 MAXLEN 4", "LPOS l b RANK -1 MAXLEN 1",
         "LPOS l b RANK -2 COUNT 0 MAXLEN 3", "LPOS l b MAXLEN 0", "LPOS l b RANK 3 MAXLEN 4"),
    case("lpos-options-repeat", "RPUSH l a b a", "LPOS l a RANK 1 RANK 2",
         "LPOS l a COUNT 1 COUNT 0", "lpos l a rank -1 count 0 maxlen 0"),
    case("lpos-errors", "RPUSH l a", "LPOS l a RANK 0", "LPOS l a RANK x",
         "LPOS l a RANK -9223372036854775808", "LPOS l a COUNT -1", "LPOS l a COUNT x",
         "LPOS l a MAXLEN -1", "LPOS l a MAXLEN x", "LPOS l a RANK", "LPOS l a COUNT",
         "LPOS l a FOO 1", "LPOS l a FOO", "LPOS nope a RANK 0", "LPOS l", "LPOS",
         WRONG, "LPOS str a", "LPOS str a RANK 0", "LPOS str a COUNT 0"),
    case("lpos-resp3", "HELLO 3", "RPUSH l a", "LPOS l z", "LPOS l z COUNT 0", "LPOS nope a",
         "HELLO 2"),
]

MOVE_CASES = [
    case("lmove", "RPUSH src a b c", "LMOVE src dst LEFT RIGHT", "LMOVE src dst RIGHT LEFT",
         "LRANGE src 0 -1", "LRANGE dst 0 -1", "LMOVE src dst left left", "EXISTS src",
         "LMOVE src dst LEFT LEFT", "LRANGE dst 0 -1"),
    case("lmove-rotate", "RPUSH l a b c", "LMOVE l l LEFT RIGHT", "LRANGE l 0 -1",
         "LMOVE l l RIGHT LEFT", "LMOVE l l LEFT LEFT", "LRANGE l 0 -1",
         "RPUSH one x", "LMOVE one one LEFT RIGHT", "LRANGE one 0 -1"),
    case("lmove-errors", "RPUSH l a", "LMOVE l d UP LEFT", "LMOVE l d LEFT DOWN",
         "LMOVE nope d UP LEFT", "LMOVE l d LEFT", "LMOVE l d LEFT RIGHT x", WRONG,
         "LMOVE str d LEFT LEFT", "LMOVE l str LEFT LEFT", "LRANGE l 0 -1",
         "LMOVE nope str LEFT LEFT", "LMOVE str nope LEFT LEFT"),
    case("lmove-dst-ttl", "RPUSH s a b", "RPUSH d x", f"EXPIREAT d {FAR}",
         f"EXPIREAT s {FAR}", "LMOVE s d LEFT LEFT", "EXPIRETIME d", "EXPIRETIME s",
         "LMOVE s d LEFT LEFT", "EXISTS s", "EXPIRETIME d"),
    case("rpoplpush", "RPUSH s a b c", "RPOPLPUSH s d", "RPOPLPUSH s d", "LRANGE d 0 -1",
         "RPOPLPUSH s s", "RPOPLPUSH nope d", "RPOPLPUSH s", WRONG, "RPOPLPUSH str d",
         "RPOPLPUSH s str", "RPOPLPUSH nope str"),
]

LMPOP_CASES = [
    case("lmpop-basic", "RPUSH a 1 2 3", "RPUSH b x", "LMPOP 2 nope a LEFT",
         "LMPOP 2 b a RIGHT", "EXISTS b", "LMPOP 1 a RIGHT COUNT 10", "EXISTS a",
         "LMPOP 2 a b LEFT", "LMPOP 1 a left count 1"),
    case("lmpop-resp3", "HELLO 3", "RPUSH a 1 2", "LMPOP 1 a LEFT COUNT 5", "LMPOP 1 a LEFT",
         "HELLO 2"),
    case("lmpop-errors", "RPUSH a 1", "LMPOP 0 a LEFT", "LMPOP -1 a LEFT", "LMPOP x a LEFT",
         "LMPOP 1.5 a LEFT", "LMPOP 2 a LEFT", "LMPOP 3 a b LEFT", "LMPOP 1 a MIDDLE",
         "LMPOP 1 a LEFT COUNT", "LMPOP 1 a LEFT COUNT 0", "LMPOP 1 a LEFT COUNT -1",
         "LMPOP 1 a LEFT COUNT x", "LMPOP 1 a LEFT COUNT 1 COUNT 2", "LMPOP 1 a LEFT FOO",
         "LMPOP 1 a", "LMPOP 1", "LMPOP", "LMPOP 99999999999999999999 a LEFT",
         "LRANGE a 0 -1"),
    case("lmpop-wrongtype", WRONG, "RPUSH a 1", "LMPOP 2 str a LEFT", "LMPOP 2 nope str LEFT",
         "LMPOP 2 a str LEFT", "LLEN a"),
]

MISC_CASES = [
    case("list-wrongtype-other-families", "RPUSH l a", "GET l", "HGET l a", "SADD l a",
         "ZADD l 1 a", "INCR l", "TYPE l"),
    case("list-copy-rename", "RPUSH l a b", "COPY l m", "RPUSH m c", "LRANGE l 0 -1",
         "LRANGE m 0 -1", "RENAME m n", "LRANGE n 0 -1", "OBJECT ENCODING n"),
    case("list-multi-exec", "MULTI", "RPUSH l a b", "LPOP l", "LRANGE l 0 -1", "LPOP l 5",
         "EXEC", "EXISTS l"),
    case("list-listkey-helper", ListKey("l", "a", "b"), "LRANGE l 0 -1", ListKey("l", "c"),
         "LRANGE l 0 -1"),
    case("list-getkeys", "COMMAND GETKEYS LPUSH l a", "COMMAND GETKEYS LMOVE a b LEFT LEFT",
         "COMMAND GETKEYS RPOPLPUSH a b", "COMMAND GETKEYS LMPOP 2 a b LEFT",
         "COMMAND GETKEYS LMPOP 1 a LEFT COUNT 2", "COMMAND GETKEYS LMPOP 0 a LEFT",
         "COMMAND GETKEYS LMPOP 3 a LEFT", "COMMAND GETKEYS LMPOP x a LEFT"),
    case("list-command-docs", S("COMMAND DOCS lpush lpos lmpop rpoplpush lrange",
                                lambda r: sorted(r.py()[::2]))),
    case("list-big-encoding", Build(["RPUSH", "big"] + ["x" * 100] * 200),
         "OBJECT ENCODING big", "LLEN big", "LINDEX big 150", "LTRIM big 0 0",
         "OBJECT ENCODING big"),
]

ALL = (PUSH_CASES + POP_CASES + READ_CASES + LSET_CASES + LINSERT_CASES + LREM_CASES
       + LTRIM_CASES + LPOS_CASES + MOVE_CASES + LMPOP_CASES + MISC_CASES)


@pytest.mark.parametrize("steps", ALL)
def test_list_case(pair, steps):
    run_case(pair, steps)


LIST_COMMANDS = ("lpush", "rpush", "lpushx", "rpushx", "lpop", "rpop", "llen", "lrange",
                 "lindex", "lset", "linsert", "lrem", "ltrim", "lpos", "lmove", "rpoplpush",
                 "lmpop")


def test_list_command_info(pair):
    """COMMAND INFO: arity, flags, key positions, ACL categories and tips."""
    assert_same_command_info(pair, *LIST_COMMANDS)


def test_watch_signalled_by_list_writes(pair):
    """Every list write touches WATCH; a no-op (missing key) does not."""
    writes = [("RPUSH", "l", "b"), ("LPOP", "l"), ("LSET", "l", "0", "z"),
              ("LINSERT", "l", "BEFORE", "z", "q"), ("LREM", "l", "1", "q"),
              ("LTRIM", "l", "0", "0"), ("LMOVE", "l", "l", "LEFT", "RIGHT"),
              ("LMPOP", "1", "l", "LEFT")]
    for write in writes:
        other = pair.connect()
        pair.assert_same("RPUSH", "l", "a", "z")
        pair.assert_same("WATCH", "l")
        other.assert_same(*write)
        pair.assert_same("MULTI")
        pair.assert_same("LLEN", "l")
        pair.assert_same("EXEC")
        pair.assert_same("DEL", "l")
    for noop in (("LPUSHX", "nope", "a"), ("LPOP", "nope"), ("LREM", "l", "0", "nope")):
        other = pair.connect()
        pair.assert_same("RPUSH", "l", "a")
        pair.assert_same("WATCH", "nope", "l")
        other.assert_same(*noop)
        pair.assert_same("MULTI")
        pair.assert_same("LLEN", "l")
        pair.assert_same("EXEC")
        pair.assert_same("DEL", "l")


# -- memory -------------------------------------------------------------------------
# A 7.0 list is a quicklist: robj + quicklist struct + per node a quicklistNode
# and its listpack (lists.list_size). The engine keeps the node layout the way
# quicklist.c does (pushes, pops, in-node LSET, LINSERT's split and merge,
# LREM/LTRIM shrinking nodes), so MEMORY USAGE … SAMPLES 0 matches exactly.

EXACT_LISTS = [
    ("l1", 1, "a"), ("l10", 10, "x" * 10), ("l100", 100, "{}"), ("l500", 500, "v{:05d}"),
    ("l2000", 2000, "item:{:06d}"), ("lbig", 300, "y" * 100), ("lhuge", 3, "z" * 10000),
    ("lint", 1000, "{}0000"),
]


def _push_all(pair, cmd, key, n, fmt):
    args = [cmd, key] + [fmt.format(i) for i in range(n)]
    Build(args).run(pair)


@pytest.mark.parametrize("key,n,fmt", EXACT_LISTS, ids=[k for k, _, _ in EXACT_LISTS])
def test_list_memory_usage_exact(memory_pair, key, n, fmt):
    from collections_support import memory_usage
    for cmd in ("RPUSH", "LPUSH"):
        _push_all(memory_pair, cmd, key, n, fmt)
        memory_pair.assert_same("OBJECT", "ENCODING", key)
        real, eng = memory_usage(memory_pair, key)
        REPORT.setdefault("list MEMORY USAGE vs redis-server", []).append(
            f"{key:<8} {cmd:<6} x{n:<5} redis-server {real:>8}  engine {eng:>8}  "
            f"({(eng - real) / real:+.1%})")
        assert eng == real, (key, cmd, real, eng)
        memory_pair.assert_same("DEL", key)


def test_list_memory_usage_pops_and_pushes(memory_pair):
    """Pushes at both ends, pops at both ends: the node layout stays exact."""
    from collections_support import memory_usage
    p = memory_pair
    _push_all(p, "RPUSH", "l", 1500, "elem:{:05d}")
    _push_all(p, "LPUSH", "l", 700, "head:{:05d}")
    Build(["LPOP", "l", "900"]).run(p)
    Build(["RPOP", "l", "333"]).run(p)
    for _ in range(50):
        p.assert_same("LMOVE", "l", "l", "LEFT", "RIGHT")
    real, eng = memory_usage(p, "l")
    assert eng == real, (real, eng)


def test_list_memory_usage_after_middle_edits(memory_pair):
    """LSET (grows a node in place), LINSERT into a full node (split + merge),
    LREM and LTRIM (nodes shrink, empty ones go): exact."""
    from collections_support import memory_usage
    p = memory_pair
    _push_all(p, "LPUSH", "l", 3000, "elem:{:05d}")
    p.assert_same("LSET", "l", "1500", "x" * 300)
    p.assert_same("LINSERT", "l", "BEFORE", "elem:01000", "y" * 50)
    p.assert_same("LREM", "l", "0", "elem:02000")
    p.assert_same("LTRIM", "l", "100", "-100")
    real, eng = memory_usage(p, "l")
    REPORT.setdefault("list MEMORY USAGE vs redis-server", []).append(
        f"middle edits (3000 LPUSH, LSET, LINSERT, LREM, LTRIM): redis-server {real}  "
        f"engine {eng}  ({(eng - real) / real:+.1%})")
    assert eng == real, (real, eng)


@pytest.mark.parametrize("fill", ["-1", "-5", "1", "7", "0"])
def test_list_memory_usage_fill_settings(memory_pair, fill):
    """Other list-max-listpack-size values (size- and count-limited nodes)."""
    from collections_support import memory_usage
    p = memory_pair
    p.assert_same("CONFIG", "SET", "list-max-listpack-size", fill)
    try:
        _push_all(p, "RPUSH", "l", 400, "v{:04d}")
        _push_all(p, "LPUSH", "l", 50, "x" * 90 + "{}")
        p.assert_same("LINSERT", "l", "AFTER", "v0200", "inserted")
        p.assert_same("LTRIM", "l", "3", "-3")
        real, eng = memory_usage(p, "l")
        assert eng == real, (fill, real, eng)
    finally:
        p.assert_same("CONFIG", "SET", "list-max-listpack-size", "-2")
