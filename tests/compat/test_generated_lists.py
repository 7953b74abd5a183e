"""Generated differential tests for lists: hypothesis drives random command
sequences into redis-server and the engine, step by step.

Each sequence starts from an empty database with ``list-max-listpack-size``
drawn at random — the default (-2, 8 KB nodes), other size limits, or small
element counts (1, 3) so that quicklist nodes fill, split and merge within a
few steps. Keys come from a small alphabet so lists collide with each other
(LMOVE, RPOPLPUSH, LMPOP across keys) and with a string and a hash
(WRONGTYPE paths); TTLs, DEL, RENAME, COPY, TYPE, EXISTS and OBJECT ENCODING
are mixed in, and MEMORY USAGE … SAMPLES 0 checks the node model.

Lists are ordered, so every reply is compared byte for byte (RESP2 or RESP3,
drawn per sequence). At the end of a sequence the INFO counters (keyspace
hits/misses, errors, per-command calls, keyspace) must agree.

Sequences per run: ``LIST_EXAMPLES`` (default 300), derandomized unless
``COMPAT_RANDOM=1``.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import initialize, rule

from differential import PairMachine, assert_info_agrees, run_generated

EXAMPLES = int(os.environ.get("LIST_EXAMPLES", "300"))
DERANDOMIZE = os.environ.get("COMPAT_RANDOM", "") != "1"
STEPS = 25
FAR_S = 4102444800

KEYS = [b"l", b"m", b"n", b"str", b"h"]
keys = st.sampled_from(KEYS)
key_lists = st.lists(keys, min_size=1, max_size=3)
elements = st.one_of(
    st.integers(-3, 12).map(lambda i: b"%d" % i),
    st.sampled_from([b"a", b"b", b"c", b"", b"\x00\xff", b"007", b"-0", b"1.5",
                     b"9223372036854775807", b"-9223372036854775808", b"70000",
                     b"e" * 40, b"long-" * 30, b"x" * 3000]))
element_lists = st.lists(elements, min_size=1, max_size=6)
indexes = st.one_of(st.integers(-8, 8), st.sampled_from([100, -100, 2**63 - 1, -(2**63)]))
index_bytes = st.one_of(indexes.map(lambda i: b"%d" % i), st.sampled_from([b"x", b"1.5", b""]))
counts = st.one_of(st.none(), st.integers(-2, 7).map(lambda i: b"%d" % i),
                   st.sampled_from([b"x", b"100"]))
sides = st.sampled_from([b"LEFT", b"RIGHT", b"left", b"UP"])
FILLS = st.sampled_from([b"-2", b"-2", b"-1", b"1", b"3", b"0"])


class Lists(PairMachine):
    """Every rule sends one command to both servers (see differential.PairMachine)."""

    @initialize(fill=FILLS, resp3=st.booleans())
    def configure(self, fill, resp3):
        for client in (self.pair.real, self.pair.engine):
            client.call("CONFIG", "SET", "list-max-listpack-size", fill)
        self.send(b"SET", b"str", b"v")
        self.send(b"HSET", b"h", b"f", b"v")
        if resp3:
            self.send(b"HELLO", b"3", normalize=lambda r: r.kind)

    # -- push / pop --------------------------------------------------------------
    @rule(key=keys, items=element_lists,
          cmd=st.sampled_from([b"LPUSH", b"RPUSH", b"LPUSH", b"RPUSH", b"LPUSHX", b"RPUSHX"]))
    def push(self, key, items, cmd):
        self.send(cmd, key, *items)

    @rule(key=keys, cmd=st.sampled_from([b"LPOP", b"RPOP"]), count=counts)
    def pop(self, key, cmd, count):
        self.send(cmd, key, *([] if count is None else [count]))

    # -- read --------------------------------------------------------------------
    @rule(key=keys)
    def llen(self, key):
        self.send(b"LLEN", key)

    @rule(key=keys, start=index_bytes, stop=index_bytes)
    def lrange(self, key, start, stop):
        self.send(b"LRANGE", key, start, stop)

    @rule(key=keys)
    def lrange_all(self, key):
        self.send(b"LRANGE", key, b"0", b"-1")

    @rule(key=keys, index=index_bytes)
    def lindex(self, key, index):
        self.send(b"LINDEX", key, index)

    @rule(key=keys, element=elements,
          rank=st.one_of(st.none(), st.sampled_from([b"1", b"2", b"-1", b"-2", b"0", b"x"])),
          count=st.one_of(st.none(), st.sampled_from([b"0", b"1", b"2", b"-1"])),
          maxlen=st.one_of(st.none(), st.sampled_from([b"0", b"1", b"3", b"-1"])))
    def lpos(self, key, element, rank, count, maxlen):
        args = [b"LPOS", key, element]
        for name, value in ((b"RANK", rank), (b"COUNT", count), (b"MAXLEN", maxlen)):
            if value is not None:
                args += [name, value]
        self.send(*args)

    # -- edit --------------------------------------------------------------------
    @rule(key=keys, index=index_bytes, element=elements)
    def lset(self, key, index, element):
        self.send(b"LSET", key, index, element)

    @rule(key=keys, where=st.sampled_from([b"BEFORE", b"AFTER", b"after", b"MIDDLE"]),
          pivot=elements, element=elements)
    def linsert(self, key, where, pivot, element):
        self.send(b"LINSERT", key, where, pivot, element)

    @rule(key=keys, count=st.sampled_from([b"0", b"1", b"2", b"-1", b"-2", b"x"]),
          element=elements)
    def lrem(self, key, count, element):
        self.send(b"LREM", key, count, element)

    @rule(key=keys, start=index_bytes, stop=index_bytes)
    def ltrim(self, key, start, stop):
        self.send(b"LTRIM", key, start, stop)

    # -- move --------------------------------------------------------------------
    @rule(src=keys, dst=keys, wherefrom=sides, whereto=sides)
    def lmove(self, src, dst, wherefrom, whereto):
        self.send(b"LMOVE", src, dst, wherefrom, whereto)

    @rule(src=keys, dst=keys)
    def rpoplpush(self, src, dst):
        self.send(b"RPOPLPUSH", src, dst)

    @rule(ks=key_lists, where=sides, count=counts, numkeys=st.sampled_from([0, 0, 0, 1, -1]))
    def lmpop(self, ks, where, count, numkeys):
        args = [b"LMPOP", b"%d" % (len(ks) + numkeys), *ks, where]
        if count is not None:
            args += [b"COUNT", count]
        self.send(*args)

    # -- keys --------------------------------------------------------------------
    @rule(key=keys)
    def memory(self, key):
        self.send(b"MEMORY", b"USAGE", key, b"SAMPLES", b"0")

    @rule(cmd=st.sampled_from([b"DEL", b"EXISTS"]), ks=key_lists)
    def del_exists(self, cmd, ks):
        self.send(cmd, *ks)

    @rule(key=keys, sub=st.sampled_from([b"TYPE", b"ENCODING", b"TTL"]))
    def inspect(self, key, sub):
        if sub == b"ENCODING":
            self.send(b"OBJECT", b"ENCODING", key)
        else:
            self.send(sub, key)

    @rule(key=keys, absolute=st.booleans())
    def expire(self, key, absolute):
        if absolute:
            self.send(b"EXPIREAT", key, b"%d" % FAR_S)
        else:
            self.send(b"EXPIRE", key, b"100000")

    @rule(src=keys, dst=keys, cmd=st.sampled_from([b"RENAME", b"COPY"]))
    def rename_copy(self, src, dst, cmd):
        self.send(cmd, src, dst)

    # -- the end of a sequence ---------------------------------------------------
    def teardown(self):
        """INFO counters must agree after the whole sequence."""
        assert_info_agrees(self.pair)

@pytest.fixture
def list_fill(servers):
    """Put list-max-listpack-size back to -2 on both servers afterwards."""
    yield
    for server in servers:
        with server.client() as c:
            c.call("CONFIG", "SET", "list-max-listpack-size", "-2")


@pytest.mark.slow
def test_generated_list_sequences(pair, list_fill):
    """EXAMPLES random sequences over lists; zero mismatches."""
    run_generated(Lists, pair, examples=EXAMPLES, steps=STEPS,
                  derandomize=DERANDOMIZE, title="generated list sequences")
