"""The cluster over TCP: redis-py's RedisCluster, redis-cli -c, and the CLI."""
import os
import socket
import random
import signal
import subprocess
import sys
import time

import pytest
import redis
from redis.cluster import RedisCluster

from engine.cluster import Cluster, key_slot


def test_in_process_cluster_client_workload():
    c = Cluster(shards=3, replicas=1)
    r = c.client(decode_responses=True)
    for i in range(300):
        assert r.set(f"user:{i}", i)
    assert sum(len(s.primary.dbs[0]) for s in c.shards) == 300
    assert all(len(s.primary.dbs[0]) > 50 for s in c.shards)        # spread out
    assert r.mset({"{cart}:a": 1, "{cart}:b": 2}) and r.mget("{cart}:a", "{cart}:b") == ["1", "2"]
    assert r.mget_nonatomic("user:1", "user:2", "user:3") == ["1", "2", "3"]
    p = r.pipeline()
    for i in range(20):
        p.incr(f"user:{i}")
    assert p.execute() == [i + 1 for i in range(20)]
    readers = c.client(decode_responses=True, read_from_replicas=True)
    before = sum(n.stats.total_commands_processed for s in c.shards for n in s.replicas)
    assert [readers.get(f"user:{i}") for i in range(50, 60)] == [str(i) for i in range(50, 60)]
    after = sum(n.stats.total_commands_processed for s in c.shards for n in s.replicas)
    assert after > before                               # some reads served by replicas
    assert r.cluster_keyslot("foo") == 12182


def test_served_cluster_with_redis_py_and_redis_cli(require_binary):
    cli = require_binary("redis-cli")
    c = Cluster(shards=3, replicas=1)
    with c.serve() as served:
        ports = served.ports
        assert len(ports) == 6 and len(set(ports)) == 6
        assert [n.port for n in c.nodes] == ports
        rc = RedisCluster(host="127.0.0.1", port=ports[0], decode_responses=True)
        try:
            for i in range(100):
                rc.set(f"k{i}", i)
            assert [rc.get(f"k{i}") for i in range(100)] == [str(i) for i in range(100)]
            slots = rc.cluster_slots()
            assert sorted(port for (_, _), info in slots.items()
                          for port in [info["primary"][1]]) == sorted(served.primary_ports)
        finally:
            rc.close()
        # redis-cli -c follows MOVED from the first primary to the owner of foo
        out = subprocess.run([cli, "-c", "-p", str(ports[0]), "SET", "foo", "bar"],
                             capture_output=True, text=True, timeout=20)
        assert out.stdout.strip() == "OK"
        out = subprocess.run([cli, "-c", "-p", str(ports[0]), "GET", "foo"],
                             capture_output=True, text=True, timeout=20)
        assert out.stdout.strip() == "bar"
        owner = c.key_owner("foo").primary
        assert owner.dbs[0].data[b"foo"].value == b"bar"
        # without -c the redirection is shown, naming the real port
        out = subprocess.run([cli, "-p", str(ports[0]), "GET", "foo"],
                             capture_output=True, text=True, timeout=20)
        assert out.stdout.strip() == f"(error) MOVED 12182 127.0.0.1:{owner.port}" \
            or out.stdout.strip() == f"MOVED 12182 127.0.0.1:{owner.port}"
        # a new shard joins the served cluster on its own port
        new = c.add_shards(1)[0]
        assert new.primary.port in served.ports
        c.migrate_slot(key_slot("foo"), new)
        out = subprocess.run([cli, "-c", "-p", str(ports[0]), "GET", "foo"],
                             capture_output=True, text=True, timeout=20)
        assert out.stdout.strip() == "bar"
    with pytest.raises(redis.ConnectionError):
        redis.Redis(port=ports[0], socket_connect_timeout=1).ping()


def _consecutive_free_ports(n: int) -> int:
    """A base port with ``n`` consecutive free ports after it. Searched below
    Linux's ephemeral range (32768+), where outgoing connections of other
    tests would otherwise take ports between our check and the bind."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(20000, 32000 - n)
        socks = []
        try:
            for port in range(base, base + n):
                sock = socket.socket()
                socks.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
    pytest.fail(f"no {n} consecutive free ports found")


def test_cli_cluster_subcommand(require_binary):
    cli = require_binary("redis-cli")
    base = _consecutive_free_ports(4)
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine", "cluster", "--shards", "2", "--replicas", "1",
         "--base-port", str(base)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    try:
        lines = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("Ready."):
                break
        text = "".join(lines)
        if proc.poll() is not None:
            pytest.fail(f"cluster CLI exited: {text}{proc.stderr.read()}")
        assert f"redis-cli -c -p {base}" in text
        assert f"127.0.0.1:{base} " in text and f"{base + 2}" in text
        out = subprocess.run([cli, "-c", "-p", str(base), "SET", "user:1", "ada"],
                             capture_output=True, text=True, timeout=20)
        assert out.stdout.strip() == "OK"
        out = subprocess.run([cli, "-c", "-p", str(base + 2), "GET", "user:1"],
                             capture_output=True, text=True, timeout=20)
        assert out.stdout.strip() == "ada"
        out = subprocess.run([cli, "-p", str(base + 1), "CLUSTER", "INFO"],
                             capture_output=True, text=True, timeout=20)
        assert "cluster_state:ok" in out.stdout and "cluster_known_nodes:4" in out.stdout
        proc.send_signal(signal.SIGTERM)
        rest = proc.communicate(timeout=20)[0]
        assert proc.returncode == 0 and "Cluster stopped." in rest
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_cli_rejects_bad_arguments():
    out = subprocess.run([sys.executable, "-m", "engine", "cluster", "--replicas", "9"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "replicas must be 0..5" in out.stderr
