"""The asynchronous replication stream: offsets, lag, backlog, resyncs, INFO/ROLE/WAIT.

Expected offsets are computed from the RESP encoding by hand (a real
redis-server 7.0.15 shows master_repl_offset:50 after the first `SET a 1`:
`SELECT 0` (23 bytes) + `SET a 1` (27 bytes)); field names and error texts
are redis-server's (tests/compat/test_replication_real.py compares live).
"""
import pytest

from engine.cluster import Cluster
from engine.protocol.replies import ReplyError

SELECT0 = len(b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n")


def setcmd(key: bytes, value: bytes) -> int:
    return len(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(key), key, len(value), value))


class Conn:
    def __init__(self, node):
        self.node, self.session = node, node.open_session()

    def __call__(self, *args):
        return self.node.execute(self.session, [a if isinstance(a, bytes) else str(a).encode()
                                                for a in args])


def group(replicas=2, **kw):
    c = Cluster(1, replicas, cluster_mode=False, **kw)
    return c, c.shards[0]


def test_offsets_count_resp_bytes_of_the_stream():
    c, shard = group()
    p = Conn(shard.primary)
    assert shard.link.offset == 0
    p("SET", "a", "1")
    assert shard.link.offset == SELECT0 + setcmd(b"a", b"1") == 50
    p("SET", "key", "value")
    assert shard.link.offset == 50 + setcmd(b"key", b"value")
    p("GET", "a")                       # reads are not replicated
    p("INCR", "a")                      # an error reply (not an integer)? no: "1" is one
    p("LPUSH", "a", "x")                # WRONGTYPE: a failed write is not replicated
    assert shard.link.offset == 50 + setcmd(b"key", b"value") + len(
        b"*2\r\n$4\r\nINCR\r\n$1\r\na\r\n")
    for link in shard.link.links.values():
        assert link.offset == shard.link.offset      # zero latency: delivered at once


def test_latency_makes_lag_until_the_clock_moves():
    c, shard = group(repl_latency_ms=200)
    p, r = Conn(shard.primary), Conn(shard.replicas[0])
    p("SET", "k", "v")
    assert r("GET", "k") is None                    # not arrived yet: a stale read
    link = shard.link.links[shard.replicas[0]]
    assert link.lag_bytes == 50 and link.offset == 0
    c.clock.advance_ms(199)
    assert r("GET", "k") is None
    c.clock.advance_ms(1)
    assert r("GET", "k") == b"v" and link.lag_bytes == 0


def test_bandwidth_delays_big_writes_in_order():
    c, shard = group(1, repl_bandwidth=1000)        # 1,000 bytes per second
    p, r = Conn(shard.primary), Conn(shard.replicas[0])
    p("SET", "big", b"x" * 950)                     # ~1,000 bytes on the wire: ~1 s
    p("SET", "small", "1")
    c.clock.advance_ms(500)
    assert r("GET", "big") is None and r("GET", "small") is None
    c.clock.advance_ms(600)
    assert r("GET", "big") == b"x" * 950
    c.clock.advance_ms(100)
    assert r("GET", "small") == b"1"


def test_slow_single_link():
    c, shard = group(2)
    slow, fast = shard.replicas
    shard.link.set_link(slow, latency_ms=1000)
    Conn(shard.primary)("SET", "k", "v")
    assert Conn(fast)("GET", "k") == b"v"
    assert Conn(slow)("GET", "k") is None
    c.clock.advance(1)
    assert Conn(slow)("GET", "k") == b"v"


def test_partial_resync_after_short_disconnect():
    c, shard = group(1)
    replica = shard.replicas[0]
    p = Conn(shard.primary)
    p("SET", "a", "1")
    shard.link.disconnect(replica)
    p("SET", "b", "2")
    assert Conn(replica)("GET", "b") is None
    assert shard.link.reconnect(replica) == "partial"
    assert Conn(replica)("GET", "b") == b"2"
    link = shard.link.links[replica]
    assert link.partial_syncs == 1 and link.full_syncs == 1   # the initial sync only


def test_full_resync_when_backlog_no_longer_covers_the_gap():
    c, shard = group(1, repl_backlog_size=16384)
    replica = shard.replicas[0]
    p = Conn(shard.primary)
    p("SET", "a", "1")
    shard.link.disconnect(replica)
    for i in range(40):
        p("SET", f"k{i}", b"v" * 1000)     # 40 KB > the 16 KB backlog
    p("DEL", "a")
    assert shard.link.histlen <= 16384
    assert shard.link.backlog_first_byte() > 51
    assert shard.link.reconnect(replica) == "full"
    r = Conn(replica)
    assert r("GET", "a") is None and r("GET", "k39") == b"v" * 1000
    assert r("DBSIZE") == 40
    assert shard.link.links[replica].full_syncs == 2


def test_random_commands_and_expiry_replicate_as_effects():
    c, shard = group(1)
    p, r = Conn(shard.primary), Conn(shard.replicas[0])
    p("SADD", "s", *range(20))
    popped = p("SPOP", "s", 5)
    assert sorted(r("SMEMBERS", "s")) == sorted(p("SMEMBERS", "s"))
    assert not set(popped) & set(r("SMEMBERS", "s"))
    p("SET", "t", "1", "PX", "100")
    c.clock.advance(1)                   # the primary's active expiry deletes it
    assert r("EXISTS", "t") == 0


def test_info_replication_and_role():
    c, shard = group(2, repl_latency_ms=100)
    p, r = Conn(shard.primary), Conn(shard.replicas[0])
    p("SET", "a", "1")
    info = p("INFO", "replication").decode() if isinstance(p("INFO", "replication"), bytes) \
        else str(p("INFO", "replication"))
    assert "role:master" in info and "connected_slaves:2" in info
    assert "master_repl_offset:50" in info
    assert "slave0:ip=127.0.0.1,port=" in info and ",state=online,offset=0,lag=0" in info
    role = p("ROLE")
    assert role[0] == b"master" and role[1] == 50 and len(role[2]) == 2
    assert role[2][0][2] == b"0"
    c.clock.advance_ms(100)
    assert p("ROLE")[2][0][2] == b"50"
    rrole = r("ROLE")
    assert rrole == [b"slave", b"127.0.0.1", shard.primary.port, b"connected", 50]
    rinfo = str(r("INFO", "replication"))
    assert "role:slave" in rinfo and "master_link_status:up" in rinfo
    assert "slave_repl_offset:50" in rinfo
    shard.link.disconnect(shard.replicas[0])
    assert "master_link_status:down" in str(r("INFO", "replication"))
    assert r("ROLE")[3] == b"connect"


def test_wait_advances_virtual_time_until_replicas_ack():
    c, shard = group(2, repl_latency_ms=300)
    p = Conn(shard.primary)
    assert p("WAIT", 2, 0) == 2              # no write yet: every replica is up to date
    p("SET", "a", "1")
    start = c.clock.now_ms()
    assert p("WAIT", 1, 1000) == 2           # both links deliver at the same instant
    assert c.clock.now_ms() - start == 300   # the client waited 300 ms of virtual time
    shard.link.set_link(shard.replicas[1], latency_ms=5000)
    p("SET", "b", "1")
    start = c.clock.now_ms()
    assert p("WAIT", 2, 1000) == 1           # timed out: the slow replica lacks it
    assert c.clock.now_ms() - start == 1000


def test_wait_errors():
    c, shard = group(1)
    p, r = Conn(shard.primary), Conn(shard.replicas[0])
    assert str(r("WAIT", 0, 0)).startswith("ERR WAIT cannot be used with replica instances.")
    assert str(p("WAIT", "x", 0)) == "ERR value is not an integer or out of range"
    assert str(p("WAIT", 1, -1)) == "ERR timeout is negative"
    assert str(p("WAIT", 1, "x")) == "ERR timeout is not an integer or out of range"


def test_replicas_are_read_only():
    c, shard = group(1)
    r = Conn(shard.replicas[0])
    reply = r("SET", "a", "1")
    assert isinstance(reply, ReplyError)
    assert str(reply) == "READONLY You can't write against a read only replica."
    assert r("GET", "a") is None
    r("MULTI")
    assert str(r("SET", "a", "1")).startswith("READONLY")
    assert str(r("EXEC")).startswith("EXECABORT")


def test_sync_mode_refuses_writes_while_a_replica_is_down():
    c, shard = group(2, replication="sync", repl_latency_ms=500)
    p = Conn(shard.primary)
    p("SET", "a", "1")
    assert all(Conn(n)("GET", "a") == b"1" for n in shard.replicas)   # before the ack
    shard.link.disconnect(shard.replicas[1])
    assert str(p("SET", "b", "1")) == "NOREPLICAS Not enough good replicas to write."
    assert p("GET", "b") is None


def test_add_and_remove_replica():
    c, shard = group(1)
    Conn(shard.primary)("SET", "a", "1")
    node = c.add_replica(shard)
    assert node in shard.replicas and Conn(node)("GET", "a") == b"1"
    Conn(shard.primary)("SET", "b", "2")
    assert Conn(node)("GET", "b") == b"2"
    c.remove_replica(shard, node)
    assert node not in c.nodes and node not in shard.link.links
    with pytest.raises(ValueError):
        c.remove_replica(shard, node)
    for _ in range(4):
        c.add_replica(shard)
    with pytest.raises(ValueError):
        c.add_replica(shard)            # 5 replicas per shard at most


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError):
        Cluster(1, 1, cluster_mode=False, replication="semi")
    with pytest.raises(ValueError):
        Cluster(1, 1, cluster_mode=False, repl_backlog_size=10)
    c, shard = group(1)
    with pytest.raises(ValueError):
        shard.link.set_link(shard.replicas[0], latency_ms=-1)
