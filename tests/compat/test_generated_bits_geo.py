"""Generated differential tests for bitmaps, HyperLogLog and geo: hypothesis
drives random command sequences into redis-server and the engine in lock step.

Each sequence starts from an empty database, with ``hll-sparse-max-bytes``
drawn at random (small limits make HLLs turn dense within a few steps) and
RESP2 or RESP3. Keys come from a small alphabet, so bitmaps, HLLs, geo sets,
a plain string and a list collide: BITOP over HLLs, PFADD on a bitmap,
GEOADD on a string — every WRONGTYPE and "not a valid HyperLogLog" path is
reached. GET is compared byte for byte after writes, which checks the HLL
sparse/dense representation and the cached cardinality exactly; MEMORY USAGE
and OBJECT ENCODING check the string allocation model. At the end of each
sequence the INFO counters (keyspace hits/misses, errors, per-command calls,
keyspace) must agree.

Sequences per run: ``BITS_GEO_EXAMPLES`` (default 300), derandomized unless
``COMPAT_RANDOM=1``.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import initialize, rule

from differential import PairMachine, assert_info_agrees, run_generated

EXAMPLES = int(os.environ.get("BITS_GEO_EXAMPLES", "300"))
DERANDOMIZE = os.environ.get("COMPAT_RANDOM", "") != "1"
STEPS = 20

KEYS = [b"b", b"c", b"h", b"j", b"g", b"str", b"l"]
keys = st.sampled_from(KEYS)
key_lists = st.lists(keys, min_size=1, max_size=3)
offsets = st.one_of(st.integers(0, 64), st.integers(0, 4000),
                    st.sampled_from([-1, 4294967296, 2**63]))
ints = st.one_of(st.integers(-300, 300), st.sampled_from(
    [2**63 - 1, -2**63, 2**31, 255, 256, -129]))
elements = st.one_of(st.integers(0, 2000).map(lambda i: b"e%d" % i),
                     st.sampled_from([b"", b"a", b"\x00\xff", b"x" * 50]))
element_lists = st.lists(elements, min_size=0, max_size=40)
members = st.sampled_from([b"m0", b"m1", b"m2", b"m3", b"m4", b"m5", b"nope"])
lons = st.one_of(st.floats(-180, 180, allow_nan=False), st.sampled_from([0.0, 180.0, -180.0, 13.5]))
lats = st.one_of(st.floats(-85.05112878, 85.05112878, allow_nan=False),
                 st.sampled_from([0.0, 85.05112878, -85.05112878, 38.1, 90.0]))
units = st.sampled_from([b"m", b"km", b"mi", b"ft"])
BF_TYPES = [b"u1", b"u3", b"u8", b"i8", b"i5", b"u16", b"i32", b"u63", b"i64", b"u64", b"x8"]


def num(v) -> bytes:
    return repr(float(v)).encode() if isinstance(v, float) else b"%d" % v


class BitsGeo(PairMachine):
    """Every rule sends one command to both servers (see differential.PairMachine)."""

    @initialize(sparse=st.sampled_from([b"3000", b"3000", b"30", b"100", b"600"]),
                resp3=st.booleans())
    def configure(self, sparse, resp3):
        for client in (self.pair.real, self.pair.engine):
            client.call("CONFIG", "SET", "hll-sparse-max-bytes", sparse)
        self.send(b"SET", b"str", b"hello")
        self.send(b"RPUSH", b"l", b"x")
        if resp3:
            self.send(b"HELLO", b"3", normalize=lambda r: r.kind)

    # -- bitmaps ----------------------------------------------------------------
    @rule(key=keys, offset=offsets, bit=st.sampled_from([0, 1, 1, 2]))
    def setbit(self, key, offset, bit):
        self.send(b"SETBIT", key, b"%d" % offset, b"%d" % bit)

    @rule(key=keys, offset=offsets)
    def getbit(self, key, offset):
        self.send(b"GETBIT", key, b"%d" % offset)

    @rule(key=keys, rng=st.one_of(st.none(), st.tuples(ints, ints)),
          unit=st.sampled_from([None, b"BYTE", b"BIT", b"bit"]))
    def bitcount(self, key, rng, unit):
        args = [b"BITCOUNT", key]
        if rng is not None:
            args += [b"%d" % rng[0], b"%d" % rng[1]] + ([unit] if unit else [])
        self.send(*args)

    @rule(key=keys, bit=st.sampled_from([0, 1]), start=st.one_of(st.none(), ints),
          end=st.one_of(st.none(), ints), unit=st.sampled_from([None, b"BYTE", b"BIT"]))
    def bitpos(self, key, bit, start, end, unit):
        args = [b"BITPOS", key, b"%d" % bit]
        if start is not None:
            args.append(b"%d" % start)
            if end is not None:
                args.append(b"%d" % end)
                if unit:
                    args.append(unit)
        self.send(*args)

    @rule(op=st.sampled_from([b"AND", b"OR", b"XOR", b"NOT", b"not"]), dst=keys, srcs=key_lists)
    def bitop(self, op, dst, srcs):
        self.send(b"BITOP", op, dst, *srcs)

    @rule(key=keys, ro=st.booleans(), ops=st.lists(st.tuples(
        st.sampled_from([b"GET", b"SET", b"INCRBY", b"OVERFLOW"]), st.sampled_from(BF_TYPES),
        st.one_of(st.integers(0, 100).map(lambda i: b"%d" % i),
                  st.integers(0, 20).map(lambda i: b"#%d" % i)),
        ints, st.sampled_from([b"WRAP", b"SAT", b"FAIL"])), min_size=1, max_size=4))
    def bitfield(self, key, ro, ops):
        args = [b"BITFIELD_RO" if ro else b"BITFIELD", key]
        for sub, typ, off, val, how in ops:
            if sub == b"OVERFLOW":
                args += [sub, how]
            elif sub == b"GET":
                args += [sub, typ, off]
            else:
                args += [sub, typ, off, b"%d" % val]
        self.send(*args)

    # -- HyperLogLog -------------------------------------------------------------
    @rule(key=keys, items=element_lists)
    def pfadd(self, key, items):
        self.send(b"PFADD", key, *items)
        self.send(b"GET", key)

    @rule(ks=key_lists)
    def pfcount(self, ks):
        self.send(b"PFCOUNT", *ks)
        self.send(b"GET", ks[0])

    @rule(dst=keys, srcs=st.lists(keys, max_size=3))
    def pfmerge(self, dst, srcs):
        self.send(b"PFMERGE", dst, *srcs)
        self.send(b"GET", dst)

    # -- geo ---------------------------------------------------------------------
    @rule(key=keys, points=st.lists(st.tuples(lons, lats, members), min_size=1, max_size=4),
          opts=st.sampled_from([[], [b"NX"], [b"XX"], [b"CH"], [b"XX", b"CH"]]))
    def geoadd(self, key, points, opts):
        args = [b"GEOADD", key, *opts]
        for x, y, m in points:
            args += [num(x), num(y), m]
        self.send(*args)

    @rule(key=keys, ms=st.lists(members, min_size=1, max_size=3),
          cmd=st.sampled_from([b"GEOPOS", b"GEOHASH"]))
    def geopos(self, key, ms, cmd):
        self.send(cmd, key, *ms)

    @rule(key=keys, a=members, b=members, unit=st.one_of(st.none(), units))
    def geodist(self, key, a, b, unit):
        self.send(b"GEODIST", key, a, b, *([unit] if unit else []))

    @rule(key=keys, dst=st.one_of(st.none(), keys), center=st.one_of(members, st.tuples(lons, lats)),
          radius=st.one_of(st.none(), st.floats(0, 20000)), box=st.tuples(
              st.floats(0, 30000), st.floats(0, 30000)), unit=units,
          opts=st.lists(st.sampled_from([b"ASC", b"DESC", b"WITHDIST", b"WITHHASH",
                                         b"WITHCOORD", b"COUNT 3", b"COUNT 1 ANY",
                                         b"STOREDIST"]), max_size=3))
    def geosearch(self, key, dst, center, radius, box, unit, opts):
        args = [b"GEOSEARCH", key] if dst is None else [b"GEOSEARCHSTORE", dst, key]
        if isinstance(center, bytes):
            args += [b"FROMMEMBER", center]
        else:
            args += [b"FROMLONLAT", num(center[0]), num(center[1])]
        if radius is not None:
            args += [b"BYRADIUS", num(radius), unit]
        else:
            args += [b"BYBOX", num(box[0]), num(box[1]), unit]
        for opt in opts:
            args += opt.split()
        self.send(*args)
        if dst is not None:
            self.send(b"ZRANGE", dst, b"0", b"-1", b"WITHSCORES")

    # -- keys --------------------------------------------------------------------
    @rule(key=keys)
    def inspect(self, key):
        self.send(b"GET", key)
        self.send(b"OBJECT", b"ENCODING", key)
        self.send(b"MEMORY", b"USAGE", key, b"SAMPLES", b"0")

    @rule(key=keys)
    def delete(self, key):
        self.send(b"DEL", key)

    def teardown(self):
        """INFO counters must agree after the whole sequence."""
        assert_info_agrees(self.pair)


@pytest.fixture
def hll_sparse_default(servers):
    """Put hll-sparse-max-bytes back to 3000 on both servers afterwards."""
    yield
    for server in servers:
        with server.client() as c:
            c.call("CONFIG", "SET", "hll-sparse-max-bytes", "3000")


@pytest.mark.slow
def test_generated_bits_hll_geo_sequences(pair, hll_sparse_default):
    """EXAMPLES random sequences over bitmaps, HLLs and geo sets; zero mismatches."""
    run_generated(BitsGeo, pair, examples=EXAMPLES, steps=STEPS,
                  derandomize=DERANDOMIZE, title="generated bitmap/HLL/geo sequences")
