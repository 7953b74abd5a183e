"""Sorted sets inside the engine: the ZSet structure, ordering, ranges,
encodings, argument parsing and the memory model (no real server needed;
tests/compat/test_zsets.py compares the same behaviour with redis-server)."""
import math
import random

import pytest
import redis

import engine
from engine.commands import zsets
from engine.commands.zsets import ZSet, parse_lex_range, parse_score, parse_score_range, strtod
from engine.protocol.replies import ReplyError

CONFIG = {"zset-max-listpack-entries": 128, "zset-max-listpack-value": 64}


def make(pairs, config=CONFIG):
    z = ZSet()
    for member, score in pairs:
        z.add(member, score, config)
    return z


# -- ordering -------------------------------------------------------------------------

def test_order_is_score_then_member_bytes():
    z = make([(b"b", 1.0), (b"a", 1.0), (b"ab", 1.0), (b"", 1.0), (b"\xff", 0.5), (b"z", -math.inf),
              (b"\x00", 1.0), (b"q", math.inf)])
    assert [m for _, m in z.order] == [b"z", b"\xff", b"", b"\x00", b"a", b"ab", b"b", b"q"]


def test_order_survives_random_updates():
    rng = random.Random(7)
    z = ZSet()
    model = {}
    for _ in range(3000):
        m = b"m%d" % rng.randrange(200)
        op = rng.random()
        if op < 0.6:
            s = rng.choice([rng.uniform(-5, 5), float(rng.randrange(-3, 3)), math.inf, -0.0])
            if m in z.scores:
                z.update(m, s)
            else:
                z.add(m, s, CONFIG)
            model[m] = s
        elif m in z.scores:
            z.remove(m)
            del model[m]
        assert len(z) == len(model)
    assert not z.listpack                     # 200 members > 128
    assert z.order == sorted((s, m) for m, s in z.scores.items())
    assert z.scores.keys() == model.keys()
    assert all(z.scores[m] == s for m, s in model.items())


def test_negative_zero_is_kept_only_by_skiplists():
    lp = make([(b"a", -0.0)])
    assert lp.listpack and math.copysign(1, lp.scores[b"a"]) == 1
    sl = make([(b"a", -0.0)], {"zset-max-listpack-entries": 0, "zset-max-listpack-value": 64})
    assert not sl.listpack and math.copysign(1, sl.scores[b"a"]) == -1


# -- ranges -----------------------------------------------------------------------------

def test_score_span_inclusive_and_exclusive():
    z = make([(b"a", 1), (b"b", 2), (b"c", 2), (b"d", 3), (b"e", math.inf)])
    assert z.score_span(2, False, 2, False) == (1, 3)
    assert z.score_span(2, True, 3, False) == (3, 4)
    assert z.score_span(2, False, 2, True) == (1, 1)
    assert z.score_span(-math.inf, False, math.inf, False) == (0, 5)
    assert z.score_span(-math.inf, True, math.inf, True) == (0, 4)
    start, end = z.score_span(3, False, 1, False)
    assert start >= end


def test_lex_span_on_same_score_members():
    z = make([(m, 0.0) for m in (b"a", b"b", b"c", b"d", b"ee")])
    span = lambda lo, hi: (lambda s: [m for _, m in z.order[s[0]:s[1]]])(
        z.lex_span(*parse_lex_range(lo, hi)))
    assert span(b"-", b"+") == [b"a", b"b", b"c", b"d", b"ee"]
    assert span(b"[b", b"[d") == [b"b", b"c", b"d"]
    assert span(b"(b", b"(d") == [b"c"]
    assert span(b"[e", b"+") == [b"ee"]
    assert span(b"+", b"-") == [] and span(b"-", b"-") == [] and span(b"[b", b"(b") == []


def test_lex_walk_follows_redis_rule_on_mixed_scores():
    # order: b(1) z(2) c(3) a(4): the forward walk starts at the first member
    # >= min and stops at the first one past max, whatever comes later.
    z = make([(b"b", 1), (b"z", 2), (b"c", 3), (b"a", 4)])
    assert z.lex_span(*parse_lex_range(b"[a", b"[c")) == (0, 1)
    assert z.lex_last(*parse_lex_range(b"[a", b"[c")) == 3


def test_rank_span_sanitising():
    assert zsets._rank_span(5, 0, -1) == (0, 5)
    assert zsets._rank_span(5, -100, 100) == (0, 5)
    assert zsets._rank_span(5, 3, 1) == (0, 0)
    assert zsets._rank_span(5, 5, 10) == (0, 0)
    assert zsets._rank_span(5, -2, -1) == (3, 5)


# -- parsing ------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, value", [
    (b"1", 1.0), (b"-2.5", -2.5), (b"0x10", 16.0), (b"inf", math.inf), (b"+inf", math.inf),
    (b"-Infinity", -math.inf), (b"5e-324", 5e-324), (b".5", 0.5), (b"5.", 5.0), (b"1e308", 1e308),
    (b"0e-400", 0.0),
])
def test_parse_score_accepts(raw, value):
    assert parse_score(raw) == value


@pytest.mark.parametrize("raw", [b"", b" 1", b"1 ", b"nan", b"abc", b"1e400", b"1e-400",
                                 b"-1e-400", b"1\x00", b"0x1p-2000", b"1e", b"--1"])
def test_parse_score_rejects(raw):
    with pytest.raises(ReplyError, match="not a valid float"):
        parse_score(raw)


def test_score_range_is_strtod_with_c_strings():
    assert parse_score_range(b"", b"") == (0.0, False, 0.0, False)
    assert parse_score_range(b"(1", b" 2") == (1.0, True, 2.0, False)
    assert parse_score_range(b"(", b"1\x00junk") == (0.0, True, 1.0, False)
    assert parse_score_range(b"1e400", b"-inf")[0] == math.inf
    for bad in (b"1 ", b"nan", b"x", b"((1", b"[1"):
        with pytest.raises(ReplyError, match="min or max is not a float"):
            parse_score_range(bad, b"1")


def test_lex_range_items():
    assert parse_lex_range(b"+\x00x", b"-")[0][0] == zsets._MAX
    for bad in (b"", b"a", b"-x", b"+x"):
        with pytest.raises(ReplyError, match="not valid string range item"):
            parse_lex_range(bad, b"+")


def test_strtod_prefix():
    assert strtod(b"  12abc") == (12.0, 4, False)
    assert strtod(b"0x") == (0.0, 1, False)
    assert strtod(b"-") == (0.0, 0, False)
    assert strtod(b"infinit")[1] == 3


# -- encodings and the commands in process ---------------------------------------------------

def test_encoding_conversions():
    r = engine.connect(protocol=2)
    r.zadd("z", {f"m{i}": i for i in range(128)})
    assert r.object("encoding", "z") == b"listpack"
    r.zadd("z", {"one-more": 1})
    assert r.object("encoding", "z") == b"skiplist"
    r.zremrangebyrank("z", 0, -3)
    assert r.zcard("z") == 2 and r.object("encoding", "z") == b"skiplist"  # never back
    r.zadd("long", {"x" * 65: 1})
    assert r.object("encoding", "long") == b"skiplist"
    r.zunionstore("copy", ["z"])
    assert r.object("encoding", "copy") == b"listpack"   # STORE results are rebuilt


def test_replies_in_resp2_and_resp3():
    node = engine.Node()
    r2, r3 = engine.connect(node, protocol=2), engine.connect(node, protocol=3)
    r2.zadd("z", {"a": 0.1, "b": 1e20})
    assert r2.execute_command("ZRANGE", "z", 0, -1, "WITHSCORES") == \
        [b"a", b"0.10000000000000001", b"b", b"1e+20"]
    assert r3.execute_command("ZRANGE", "z", 0, -1, "WITHSCORES") == [[b"a", 0.1], [b"b", 1e20]]
    assert r2.execute_command("ZSCORE", "z", "a") == 0.1   # redis-py parses the bulk string
    assert r3.execute_command("ZSCORE", "z", "a") == 0.1


def test_errors_and_empty_keys():
    r = engine.connect(protocol=2)
    r.set("s", "v")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        r.zadd("s", {"a": 1})
    with pytest.raises(redis.ResponseError, match="not a number"):
        r.zadd("z", {"a": "inf"})
        r.zincrby("z", float("-inf"), "a")
    r.zrem("z", "a")
    assert r.exists("z") == 0                     # the last member removed deletes the key
    with pytest.raises(redis.ResponseError, match="at least 1 input key"):
        r.execute_command("ZUNION", 0, "z")


def test_zrandmember_uses_the_node_rng():
    picks = []
    for _ in range(2):
        node = engine.Node(seed=42)
        r = engine.connect(node, protocol=2)
        r.zadd("z", {f"m{i}": i for i in range(50)})
        picks.append([r.zrandmember("z", 5), r.zrandmember("z", -5), r.zrandmember("z")])
    assert picks[0] == picks[1]
    assert len(set(picks[0][0])) == 5


def test_zscan_skiplist_visits_everything():
    node = engine.Node()
    r = engine.connect(node, protocol=2)
    r.zadd("z", {f"m{i}": i for i in range(500)})
    seen, cursor = {}, 0
    while True:
        cursor, items = r.zscan("z", cursor, count=7)
        seen.update(items)
        if cursor == 0:
            break
    assert len(seen) == 500 and seen[b"m7"] == 7.0


# -- memory model -----------------------------------------------------------------------------

def test_memory_listpack_bytes():
    node = engine.Node()
    r = engine.connect(node, protocol=2)
    r.zadd("z", {"a": 0, "b": 1, "c": 2})
    # listpack: 7 header/end + 3 x (member 2 + score 2) = 19 -> 24; robj 16;
    # key "z": dictEntry 24 + sds 16.
    assert r.memory_usage("z") == 16 + 24 + 24 + 16


def test_memory_grows_with_members_and_drops_on_delete():
    node = engine.Node()
    r = engine.connect(node, protocol=2)
    r.zadd("z", {f"member-{i}": i for i in range(1000)})
    big = r.memory_usage("z")
    assert 90_000 < big < 115_000          # redis-server 7.0: ~102 KB
    before = node.used_memory()
    r.delete("z")
    assert node.used_memory() < before - 90_000
