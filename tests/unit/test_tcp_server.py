"""The TCP server: real sockets, many clients, bad input, the CLI."""
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
import redis

import engine

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def server():
    with engine.serve() as srv:
        yield srv


def raw(port, payload: bytes, wait=0.3) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(payload)
        time.sleep(wait)
        chunks = []
        s.settimeout(0.5)
        try:
            while True:
                data = s.recv(65536)
                if not data:
                    chunks.append(b"<closed>")
                    break
                chunks.append(data)
        except socket.timeout:
            pass
        return b"".join(chunks)


def test_redis_py_over_tcp_resp2_and_resp3(server):
    for protocol in (2, 3):
        r = redis.Redis(port=server.port, protocol=protocol, decode_responses=True)
        r.set("k", "v", ex=100)
        assert r.get("k") == "v" and r.ttl("k") == 100
        r.close()


def test_pipelining_many_commands_in_one_write(server):
    payload = b"".join(b"*2\r\n$4\r\nINCR\r\n$1\r\nc\r\n" for _ in range(500))
    out = raw(server.port, payload, wait=0.5)
    assert out.count(b"\r\n") == 500 and out.endswith(b":500\r\n")


def test_protocol_error_closes_only_that_connection(server):
    good = redis.Redis(port=server.port)
    good.set("k", "v")
    out = raw(server.port, b"*1\r\n$4\r\nPING\r\n*x\r\n*1\r\n$4\r\nPING\r\n")
    assert out == b"+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n<closed>"
    assert good.get("k") == b"v"


def test_garbage_never_kills_the_server(server):
    import random
    rnd = random.Random(0)
    for _ in range(30):
        blob = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 200)))
        raw(server.port, blob, wait=0.01)
    assert redis.Redis(port=server.port).ping()


def test_many_concurrent_clients(server):
    def work():
        r = redis.Redis(port=server.port)
        for _ in range(20):
            with r.pipeline(transaction=False) as p:
                for _ in range(10):
                    p.incr("counter")
                p.execute()
        r.close()
    threads = [threading.Thread(target=work) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert int(redis.Redis(port=server.port).get("counter")) == 20 * 20 * 10


def test_quit_and_client_kill(server):
    assert raw(server.port, b"PING\r\nQUIT\r\nPING\r\n") == b"+PONG\r\n+OK\r\n<closed>"
    victim = redis.Redis(port=server.port, client_name="victim", single_connection_client=True)
    victim.ping()
    admin = redis.Redis(port=server.port)
    assert admin.client_kill_filter(_id=victim.client_id()) == 1
    time.sleep(0.1)
    with pytest.raises(redis.ConnectionError):
        victim.connection.send_command("PING")
        victim.connection.read_response()


def test_wall_clock_expiry_and_active_cycle(server):
    r = redis.Redis(port=server.port)
    for i in range(50):
        r.set(f"k{i}", 1, px=150)
    time.sleep(0.5)  # several cron ticks (hz 10) with no reads at all
    assert r.dbsize() < 50


def test_cli_serves_until_sigterm(free_port):
    port = free_port
    proc = subprocess.Popen([sys.executable, "-m", "engine", "serve", "--port", str(port)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = ""
        for _ in range(3):
            line = proc.stdout.readline()
            if "Ready" in line:
                break
        assert f"127.0.0.1:{port}" in line
        assert redis.Redis(port=port).ping()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_cli_reports_a_busy_port():
    with engine.serve() as srv:
        proc = subprocess.run([sys.executable, "-m", "engine", "serve", "--port", str(srv.port)],
                              cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1
    assert "Could not listen" in proc.stderr
