"""The served engine with a real client library (pymemcache) and the CLI."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from pymemcache.client.base import Client
from pymemcache.exceptions import MemcacheClientError, MemcacheServerError

import engine
from engine.memcached import MemcachedNode
from engine.memcached.server import serve_memcached

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def served():
    server = engine.serve_memcached()
    yield server
    server.close()


def test_pymemcache_round_trip(served):
    c = Client(served.address, default_noreply=False)
    assert c.set("k", b"v", expire=100) is True
    assert c.get("k") == b"v"
    value, cas = c.gets("k")
    assert c.cas("k", b"w", cas) is True and c.cas("k", b"x", cas) is False
    assert c.add("k", b"y") is False and c.replace("k", b"z") is True
    assert c.append("k", b"!") and c.prepend("k", b"<") and c.get("k") == b"<z!"
    assert c.set("n", 10) and c.incr("n", 5) == 15 and c.decr("n", 100) == 0
    assert c.incr("missing", 1) is None
    assert c.touch("k", 10) is True and c.touch("missing", 10) is False
    assert c.get_many(["k", "n", "missing"]) == {"k": b"<z!", "n": b"0 "}
    assert c.delete("k") is True and c.get("k") is None
    assert c.version() == b"1.6.18"
    stats = c.stats()
    assert stats[b"cmd_get"] >= 3 and stats[b"curr_items"] == 1
    assert b"1:chunk_size" in c.stats("slabs")
    assert c.flush_all() is True and c.get("n") is None
    with pytest.raises(MemcacheServerError, match="too large"):
        c.set("big", b"x" * (1024 * 1024))
    c.set("t", b"text")
    with pytest.raises(MemcacheClientError):
        c.incr("t", 1)
    c.close()


def test_noreply_pipeline_and_many_clients(served):
    clients = [Client(served.address) for _ in range(5)]   # noreply by default
    for i, c in enumerate(clients):
        c.set_many({f"k{i}:{j}": str(j) for j in range(200)})
        c.version()                 # one round trip: the noreply sets are done
    assert clients[0].get("k4:199") == b"199"
    assert served.node.stats()["curr_items"] == "1000"
    for c in clients:
        c.close()


def test_shared_node_between_python_and_tcp():
    node = MemcachedNode(engine.WallClock())
    with serve_memcached(node) as server:
        node.set("from-python", "1")
        c = Client(server.address, default_noreply=False)
        assert c.get("from-python") == b"1"
        c.set("from-tcp", b"2")
        assert node.get("from-tcp") == b"2"
        assert node.stats("settings")["tcpport"] == str(server.port)
        c.close()


def test_cli_serves_until_sigterm():
    proc = subprocess.Popen([sys.executable, "-m", "engine", "memcached", "--port", "0",
                             "-m", "16", "-I", "2m"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = ""
        for _ in range(5):
            line = proc.stdout.readline()
            if line.startswith("Ready"):
                break
        assert line.startswith("Ready to accept connections on 127.0.0.1:")
        port = int(line.rsplit(":", 1)[1])
        c = Client(("127.0.0.1", port), default_noreply=False)
        assert c.set("k", b"x" * (1500 * 1024)) is True     # -I 2m allows 1.5 MB
        assert c.stats("settings")[b"maxbytes"] == 16 * 1024 * 1024
        c.close()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_cli_rejects_bad_sizes():
    out = subprocess.run([sys.executable, "-m", "engine", "memcached", "-I", "100k"],
                         cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert out.returncode == 2 and "512 KB" in out.stderr
