"""Database.load_strings (the bulk path behind Cluster.populate) must leave a
database exactly as the same keys stored one by one would."""
from __future__ import annotations

import pytest
import redis

import engine
from engine.node.keyspace import Entry, string_encoding


def _snapshot(db):
    return (db.used, len(db), sorted(db.data),
            sorted((k, e.size, e.encoding, e.value) for k, e in db.data.items()))


def test_bulk_load_equals_single_stores():
    keys = [b"k:%d" % i for i in range(300)] + [b"x" * 50, b""]
    for value in (b"value", b"12345", b"v" * 60):
        one, bulk = engine.Node().dbs[0], engine.Node().dbs[0]
        enc = string_encoding(value)
        for key in keys:
            one.store(key, Entry(value, "string", enc))
        assert bulk.load_strings(keys, value, enc) == len(keys)
        assert _snapshot(one) == _snapshot(bulk)
        assert engine.connect(bulk.node).memory_usage("k:7") == \
            engine.connect(one.node).memory_usage("k:7")


def test_bulk_load_keeps_existing_keys_and_signals_watchers():
    node = engine.Node()
    r, watcher = engine.connect(node), engine.connect(node)
    r.set("k:1", "old")
    pipe = watcher.pipeline()
    pipe.watch("k:2")
    assert node.dbs[0].load_strings([b"k:1", b"k:2"], b"new", "embstr") == 1
    assert r.get("k:1") == b"old" and r.get("k:2") == b"new"
    pipe.multi()
    pipe.set("k:2", "mine")
    with pytest.raises(redis.WatchError):   # the watched key was created meanwhile
        pipe.execute()
