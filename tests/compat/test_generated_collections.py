"""Generated differential tests for hashes and sets: hypothesis drives random
command sequences into redis-server and the engine, step by step.

Each sequence starts from an empty database with encoding thresholds drawn at
random — Redis's defaults (hash-max-listpack-entries pinned to 128, see
collections_support.py) or tiny ones (a few entries, a few bytes) so that
listpack→hashtable and intset→hashtable conversions happen within a few
steps. Keys come from a small alphabet so hashes, sets and strings collide
(WRONGTYPE paths), and TTLs, DEL, RENAME, COPY, TYPE, EXISTS and OBJECT
ENCODING are mixed in.

Comparison: byte for byte, except where Redis's order is its seeded hash
order — a reply over a *hashtable*-encoded key (the engine's encoding decides,
and OBJECT ENCODING checks that both servers agree) is compared sorted.
HRANDFIELD / SRANDMEMBER / SPOP are checked against their rules (see
collections_support.Random); SPOP's popped members are then put back on each
server (they differ between the two), so later steps compare equal contents. At the end of a sequence the INFO counters
(keyspace hits/misses, errors, per-command calls, keyspace) must agree.

Sequences per run: ``COLLECTION_EXAMPLES`` (default 400), derandomized unless
``COMPAT_RANDOM=1``.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import initialize, rule

from collections_support import check_random, listpack_entries, pairs, scan_pairs, _content  # noqa: F401
from differential import PairMachine, assert_info_agrees, compare, run_generated, scan_reply, sort

EXAMPLES = int(os.environ.get("COLLECTION_EXAMPLES", "400"))
DERANDOMIZE = os.environ.get("COMPAT_RANDOM", "") != "1"
STEPS = 25
FAR_S = 4102444800

KEYS = [b"h", b"s", b"t", b"x:1"]
keys = st.sampled_from(KEYS)
key_lists = st.lists(keys, min_size=1, max_size=3)
fields = st.sampled_from([b"a", b"b", b"c", b"f1", b"", b"\x00\xff", b"1", b"f" * 9,
                          b"long-" * 14])
ints = st.one_of(st.integers(-5, 20), st.sampled_from([2**63 - 1, -(2**63), 70000, 2**40]))
int_bytes = ints.map(lambda i: b"%d" % i)
values = st.one_of(int_bytes, st.sampled_from([
    b"", b"x", b"hello", b"1.5", b"007", b" 1", b"-0", b"abc", b"v" * 70, b"12345678901234567890",
    b"3.0e2", b"\r\n"]))
members = st.one_of(int_bytes, st.sampled_from([b"a", b"b", b"c", b"01", b"-0", b"", b"m" * 40,
                                                b"9223372036854775808", b"+1"]))
increments = st.one_of(int_bytes, st.sampled_from([b"x", b"1.5", b"", b"99999999999999999999"]))
float_incs = st.sampled_from([b"1.5", b"-0.25", b"3.0e2", b"0", b"1e-3", b"10.50", b"0x10",
                              b"inf", b"nan", b"abc", b"5", b"-7", b"1e300"])
counts = st.one_of(st.integers(-6, 8), st.sampled_from([100, -100]))
THRESHOLDS = st.sampled_from([
    (128, 64, 512),      # the defaults (redis.conf / ElastiCache)
    (128, 64, 512),
    (3, 8, 3),           # tiny: conversions after a few steps
    (4, 64, 2),
    (0, 64, 0),          # never compact
])


class Collections(PairMachine):
    """Every rule sends one command to both servers (see differential.PairMachine)."""

    # -- plumbing ----------------------------------------------------------------
    def encoding(self, key: bytes):
        """The engine's encoding of ``key`` (None if missing or expired)."""
        node = self.pair.engine_node
        with node.lock:
            e = node.dbs[0].peek(key)
            return None if e is None else e.encoding

    def unordered(self, *ks) -> bool:
        return any(self.encoding(k) == "hashtable" for k in ks)

    def send_random(self, *args):
        Collections.stats["steps"] += 1
        key = args[1]
        before = (_content(self.pair.real, key), _content(self.pair.engine, key))
        real, eng = self.pair.both(*args)
        check_random(args, real, eng, *before)
        if args[0] == b"SPOP" and not real.is_error:
            self.undo_spop(key, real, eng)

    def undo_spop(self, key, real, eng):
        """SPOP removed *different* random members on the two servers. Check
        that they are gone (SCARD), then put each server's popped members
        back with SADD, so the contents agree again for the following steps
        (the same commands reach both servers, so INFO counters still agree)."""
        def popped(reply):
            if reply.kind in ("*", "~"):
                return [c.value for c in reply.value]
            return [] if reply.value is None else [reply.value]
        out_r, out_e = popped(real), popped(eng)
        if not out_r:
            return
        self.send(b"SCARD", key)
        Collections.stats["steps"] += 1
        back_r = self.pair.real.call(b"SADD", key, *out_r)
        back_e = self.pair.engine.call(b"SADD", key, *out_e)
        compare((b"SADD", key, b"<popped members>"), back_r, back_e)

    @initialize(limits=THRESHOLDS, resp3=st.booleans())
    def configure(self, limits, resp3):
        entries, value, intset = limits
        for client in (self.pair.real, self.pair.engine):
            client.call("CONFIG", "SET", "hash-max-listpack-entries", str(entries))
            client.call("CONFIG", "SET", "hash-max-listpack-value", str(value))
            client.call("CONFIG", "SET", "set-max-intset-entries", str(intset))
        if resp3:
            self.send(b"HELLO", b"3", normalize=lambda r: r.kind)

    # -- hashes ------------------------------------------------------------------
    @rule(key=keys, kv=st.lists(st.tuples(fields, values), min_size=1, max_size=3),
          cmd=st.sampled_from([b"HSET", b"HSET", b"HMSET"]))
    def hset(self, key, kv, cmd):
        self.send(cmd, key, *[x for p in kv for x in p])

    @rule(key=keys, field=fields, value=values)
    def hsetnx(self, key, field, value):
        self.send(b"HSETNX", key, field, value)

    @rule(key=keys, field=fields, cmd=st.sampled_from([b"HGET", b"HEXISTS", b"HSTRLEN"]))
    def hget(self, key, field, cmd):
        self.send(cmd, key, field)

    @rule(key=keys, fs=st.lists(fields, min_size=1, max_size=4))
    def hmget(self, key, fs):
        self.send(b"HMGET", key, *fs)

    @rule(key=keys, cmd=st.sampled_from([b"HGETALL", b"HKEYS", b"HVALS", b"HLEN"]))
    def hgetall(self, key, cmd):
        normalize = None
        if self.unordered(key):
            normalize = pairs if cmd == b"HGETALL" else sort
        self.send(cmd, key, normalize=normalize)

    @rule(key=keys, fs=st.lists(fields, min_size=1, max_size=3))
    def hdel(self, key, fs):
        self.send(b"HDEL", key, *fs)

    @rule(key=keys, field=fields, amount=increments)
    def hincrby(self, key, field, amount):
        self.send(b"HINCRBY", key, field, amount)

    @rule(key=keys, field=fields, amount=float_incs)
    def hincrbyfloat(self, key, field, amount):
        self.send(b"HINCRBYFLOAT", key, field, amount)

    @rule(key=keys, count=st.one_of(st.none(), counts), withvalues=st.booleans())
    def hrandfield(self, key, count, withvalues):
        args = [b"HRANDFIELD", key]
        if count is not None:
            args.append(b"%d" % count)
            if withvalues:
                args.append(b"WITHVALUES")
        self.send_random(*args)

    @rule(key=keys, opts=st.sampled_from([[], [b"MATCH", b"[ab]*"], [b"COUNT", b"1000"],
                                          [b"COUNT", b"0"], [b"MATCH", b"f*", b"COUNT", b"500"]]))
    def hscan(self, key, opts):
        normalize = scan_pairs if self.unordered(key) else None
        if normalize is not None and b"1000" not in opts and b"500" not in opts:
            opts = opts + [b"COUNT", b"1000"]     # finish in one call
        self.send(b"HSCAN", key, b"0", *opts, normalize=normalize)

    # -- sets --------------------------------------------------------------------
    @rule(key=keys, ms=st.lists(members, min_size=1, max_size=4))
    def sadd(self, key, ms):
        self.send(b"SADD", key, *ms)

    @rule(key=keys, ms=st.lists(members, min_size=1, max_size=3))
    def srem(self, key, ms):
        self.send(b"SREM", key, *ms)

    @rule(key=keys, m=members, cmd=st.sampled_from([b"SISMEMBER", b"SMISMEMBER"]))
    def sismember(self, key, m, cmd):
        self.send(cmd, key, m, *([b"a", m] if cmd == b"SMISMEMBER" else []))

    @rule(key=keys, cmd=st.sampled_from([b"SMEMBERS", b"SCARD"]))
    def smembers(self, key, cmd):
        self.send(cmd, key, normalize=sort if self.unordered(key) else None)

    @rule(key=keys, count=st.one_of(st.none(), counts), cmd=st.sampled_from([b"SPOP",
                                                                               b"SRANDMEMBER"]))
    def random_members(self, key, count, cmd):
        args = [cmd, key] + ([] if count is None else [b"%d" % count])
        self.send_random(*args)

    @rule(src=keys, dst=keys, m=members)
    def smove(self, src, dst, m):
        self.send(b"SMOVE", src, dst, m)

    @rule(ks=key_lists, cmd=st.sampled_from([b"SINTER", b"SUNION", b"SDIFF"]))
    def algebra(self, ks, cmd):
        self.send(cmd, *ks, normalize=sort if self.unordered(*ks) else None)

    @rule(dst=keys, ks=key_lists,
          cmd=st.sampled_from([b"SINTERSTORE", b"SUNIONSTORE", b"SDIFFSTORE"]))
    def algebra_store(self, dst, ks, cmd):
        self.send(cmd, dst, *ks)

    @rule(ks=key_lists, limit=st.one_of(st.none(), st.integers(-1, 3)))
    def sintercard(self, ks, limit):
        opts = [] if limit is None else [b"LIMIT", b"%d" % limit]
        self.send(b"SINTERCARD", b"%d" % len(ks), *ks, *opts)

    @rule(key=keys, opts=st.sampled_from([[], [b"MATCH", b"[ab1]*"], [b"COUNT", b"1000"]]))
    def sscan(self, key, opts):
        normalize = scan_reply if self.unordered(key) else None
        if normalize is not None and b"1000" not in opts:
            opts = opts + [b"COUNT", b"1000"]
        self.send(b"SSCAN", key, b"0", *opts, normalize=normalize)

    # -- keys --------------------------------------------------------------------
    @rule(key=keys, value=values)
    def set_string(self, key, value):
        self.send(b"SET", key, value)

    @rule(cmd=st.sampled_from([b"DEL", b"EXISTS"]), ks=key_lists)
    def del_exists(self, cmd, ks):
        self.send(cmd, *ks)

    @rule(key=keys, sub=st.sampled_from([b"TYPE", b"ENCODING", b"TTL"]))
    def inspect(self, key, sub):
        if sub == b"ENCODING":
            self.send(b"OBJECT", b"ENCODING", key)
        else:
            self.send(sub, key)

    @rule(key=keys, when=st.sampled_from([b"100000", b"-1"]), absolute=st.booleans())
    def expire(self, key, when, absolute):
        if absolute and when != b"-1":
            self.send(b"EXPIREAT", key, b"%d" % FAR_S)
        else:
            self.send(b"EXPIRE", key, when)

    @rule(key=keys)
    def persist(self, key):
        self.send(b"PERSIST", key)

    @rule(src=keys, dst=keys, cmd=st.sampled_from([b"RENAME", b"COPY"]))
    def rename_copy(self, src, dst, cmd):
        self.send(cmd, src, dst)

    # -- the end of a sequence ---------------------------------------------------
    def teardown(self):
        """INFO counters must agree after the whole sequence."""
        assert_info_agrees(self.pair)





@pytest.mark.slow
def test_generated_collection_sequences(pair, listpack_entries):
    """EXAMPLES random sequences over hashes and sets; zero mismatches."""
    run_generated(Collections, pair, examples=EXAMPLES, steps=STEPS,
                  derandomize=DERANDOMIZE, title="generated hash/set sequences")
