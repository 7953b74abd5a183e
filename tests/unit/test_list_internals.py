"""Lists inside the engine: the ListValue structure and its quicklist node
model, the commands through redis-py, TTL/WATCH bookkeeping and the memory
model (no real server needed; tests/compat/test_lists.py compares the same
behaviour with redis-server)."""
import random

import pytest
import redis

import engine
from engine.commands import lists
from engine.commands.lists import HEAD, TAIL, ListValue
from engine.node import memory


def build(values, where=TAIL, fill=-2):
    v = ListValue()
    for x in values:
        v.push(x, where, fill)
    return v


def check_nodes(v: ListValue):
    """The node model adds up: counts cover the elements, bytes match them."""
    assert sum(n[0] for n in v.nodes) == len(v.items)
    assert all(n[0] > 0 for n in v.nodes)
    i = 0
    for count, nbytes in v.nodes:
        chunk = list(v.items)[i:i + count]
        assert nbytes == memory.LISTPACK_OVERHEAD + sum(map(memory.listpack_entry, chunk))
        i += count


# -- the node model ---------------------------------------------------------------------

def test_push_fills_8k_nodes():
    v = build([b"x" * 10] * 2000)
    # each entry is 12 bytes; a node takes elements while bytes + 10 + 8 <= 8192
    assert v.nodes[0] == [681, 7 + 681 * 12]
    assert len(v.nodes) == 3
    check_nodes(v)


def test_count_limited_fill():
    v = build([b"a"] * 10, fill=3)
    assert [n[0] for n in v.nodes] == [3, 3, 3, 1]
    v = build([b"a"] * 4, fill=0)          # 0 behaves like 1: one element per node
    assert [n[0] for n in v.nodes] == [1, 1, 1, 1]


def test_lpush_grows_at_the_head():
    v = build([b"%d" % i for i in range(5)], where=HEAD)
    assert list(v.items) == [b"4", b"3", b"2", b"1", b"0"]
    assert len(v.nodes) == 1


def test_pop_frees_empty_nodes():
    v = build([b"y" * 100] * 200)
    nodes = len(v.nodes)
    for _ in range(80):
        v.pop(HEAD)
    assert len(v.nodes) < nodes
    check_nodes(v)


def test_random_edits_keep_the_model_consistent():
    rng = random.Random(3)
    for fill in (-2, -1, 1, 4):
        v = ListValue()
        model = []
        for _ in range(1500):
            op = rng.random()
            value = rng.choice([b"a", b"12", b"x" * rng.choice([3, 60, 500])])
            if op < 0.4 or not model:
                where = rng.choice([HEAD, TAIL])
                v.push(value, where, fill)
                model.insert(0 if where == HEAD else len(model), value)
            elif op < 0.55:
                where = rng.choice([HEAD, TAIL])
                assert v.pop(where) == model.pop(0 if where == HEAD else -1)
            elif op < 0.7:
                i = rng.randrange(len(model))
                v.set(i, value)
                model[i] = value
            elif op < 0.85:
                i = rng.randrange(len(model))
                after = rng.random() < 0.5
                v.insert(i, value, after, fill)
                model.insert(i + 1 if after else i, value)
            else:
                doomed = sorted(rng.sample(range(len(model)), min(3, len(model))))
                v.delete(doomed)
                model = [x for i, x in enumerate(model) if i not in doomed]
            assert list(v.items) == model
        check_nodes(v)


# -- commands through redis-py ------------------------------------------------------------

def test_basic_commands():
    r = engine.connect(protocol=2)
    assert r.rpush("l", "a", "b", "c") == 3
    assert r.lpush("l", "z") == 4
    assert r.lrange("l", 0, -1) == [b"z", b"a", b"b", b"c"]
    assert r.lindex("l", -1) == b"c"
    assert r.lpos("l", "b") == 2
    assert r.linsert("l", "AFTER", "a", "q") == 5
    assert r.lrem("l", 0, "q") == 1
    assert r.lset("l", 0, "y") is True
    assert r.ltrim("l", 0, 2) is True
    assert r.lmove("l", "m", "LEFT", "RIGHT") == b"y"
    assert r.rpoplpush("l", "m") == b"b"
    assert r.lmpop(2, "nope", "l", direction="LEFT", count=5) == [b"l", [b"a"]]
    assert r.exists("l") == 0
    assert r.lrange("m", 0, -1) == [b"b", b"y"]
    assert r.object("encoding", "m") == b"quicklist"


def test_pop_count_replies_resp2_and_resp3():
    node = engine.Node()
    r2, r3 = engine.connect(node, protocol=2), engine.connect(node, protocol=3)
    assert r2.execute_command("LPOP", "nope", 1) is None
    assert r3.execute_command("LPOP", "nope", 1) is None
    r2.rpush("l", "a")
    assert r2.execute_command("LPOP", "l", 0) == []
    assert r2.execute_command("LMPOP", 1, "nope", "LEFT") is None


def test_errors():
    r = engine.connect(protocol=2)
    r.set("s", "v")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        r.rpush("s", "a")
    with pytest.raises(redis.ResponseError, match="no such key"):
        r.lset("nope", 0, "a")
    r.rpush("l", "a")
    with pytest.raises(redis.ResponseError, match="index out of range"):
        r.lset("l", 5, "a")
    with pytest.raises(redis.ResponseError, match="must be positive"):
        r.execute_command("LPOP", "l", -1)
    with pytest.raises(redis.ResponseError, match="RANK can't be zero"):
        r.execute_command("LPOS", "l", "a", "RANK", 0)
    with pytest.raises(redis.ResponseError, match="numkeys should be greater than 0"):
        r.execute_command("LMPOP", 0, "l", "LEFT")
    with pytest.raises(redis.ResponseError, match="timeout is negative"):
        r.execute_command("BLPOP", "l", -1)


def test_ttl_kept_and_empty_list_deleted():
    r = engine.connect(protocol=2)
    r.rpush("l", "a", "b")
    r.expire("l", 1000)
    r.rpush("l", "c")
    r.lset("l", 0, "x")
    assert r.ttl("l") == 1000
    r.ltrim("l", 5, 10)
    assert r.exists("l") == 0 and r.ttl("l") == -2


def test_watch_sees_list_writes():
    node = engine.Node()
    r, other = engine.connect(node, protocol=2), engine.connect(node, protocol=2)
    r.rpush("l", "a")
    with r.pipeline() as p:
        p.watch("l")
        other.lpush("l", "b")
        p.multi()
        p.llen("l")
        with pytest.raises(redis.WatchError):
            p.execute()


def test_getkeys_for_lmpop():
    r = engine.connect(protocol=2)
    assert r.command_getkeys("LMPOP", 2, "a", "b", "LEFT") == ["a", "b"]
    from engine.commands.registry import TABLE
    assert "movablekeys" in TABLE[b"lmpop"].flags
    assert "movablekeys" in TABLE[b"blmpop"].flags
    assert r.command_getkeys("BLMPOP", 0, 2, "a", "b", "LEFT") == ["a", "b"]


# -- memory ---------------------------------------------------------------------------------

def test_memory_one_element():
    r = engine.connect(protocol=2)
    r.rpush("l", "a")
    # robj 16 + quicklist 40 + node 40 + listpack (7 + 3 -> 16); key: dictEntry 24 + sds 8
    assert r.memory_usage("l") == 16 + 40 + 40 + 16 + 24 + 8
    assert lists.list_size(r.node.dbs[0].peek(b"l"), r.node.config) == 112


def test_memory_tracks_growth_and_delete():
    node = engine.Node()
    r = engine.connect(node, protocol=2)
    r.rpush("l", *[f"item:{i:06d}" for i in range(2000)])
    assert r.memory_usage("l") == 26360     # redis-server 7.0.15, SAMPLES 0
    before = node.used_memory()
    r.delete("l")
    assert node.used_memory() < before - 25_000
