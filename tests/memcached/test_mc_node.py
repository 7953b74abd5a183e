"""Unit tests of the memcached node on the virtual clock: slabs, expiry, CAS,
incr/decr, eviction per class, flush_all, the Python API."""
from __future__ import annotations

import pytest

from engine.clock import VirtualClock
from engine.memcached import MemcachedError, MemcachedNode
from engine.memcached.items import REALTIME_MAXDELTA
from engine.memcached.slabs import SlabAllocator, compute_classes, item_total_size

#: `memcached -vv` (1.6.18, defaults): chunk size of classes 1..39.
REAL_CHUNK_SIZES = [
    96, 120, 152, 192, 240, 304, 384, 480, 600, 752, 944, 1184, 1480, 1856, 2320, 2904,
    3632, 4544, 5680, 7104, 8880, 11104, 13880, 17352, 21696, 27120, 33904, 42384, 52984,
    66232, 82792, 103496, 129376, 161720, 202152, 252696, 315872, 394840, 524288]
REAL_PERSLAB_HEAD = [10922, 8738, 6898, 5461, 4369, 3449, 2730, 2184, 1747, 1394]
#: `memcached -vv -f 2 -n 100`
REAL_F2_N100 = [152, 304, 608, 1216, 2432, 4864, 9728, 19456, 38912, 77824, 155648, 524288]


# -- slab math -------------------------------------------------------------------------
def test_slab_classes_match_memcached():
    classes = compute_classes()
    assert [size for size, _ in classes] == REAL_CHUNK_SIZES
    assert [per for _, per in classes[:10]] == REAL_PERSLAB_HEAD
    assert classes[-1] == (524288, 2)


def test_slab_classes_other_factor():
    assert [size for size, _ in compute_classes(2.0, 100)] == REAL_F2_N100


def test_item_sizes_and_classes():
    assert item_total_size(1, 7) == 65              # "a" = "hello" (stats items: 65)
    assert item_total_size(1, 302, flags=5) == 364  # flags cost 4 bytes
    s = SlabAllocator()
    assert s.clsid(96) == 1 and s.clsid(97) == 2 and s.clsid(524288) == 39
    assert s.clsid(600000) == 39 and s.clsid(1024 * 1024 + 1) == 0
    # a 600000-byte value: header in class 2, one full chunk, the rest in class 31
    assert s.chunk_plan(3, 600002) == [2, 39, 31]


def test_item_size_limit_boundary():
    node = MemcachedNode()
    assert node.set("x", b"a" * 1048476) == "STORED"          # the facts file's numbers
    assert node.set("x", b"a" * 1048576) == "SERVER_ERROR object too large for cache"
    assert node.get("x") is None                               # a failed set drops the old
    assert node.set("k", b"a" * 1048516) == "STORED"           # 48+8+2+1048518 = 1 MiB
    assert node.set("k", b"a" * 1048517).startswith("SERVER_ERROR")
    assert node.set("k", b"a" * 1048512, flags=1) == "STORED"
    assert node.set("k", b"a" * 1048513, flags=1).startswith("SERVER_ERROR")


def test_bad_configuration_is_explained():
    with pytest.raises(ValueError, match="growth_factor"):
        MemcachedNode(growth_factor=1.0)
    with pytest.raises(ValueError, match="item_size_max"):
        MemcachedNode(item_size_max=100 * 1024)
    with pytest.raises(ValueError, match="1/2"):
        MemcachedNode(memory_limit_mb=1)


# -- expiry -------------------------------------------------------------------------------
def test_exptime_rules_on_the_virtual_clock():
    clock = VirtualClock()
    node = MemcachedNode(clock)
    now = int(clock.now())
    node.set("never", 1, exptime=0)
    node.set("neg", 1, exptime=-1)
    node.set("rel", 1, exptime=10)
    node.set("d30", 1, exptime=REALTIME_MAXDELTA)          # 30 days: still relative
    node.set("d30+1", 1, exptime=REALTIME_MAXDELTA + 1)    # absolute: 1970 -> expired
    node.set("abs", 1, exptime=now + 100)                   # absolute Unix time
    assert node.get("neg") is None and node.get("d30+1") is None
    assert node.ttl("rel") == 10 and node.ttl("never") == -1
    assert node.expires_at("d30") == now + REALTIME_MAXDELTA
    clock.advance(9.999)
    assert node.get("rel") == b"1"
    clock.advance(0.001)
    assert node.get("rel") is None
    clock.advance(89)
    assert node.get("abs") == b"1"
    clock.advance(1)
    assert node.get("abs") is None
    clock.advance(REALTIME_MAXDELTA - 101)
    assert node.get("d30") == b"1"
    clock.advance(1)
    assert node.get("d30") is None and node.get("never") == b"1"
    assert node.stats()["get_expired"] == "5"


def test_touch_and_gat_change_expiry():
    clock = VirtualClock()
    node = MemcachedNode(clock)
    node.set("k", "v", exptime=5)
    assert node.touch("k", 100) is True and node.touch("nope", 1) is False
    clock.advance(50)
    assert node.gat(0, "k") == b"v" and node.ttl("k") == -1
    assert node.gats(-1, "k")[0] == b"v"
    assert node.get("k") is None


def test_flush_all_now_and_later():
    clock = VirtualClock()
    node = MemcachedNode(clock)
    node.set("a", 1)
    node.flush_all()
    assert node.get("a") is None
    node.set("b", 2)                      # stored after the flush: visible
    assert node.get("b") == b"2"
    node.flush_all(10)
    clock.advance(8)
    node.set("c", 3)
    assert node.get("b") == b"2" and node.get("c") == b"3"
    clock.advance(2)
    assert node.get("b") is None and node.get("c") is None
    node.set("d", 4)
    assert node.get("d") == b"4"


# -- CAS ---------------------------------------------------------------------------------
def test_cas_semantics():
    node = MemcachedNode()
    assert node.cas("k", "x", 1) == "NOT_FOUND"
    node.set("k", "v1")
    value, unique = node.gets("k")
    assert (value, unique) == (b"v1", 1)
    node.set("other", "o")                                   # other keys do not matter
    assert node.cas("k", "v2", unique) == "STORED"
    assert node.cas("k", "v3", unique) == "EXISTS"           # changed since gets
    assert node.cas("k", "v3", 0) == "EXISTS"
    assert node.gets("k") == (b"v2", 3)
    node.flush_all()                                         # flush draws a CAS unique too
    node.set("k", "v4")
    assert node.gets("k")[1] == 5
    assert node.stats()["cas_hits"] == "1" and node.stats()["cas_badval"] == "2"
    assert node.stats()["cas_misses"] == "1"


def test_storage_commands():
    node = MemcachedNode()
    assert node.add("k", "a") == "STORED" and node.add("k", "b") == "NOT_STORED"
    assert node.replace("nope", "x") == "NOT_STORED" and node.replace("k", "b", flags=3) == "STORED"
    assert node.append("k", "c") == "STORED" and node.prepend("k", "<") == "STORED"
    assert node.get("k") == b"<bc" and node.item("k").flags == 3
    assert node.append("nope", "x") == "NOT_STORED"
    assert node.delete("k") is True and node.delete("k") is False
    assert node.get_multi(["a", "k", "b"]) == {}
    node.set("a", 1)
    node.set("b", b"\x00\xff")
    assert node.get_multi(["a", "k", "b"]) == {b"a": b"1", b"b": b"\x00\xff"}


# -- incr / decr -----------------------------------------------------------------------------
def test_incr_decr():
    node = MemcachedNode()
    assert node.incr("n") is None
    node.set("n", "18446744073709551615")
    assert node.incr("n", 1) == 0                     # wraps at 2**64
    assert node.get("n") == b"0" + b" " * 19          # rewritten in place, space padded
    assert node.decr("n", 5) == 0                     # floors at 0
    node.set("n", "100")
    assert node.decr("n", 95) == 5 and node.get("n") == b"5  "
    assert node.incr("n", 1000) == 1005 and node.get("n") == b"1005"
    node.set("t", "text")
    with pytest.raises(MemcachedError, match="non-numeric value"):
        node.incr("t")
    with pytest.raises(ValueError):
        node.incr("n", -1)
    with pytest.raises(ValueError):
        node.incr("n", 2**64)
    assert node.execute(b"incr n abc\r\n") == b"CLIENT_ERROR invalid numeric delta argument\r\n"


# -- eviction and slab calcification ------------------------------------------------------------
def _fill(node, prefix, count, size):
    for i in range(count):
        node.set(f"{prefix}{i:06d}", b"v" * size)


def test_eviction_stays_within_the_class():
    """Slab calcification: memory full of small items; a new workload of bigger
    items gets one page and evicts among itself while class 1 keeps 2 pages."""
    node = MemcachedNode(memory_limit_mb=2)
    _fill(node, "s", 30000, 10)                    # key 7 + value 10: class 1 (96 B)
    c1 = node.slabs.cls(1)
    assert c1.pages == 2 and c1.used_chunks == 2 * 10922
    assert c1.evicted == 30000 - 2 * 10922
    assert node.get("s000000") is None and node.get("s029999") == b"v" * 10  # LRU order
    _fill(node, "b", 5000, 200)                    # class 6 (304 B)
    c6 = node.slabs.cls(6)
    assert c6.pages == 1 and c6.used_chunks == 3449 and c6.evicted == 5000 - 3449
    assert c1.pages == 2 and c1.items == 2 * 10922 and c1.evicted == 30000 - 2 * 10922
    table = {row["class"]: row for row in node.slab_table()}
    assert table[6]["evicted"] == 1551 and table[1]["pages"] == 2
    assert node.evictions == 8156 + 1551
    assert node.events[-1].kind == "evicted" and node.events[-1].clsid == 6
    stats = node.stats("items")
    assert stats["items:6:evicted"] == "1551" and stats["items:6:evicted_unfetched"] == "1551"


def test_fetch_protects_from_eviction():
    node = MemcachedNode(memory_limit_mb=2)
    _fill(node, "s", 2 * 10922, 10)
    assert node.get("s000000") is not None         # now most recently used
    node.set("new", b"v" * 10)
    assert node.get("s000000") is not None and node.get("s000001") is None


def test_expired_items_are_reclaimed_before_evicting():
    clock = VirtualClock()
    node = MemcachedNode(clock, memory_limit_mb=2)
    for i in range(2 * 10922):
        node.set(f"s{i:06d}", b"v" * 10, exptime=10 if i < 3 else 0)
    clock.advance(11)
    node.set("new", b"v" * 10)
    c1 = node.slabs.cls(1)
    assert c1.reclaimed == 3 and c1.expired_unfetched == 3 and c1.evicted == 1


def test_slabs_reassign_moves_a_page():
    node = MemcachedNode(memory_limit_mb=2)
    _fill(node, "s", 30000, 10)
    assert node.execute(b"slabs reassign 1 6\r\n") == b"OK\r\n"
    assert node.slabs.cls(1).pages == 1 and node.slabs.cls(6).pages == 1
    assert node.execute(b"slabs reassign 1 6\r\n") == b"NOSPARE source class has no spare pages\r\n"
    _fill(node, "b", 3000, 200)
    assert node.slabs.cls(6).evicted == 0


def test_chunked_items():
    node = MemcachedNode()
    value = bytes(range(256)) * 3000
    assert node.set("big", value) == "STORED"
    assert node.get("big") == value
    used = {c["class"]: c["used_chunks"] for c in node.slab_table()}
    assert used == {2: 1, 39: 1, 36: 1}            # header, 524240 B, the remaining 243762
    assert node.item("big").clsid == 39
    with pytest.raises(MemcachedError):
        node.incr("big")


# -- Python API --------------------------------------------------------------------------------
def test_python_api_rejects_misuse_clearly():
    node = MemcachedNode()
    with pytest.raises(ValueError, match="spaces or control"):
        node.set("a b", 1)
    with pytest.raises(ValueError, match="1 to 250"):
        node.get("k" * 251)
    with pytest.raises(TypeError):
        node.set(1, 1)
    with pytest.raises(ValueError, match="flags"):
        node.set("k", 1, flags=2**32)
    with pytest.raises(ValueError, match="32 bits"):
        node.set("k", 1, exptime=2**31)
    with pytest.raises(ValueError, match="stats kind"):
        node.stats("bogus")


def test_execute_and_stats_in_process():
    node = MemcachedNode()
    out = node.execute("set a 0 0 2\r\nhi\r\nget a\r\nstats settings\r\n")
    assert out.startswith(b"STORED\r\nVALUE a 0 2\r\nhi\r\nEND\r\nSTAT maxbytes 67108864\r\n")
    stats = node.stats()
    assert stats["cmd_set"] == "1" and stats["get_hits"] == "1" and stats["curr_items"] == "1"
    assert stats["bytes"] == str(item_total_size(1, 4))
    assert node.stats("slabs")["1:used_chunks"] == "1"
