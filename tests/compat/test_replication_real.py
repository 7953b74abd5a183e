"""Replication against a real redis-server 7.0 primary + replica pair.

Two real servers are joined with ``REPLICAOF`` and compared with an emulated
``Cluster(1, 1, cluster_mode=False)`` served on TCP (wall clock). Compared:
INFO replication's field names in order (primary and replica), ROLE's shape
(RESP types), the growth of master_repl_offset for a write, WAIT replies and
errors, and the READONLY error of a replica.
"""
from __future__ import annotations

import time

import pytest

from resp_client import RespClient

from engine.clock import WallClock
from engine.cluster import Cluster

HOST = "127.0.0.1"


def _wait(predicate, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}", pytrace=False)


def info_fields(client) -> list:
    text = client.call("INFO", "replication").value.decode()
    return [line.split(":", 1) for line in text.split("\r\n") if line and not line.startswith("#")]


def names(fields) -> list:
    # slave0, slave1 … name one field per replica; compare the pattern
    return ["slaveN" if k.startswith("slave") and k[5:].isdigit() else k for k, _ in fields]


def shape(reply):
    if reply.is_aggregate:
        return (reply.kind, [shape(r) for r in reply.value])
    return reply.kind


@pytest.fixture(scope="module")
def real(redis_server_factory):
    primary, replica = redis_server_factory(), redis_server_factory()
    p, r = RespClient(HOST, primary.port), RespClient(HOST, replica.port)
    # Load the primary's RDB straight from the socket: a replica would
    # otherwise write it as dump.rdb in its working directory (the checkout).
    assert r.call("CONFIG", "SET", "repl-diskless-load", "swapdb").value == b"OK"
    p.call("CONFIG", "SET", "repl-diskless-sync-delay", "0")
    r.call("REPLICAOF", HOST, str(primary.port))
    _wait(lambda: dict(info_fields(r)).get("master_link_status") == "up",
          what="the real replica to sync")
    _wait(lambda: "state=online" in dict(info_fields(p)).get("slave0", ""),
          what="the real primary to see its replica online")
    yield p, r
    r.call("REPLICAOF", "NO", "ONE")


@pytest.fixture(scope="module")
def emulated():
    c = Cluster(1, 1, cluster_mode=False, clock=WallClock())
    served = c.serve()
    shard = c.shards[0]
    p = RespClient(HOST, shard.primary.port)
    r = RespClient(HOST, shard.replicas[0].port)
    yield p, r
    served.close()


def test_info_replication_field_names_match(real, emulated):
    for i in (0, 1):
        assert names(info_fields(emulated[i])) == names(info_fields(real[i])), \
            ["primary", "replica"][i]


def test_primary_slave_line_names_the_same_keys(real, emulated):
    def keys(client):
        line = dict(info_fields(client))["slave0"]
        return [kv.split("=")[0] for kv in line.split(",")]
    assert keys(emulated[0]) == keys(real[0]) == ["ip", "port", "state", "offset", "lag"]


def test_role_shapes_match(real, emulated):
    for i in (0, 1):
        assert shape(emulated[i].call("ROLE")) == shape(real[i].call("ROLE"))
    assert real[0].call("ROLE").value[0].value == emulated[0].call("ROLE").value[0].value \
        == b"master"
    assert real[1].call("ROLE").value[0].value == emulated[1].call("ROLE").value[0].value \
        == b"slave"


def test_write_grows_master_repl_offset_by_the_same_bytes(real, emulated):
    grown = []
    for p, _ in (real, emulated):
        p.call("SET", "warm", "up")            # the SELECT is sent once before
        before = int(dict(info_fields(p))["master_repl_offset"])
        p.call("SET", "key", "value")
        p.call("RPUSH", "list", "a", "b", "c")
        grown.append(int(dict(info_fields(p))["master_repl_offset"]) - before)
    assert grown[0] == grown[1]


def test_wait_replies_match(real, emulated):
    for p, _ in (real, emulated):
        p.call("SET", "w", "1")
    for args in (("1", "2000"), ("0", "0"), ("x", "0"), ("1", "-1"), ("1", "x"), ("1",)):
        assert emulated[0].call("WAIT", *args) == real[0].call("WAIT", *args), args
    assert emulated[1].call("WAIT", "0", "0") == real[1].call("WAIT", "0", "0")


def test_replica_refuses_writes_with_the_same_error(real, emulated):
    for cmd in (("SET", "a", "1"), ("DEL", "a"), ("LPUSH", "l", "x")):
        assert emulated[1].call(*cmd) == real[1].call(*cmd), cmd
    assert emulated[1].call("GET", "w") == real[1].call("GET", "w")   # reads are served
