"""BF.* commands: false-positive rate, scaling, replies, errors, memory."""
import math

import pytest
import redis

import engine
from engine.commands.bloom import SubFilter
from engine.node.node import Node


@pytest.fixture
def r():
    return engine.connect(Node(), protocol=2)


def madd(r, key, items, chunk=2000):
    out = []
    for i in range(0, len(items), chunk):
        out += r.execute_command("BF.MADD", key, *items[i:i + chunk])
    return out


def fp_rate(r, key, probes):
    hits = 0
    for i in range(0, len(probes), 2000):
        hits += sum(r.execute_command("BF.MEXISTS", key, *probes[i:i + 2000]))
    return hits / len(probes)


def test_false_positive_rate_stays_within_the_configured_bound(r):
    """100k inserts, 100k probes of items never inserted."""
    error = 0.01
    r.execute_command("BF.RESERVE", "f", error, 100_000, "NONSCALING")
    inserted = [f"user:{i}".encode() for i in range(100_000)]
    probes = [f"visitor:{i}".encode() for i in range(100_000)]
    madd(r, "f", inserted[:90_000])
    # Below capacity the rate is well under the bound…
    at_90 = fp_rate(r, "f", probes)
    assert at_90 <= error
    madd(r, "f", inserted[90_000:])
    # …and at exactly the capacity it reaches the design rate. The filter is
    # sized so that the expected rate there is <= error; the measurement is a
    # sample of 100k probes, whose standard deviation is sqrt(p(1-p)/n) ~ 0.0003,
    # so the check allows 3 standard deviations over the bound.
    at_100 = fp_rate(r, "f", probes)
    sigma = math.sqrt(error * (1 - error) / len(probes))
    assert at_100 <= error + 3 * sigma
    assert at_100 > at_90 > 0        # it is a real Bloom filter, not an exact set
    # No false negatives, ever.
    assert all(r.execute_command("BF.MEXISTS", "f", *inserted[:5000]))


def test_design_rate_at_capacity_is_at_most_the_error_rate():
    for error in (0.1, 0.01, 0.001, 0.0001):
        for capacity in (100, 10_000):
            f = SubFilter(capacity, error)
            k, m = f.hashes, f.bits
            assert (1 - math.exp(-k * capacity / m)) ** k <= error * (1 + 1e-9)
            # and close to the optimum bits per item, -ln(e)/ln(2)^2
            assert m / capacity <= -math.log(error) / math.log(2) ** 2 * 1.05


def test_scaling_adds_larger_tighter_sub_filters(r):
    r.execute_command("BF.RESERVE", "s", 0.01, 1000, "EXPANSION", 2)
    items = [f"i{i}".encode() for i in range(20_000)]
    madd(r, "s", items)
    info = r.execute_command("BF.INFO", "s")
    info = dict(zip(info[::2], info[1::2]))
    # 1000 + 2000 + 4000 + 8000 + 16000 = 31000 >= 20000 (5 sub-filters)
    assert info[b"Number of filters"] == 5
    assert info[b"Capacity"] == 31_000
    assert info[b"Expansion rate"] == 2
    assert 19_500 < info[b"Number of items inserted"] <= 20_000
    # The chain's rate stays under 2 x error (tightening ratio 0.5).
    rate = fp_rate(r, "s", [f"o{i}".encode() for i in range(20_000)])
    assert rate <= 2 * 0.01
    assert all(r.execute_command("BF.MEXISTS", "s", *items[::37]))
    # EXPANSION 1 grows by equal steps
    r.execute_command("BF.RESERVE", "e1", 0.01, 100, "EXPANSION", 1)
    madd(r, "e1", [f"x{i}".encode() for i in range(450)])
    assert r.execute_command("BF.INFO", "e1", "CAPACITY") == [500]


def test_nonscaling_filter_refuses_to_grow(r):
    r.execute_command("BF.RESERVE", "n", 0.01, 10, "NONSCALING")
    out = madd(r, "n", [f"x{i}".encode() for i in range(30)])
    assert 10 <= sum(1 for x in out if x == 1) <= 11
    assert any(isinstance(x, redis.ResponseError) and "non scaling filter is full" in str(x)
               for x in out)
    with pytest.raises(redis.ResponseError, match="non scaling filter is full"):
        r.execute_command("BF.ADD", "n", "one more that is new 12345")
    assert r.execute_command("BF.INFO", "n", "EXPANSION") == [None]


def test_add_exists_card_info_and_defaults(r):
    assert r.execute_command("BF.EXISTS", "missing", "a") == 0
    assert r.execute_command("BF.MEXISTS", "missing", "a", "b") == [0, 0]
    assert r.execute_command("BF.CARD", "missing") == 0
    assert r.execute_command("BF.ADD", "d", "a") == 1                  # created with defaults
    assert r.execute_command("BF.ADD", "d", "a") == 0
    assert r.execute_command("BF.MADD", "d", "b", "b", "c") == [1, 0, 1]
    assert r.execute_command("BF.CARD", "d") == 3
    info = r.execute_command("BF.INFO", "d")
    assert info[0::2] == [b"Capacity", b"Size", b"Number of filters",
                          b"Number of items inserted", b"Expansion rate"]
    assert info[1::2][0] == 100 and info[1::2][2:] == [1, 3, 2]
    for field, want in ((b"CAPACITY", 100), (b"FILTERS", 1), (b"ITEMS", 3), (b"EXPANSION", 2)):
        assert r.execute_command("BF.INFO", "d", field) == [want]
    assert r.type("d") == b"bloomfltr"
    assert r.object("encoding", "d") == b"raw"
    size = r.memory_usage("d")
    madd(r, "d", [f"grow{i}".encode() for i in range(500)])            # scales: more memory
    assert r.memory_usage("d") > size
    r.copy("d", "d2")
    r.execute_command("BF.ADD", "d2", "only-in-copy")
    assert r.execute_command("BF.EXISTS", "d", "only-in-copy") == 0


def test_insert(r):
    assert r.execute_command("BF.INSERT", "i", "CAPACITY", 50, "ERROR", 0.001, "ITEMS", "a", "b") == [1, 1]
    assert r.execute_command("BF.INFO", "i", "CAPACITY") == [50]
    assert r.execute_command("BF.INSERT", "i", "ITEMS", "a", "c") == [0, 1]
    with pytest.raises(redis.ResponseError, match="not found"):
        r.execute_command("BF.INSERT", "nope", "NOCREATE", "ITEMS", "a")
    assert r.execute_command("BF.INSERT", "ns", "NONSCALING", "CAPACITY", 1, "ITEMS", "a", "b")[1] \
        .args[0] == "non scaling filter is full"


ERRORS = [
    (["BF.RESERVE", "k", "0", "100"], "error rate range"),
    (["BF.RESERVE", "k", "1.5", "100"], "error rate range"),
    (["BF.RESERVE", "k", "abc", "100"], "bad error rate"),
    (["BF.RESERVE", "k", "0.01", "0"], "capacity should be larger than 0"),
    (["BF.RESERVE", "k", "0.01", "x"], "bad capacity"),
    (["BF.RESERVE", "k", "0.01", "100", "EXPANSION", "0"], "expansion should be greater"),
    (["BF.RESERVE", "k", "0.01", "100", "EXPANSION"], "syntax error"),
    (["BF.RESERVE", "k", "0.01", "100", "NONSCALING", "EXPANSION", "2"], "cannot expand"),
    (["BF.RESERVE", "k", "0.01", "100", "WHAT"], "syntax error"),
    (["BF.INFO", "nokey"], "not found"),
    (["BF.INFO", "exists", "WHAT"], "Invalid information value"),
    (["BF.INSERT", "k", "CAPACITY", "10"], "wrong number of arguments"),
    (["BF.ADD", "str", "x"], "WRONGTYPE"),
    (["BF.RESERVE", "exists", "0.01", "100"], "item exists"),
    (["BF.ADD", "k"], "wrong number of arguments"),
]


@pytest.mark.parametrize("args,message", ERRORS)
def test_errors(r, args, message):
    r.set("str", "v")
    r.execute_command("BF.ADD", "exists", "x")
    with pytest.raises(redis.ResponseError, match=message):
        r.execute_command(*args)
    assert r.ping()
