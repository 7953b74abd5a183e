"""Indexes follow every write path: HSET, HDEL, DEL, RENAME, EXPIRE (passive
and active), eviction, FLUSHALL/FLUSHDB, MULTI/EXEC, type changes."""
import numpy as np
import pytest

import engine
from engine.node.node import Node

DIM = 4


def blob(*v):
    return np.asarray(v, dtype="<f4").tobytes()


@pytest.fixture(params=["FLAT", "HNSW"])
def env(request):
    node = Node(seed=3)
    r = engine.connect(node, protocol=2)
    r.execute_command("FT.CREATE", "idx", "ON", "HASH", "PREFIX", 2, "a:", "b:", "SCHEMA",
                      "tag", "TAG", "n", "NUMERIC", "v", "VECTOR", request.param, 6,
                      "TYPE", "FLOAT32", "DIM", DIM, "DISTANCE_METRIC", "L2")
    return node, r


def ids(r, q=(0, 0, 0, 0), k=10, filt="*"):
    reply = r.execute_command("FT.SEARCH", "idx", f"{filt}=>[KNN {k} @v $q]", "PARAMS", 2, "q",
                              blob(*q), "NOCONTENT", "LIMIT", 0, k, "DIALECT", 2)
    return [k.decode() for k in reply[1:]]


def num_docs(r):
    info = r.execute_command("FT.INFO", "idx")
    return dict(zip(info[::2], info[1::2]))[b"num_docs"]


def test_hset_update_and_hdel(env):
    _, r = env
    r.hset("a:1", mapping={"v": blob(1, 0, 0, 0), "tag": "x", "n": 5})
    r.hset("a:2", mapping={"v": blob(2, 0, 0, 0), "tag": "y", "n": 7})
    assert ids(r) == ["a:1", "a:2"]
    r.hset("a:1", "v", blob(3, 0, 0, 0))                   # moved further away
    assert ids(r) == ["a:2", "a:1"]
    r.hset("a:1", "tag", "y")
    assert ids(r, filt="(@tag:{x})") == []
    assert ids(r, filt="(@tag:{y})") == ["a:2", "a:1"]
    r.hincrby("a:2", "n", 10)
    assert ids(r, filt="(@n:[15 20])") == ["a:2"]
    r.hdel("a:2", "v")                                      # no vector: no KNN hit
    assert ids(r) == ["a:1"]
    assert num_docs(r) == 2                                 # still a document (tags, numbers)
    r.hdel("a:1", "v", "tag", "n")                          # emptied hash disappears
    assert r.exists("a:1") == 0 and num_docs(r) == 1


def test_del_unlink_rename_and_type_change(env):
    _, r = env
    for i in range(5):
        r.hset(f"a:{i}", "v", blob(i, 0, 0, 0))
    r.delete("a:0")
    r.unlink("a:1")
    assert ids(r) == ["a:2", "a:3", "a:4"]
    r.rename("a:2", "b:2")                                  # still covered (prefix b:)
    assert ids(r) == ["b:2", "a:3", "a:4"]
    r.rename("a:3", "c:3")                                  # leaves the index
    assert ids(r) == ["b:2", "a:4"]
    r.rename("c:3", "a:9")                                  # comes back under a new name
    assert ids(r) == ["b:2", "a:9", "a:4"]
    r.delete("a:4")
    r.set("a:4", "now a string")                            # not a hash: not a document
    assert ids(r) == ["b:2", "a:9"]
    r.copy("b:2", "a:copy")
    assert set(ids(r)) == {"b:2", "a:9", "a:copy"}


def test_expiry_passive_and_active(env):
    node, r = env
    r.hset("a:1", "v", blob(1, 0, 0, 0))
    r.hset("a:2", "v", blob(2, 0, 0, 0))
    r.hset("a:3", "v", blob(3, 0, 0, 0))
    r.expire("a:1", 10)
    r.pexpire("a:3", 500)
    node.clock.advance(11)        # both past their deadline; the cron may or may not have run
    assert ids(r) == ["a:2"]      # a search never returns an expired key
    assert r.exists("a:1") == 0
    r.hset("a:4", "v", blob(4, 0, 0, 0))
    r.expire("a:4", 5)
    for _ in range(20):           # let the active expire cycle find it
        node.clock.advance(1)
        node.cron()
    assert ids(r) == ["a:2"]
    assert num_docs(r) == 1


def test_eviction_removes_documents(env):
    node, r = env
    r.config_set("maxmemory-policy", "allkeys-lru")
    for i in range(200):
        r.hset(f"a:{i}", mapping={"v": blob(i, 0, 0, 0), "pad": "x" * 200})
    evicted = []
    node.subscribe(lambda ev: ev.kind == "evicted" and evicted.append(ev.key.decode()))
    r.config_set("maxmemory", node.used_memory() - 20000)
    r.hset("a:new", "v", blob(0.5, 0, 0, 0))                # a write triggers eviction
    assert evicted
    found = set(ids(r, k=500))
    assert not found & set(evicted)
    assert found == {k.decode() for k in r.keys("a:*")}
    assert num_docs(r) == r.dbsize()


def test_flushall_flushdb_and_multi_exec(env):
    _, r = env
    pipe = r.pipeline(transaction=True)
    pipe.hset("a:1", "v", blob(1, 0, 0, 0))
    pipe.hset("a:2", "v", blob(2, 0, 0, 0))
    pipe.execute()
    assert ids(r) == ["a:1", "a:2"]
    r.flushdb()
    assert ids(r) == [] and num_docs(r) == 0
    r.hset("a:1", "v", blob(1, 0, 0, 0))
    assert ids(r) == ["a:1"]
    r.flushall()
    assert ids(r) == []
    r.hset("a:3", "v", blob(1, 0, 0, 0))
    assert ids(r) == ["a:3"]


def test_other_databases_are_not_indexed(env):
    node, r = env
    other = engine.connect(node, db=1, protocol=2)
    other.hset("a:1", "v", blob(1, 0, 0, 0))
    assert ids(r) == []
    other.flushdb()
    r.hset("a:1", "v", blob(1, 0, 0, 0))
    assert ids(r) == ["a:1"]


def test_backfill_on_create_and_dropped_index_stops_following():
    node = Node()
    r = engine.connect(node, protocol=2)
    for i in range(5):
        r.hset(f"p:{i}", "v", blob(i, 1, 0, 0))
    r.execute_command("FT.CREATE", "late", "PREFIX", 1, "p:", "SCHEMA", "v", "VECTOR", "HNSW", 6,
                      "TYPE", "FLOAT32", "DIM", DIM, "DISTANCE_METRIC", "COSINE")
    info = r.execute_command("FT.INFO", "late")
    assert dict(zip(info[::2], info[1::2]))[b"num_docs"] == 5
    r.execute_command("FT.DROPINDEX", "late")
    assert node.dbs[0].search_hook is None                  # no index: writes pay nothing
    r.hset("p:9", "v", blob(1, 1, 1, 1))


def test_swapdb_never_returns_keys_that_are_not_there(env):
    _, r = env
    r.hset("a:1", "v", blob(1, 0, 0, 0))
    r.swapdb(0, 1)                     # the hash now lives in db 1; the index stays on db 0
    assert ids(r) == []
    assert num_docs(r) == 0
