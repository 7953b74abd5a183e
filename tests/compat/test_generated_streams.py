"""Generated differential tests for streams: hypothesis drives random command
sequences into redis-server and the engine, step by step.

Each sequence starts from an empty database with ``stream-node-max-entries``
drawn at random (the default 100, or 1–5 so that listpack nodes fill, split
and are trimmed within a few steps) and ``stream-node-max-bytes`` either the
default or small (nodes closed by size). Two stream keys collide with a
string and a hash (WRONGTYPE paths). Entry IDs are explicit (``ms-seq``,
``ms`` alone, ``ms-*``, sometimes smaller than the top item or invalid), so
both servers hold identical streams; consumer groups, pending entries,
claims, trimming (exact, ``~``, LIMIT), XSETID, XINFO and MEMORY USAGE are
mixed in, plus DEL / RENAME / COPY.

Replies are compared byte for byte (RESP2 or RESP3, drawn per sequence),
except the clock-dependent integers masked by the normalizers of
test_streams.py (XINFO idle / seen-time / delivery times, XPENDING idle).
Idle thresholds are 0 or far beyond any test's duration, so which entries a
claim takes never depends on timing. At the end of a sequence the INFO
counters (keyspace hits/misses, errors, per-command calls, keyspace) must agree.

Sequences per run: ``STREAM_EXAMPLES`` (default 300), derandomized unless
``COMPAT_RANDOM=1``.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import initialize, rule

from differential import PairMachine, assert_info_agrees, run_generated
from test_streams import pending_idle, times

EXAMPLES = int(os.environ.get("STREAM_EXAMPLES", "300"))
DERANDOMIZE = os.environ.get("COMPAT_RANDOM", "") != "1"
STEPS = 25

KEYS = [b"s", b"t", b"str", b"h"]
keys = st.sampled_from(KEYS)
stream_keys = st.sampled_from([b"s", b"s", b"t"])
groups = st.sampled_from([b"g", b"g", b"g2"])
consumers = st.sampled_from([b"c1", b"c2", b"c3"])
ms = st.integers(0, 12)
ids = st.one_of(
    st.builds(lambda m, q: b"%d-%d" % (m, q), ms, st.integers(0, 3)),
    ms.map(lambda m: b"%d" % m),
    st.sampled_from([b"0-0", b"-", b"+", b"x", b"18446744073709551615-18446744073709551615"]))
add_ids = st.one_of(
    st.builds(lambda m, q: b"%d-%d" % (m, q), st.integers(0, 40), st.integers(0, 3)),
    st.integers(0, 40).map(lambda m: b"%d-*" % m),
    st.sampled_from([b"0-0", b"0", b"x", b"-"]))
range_ids = st.one_of(ids, ids.map(lambda i: b"(" + i))
fields = st.sampled_from([[b"a", b"1"], [b"a", b"2"], [b"b", b"x" * 50], [b"a", b"1", b"b", b"2"],
                          [b"-5", b""], [b"a", b"300"]])
counts = st.one_of(st.none(), st.sampled_from([b"0", b"1", b"2", b"5", b"-1", b"x"]))
idle = st.sampled_from([b"0", b"0", b"1000000000", b"-5"])
trims = st.one_of(
    st.just([]),
    st.builds(lambda kind, op, n, limit: [kind, *op, n, *limit],
              st.sampled_from([b"MAXLEN", b"MINID"]),
              st.sampled_from([[], [b"~"], [b"="]]),
              st.sampled_from([b"0", b"1", b"3", b"10", b"5-0", b"-1"]),
              st.sampled_from([[], [], [b"LIMIT", b"2"], [b"LIMIT", b"0"]])))
NODE_ENTRIES = st.sampled_from([b"100", b"100", b"1", b"2", b"3", b"5"])
NODE_BYTES = st.sampled_from([b"4096", b"4096", b"60", b"0"])


class Streams(PairMachine):
    """Every rule sends one command to both servers (see differential.PairMachine)."""

    @initialize(entries=NODE_ENTRIES, nbytes=NODE_BYTES, resp3=st.booleans())
    def configure(self, entries, nbytes, resp3):
        for client in (self.pair.real, self.pair.engine):
            client.call("CONFIG", "SET", "stream-node-max-entries", entries)
            client.call("CONFIG", "SET", "stream-node-max-bytes", nbytes)
        self.send(b"SET", b"str", b"v")
        self.send(b"HSET", b"h", b"f", b"v")
        self.send(b"XADD", b"s", b"1-1", b"a", b"1")
        self.send(b"XADD", b"s", b"2-1", b"a", b"2")
        if resp3:
            self.send(b"HELLO", b"3", normalize=lambda r: r.kind)

    # -- writing -------------------------------------------------------------------
    @rule(key=keys, trim=trims, sid=add_ids, kv=fields, nomk=st.booleans())
    def xadd(self, key, trim, sid, kv, nomk):
        self.send(b"XADD", key, *([b"NOMKSTREAM"] if nomk else []), *trim, sid, *kv)

    @rule(key=stream_keys, n=st.integers(1, 12))
    def xadd_many(self, key, n):
        for _ in range(n):
            self.send(b"XADD", key, b"100-*", b"a", b"1")

    @rule(key=keys, which=st.lists(ids, min_size=1, max_size=3))
    def xdel(self, key, which):
        self.send(b"XDEL", key, *which)

    @rule(key=keys, trim=trims.filter(bool))
    def xtrim(self, key, trim):
        self.send(b"XTRIM", key, *trim)

    @rule(key=stream_keys, sid=ids, extra=st.sampled_from([[], [b"ENTRIESADDED", b"50"],
                                                          [b"MAXDELETEDID", b"1-0"]]))
    def xsetid(self, key, sid, extra):
        self.send(b"XSETID", key, sid, *extra)

    # -- reading ---------------------------------------------------------------------
    @rule(key=keys, start=range_ids, end=range_ids, count=counts, rev=st.booleans())
    def xrange(self, key, start, end, count, rev):
        args = [b"XREVRANGE", key, end, start] if rev else [b"XRANGE", key, start, end]
        if count is not None:
            args += [b"COUNT", count]
        self.send(*args)

    @rule(ks=st.lists(keys, min_size=1, max_size=2), start=st.sampled_from([b"0", b"$", b"2-1",
                                                                          b"5"]),
          count=counts)
    def xread(self, ks, start, count):
        args = [b"XREAD"] + ([b"COUNT", count] if count is not None else [])
        self.send(*args, b"STREAMS", *ks, *([start] * len(ks)))

    @rule(key=keys)
    def xlen(self, key):
        self.send(b"XLEN", key)

    # -- groups ------------------------------------------------------------------------
    @rule(key=keys, group=groups, start=st.sampled_from([b"0", b"$", b"3-0", b"x"]),
          opts=st.sampled_from([[], [b"MKSTREAM"], [b"ENTRIESREAD", b"2"]]))
    def xgroup_create(self, key, group, start, opts):
        self.send(b"XGROUP", b"CREATE", key, group, start, *opts)

    @rule(key=stream_keys, group=groups, start=st.sampled_from([b"0", b"$", b"2-1", b"9"]),
          read=st.sampled_from([[], [b"ENTRIESREAD", b"1"]]))
    def xgroup_setid(self, key, group, start, read):
        self.send(b"XGROUP", b"SETID", key, group, start, *read)

    @rule(key=stream_keys, group=groups, consumer=consumers,
          sub=st.sampled_from([b"CREATECONSUMER", b"DELCONSUMER", b"DESTROY"]))
    def xgroup_misc(self, key, group, consumer, sub):
        if sub == b"DESTROY":
            self.send(b"XGROUP", sub, key, group)
        else:
            self.send(b"XGROUP", sub, key, group, consumer)

    @rule(key=stream_keys, group=groups, consumer=consumers, count=counts,
          start=st.sampled_from([b">", b">", b"0", b"2-1"]), noack=st.booleans())
    def xreadgroup(self, key, group, consumer, count, start, noack):
        args = [b"XREADGROUP", b"GROUP", group, consumer]
        if count is not None:
            args += [b"COUNT", count]
        if noack:
            args.append(b"NOACK")
        self.send(*args, b"STREAMS", key, start)

    @rule(key=stream_keys, group=groups, which=st.lists(ids, min_size=1, max_size=3))
    def xack(self, key, group, which):
        self.send(b"XACK", key, group, *which)

    @rule(key=stream_keys, group=groups, extended=st.booleans(), minidle=idle,
          consumer=st.one_of(st.none(), consumers), count=st.sampled_from([b"10", b"1", b"-1"]))
    def xpending(self, key, group, extended, minidle, consumer, count):
        if not extended:
            self.send(b"XPENDING", key, group)
            return
        args = [b"XPENDING", key, group, b"IDLE", minidle, b"-", b"+", count]
        if consumer is not None:
            args.append(consumer)
        self.send(*args, normalize=pending_idle)

    @rule(key=stream_keys, group=groups, consumer=consumers, minidle=idle,
          which=st.lists(ids, min_size=1, max_size=3),
          opts=st.lists(st.sampled_from([[b"FORCE"], [b"JUSTID"], [b"RETRYCOUNT", b"5"],
                                         [b"LASTID", b"4-0"], [b"IDLE", b"10"]]), max_size=2))
    def xclaim(self, key, group, consumer, minidle, which, opts):
        self.send(b"XCLAIM", key, group, consumer, minidle, *which, *[x for o in opts for x in o])

    @rule(key=stream_keys, group=groups, consumer=consumers, minidle=idle,
          start=st.sampled_from([b"0", b"(1-1", b"3"]), count=counts, justid=st.booleans())
    def xautoclaim(self, key, group, consumer, minidle, start, count, justid):
        args = [b"XAUTOCLAIM", key, group, consumer, minidle, start]
        if count is not None:
            args += [b"COUNT", count]
        if justid:
            args.append(b"JUSTID")
        self.send(*args)

    # -- introspection ------------------------------------------------------------------
    @rule(key=keys, form=st.sampled_from([[], [b"FULL"], [b"FULL", b"COUNT", b"2"]]))
    def xinfo_stream(self, key, form):
        self.send(b"XINFO", b"STREAM", key, *form, normalize=times)

    @rule(key=keys, group=groups, consumers_of=st.booleans())
    def xinfo_groups(self, key, group, consumers_of):
        if consumers_of:
            self.send(b"XINFO", b"CONSUMERS", key, group, normalize=times)
        else:
            self.send(b"XINFO", b"GROUPS", key, normalize=times)

    @rule(key=keys)
    def memory(self, key):
        self.send(b"MEMORY", b"USAGE", key)

    @rule(key=keys, sub=st.sampled_from([b"TYPE", b"ENCODING", b"EXISTS"]))
    def inspect(self, key, sub):
        if sub == b"ENCODING":
            self.send(b"OBJECT", b"ENCODING", key)
        else:
            self.send(sub, key)

    @rule(src=keys, dst=keys, cmd=st.sampled_from([b"RENAME", b"COPY", b"DEL"]))
    def keyspace(self, src, dst, cmd):
        if cmd == b"DEL":
            self.send(cmd, src)
        else:
            self.send(cmd, src, dst)

    def teardown(self):
        """INFO counters must agree after the whole sequence."""
        assert_info_agrees(self.pair)


@pytest.fixture
def stream_nodes(servers):
    """Put the stream node limits back on both servers afterwards."""
    yield
    for server in servers:
        with server.client() as c:
            c.call("CONFIG", "SET", "stream-node-max-entries", "100")
            c.call("CONFIG", "SET", "stream-node-max-bytes", "4096")


@pytest.mark.slow
def test_generated_stream_sequences(pair, stream_nodes):
    """EXAMPLES random sequences over streams and consumer groups; zero mismatches."""
    run_generated(Streams, pair, examples=EXAMPLES, steps=STEPS,
                  derandomize=DERANDOMIZE, title="generated stream sequences")
