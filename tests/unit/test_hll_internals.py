"""Pure functions behind HyperLogLog, geohash and bitmap commands.

The expected values were produced by redis-server 7.0.15, not by the engine:
hash vectors are read from the register a one-element PFADD sets in the
sparse bytes redis-server returns for GET; estimates are its PFCOUNT replies;
geo scores, strings and positions are its GEOADD / GEOHASH / GEOPOS replies.
"""
from __future__ import annotations

import pytest

from engine.commands import geohash as gh
from engine.commands.bitmaps import _signed_overflow, _unsigned_overflow
from engine.commands.geo import fixed4, human_double
from engine.commands.hyperloglog import (DENSE, DENSE_SIZE, HLL, REGISTERS, SPARSE,
                                         count_from_histogram, dense_get, new_sparse,
                                         pattern, registers_histogram, sparse_to_dense,
                                         sparse_walk)

# (element, (register index, run length)) as redis-server 7.0.15 stores them.
PATTERNS = [
    (b"", (5938, 2)), (b"a", (12711, 2)), (b"hello", (9216, 1)), (b"redis", (9467, 2)),
    (b"\x00\xff", (3937, 1)), (b"12345678", (10579, 3)), (b"123456789", (9293, 2)),
    (b"x" * 100, (15288, 1)), (b"element:42", (9122, 3)),
]
# GET of a key after "PFADD v a" on redis-server 7.0.15.
SPARSE_A = bytes.fromhex("48594c4c01000000000000000000008071a6844e57")


@pytest.mark.parametrize("element,expected", PATTERNS, ids=[repr(e[:12]) for e, _ in PATTERNS])
def test_murmurhash_register_and_run_length(element, expected):
    assert pattern(element) == expected


def test_one_element_sparse_bytes():
    h = HLL(new_sparse())
    assert h.add(b"a", 3000) == 1
    h.invalidate()
    assert bytes(h.buf) == SPARSE_A


def test_new_hll_is_two_xzero_opcodes_with_a_valid_zero_cache():
    buf = new_sparse()
    assert bytes(buf[:5]) == b"HYLL\x01" and len(buf) == 18
    assert list(sparse_walk(buf)) == [(0, REGISTERS, 0)]
    assert buf[15] & 0x80 == 0 and int.from_bytes(buf[8:16], "little") == 0


@pytest.mark.parametrize("n,estimate,encoding", [(10, 10, SPARSE), (1000, 1008, SPARSE),
                                                 (20000, 19901, DENSE)])
def test_estimates_match_redis(n, estimate, encoding):
    h = HLL(new_sparse())
    for i in range(n):
        h.add(b"e%d" % i, 3000)
    assert h.buf[4] == encoding
    assert count_from_histogram(h.histogram()) == estimate


def test_sparse_to_dense_keeps_registers():
    h = HLL(new_sparse())
    for i in range(300):
        h.add(b"k%d" % i, 3000)
    regs = [0] * REGISTERS
    assert h.merge_into(regs)
    dense = sparse_to_dense(h.buf)
    assert len(dense) == DENSE_SIZE and dense[4] == DENSE
    assert [dense_get(dense, i) for i in range(REGISTERS)] == regs


def test_promotion_at_the_sparse_limit():
    h = HLL(new_sparse())
    i = 0
    while not h.dense:
        assert len(h.buf) <= 200
        h.add(b"p%d" % i, 200)
        i += 1
    assert len(h.buf) == DENSE_SIZE


def test_corrupted_sparse_is_detected():
    h = HLL(bytearray(b"HYLL\x01" + bytes(10) + b"\x7f\xfe"))   # covers 16383 registers
    assert h.histogram() is None
    assert h.add(b"a", 3000) in (-1, 1)
    assert sparse_to_dense(bytearray(b"HYLL\x01" + bytes(10) + b"\x7f\xfe")) is None


def test_empty_histogram_estimates_zero():
    assert count_from_histogram(registers_histogram([0] * REGISTERS)) == 0


# -- geohash ---------------------------------------------------------------------------

def test_geo_scores_strings_and_positions_match_redis():
    palermo = gh.align52(gh.encode_wgs84(13.361389, 38.115556))
    catania = gh.align52(gh.encode_wgs84(15.087269, 37.502669))
    assert (palermo, catania) == (3479099956230698, 3479447370796909)
    x, y = gh.decode_score(float(palermo))
    assert (human_double(x), human_double(y)) == (b"13.36138933897018433",
                                                  b"38.11555639549629859")
    assert gh.standard_geohash(x, y) == b"sqc8b49rny0"
    assert gh.standard_geohash(*gh.decode_score(float(catania))) == b"sqdtr74hyu0"
    xc, yc = gh.decode_score(float(catania))
    assert fixed4(gh.distance(x, y, xc, yc)) == b"166274.1516"


def test_interleave_round_trip():
    for x, y in [(0, 0), (1, 2), (0x3FFFFFF, 0x1234567), (0xFFFFFFFF, 0)]:
        sep = gh.deinterleave64(gh.interleave64(x, y))
        assert (sep & 0xFFFFFFFF, sep >> 32) == (x, y)


def test_outside_the_indexable_area():
    assert gh.encode_wgs84(0, 85.06) is None
    assert gh.encode_wgs84(180.0001, 0) is None


def test_fixed4_rounds_the_scaled_product_half_to_even():
    # 13652258.11525000073 * 1e4 rounds to ...1152.5 exactly as a double:
    # Redis 7.0 (llrint) prints .1152 where printf("%.4f") would print .1153.
    assert fixed4(13652258.11525000073) == b"13652258.1152"
    assert fixed4(0.0) == b"0.0000"
    assert fixed4(0.00004) == b"0.0000"
    assert fixed4(1.5) == b"1.5000"


def test_estimated_steps():
    assert gh.estimate_steps(0, 0) == 26
    assert gh.estimate_steps(1e9, 0) == 1
    assert gh.estimate_steps(1000, 0) > gh.estimate_steps(1000, 81)


# -- bitfield overflow ---------------------------------------------------------------------

@pytest.mark.parametrize("value,incr,bits,how,expected", [
    (250, 10, 8, "wrap", (True, 4)),
    (250, 10, 8, "sat", (True, 255)),
    (5, -10, 8, "sat", (True, 0)),
    (5, -10, 8, "wrap", (True, 251)),
    (5, 10, 8, "sat", (False, None)),
    ((1 << 64) - 1, 0, 8, "sat", (True, 255)),     # SET u8 -1: read as uint64
])
def test_unsigned_overflow(value, incr, bits, how, expected):
    assert _unsigned_overflow(value, incr, bits, how) == expected


@pytest.mark.parametrize("value,incr,bits,how,expected", [
    (127, 1, 8, "wrap", (True, -128)),
    (127, 1, 8, "sat", (True, 127)),
    (-128, -1, 8, "wrap", (True, 127)),
    (-128, -1, 8, "sat", (True, -128)),
    (2**63 - 1, 1, 64, "wrap", (True, -2**63)),
    (0, 5, 64, "sat", (False, None)),
])
def test_signed_overflow(value, incr, bits, how, expected):
    assert _signed_overflow(value, incr, bits, how) == expected
