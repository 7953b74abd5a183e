"""Hashes and sets in the engine: encodings, reply order, memory model,
seeded randomness, TTL and empty-key rules (no real server needed)."""
import pytest
import redis

import engine
from engine.node import memory


@pytest.fixture
def r():
    return engine.connect(protocol=2)


# -- encodings ------------------------------------------------------------------------

def test_hash_listpack_until_entries_limit_then_hashtable_for_good(r):
    r.hset("h", mapping={f"f{i}": i for i in range(512)})
    assert r.object("encoding", "h") == b"listpack"
    r.hset("h", "one-more", 1)
    assert r.object("encoding", "h") == b"hashtable"
    r.hdel("h", *[f"f{i}" for i in range(500)])
    assert r.object("encoding", "h") == b"hashtable"   # never converts back


def test_hash_long_value_or_field_converts(r):
    r.hset("a", "f", "x" * 64)
    r.hset("b", "f", "x" * 65)
    r.hincrby("c", "f" * 65, 1)
    assert [r.object("encoding", k) for k in "abc"] == [b"listpack", b"hashtable", b"hashtable"]


def test_hash_thresholds_follow_config():
    r = engine.connect(engine.Node(hash_max_listpack_entries=2), protocol=2)
    r.hset("h", mapping={"a": 1, "b": 2})
    assert r.object("encoding", "h") == b"listpack"
    r.hset("h", "c", 3)
    assert r.object("encoding", "h") == b"hashtable"


def test_listpack_hash_keeps_insertion_order(r):
    r.hset("h", mapping={"c": 1, "a": 2, "b": 3})
    r.hset("h", "a", 9)                       # update keeps the position
    r.hdel("h", "c")
    r.hset("h", "c", 0)                       # re-added: goes last
    assert r.hkeys("h") == [b"a", b"b", b"c"]
    assert r.hgetall("h") == {b"a": b"9", b"b": b"3", b"c": b"0"}
    assert r.hscan("h", 0) == (0, {b"a": b"9", b"b": b"3", b"c": b"0"})


def test_set_intset_sorted_then_hashtable(r):
    r.sadd("s", 10, -5, 3, 1)
    assert r.object("encoding", "s") == b"intset"
    assert r.sscan("s", 0) == (0, [b"-5", b"1", b"3", b"10"])
    r.sadd("s", "01")                          # not a canonical integer
    assert r.object("encoding", "s") == b"hashtable"
    r.srem("s", "01")
    assert r.object("encoding", "s") == b"hashtable"


@pytest.mark.parametrize("member,encoding", [
    ("0", b"intset"), ("-9223372036854775808", b"intset"), ("9223372036854775807", b"intset"),
    ("9223372036854775808", b"hashtable"), ("-0", b"hashtable"), ("+1", b"hashtable"),
    (" 1", b"hashtable"), ("1.0", b"hashtable"), ("abc", b"hashtable"),
])
def test_set_first_member_decides_encoding(r, member, encoding):
    r.sadd("s", member)
    assert r.object("encoding", "s") == encoding


def test_intset_limit_is_512(r):
    r.sadd("s", *range(512))
    assert r.object("encoding", "s") == b"intset"
    r.sadd("s", 512)
    assert r.object("encoding", "s") == b"hashtable"


def test_store_results_start_as_intset(r):
    r.sadd("a", "x", 1, 2)
    r.sadd("b", 1, 2, 3)
    assert r.sinterstore("d", "a", "b") == 2
    assert r.object("encoding", "d") == b"intset"
    assert r.sunionstore("u", "a", "b") == 4
    assert r.object("encoding", "u") == b"hashtable"


# -- keys: empty collections, TTLs, WRONGTYPE -------------------------------------------

def test_empty_collections_disappear(r):
    r.hset("h", "a", 1)
    r.hdel("h", "a")
    r.sadd("s", 1)
    r.srem("s", 1)
    r.sadd("p", 1, 2)
    r.spop("p", 5)
    r.sadd("m", "x")
    r.smove("m", "n", "x")
    assert r.exists("h", "s", "p", "m") == 0
    assert r.smembers("n") == {b"x"}


def test_ttl_survives_modification_but_not_store(r):
    r.hset("h", "a", 1)
    r.sadd("s", 1, 2)
    r.expire("h", 1000)
    r.expire("s", 1000)
    r.hset("h", "b", 2)
    r.hincrbyfloat("h", "a", 1.5)
    r.sadd("s", 3)
    r.srem("s", 1)
    assert r.ttl("h") == 1000 and r.ttl("s") == 1000
    r.sadd("d", 9)
    r.expire("d", 1000)
    r.sunionstore("d", "s")
    assert r.ttl("d") == -1
    r.sinterstore("s", "s", "missing")         # empty result deletes the destination
    assert r.exists("s") == 0


def test_wrongtype(r):
    r.set("str", "v")
    for call in (lambda: r.hset("str", "a", 1), lambda: r.hget("str", "a"),
                 lambda: r.sadd("str", 1), lambda: r.smembers("str"),
                 lambda: r.sinter("str"), lambda: r.sunionstore("d", "str")):
        with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
            call()


def test_hincrbyfloat_uses_long_double_formatting(r):
    assert r.hincrbyfloat("h", "f", 10.5) == 10.5
    r.hincrbyfloat("h", "f", "0.1")
    assert r.hget("h", "f") == b"10.6"              # not 10.59999999999999964
    with pytest.raises(redis.ResponseError, match="hash value is not an integer"):
        r.hincrby("h", "f", 1)


# -- randomness ---------------------------------------------------------------------------

def _random_run(seed):
    r = engine.connect(engine.Node(seed=seed), protocol=2)
    r.sadd("s", *range(100))
    r.hset("h", mapping={f"f{i}": i for i in range(50)})
    return (r.srandmember("s", 5), r.spop("s", 3), r.hrandfield("h", -4),
            r.execute_command("SRANDMEMBER", "s"))


def test_random_replies_follow_the_node_seed():
    assert _random_run(7) == _random_run(7)
    assert _random_run(7) != _random_run(8)


def test_random_count_rules(r):
    r.sadd("s", *range(10))
    assert len(set(r.srandmember("s", 5))) == 5
    assert sorted(r.srandmember("s", 50), key=int) == [b"%d" % i for i in range(10)]
    assert len(r.srandmember("s", -50)) == 50
    r.hset("h", mapping={"a": 1, "b": 2})
    pairs = r.hrandfield("h", -6, withvalues=True)
    assert len(pairs) == 12
    assert all({pairs[i]: pairs[i + 1]}.items() <= {b"a": b"1", b"b": b"2"}.items()
               for i in range(0, 12, 2))
    popped = r.spop("s", 4)
    assert len(set(popped)) == 4 and r.scard("s") == 6


def test_hscan_sscan_hashtable_cover_everything(r):
    r.sadd("s", *[f"m{i}" for i in range(300)])
    r.hset("h", mapping={f"f{i}": i for i in range(300)})
    assert set(r.sscan_iter("s", count=7)) == {f"m{i}".encode() for i in range(300)}
    assert dict(r.hscan_iter("h", count=5)) == {f"f{i}".encode(): str(i).encode()
                                                for i in range(300)}
    cursor, first = r.sscan("s", 0, count=10)
    assert cursor != 0 and 0 < len(first) < 300


# -- memory model ---------------------------------------------------------------------------

@pytest.mark.parametrize("value,size", [
    (b"a", 3), (b"127", 2), (b"128", 3), (b"-4096", 3), (b"4096", 4), (b"70000", 5),
    (b"2147483648", 10), (b"007", 5), (b"x" * 63, 65), (b"x" * 64, 67), (b"x" * 200, 204),
])
def test_listpack_entry_sizes(value, size):
    assert memory.listpack_entry_size(value) == size


def test_dict_growth_and_shrink():
    assert memory.dict_size_after_add(0, 0) == 4
    assert memory.dict_size_after_add(4, 3) == 4
    assert memory.dict_size_after_add(4, 4) == 8
    assert memory.dict_initial_size(129) == 256
    assert memory.dict_size_after_delete(64, 6) == 8
    assert memory.dict_size_after_delete(64, 7) == 64


# Figures measured on redis-server 7.0.15 (MEMORY USAGE key SAMPLES 0; see
# tests/compat for the live comparison).
@pytest.mark.parametrize("n,expected", [(1, 80), (5, 128), (50, 688), (128, 1840),
                                        (1000, 48296)])
def test_hash_memory_matches_redis(n, expected):
    r = engine.connect(engine.Node(hash_max_listpack_entries=512), protocol=2)
    key = f"h{n}"
    for i in range(n):
        r.hset(key, f"f{i:03d}", f"v{i:03d}")
    assert r.memory_usage(key, samples=0) == expected


@pytest.mark.parametrize("n,expected", [(1, 64), (5, 80), (512, 1328), (513, 24712),
                                        (1000, 40296)])
def test_intset_memory_matches_redis(r, n, expected):
    key = f"s{n}"
    r.sadd(key, *range(n))
    assert r.memory_usage(key) == expected


def test_used_memory_follows_collections(r):
    base = r.info("memory")["used_memory"]
    r.sadd("s", *[f"member:{i}" for i in range(1000)])
    r.hset("h", mapping={f"f{i}": "v" * 20 for i in range(1000)})
    grown = r.info("memory")["used_memory"]
    assert grown - base > 1000 * 40 + 1000 * 60
    r.delete("s", "h")
    assert r.info("memory")["used_memory"] == base
