"""The memory model: jemalloc size classes and per-key accounting."""
import engine
from engine.node import memory


def test_size_classes_round_up_like_jemalloc():
    assert [memory.alloc_size(n) for n in (1, 8, 9, 17, 23, 33, 129, 161, 4097)] == \
        [8, 8, 16, 32, 32, 48, 160, 192, 5120]


def test_memory_usage_grows_with_value_and_encoding_changes():
    r = engine.connect()
    r.set("n", 12345)
    r.set("short", "x" * 10)
    r.set("long", "x" * 100)
    int_cost = r.memory_usage("n")
    short_cost = r.memory_usage("short")
    long_cost = r.memory_usage("long")
    assert int_cost < short_cost < long_cost
    assert r.object("encoding", "n") == b"int"
    assert r.object("encoding", "short") == b"embstr"
    assert r.object("encoding", "long") == b"raw"
    assert r.memory_usage("missing") is None


def test_used_memory_tracks_writes_and_deletes():
    r = engine.connect()
    base = r.info("memory")["used_memory"]
    for i in range(1000):
        r.set(f"key:{i}", "v" * 100)
    grown = r.info("memory")["used_memory"]
    assert grown - base > 1000 * 100
    r.flushall()
    assert r.info("memory")["used_memory"] == base


def test_oom_when_over_maxmemory():
    r = engine.connect(engine.Node(maxmemory="1mb"))
    import redis
    written = 0
    try:
        for i in range(100000):
            r.set(f"k{i}", "x" * 1000)
            written += 1
    except redis.exceptions.OutOfMemoryError as exc:
        assert "maxmemory" in str(exc)
    assert 0 < written < 1000
    assert r.get("k0") is not None       # reads still work
    assert r.delete("k0") == 1           # and DEL is allowed (not denyoom)
