"""Durability modes: snapshots and AOF written to real files, the transaction log.

What each keeps after the primary's host is lost, measured with the checker:
snapshots keep what the last snapshot had; AOF keeps its fsynced prefix
(always: every write; everysec: all but the last second at most; no: all but
the last ~30 s); the sync durability log keeps every acknowledged write.
"""
import os

import pytest

from engine.cluster import Cluster
from engine.cluster.checker import Workload, check
from engine.cluster.durability import (AppendOnlyFile, Snapshot, SnapshotSchedule,
                                       TransactionLog)
from engine.cluster.failover import Resilience


def conn(node):
    s = node.open_session()
    return lambda *a: node.execute(s, [x if isinstance(x, bytes) else str(x).encode() for x in a])


def test_snapshot_round_trip_through_a_real_file(tmp_path):
    c = Cluster(1, 0, cluster_mode=False)
    node = c.shards[0].primary
    r = conn(node)
    r("SET", "s", "v")
    r("HSET", "h", "f", "1", "g", "2")
    r("ZADD", "z", 1, "a", 2, "b")
    r("RPUSH", "l", "x", "y")
    r("SET", "ttl", "1", "PX", 60_000)
    r("SELECT", 3)
    r("SET", "other-db", "1")
    path = str(tmp_path / "dump.rdb")
    info = Snapshot.save(node, path)
    assert os.path.getsize(path) == info["bytes"] > 0 and info["keys"] == 6
    fresh = Cluster(1, 0, cluster_mode=False, name="fresh").shards[0].primary
    assert Snapshot.load(fresh, path) == 6
    f = conn(fresh)
    assert f("GET", "s") == b"v" and f("HGET", "h", "g") == b"2"
    assert f("ZRANGE", "z", 0, -1) == [b"a", b"b"] and f("LRANGE", "l", 0, -1) == [b"x", b"y"]
    assert 0 < f("PTTL", "ttl") <= 60_000
    f("SELECT", 3)
    assert f("GET", "other-db") == b"1"


def run_single_node(tmp_path, setup, kill_at=3050, interval=100):
    """A single node (no replica), killed at ``kill_at`` ms; the replacement
    loads whatever the durability mode kept."""
    c = Cluster(1, 0, cluster_mode=False)
    res = Resilience(c, multi_az=False, node_timeout_ms=1000, provision_ms=10_000)
    setup(c.shards[0], res, str(tmp_path))
    w = Workload(c, res)
    state = {}

    def inject(t):
        if t >= kill_at and not state:
            state["k"] = res.kill_node(c.shards[0].primary)
    w.run(kill_at + 2 * interval, interval, during=inject)
    w.run(20_000, 1000)
    return check(c, w.history)


def aof(mode):
    def setup(shard, res, d):
        f = AppendOnlyFile(shard, d, mode)
        res.failure_hooks.append(f.on_failure)
        res.restore_hooks.append(f.restore)
    return setup


def test_no_durability_loses_every_write_before_the_failure(tmp_path):
    report = run_single_node(tmp_path, lambda shard, res, d: None)
    assert report["lost"] == 31          # writes at 0, 100 … 3000 ms


def test_aof_always_loses_nothing(tmp_path):
    assert run_single_node(tmp_path, aof("always"))["lost"] == 0


def test_aof_everysec_loses_less_than_a_second(tmp_path):
    report = run_single_node(tmp_path, aof("everysec"))
    # fsync at 3000 ms (before that instant's write); failure at 3100 ms:
    # only the write made at 3000 ms, after the fsync, is lost
    assert [op.t_ms for op in report["lost_ops"]] == [3000]


def test_aof_no_loses_up_to_the_os_flush_interval(tmp_path):
    report = run_single_node(tmp_path, aof("no"))
    assert report["lost"] == 31          # the OS had not flushed anything within 30 s
    (tmp_path / "late").mkdir()
    report = run_single_node(tmp_path / "late", aof("no"), kill_at=30_500, interval=1000)
    # the OS flushed at 30 s: only the write made at 30 s, after the flush, is lost
    assert [op.t_ms for op in report["lost_ops"]] == [30_000]


def test_aof_file_is_truncated_to_the_fsynced_prefix(tmp_path):
    c = Cluster(1, 0, cluster_mode=False)
    shard = c.shards[0]
    f = AppendOnlyFile(shard, str(tmp_path), "everysec")
    r = conn(shard.primary)
    r("SET", "a", "1")
    c.clock.advance(1)
    r("SET", "b", "2")
    size = os.path.getsize(f.path)
    assert f.durable < f.written == size
    assert f.crash() == size - f.durable
    assert os.path.getsize(f.path) == f.durable


def test_snapshots_keep_what_the_last_snapshot_had(tmp_path):
    holder = {}

    def setup(shard, res, d):
        holder["s"] = SnapshotSchedule(shard, d, every_ms=2000)
        res.restore_hooks.append(holder["s"].restore)
    report = run_single_node(tmp_path, setup)
    # snapshot at 2000 ms held writes 0 … 1900 ms; 2000 … 3000 ms are lost
    assert report["lost"] == 11
    assert len(holder["s"].taken) >= 1


def test_bad_modes_are_refused(tmp_path):
    c = Cluster(1, 1, cluster_mode=False)
    with pytest.raises(ValueError):
        AppendOnlyFile(c.shards[0], str(tmp_path), "sometimes")
    with pytest.raises(ValueError):
        TransactionLog(c.shards[0], "eventually")
    with pytest.raises(ValueError):
        SnapshotSchedule(c.shards[0], str(tmp_path), every_ms=0)


def test_async_log_refuses_writes_when_more_than_10s_behind():
    c = Cluster(1, 1, cluster_mode=False)
    shard = c.shards[0]
    log = TransactionLog(shard, "async", latency_ms=5)
    r = conn(shard.primary)
    log.stalled = True
    assert r("SET", "a", "1") == b"OK"
    c.clock.advance(11)
    assert "behind" in str(r("SET", "b", "1"))
