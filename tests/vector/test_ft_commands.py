"""FT.CREATE / FT.SEARCH / FT.INFO / FT.DROPINDEX / FT._LIST on the engine:
syntax (ElastiCache's), results against exact numpy answers, and errors."""
import numpy as np
import pytest
import redis

import engine
from engine.node.node import Node
from engine.vector.distance import exact

DIM = 8


def blob(v):
    return np.asarray(v, dtype="<f4").tobytes()


@pytest.fixture
def r():
    return engine.connect(Node(seed=1), protocol=2)


def create(r, algo="FLAT", metric="L2", extra=()):
    return r.execute_command(
        "FT.CREATE", "idx", "ON", "HASH", "PREFIX", "1", "doc:", "SCHEMA",
        "genre", "TAG", "year", "NUMERIC",
        "vec", "VECTOR", algo, 6 + len(extra), "TYPE", "FLOAT32", "DIM", DIM,
        "DISTANCE_METRIC", metric, *extra)


def load(r, n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, DIM)).astype(np.float32)
    for i, x in enumerate(X):
        r.hset(f"doc:{i}", mapping={"vec": blob(x), "genre": ["scifi", "drama", "comedy"][i % 3],
                                    "year": 1990 + i})
    return X


def knn(r, k, q, filt="*", *extra):
    return r.execute_command("FT.SEARCH", "idx", f"{filt}=>[KNN {k} @vec $q AS score]",
                             "PARAMS", "2", "q", blob(q), *extra, "DIALECT", "2")


def keys_of(reply):
    return [reply[i].decode() for i in range(1, len(reply), 2)]


@pytest.mark.parametrize("metric", ["L2", "IP", "COSINE"])
@pytest.mark.parametrize("algo", ["FLAT", "HNSW"])
def test_knn_equals_exact_numpy(r, algo, metric):
    extra = ("EF_RUNTIME", "200") if algo == "HNSW" else ()
    assert create(r, algo, metric, extra) == b"OK"
    X = load(r, 60)
    q = np.random.default_rng(9).normal(size=DIM).astype(np.float32)
    d = exact(q, X, metric)
    want = [f"doc:{i}" for i in np.argsort(d, kind="stable")[:5]]
    reply = knn(r, 5, q)
    assert reply[0] == 5
    assert keys_of(reply) == want
    fields = dict(zip(reply[2][::2], reply[2][1::2]))
    assert fields[b"score"] == str(np.float32(d[np.argsort(d)[0]])).encode() or \
        abs(float(fields[b"score"]) - d.min()) < 1e-4
    assert fields[b"genre"] in (b"scifi", b"drama", b"comedy")    # the whole hash by default


def test_prefilters_tags_numeric_or_not(r):
    create(r)
    X = load(r, 60)
    q = X[0]
    cases = {
        "@genre:{scifi}": lambda i: i % 3 == 0,
        "@genre:{scifi | drama}": lambda i: i % 3 in (0, 1),
        "@year:[2000 2010]": lambda i: 2000 <= 1990 + i <= 2010,
        "@year:[(2000 (2010]": lambda i: 2000 < 1990 + i < 2010,
        "@year:[-inf 1995]": lambda i: 1990 + i <= 1995,
        "(@genre:{drama} @year:[2000 +inf])": lambda i: i % 3 == 1 and 1990 + i >= 2000,
        "(@genre:{drama} | @year:[1990 1991])": lambda i: i % 3 == 1 or i < 2,
        "-@genre:{scifi}": lambda i: i % 3 != 0,
        "(-@genre:{scifi} -@genre:{drama})": lambda i: i % 3 == 2,
        "@GENRE_missing:{x} | @genre:{Comedy}": None,   # unknown field: error below
    }
    for filt, keep in cases.items():
        if keep is None:
            continue
        allowed = [i for i in range(60) if keep(i)]
        d = exact(q, X[allowed], "L2")
        want = [f"doc:{allowed[j]}" for j in np.argsort(d, kind="stable")[:4]]
        assert keys_of(knn(r, 4, q, f"({filt})")) == want, filt
    # Tag matching ignores case unless CASESENSITIVE.
    assert knn(r, 3, q, "(@genre:{SciFi})")[0] == 3
    # A filter alone (no KNN) lists every match, sorted by key.
    plain = r.execute_command("FT.SEARCH", "idx", "@year:[2045 +inf]", "NOCONTENT", "DIALECT", "2")
    assert plain == [4, b"doc:55", b"doc:56", b"doc:57", b"doc:58"] or plain[0] == 5


def test_return_limit_nocontent_sortby(r):
    create(r)
    X = load(r, 30)
    full = knn(r, 10, X[3])
    order = keys_of(full)
    assert order[0] == "doc:3"
    page = knn(r, 10, X[3], "*", "LIMIT", "2", "3")
    assert page[0] == 10 and keys_of(page) == order[2:5]
    ret = knn(r, 2, X[3], "*", "RETURN", "3", "year", "AS", "y")
    assert ret[2] == [b"y", b"1993"]
    ret = knn(r, 2, X[3], "*", "RETURN", "2", "score", "genre")
    assert ret[2][0] == b"score" and float(ret[2][1]) == pytest.approx(0.0, abs=1e-5)
    ids = knn(r, 3, X[3], "*", "NOCONTENT")
    assert ids[0] == 3 and ids[1:] == [k.encode() for k in order[:3]]
    desc = knn(r, 3, X[3], "*", "SORTBY", "score", "DESC", "NOCONTENT")
    assert desc[1:] == [k.encode() for k in order[:3][::-1]]
    by_year = r.execute_command("FT.SEARCH", "idx", "*=>[KNN 3 @vec $q]", "PARAMS", 2, "q",
                                blob(X[3]), "SORTBY", "year", "NOCONTENT", "DIALECT", 2)
    assert by_year[1:] == sorted(by_year[1:], key=lambda k: int(k.split(b":")[1]))
    # Default score name: __<field>_score
    default = r.execute_command("FT.SEARCH", "idx", "*=>[KNN 1 @vec $q]", "PARAMS", 2, "q",
                                blob(X[3]), "DIALECT", 2)
    assert default[2][0] == b"__vec_score"
    assert knn(r, 0, X[3]) == [0]
    assert knn(r, 5, X[3], "*", "LIMIT", "0", "0") == [5]


def test_k_and_ef_runtime_as_parameters(r):
    create(r, "HNSW")
    X = load(r, 40)
    reply = r.execute_command("FT.SEARCH", "idx", "*=>[KNN $k @vec $q EF_RUNTIME $ef AS d]",
                              "PARAMS", 6, "k", 3, "q", blob(X[5]), "ef", 50, "NOCONTENT",
                              "DIALECT", 2)
    assert reply[0] == 3 and reply[1] == b"doc:5"


ERRORS = [
    # (arguments after FT.SEARCH idx, part of the error)
    (["*=>[KNN 3 @vec $q]", "PARAMS", 2, "q", b"\x00" * 12, "DIALECT", 2], "expects DIM 8"),
    (["*=>[KNN 3 @nope $q]", "PARAMS", 2, "q", blob(np.zeros(DIM)), "DIALECT", 2], "Unknown field"),
    (["*=>[KNN 3 @genre $q]", "PARAMS", 2, "q", blob(np.zeros(DIM)), "DIALECT", 2], "VECTOR"),
    (["*=>[KNN 3 @vec $missing]", "DIALECT", 2], "No such parameter"),
    (["(@genre:{scifi}=>[KNN 3 @vec $q]", "PARAMS", 2, "q", blob(np.zeros(DIM))], "Syntax error"),
    (["@genre:{scifi", "DIALECT", 2], "Syntax error"),
    (["@year:[abc 3]"], "not a number"),
    (["@year:{a}"], "NUMERIC, not TAG"),
    (["hello world"], "plain text search"),
    (["*=>[KNN x @vec $q]", "PARAMS", 2, "q", blob(np.zeros(DIM))], "integer"),
    (["*", "LIMIT", "a", "b"], "integer"),
    (["*", "PARAMS", 3, "a", "b"], "PARAMS"),
    (["*", "BOGUS"], "unknown argument"),
    (["*", "DIALECT", 1], "DIALECT 2"),
    (["*", "WITHSCORES"], "not supported"),
    (["*=>[KNN 3 @vec $q]", "PARAMS", 2, "q", blob([np.nan] * DIM)], "NaN"),
]


@pytest.mark.parametrize("args,message", ERRORS)
def test_search_errors_are_clear_replies(r, args, message):
    create(r)
    load(r, 5)
    with pytest.raises(redis.ResponseError, match=message.replace("[", r"\[")):
        r.execute_command("FT.SEARCH", "idx", *args)
    assert r.ping()


CREATE_ERRORS = [
    (["i", "SCHEMA"], "at least one field"),
    (["i", "ON", "JSON", "SCHEMA", "v", "TAG"], "JSON"),
    (["i", "PREFIX", "3", "a", "SCHEMA", "v", "TAG"], "PREFIX"),
    (["i", "SCHEMA", "v", "VECTOR", "HNSW", "3", "TYPE", "FLOAT32", "DIM"], "must be even"),
    (["i", "SCHEMA", "v", "VECTOR", "HNSW", "8", "TYPE", "FLOAT32", "DIM", "4"], "larger than"),
    (["i", "SCHEMA", "v", "VECTOR", "HNSW", "4", "TYPE", "FLOAT32", "DIM", "4", "x", "y"], "DISTANCE_METRIC"),
    (["i", "SCHEMA", "v", "VECTOR", "HNSW", "6", "TYPE", "FLOAT64", "DIM", "4", "DISTANCE_METRIC", "L2"], "FLOAT32"),
    (["i", "SCHEMA", "v", "VECTOR", "HNSW", "6", "TYPE", "FLOAT32", "DIM", "0", "DISTANCE_METRIC", "L2"], "DIM"),
    (["i", "SCHEMA", "v", "VECTOR", "HNSW", "6", "TYPE", "FLOAT32", "DIM", "40000", "DISTANCE_METRIC", "L2"], "32768"),
    (["i", "SCHEMA", "v", "VECTOR", "HNSW", "6", "TYPE", "FLOAT32", "DIM", "4", "DISTANCE_METRIC", "HAMMING"], "L2, IP or COSINE"),
    (["i", "SCHEMA", "v", "VECTOR", "HNSW", "8", "TYPE", "FLOAT32", "DIM", "4", "DISTANCE_METRIC", "L2", "M", "1000"], "M must be"),
    (["i", "SCHEMA", "v", "VECTOR", "FLAT", "8", "TYPE", "FLOAT32", "DIM", "4", "DISTANCE_METRIC", "L2", "M", "8"], "unknown FLAT"),
    (["i", "SCHEMA", "v", "VECTOR", "KD", "6", "TYPE", "FLOAT32", "DIM", "4", "DISTANCE_METRIC", "L2"], "HNSW or FLAT"),
    (["i", "SCHEMA", "t", "TEXT"], "not supported"),
    (["i", "SCHEMA", "t", "WHAT"], "unknown field type"),
    (["i", "SCHEMA", "t", "TAG", "t", "NUMERIC"], "duplicate"),
    (["i", "SCHEMA", "t", "TAG", "SEPARATOR", "ab"], "single character"),
    (["i", "BOGUS", "SCHEMA", "t", "TAG"], "unknown argument"),
]


@pytest.mark.parametrize("args,message", CREATE_ERRORS)
def test_create_errors_are_clear_replies(r, args, message):
    with pytest.raises(redis.ResponseError, match=message):
        r.execute_command("FT.CREATE", *args)
    assert r.execute_command("FT._LIST") == []


def test_index_admin_commands(r):
    create(r, "HNSW", "COSINE", ("M", "8", "EF_CONSTRUCTION", "50", "EF_RUNTIME", "20"))
    with pytest.raises(redis.ResponseError, match="already exists"):
        create(r)
    load(r, 10)
    r.hset("doc:bad", mapping={"vec": b"short", "year": "not-a-number"})
    r.hset("other:1", "vec", blob(np.ones(DIM)))                 # outside the prefix
    info = r.execute_command("FT.INFO", "idx")
    info = dict(zip(info[::2], info[1::2]))
    assert info[b"num_docs"] == 11
    assert info[b"hash_indexing_failures"] == 2
    vec = [a for a in info[b"attributes"] if a[5] == b"VECTOR"][0]
    vec = dict(zip(vec[::2], vec[1::2]))
    assert (vec[b"algorithm"], vec[b"dim"], vec[b"distance_metric"], vec[b"m"],
            vec[b"ef_construction"], vec[b"ef_runtime"], vec[b"size"]) == \
        (b"HNSW", DIM, b"COSINE", 8, 50, 20, 10)
    assert r.execute_command("FT._LIST") == [b"idx"]
    with pytest.raises(redis.ResponseError, match="no such index"):
        r.execute_command("FT.INFO", "nope")
    with pytest.raises(redis.ResponseError, match="no such index"):
        r.execute_command("FT.SEARCH", "nope", "*")
    assert r.execute_command("FT.DROPINDEX", "idx") == b"OK"
    assert r.exists("doc:1") == 1                                # the data stays
    assert r.execute_command("FT._LIST") == []
    create(r)
    assert r.execute_command("FT.DROPINDEX", "idx", "DD") == b"OK"
    assert r.exists("doc:1") == 0 and r.exists("other:1") == 1
    with pytest.raises(redis.ResponseError, match="no such index"):
        r.execute_command("FT.DROPINDEX", "idx")


def test_no_prefix_indexes_every_hash_and_alias_names_the_field(r):
    r.hset("a", mapping={"embedding": blob(np.ones(DIM)), "kind": "x"})
    r.set("s", "a string is not a document")
    r.execute_command("FT.CREATE", "all", "SCHEMA", "embedding", "AS", "v", "VECTOR", "FLAT", 6,
                      "TYPE", "FLOAT32", "DIM", DIM, "DISTANCE_METRIC", "IP", "kind", "AS", "k", "TAG")
    r.hset("b", mapping={"embedding": blob(-np.ones(DIM)), "kind": "y"})
    reply = r.execute_command("FT.SEARCH", "all", "(@k:{x|y})=>[KNN 5 @v $q]", "PARAMS", 2, "q",
                              blob(np.ones(DIM)), "RETURN", 1, "k", "DIALECT", 2)
    assert reply == [2, b"a", [b"k", b"x"], b"b", [b"k", b"y"]]
