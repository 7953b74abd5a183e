"""The emulated cluster against a real Redis Cluster (redis-server 7.0, 3 masters + 3 replicas).

A real cluster is built the documented way — six ``redis-server --cluster-enabled
yes`` processes joined by ``redis-cli --cluster create … --cluster-replicas 1`` —
and compared with ``engine.cluster.Cluster(shards=3, replicas=1)`` served on TCP.
Both get the same slot layout (0-5460, 5461-10922, 10923-16383), so the same
command sent to "the primary of shard 1" must give the same reply, once
``host:port`` is replaced by the role of the node it names.

Compared: CLUSTER KEYSLOT for generated keys; the shapes of CLUSTER SLOTS /
SHARDS / NODES / INFO; MOVED / ASK / CROSSSLOT / TRYAGAIN / CLUSTERDOWN and
other error texts; and a redis-py RedisCluster workload run on both.
"""
from __future__ import annotations

import random
import re
import socket
import subprocess
import time

import pytest
from redis.cluster import RedisCluster

from resp_client import RespClient

from engine.clock import WallClock
from engine.cluster import Cluster

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
HOST = "127.0.0.1"


def _wait(predicate, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}", pytrace=False)


class Side:
    """One cluster (real or emulated) seen by roles: primaries[i] owns the
    i-th third of the slots, replicas[i] is its replica."""

    def __init__(self, name, ports):
        self.name = name
        self.ports = ports
        self.primaries, self.replicas = [], []
        self.clients = {}

    def discover(self):
        text = self.raw(self.ports[0], "CLUSTER", "NODES").value.decode()
        nodes = [line.split() for line in text.splitlines() if line]
        masters = sorted((n for n in nodes if "master" in n[2]),
                         key=lambda n: int(n[8].split("-")[0]))
        port_of = {n[0]: int(n[1].split("@")[0].rsplit(":", 1)[1]) for n in nodes}
        self.primaries = [port_of[m[0]] for m in masters]
        self.replicas = [next(port_of[n[0]] for n in nodes if n[3] == m[0]) for m in masters]
        self.ids = {port: nid for nid, port in port_of.items()}
        self.role = {p: f"primary{i}" for i, p in enumerate(self.primaries)}
        self.role.update({p: f"replica{i}" for i, p in enumerate(self.replicas)})
        return self

    def client(self, port) -> RespClient:
        if port not in self.clients:
            self.clients[port] = RespClient(HOST, port)
        return self.clients[port]

    def raw(self, port, *args):
        return self.client(port).call(*args)

    def fresh(self, port) -> RespClient:
        return RespClient(HOST, port)

    def normalize(self, reply) -> bytes:
        """The raw reply with every node address replaced by the node's role."""
        def sub(m):
            return self.role.get(int(m.group(1)), "unknown").encode()
        return re.sub(rb"127\.0\.0\.1:(\d+)", sub, reply.raw)

    def close(self):
        for c in self.clients.values():
            c.close()


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
            return True
        except OSError:
            return False


def _cluster_ports(count: int):
    """Free ports whose cluster-bus port (port + 10000) is free too; Redis
    refuses ports above 55535 in cluster mode for that reason."""
    rng = random.Random()
    ports = []
    while len(ports) < count:
        p = rng.randrange(20000, 45000)
        if p not in ports and _bindable(p) and _bindable(p + 10000):
            ports.append(p)
    return ports


@pytest.fixture(scope="module")
def real_cluster(require_binary, tmp_path_factory):
    server = require_binary("redis-server")
    cli = require_binary("redis-cli")
    tmp = tmp_path_factory.mktemp("cluster")
    ports = _cluster_ports(6)
    procs = []
    try:
        for p in ports:
            procs.append(subprocess.Popen(
                [server, "--port", str(p), "--bind", HOST, "--cluster-enabled", "yes",
                 "--cluster-config-file", str(tmp / f"nodes-{p}.conf"), "--save", "",
                 "--appendonly", "no", "--protected-mode", "no", "--loglevel", "warning",
                 "--dir", str(tmp)],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        for p in ports:
            _wait(lambda: RespClient(HOST, p, timeout=1).call("PING").value == b"PONG",
                  what=f"redis-server on {p}")
        out = subprocess.run([cli, "--cluster", "create", *(f"{HOST}:{p}" for p in ports),
                              "--cluster-replicas", "1", "--cluster-yes"],
                             capture_output=True, text=True, timeout=60)
        assert "All 16384 slots covered" in out.stdout, out.stdout + out.stderr

        def ready():
            for p in ports:
                with RespClient(HOST, p, timeout=2) as c:
                    if b"cluster_state:ok" not in c.call("CLUSTER", "INFO").value:
                        return False
                    shards = c.call("CLUSTER", "SHARDS").py()
                    text = repr(shards)
                    if "loading" in text or "fail" in text:
                        return False
                    nodes = c.call("CLUSTER", "NODES").value
                    if nodes.count(b"connected") != 6 or nodes.count(b"slave") != 3:
                        return False
            return True

        _wait(ready, timeout=60, what="cluster_state:ok and replicas online on all nodes")
        side = Side("real", ports).discover()
        yield side
        side.close()
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="module")
def emulated_cluster():
    c = Cluster(shards=3, replicas=1, clock=WallClock(), name="compat")
    served = c.serve()
    side = Side("engine", served.ports).discover()
    side.cluster = c
    yield side
    side.close()
    served.close()


@pytest.fixture
def both(real_cluster, emulated_cluster):
    for side in (real_cluster, emulated_cluster):
        for p in side.primaries:
            side.raw(p, "FLUSHALL")
    return real_cluster, emulated_cluster


def same(both, role, *args, client=None):
    """Send ``args`` to the node with ``role`` on both sides; require the same
    normalized reply."""
    out = []
    for side in both:
        kind, index = role[:-1], int(role[-1])
        port = (side.primaries if kind == "primary" else side.replicas)[index]
        c = client[side.name] if client else side.client(port)
        reply = c.call(*args)
        out.append(side.normalize(reply))
    assert out[0] == out[1], f"{role} {args}: real {out[0]!r} engine {out[1]!r}"
    return out[0]


# -- CLUSTER KEYSLOT ----------------------------------------------------------

def _generated_keys(n=1200, seed=11):
    rng = random.Random(seed)
    alphabet = b"abcxyz{}:_-0123456789"
    keys = [b"", b"{}", b"{", b"}", b"}{", b"{{}}", b"a{}b{c}", b"{a}{b}", b"\x00{\xff}\x01"]
    while len(keys) < n:
        form = rng.randrange(4)
        if form == 0:    # printable with braces here and there
            keys.append(bytes(rng.choice(alphabet) for _ in range(rng.randrange(1, 24))))
        elif form == 1:  # a hash tag inside
            tag = bytes(rng.choice(alphabet) for _ in range(rng.randrange(0, 6)))
            keys.append(b"user:{" + tag + b"}:" + str(rng.randrange(10**6)).encode())
        elif form == 2:  # binary
            keys.append(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40))))
        else:            # empty tag then a real one
            keys.append(b"x{}{" + str(rng.randrange(1000)).encode() + b"}y")
    return keys


def test_keyslot_of_generated_keys(real_cluster, emulated_cluster):
    keys = _generated_keys()
    assert len(keys) >= 1000
    real, emu = real_cluster.client(real_cluster.primaries[0]), \
        emulated_cluster.client(emulated_cluster.primaries[0])
    for c in (real, emu):
        for k in keys:
            c.send("CLUSTER", "KEYSLOT", k)
    real_slots = [real.read_reply().value for _ in keys]
    emu_slots = [emu.read_reply().value for _ in keys]
    assert real_slots == emu_slots
    from engine.cluster import key_slot
    assert [key_slot(k) for k in keys] == real_slots


# -- reply shapes ---------------------------------------------------------------

def _shape(reply):
    """Types and lengths, not values: what a client parses."""
    if reply.is_aggregate:
        return (reply.kind, [_shape(child) for child in reply.value])
    return reply.kind


def _map_keys(reply):
    items = reply.value
    return [items[i].value for i in range(0, len(items), 2)]


@pytest.mark.parametrize("protocol", [2, 3])
def test_cluster_slots_and_shards_shapes(real_cluster, emulated_cluster, protocol):
    replies = {}
    for side in (real_cluster, emulated_cluster):
        c = side.fresh(side.primaries[1])
        c.call("HELLO", protocol)
        replies[side.name] = (c.call("CLUSTER", "SLOTS"), c.call("CLUSTER", "SHARDS"))
        c.close()
    (rs, rsh), (es, esh) = replies["real"], replies["engine"]
    assert sorted(map(str, map(_shape, rs.value))) == sorted(map(str, map(_shape, es.value)))
    assert sorted([e.value[0].value, e.value[1].value] for e in rs.value) == \
        sorted([e.value[0].value, e.value[1].value] for e in es.value)
    assert len(rsh.value) == len(esh.value) == 3
    for r_shard, e_shard in zip(rsh.value, esh.value):
        assert _map_keys(r_shard) == _map_keys(e_shard) == [b"slots", b"nodes"]
        r_nodes, e_nodes = r_shard.value[3].value, e_shard.value[3].value
        assert len(r_nodes) == len(e_nodes) == 2
        for rn, en in zip(r_nodes, e_nodes):
            assert _map_keys(rn) == _map_keys(en)
            assert [v.kind for v in rn.value] == [v.kind for v in en.value]


def test_cluster_nodes_and_info_shapes(real_cluster, emulated_cluster):
    for role_port in ("primaries", "replicas"):
        lines = {}
        for side in (real_cluster, emulated_cluster):
            port = getattr(side, role_port)[0]
            text = side.raw(port, "CLUSTER", "NODES").value.decode()
            lines[side.name] = sorted(
                (len(f), ",".join(sorted(f[2].split(","))), f[7]) for f in
                (line.split() for line in text.splitlines() if line))
            info = side.raw(port, "CLUSTER", "INFO").value.decode()
            fields = [line.split(":")[0] for line in info.split("\r\n") if line]
            # per-message-type counters exist only once such messages flowed
            lines[side.name + "-info"] = [
                f for f in fields if not re.match(r"cluster_stats_messages_\w+_(sent|received)$", f)]
            lines[side.name + "-myid"] = len(side.raw(port, "CLUSTER", "MYID").value)
        assert lines["real"] == lines["engine"]
        assert lines["real-info"] == lines["engine-info"]
        assert lines["real-myid"] == lines["engine-myid"] == 40


# -- redirections and errors ------------------------------------------------------

ERROR_CASES = [
    ("primary0", ("GET", "foo")),                        # MOVED to primary2
    ("primary0", ("SET", "foo", "1")),
    ("primary0", ("MSET", "a", "1", "b", "2")),          # CROSSSLOT
    ("primary0", ("MSET", "b", "1", "d")),
    ("primary0", ("DEL", "b", "d")),
    ("primary0", ("LMPOP", "2", "b", "d", "LEFT")),
    ("primary0", ("ZUNIONSTORE", "b", "2", "b", "d")),
    ("primary0", ("SELECT", "1")),
    ("primary0", ("SELECT", "x")),
    ("primary0", ("SWAPDB", "0", "1")),
    ("primary0", ("GET", "b")),
    ("primary0", ("SET", "b", "v")),
    ("primary0", ("MSET", "{b}1", "x", "{b}2", "y")),
    ("primary0", ("MGET", "{b}1", "{b}2", "b")),
    ("replica0", ("GET", "b")),                          # MOVED to its primary
    ("replica0", ("SET", "b", "1")),
    ("replica1", ("GET", "b")),
    ("primary1", ("PING",)),
    ("replica2", ("ECHO", "x")),
    ("primary0", ("CLUSTER", "KEYSLOT")),
    ("primary0", ("CLUSTER", "FOO")),
    ("primary0", ("CLUSTER", "COUNTKEYSINSLOT", "99999")),
    ("primary0", ("CLUSTER", "COUNTKEYSINSLOT", "x")),
    ("primary0", ("CLUSTER", "COUNTKEYSINSLOT", "3300")),
    ("primary0", ("CLUSTER", "GETKEYSINSLOT", "1", "-1")),
    ("primary0", ("CLUSTER", "GETKEYSINSLOT", "3300", "10")),
    ("primary0", ("CLUSTER", "ADDSLOTS", "1")),
    ("primary0", ("CLUSTER", "ADDSLOTS", "99999")),
    ("primary0", ("CLUSTER", "ADDSLOTS", "x")),
    ("primary0", ("CLUSTER", "DELSLOTS", "7", "7")),
    ("primary0", ("CLUSTER", "ADDSLOTSRANGE", "1", "0")),
    ("primary0", ("CLUSTER", "ADDSLOTSRANGE", "1")),
    ("primary0", ("CLUSTER", "SETSLOT", "1", "FOO")),
    ("primary0", ("CLUSTER", "SETSLOT", "1", "MIGRATING", "abc")),
    ("primary0", ("CLUSTER", "SETSLOT", "1", "NODE", "abc")),
    ("replica0", ("CLUSTER", "SETSLOT", "1", "STABLE")),
    ("primary0", ("CLUSTER", "REPLICAS", "abc")),
    ("primary0", ("CLUSTER", "HELP")),
    ("primary0", ("READWRITE",)),
    ("primary0", ("ASKING",)),
    ("primary0", ("MIGRATE", HOST, "1", "zz", "0", "1000", "KEYS", "a")),
    ("primary0", ("INFO", "cluster")),
]


def test_error_and_redirection_texts(both):
    for role, args in ERROR_CASES:
        same(both, role, *args)
    counted = len(ERROR_CASES)
    # MULTI: a MOVED while queueing dooms the transaction
    for args in (("MULTI",), ("SET", "b", "1"), ("SET", "foo", "1"), ("EXEC",),
                 ("MULTI",), ("SET", "b", "1"), ("EXEC",), ("GET", "b")):
        same(both, "primary0", *args)
        counted += 1
    # a replica with READONLY serves reads of its primary's slots only
    for args in (("READONLY",), ("GET", "b"), ("GET", "d"), ("SET", "b", "2"),
                 ("MULTI",), ("GET", "b"), ("EXEC",), ("READWRITE",), ("GET", "b")):
        same(both, "replica0", *args)
        counted += 1
    test_error_and_redirection_texts.counted = counted


def _ids(side):
    return [side.ids[p] for p in side.primaries]


def test_ask_and_tryagain_during_migration(both):
    """Slot 3300 ("b") half moved from primary0 to primary1, by hand."""
    real, emu = both
    for side in both:
        src, dst = side.primaries[0], side.primaries[1]
        ids = _ids(side)
        assert side.raw(src, "MSET", "{b}1", "x", "{b}2", "y").value == b"OK"
        assert side.raw(dst, "CLUSTER", "SETSLOT", "3300", "IMPORTING", ids[0]).value == b"OK"
        assert side.raw(src, "CLUSTER", "SETSLOT", "3300", "MIGRATING", ids[1]).value == b"OK"
        moved = side.raw(src, "MIGRATE", HOST, str(dst), "", "0", "5000", "KEYS", "{b}1")
        assert moved.value == b"OK", moved
    try:
        steps = [
            ("primary0", ("GET", "{b}1")),              # ASK primary1
            ("primary0", ("GET", "{b}2")),
            ("primary0", ("SET", "{b}3", "z")),         # new key: ASK
            ("primary0", ("MGET", "{b}1", "{b}2")),     # TRYAGAIN
            ("primary0", ("EXISTS", "{b}2", "{b}2")),
            ("primary1", ("GET", "{b}1")),              # MOVED back without ASKING
            ("primary1", ("ASKING",)), ("primary1", ("GET", "{b}1")),
            ("primary1", ("GET", "{b}1")),
            ("primary1", ("ASKING",)), ("primary1", ("MGET", "{b}1", "{b}2")),
            ("primary1", ("ASKING",)), ("primary1", ("MGET", "{b}1", "{b}1")),
            ("primary1", ("ASKING",)), ("primary1", ("MULTI",)),
            ("primary1", ("GET", "{b}1")), ("primary1", ("GET", "{b}9")),
            ("primary1", ("EXEC",)),                    # TRYAGAIN, no EXECABORT
            ("primary1", ("EXEC",)),
            ("primary0", ("MIGRATE", HOST, "PORT1", "{b}1", "0", "1000")),   # NOKEY
            ("primary0", ("CLUSTER", "COUNTKEYSINSLOT", "3300")),
        ]
        for role, args in steps:
            if "PORT1" in args:
                for side in both:
                    port = str(side.primaries[1])
                    concrete = tuple(port if a == "PORT1" else a for a in args)
                    side.last = side.normalize(side.raw(side.primaries[0], *concrete))
                assert real.last == emu.last, (args, real.last, emu.last)
                continue
            same(both, role, *args)
        nodes = {}
        for side in both:
            text = side.raw(side.primaries[0], "CLUSTER", "NODES").value.decode()
            mine = next(line for line in text.splitlines() if "myself" in line)
            nodes[side.name] = re.sub(r"[0-9a-f]{40}", "ID", mine.split(" connected ")[1])
        assert nodes["real"] == nodes["engine"]
        test_ask_and_tryagain_during_migration.counted = len(steps) + 1
    finally:
        for side in both:
            src, dst = side.primaries[0], side.primaries[1]
            side.raw(src, "MIGRATE", HOST, str(dst), "", "0", "5000", "KEYS", "{b}2")
            side.raw(src, "CLUSTER", "SETSLOT", "3300", "STABLE")
            side.raw(dst, "CLUSTER", "SETSLOT", "3300", "STABLE")
            side.raw(dst, "DEL", "{b}1", "{b}2", "{b}3")


def test_unserved_slot_is_clusterdown(both):
    real, emu = both
    for side in both:
        assert side.raw(side.primaries[0], "CLUSTER", "DELSLOTS", "3300").value == b"OK"
    try:
        same(both, "primary0", "GET", "b")            # CLUSTERDOWN Hash slot not served
        same(both, "primary0", "SET", "{b}x", "1")
        same(both, "primary0", "CLUSTER", "DELSLOTS", "3300")
    finally:
        for side in both:
            side.raw(side.primaries[0], "CLUSTER", "ADDSLOTS", "3300")
    _wait(lambda: all(b"cluster_state:ok" in side.raw(p, "CLUSTER", "INFO").value
                      for side in both for p in side.primaries), what="cluster ok again")


# -- a redis-py workload ------------------------------------------------------------

def _workload(rc, seed=3):
    rng = random.Random(seed)
    out = []
    for i in range(300):
        op = rng.randrange(8)
        k = f"k{rng.randrange(60)}"
        tag = f"{{u{rng.randrange(5)}}}"
        if op == 0:
            out.append(rc.set(k, i))
        elif op == 1:
            out.append(rc.get(k))
        elif op == 2:
            out.append(rc.incr(f"n{rng.randrange(20)}"))
        elif op == 3:
            out.append(rc.mset({f"{tag}a": i, f"{tag}b": i + 1}))
        elif op == 4:
            out.append(rc.mget(f"{tag}a", f"{tag}b", f"{tag}c"))
        elif op == 5:
            out.append(rc.hset(f"h{rng.randrange(10)}", f"f{i % 7}", i))
        elif op == 6:
            p = rc.pipeline()
            for j in range(5):
                p.set(f"p{rng.randrange(30)}", j)
                p.get(f"k{rng.randrange(60)}")
            out.append(p.execute())
        else:
            out.append(rc.mget_nonatomic([f"k{rng.randrange(60)}" for _ in range(4)]))
    out.append(sorted(rc.keys(target_nodes=RedisCluster.ALL_NODES) or []))
    return out


def test_redis_py_cluster_workload_gives_same_results(both):
    results = []
    for side in both:
        rc = RedisCluster(host=HOST, port=side.primaries[0], decode_responses=True)
        try:
            results.append(_workload(rc))
        finally:
            rc.close()
    assert len(results[0]) == 301
    assert results[0] == results[1]
