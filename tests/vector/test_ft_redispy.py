"""redis-py's own search API (``r.ft()``) against the engine, unchanged:
in-process and over TCP (engine.serve), RESP2, RESP3 and redis-py 8's default."""
import numpy as np
import pytest
import redis
from redis.commands.search.field import NumericField, TagField, VectorField
from redis.commands.search.index_definition import IndexDefinition, IndexType
from redis.commands.search.query import Query

import engine
from engine.node.node import Node
from engine.vector.distance import exact

DIM = 16
PROTOCOLS = [2, 3, None]    # None: redis-py 8's default (RESP3 wire, RESP2-shaped results)


def build(r, algo):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(100, DIM)).astype(np.float32)
    attrs = {"TYPE": "FLOAT32", "DIM": DIM, "DISTANCE_METRIC": "COSINE"}
    if algo == "HNSW":
        attrs["EF_RUNTIME"] = 100
    r.ft("movies").create_index(
        [VectorField("embedding", algo, attrs), TagField("genre"), NumericField("year")],
        definition=IndexDefinition(prefix=["movie:"], index_type=IndexType.HASH))
    pipe = r.pipeline()
    for i, x in enumerate(X):
        pipe.hset(f"movie:{i}", mapping={"embedding": x.tobytes(), "title": f"Movie {i}",
                                         "genre": "scifi" if i % 2 else "drama", "year": 1950 + i})
    pipe.execute()
    return X


def expected(X, q, keep, k):
    allowed = [i for i in range(len(X)) if keep(i)]
    d = exact(q, X[allowed], "COSINE")
    order = np.argsort(d, kind="stable")[:k]
    return [f"movie:{allowed[j]}" for j in order], d[order]


def check(r, X, protocol):
    q = X[7] + 0.1
    query = (Query("(@genre:{scifi} @year:[1960 2030])=>[KNN 5 @embedding $vec AS score]")
             .sort_by("score").return_fields("title", "year", "score").paging(0, 5).dialect(2))
    res = r.ft("movies").search(query, query_params={"vec": q.astype(np.float32).tobytes()})
    want, want_d = expected(X, q, lambda i: i % 2 == 1 and 10 <= i <= 80, 5)
    if protocol == 3:   # redis-py keeps RESP3's native map when protocol=3 is explicit
        assert res["total_results"] == 5
        got = [d["id"] for d in res["results"]]
        scores = [float(d["extra_attributes"]["score"]) for d in res["results"]]
        titles = [d["extra_attributes"]["title"] for d in res["results"]]
    else:
        assert res.total == 5
        got = [d.id for d in res.docs]
        scores = [float(d.score) for d in res.docs]
        titles = [d.title for d in res.docs]
    assert got == want
    np.testing.assert_allclose(scores, want_d, atol=1e-5)
    assert titles == [f"Movie {k.split(':')[1]}" for k in want]
    info = r.ft("movies").info()
    num_docs = info["num_docs"] if "num_docs" in info else info[b"num_docs"]
    assert int(num_docs) == 100
    # A plain filter query through Query("...")
    res = r.ft("movies").search(Query("@year:[2045 +inf]").no_content().dialect(2))
    total = res["total_results"] if protocol == 3 else res.total
    assert total == 5
    # Errors surface as redis-py exceptions
    with pytest.raises(redis.ResponseError, match="expects DIM"):
        r.ft("movies").search(Query("*=>[KNN 3 @embedding $v]").dialect(2),
                              query_params={"v": b"\x00" * 8})
    r.ft("movies").dropindex()
    assert r.execute_command("FT._LIST") in ([], set())


@pytest.mark.parametrize("algo", ["FLAT", "HNSW"])
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_redis_py_ft_in_process(protocol, algo):
    kw = {} if protocol is None else {"protocol": protocol}
    r = engine.connect(Node(), decode_responses=True, **kw)
    X = build(r, algo)
    check(r, X, protocol)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_redis_py_ft_over_tcp(protocol):
    kw = {} if protocol is None else {"protocol": protocol}
    with engine.serve() as srv:
        r = redis.Redis(port=srv.port, decode_responses=True, **kw)
        X = build(r, "HNSW")
        check(r, X, protocol)
        r.close()


def test_redis_py_bloom_api_over_tcp():
    with engine.serve() as srv:
        r = redis.Redis(port=srv.port, protocol=2)
        assert r.bf().create("seen", 0.01, 1000)
        assert r.bf().add("seen", "a") == 1
        assert r.bf().madd("seen", "a", "b") == [0, 1]
        assert r.bf().mexists("seen", "a", "b", "zzz") == [1, 1, 0]
        assert r.bf().card("seen") == 2
        info = r.bf().info("seen")
        assert (info.capacity, info.filterNum, info.insertedNum, info.expansionRate) == (1000, 1, 2, 2)
        assert r.type("seen") == b"bloomfltr"
        r.close()
