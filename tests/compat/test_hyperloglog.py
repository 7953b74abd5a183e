"""HyperLogLog commands, differential: PFADD PFCOUNT PFMERGE against redis-server
7.0. Besides the replies, the *value* must be identical: GET of an HLL key
returns the raw sparse or dense representation with its cached cardinality,
so every case below GETs the key after changing it.
"""
from __future__ import annotations

import pytest

from differential import REPORT, ListKey, S, assert_same_command_info, case, run_case

HLL_CASES = [
    case("pfadd-new-empty", "PFADD h", "GET h", "PFCOUNT h", "GET h", "OBJECT ENCODING h",
         "MEMORY USAGE h", "TYPE h"),
    case("pfadd-elements", "PFADD h a b c", "GET h", "PFADD h a", "PFADD h d", "GET h",
         "PFCOUNT h", "GET h", "PFCOUNT h", "MEMORY USAGE h"),
    case("pfadd-binary-and-empty-elements", S(["PFADD", "h", b"", b"\x00\xff", b"a" * 100]),
         "GET h", "PFCOUNT h"),
    case("pfadd-keeps-ttl", "PFADD h a EX", "EXPIRE h 100000", "PFADD h b", "TTL h"),
    case("pfcount-missing", "PFCOUNT nokey", "PFCOUNT nokey1 nokey2", "EXISTS nokey"),
    case("pfcount-union", "PFADD a 1 2 3", "PFADD b 3 4 5 6", "PFCOUNT a b", "PFCOUNT a b nokey",
         "GET a", "GET b"),
    case("pfmerge", "PFADD a 1 2 3", "PFADD b 3 4 5 6", "PFMERGE d a b", "GET d", "PFCOUNT d",
         "PFMERGE d", "GET d", "PFMERGE a b", "GET a", "PFMERGE newkey", "GET newkey",
         "PFMERGE nokey3 nokey4", "GET nokey3", "EXISTS nokey4", "MEMORY USAGE d"),
    case("pfmerge-keeps-dest-ttl", "PFADD a 1", "PFADD d 2", "EXPIRE d 100000",
         "PFMERGE d a", "TTL d"),
    case("pf-not-an-hll", "SET s notanhll", "PFADD s a", "PFCOUNT s", "PFCOUNT s nokey",
         "PFMERGE d s", "PFMERGE d nokey s", "EXISTS d", "SET i 12345678901234567",
         "PFADD i a", "SET j 1234567890123456789", "PFADD j a", "PFCOUNT j"),
    case("pf-wrongtype", ListKey("l"), "PFADD l a", "PFCOUNT l", "PFCOUNT nokey l",
         "PFMERGE l nokey", "PFMERGE d l", "EXISTS d"),
    case("pf-dense-header-wrong-length",
         "SET bad HYLL\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00",
         "PFADD bad a", "PFCOUNT bad"),
    case("pf-bad-encoding-byte",
         "SET bad HYLL\\x02\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xff",
         "PFCOUNT bad", "PFADD bad a"),
    case("pf-corrupted-sparse",
         "SET bad HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xfe",
         "PFCOUNT bad", "PFADD bad a", "PFMERGE x bad", "PFCOUNT bad bad", "EXISTS x"),
    case("pf-copied-value-works",
         "SET copy HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xff",
         "OBJECT ENCODING copy", "PFCOUNT copy", "OBJECT ENCODING copy", "MEMORY USAGE copy",
         "GET copy", "PFADD copy x y", "GET copy", "MEMORY USAGE copy"),
    case("pf-arity", "PFADD", "PFCOUNT", "PFMERGE"),
    case("pf-getkeys", "COMMAND GETKEYS PFMERGE a b c", "COMMAND GETKEYS PFCOUNT a b c",
         "COMMAND GETKEYS PFADD a b c"),
    case("pf-small-sparse-limit", "CONFIG SET hll-sparse-max-bytes 40",
         "PFADD h a b c d e f g h i j", "GET h", "PFADD h k l m n o p", "GET h",
         "PFCOUNT h", "STRLEN h", "CONFIG SET hll-sparse-max-bytes 3000"),
    case("pf-sparse-limit-config", "CONFIG SET hll-sparse-max-bytes -1",
         "CONFIG SET hll-sparse-max-bytes 10kb", "CONFIG GET hll-sparse-max-bytes",
         "CONFIG SET hll-sparse-max-bytes 3000"),
    case("pf-resp3", S("HELLO 3"), "PFADD h a", "PFCOUNT h", "PFMERGE h h", "GET h"),
]

HLL_COMMANDS = ("pfadd", "pfcount", "pfmerge")


@pytest.mark.parametrize("steps", HLL_CASES)
def test_hll_case(pair, steps):
    run_case(pair, steps)


def test_hll_command_info(pair):
    assert_same_command_info(pair, *HLL_COMMANDS)


def _batches(total: int, prefix: str):
    """Element batches growing in size, so the sparse form fills, then turns dense."""
    n, size = 0, 1
    while n < total:
        batch = [f"{prefix}{i}" for i in range(n, min(total, n + size))]
        yield batch
        n += len(batch)
        size = min(size * 2, 5000)


def test_hll_100k_elements_sparse_then_dense(pair):
    """100,000 distinct elements in growing batches: after each batch the
    PFCOUNT estimate, the raw bytes (sparse, then dense), OBJECT ENCODING and
    MEMORY USAGE agree with redis-server."""
    checks = 0
    encodings = set()
    for batch in _batches(100_000, "el:"):
        pair.assert_same("PFADD", "h", *batch)
        raw = pair.assert_same("GET", "h")
        encodings.add(raw.value[4])
        pair.assert_same("PFCOUNT", "h")
        pair.assert_same("GET", "h")   # now with the cached cardinality
        pair.assert_same("MEMORY", "USAGE", "h")
        checks += 1
    final = pair.assert_same("PFCOUNT", "h")
    assert encodings == {0, 1}, encodings   # both encodings were compared
    assert 95_000 < final.value < 105_000
    REPORT["hyperloglog 100k"] = [f"{checks} checkpoints over 100,000 elements, "
                                  f"final estimate {final.value}, 0 mismatches"]


def test_hll_merge_sparse_and_dense(pair):
    """PFMERGE / PFCOUNT over a sparse and a dense HLL (in both orders, and
    into a new and an existing sparse destination)."""
    for batch in _batches(5000, "d:"):
        pair.assert_same("PFADD", "dense", *batch)
    pair.assert_same("PFADD", "sparse", *[f"s:{i}" for i in range(300)])
    assert pair.real.call("GET", "dense").value[4] == 0
    assert pair.real.call("GET", "sparse").value[4] == 1
    pair.assert_same("PFCOUNT", "sparse", "dense")
    pair.assert_same("PFMERGE", "m1", "sparse", "dense")
    pair.assert_same("GET", "m1")
    pair.assert_same("PFCOUNT", "m1")
    pair.assert_same("PFMERGE", "m2", "dense", "sparse")
    pair.assert_same("GET", "m2")
    pair.assert_same("PFADD", "m3", "x", "y")
    pair.assert_same("PFMERGE", "m3", "sparse")
    pair.assert_same("GET", "m3")
    pair.assert_same("PFMERGE", "m3", "dense")
    pair.assert_same("GET", "m3")
    pair.assert_same("PFMERGE", "sparse", "sparse", "m3")
    pair.assert_same("GET", "sparse")
    pair.assert_same("MEMORY", "USAGE", "sparse")


def test_hll_merge_of_sparse_sets_builds_the_same_sparse_bytes(pair):
    """Merging several sparse HLLs replays register updates into a sparse
    destination (opcode splits and merges): the bytes must agree."""
    for k in range(6):
        pair.assert_same("PFADD", f"s{k}", *[f"{k}:{i}" for i in range(60 * (k + 1))])
    pair.assert_same("PFMERGE", "all", *[f"s{k}" for k in range(6)])
    raw = pair.assert_same("GET", "all")
    assert raw.value[4] == 1   # still sparse
    pair.assert_same("PFCOUNT", "all")
    pair.assert_same("PFCOUNT", *[f"s{k}" for k in range(6)])


@pytest.mark.parametrize("setup,write", [
    (("PFADD", "h", "a"), ("PFADD", "h", "a")),
    (("PFADD", "h", "a"), ("PFADD", "h", "b")),
    (("PFADD", "h", "a"), ("PFCOUNT", "h")),
    (("PFCOUNT", "h"), ("PFCOUNT", "h")),
    (("PFADD", "h", "a"), ("PFMERGE", "h")),
])
def test_watch_and_hll_writes(pair, setup, write):
    """A PFADD that changes no register and a PFCOUNT answered from the cache
    leave WATCH alone; recomputing the cache or merging dirties it."""
    other = pair.connect()
    pair.assert_same("PFADD", "h", "seed")
    pair.assert_same(*setup)
    pair.assert_same("WATCH", "h")
    other.assert_same(*write)
    pair.assert_same("MULTI")
    pair.assert_same("PFCOUNT", "h")
    pair.assert_same("EXEC")
