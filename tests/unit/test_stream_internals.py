"""The pure parts of the stream type (engine/commands/stream_type.py): ID
parsing, the radix tree's node count, node splitting and trimming.

Expected values come from Redis's rules (t_stream.c, rax.c, listpack.c) and
from redis-server 7.0.15 runs noted next to them, never from this code."""
from __future__ import annotations

import copy
import random

import pytest

from engine import Node
from engine.commands.stream_type import (MAX_ID, NACK, ConsumerGroup, RaxShape, Stream, decr_id, id_to_int, incr_id,
                                         parse_id, parse_interval_id, parse_strict_id,
                                         string2ull)
from engine.protocol.replies import ReplyError

U64 = 2**64 - 1


@pytest.mark.parametrize("text,value", [
    (b"0", 0), (b"18446744073709551615", U64), (b"007", 7), (b" 7", 7), (b"+8", 8),
    (b"-01", U64), (b"-0", 0), (b"\t9", 9),
])
def test_string2ull_accepts_what_strtoull_accepts(text, value):
    assert string2ull(text) == value


@pytest.mark.parametrize("text", [b"", b"-1", b"18446744073709551616", b"1.5", b"7 ", b"x",
                                  b"+", b" "])
def test_string2ull_rejects(text):
    assert string2ull(text) is None


def test_parse_id_forms():
    assert parse_id(b"5-3") == ((5, 3), True)
    assert parse_id(b"5") == ((5, 0), True)
    assert parse_id(b"5", missing_seq=U64) == ((5, U64), True)
    assert parse_id(b"-") == ((0, 0), True)
    assert parse_id(b"+") == (MAX_ID, True)
    assert parse_id(b"5-*", seq_star=True) == ((5, 0), False)
    assert parse_id(b"10\x00junk") == ((10, 0), True)        # read as a C string


@pytest.mark.parametrize("raw", [b"5-*", b"-5", b"1-", b"1-2-3", b"", b"x" * 128, b"9-x"])
def test_parse_id_invalid(raw):
    with pytest.raises(ReplyError, match="Invalid stream ID"):
        parse_id(raw)


def test_strict_ids_refuse_dash_and_plus():
    for raw in (b"-", b"+"):
        with pytest.raises(ReplyError):
            parse_strict_id(raw)
    assert parse_interval_id(b"(5-1", 0) == ((5, 1), True)
    with pytest.raises(ReplyError):
        parse_interval_id(b"(", 0)          # "(" alone is read as an ID, an invalid one
    with pytest.raises(ReplyError):
        parse_interval_id(b"(-", 0)


def test_incr_decr_wrap_at_the_ends():
    assert incr_id((1, U64)) == (2, 0)
    assert incr_id(MAX_ID) is None
    assert decr_id((2, 0)) == (1, U64)
    assert decr_id((0, 0)) is None


def _canonical_nodes(keys):
    """Count a rax's nodes by building the compressed trie explicitly: the
    root, every key, every branching prefix and each branch's children."""
    enc = sorted(k.to_bytes(16, "big") for k in keys)
    nodes = {b""}
    nodes.update(enc)
    prefixes = {}
    for k in enc:
        for depth in range(16):
            prefixes.setdefault(k[:depth], set()).add(k[depth:depth + 1])
    for prefix, nexts in prefixes.items():
        if len(nexts) > 1:
            nodes.add(prefix)
            nodes.update(prefix + n for n in nexts)
    return len(nodes)


def test_rax_shape_matches_explicit_trie_under_inserts_and_removes():
    rng = random.Random(7)
    shape = RaxShape()
    live = set()
    for _ in range(2000):
        key = id_to_int((rng.choice([1, 2, 300, 70000, 2**40]) + rng.randrange(5),
                         rng.randrange(3)))
        if key in live and rng.random() < 0.5:
            assert shape.remove(key)
            live.discard(key)
        else:
            shape.insert(key)
            live.add(key)
        assert shape.numnodes == _canonical_nodes(live)
    assert shape.keys == sorted(live)


def test_rax_shape_empty_and_single():
    shape = RaxShape()
    assert shape.numnodes == 1                 # XINFO on an emptied stream: 1
    shape.insert(id_to_int((1, 1)))
    assert shape.numnodes == 2                 # one listpack: radix-tree-nodes 2


def _filled(n, config=None):
    node = Node()
    cfg = node.config
    if config:
        for k, v in config.items():
            cfg.set(k, str(v))
    st = Stream()
    for i in range(n):
        st.append((i + 1, 1), (b"f", b"%d" % i), cfg)
    return st


def test_nodes_split_every_100_entries():
    st = _filled(299)
    assert [n.count for n in st.nodes] == [100, 100, 99]
    assert st.rax.numnodes == 8                # redis-server 7.0.15: radix-tree-nodes 8


def test_approximate_trim_removes_whole_nodes_only():
    st = _filled(299)
    assert st.trim(10, None, approx=True, limit=10_000) == 200   # as redis-server: 200
    assert st.length == 99
    st = _filled(250)
    assert st.trim(10, None, approx=True, limit=10_000) == 200
    assert st.length == 50


def test_exact_trim_flags_entries_and_keeps_the_node():
    st = _filled(150)
    assert st.trim(30, None, approx=False, limit=0) == 120
    assert st.length == 30
    assert len(st.nodes) == 1 and st.nodes[0].deleted == 20
    assert st.first_id == (121, 1)


def test_deleted_entries_still_fill_a_node():
    st = _filled(4, {"stream-node-max-entries": 4})
    st.delete((2, 1))
    st.append((10, 1), (b"f", b"v"), _cfg(4))     # 3 live + 1 deleted = full
    assert len(st.nodes) == 2


def _cfg(max_entries):
    cfg = Node().config
    cfg.set("stream-node-max-entries", str(max_entries))
    return cfg


def test_copy_keeps_shared_nacks_and_drops_prealloc():
    st = _filled(3)
    g = st.groups[b"g"] = ConsumerGroup(b"g", (0, 0), -1)
    c = g.consumer(b"c", 0)
    nack = NACK(0, c)
    g.pel.add((1, 1), nack)
    c.pel.add((1, 1), nack)
    dup = copy.deepcopy(st)
    dg = dup.groups[b"g"]
    assert dg.pel.get((1, 1)) is dg.consumers[b"c"].pel.get((1, 1))
    assert dg.pel.get((1, 1)) is not nack
    assert st.nodes[0].alloc == 4096 and dup.nodes[0].alloc < 4096
