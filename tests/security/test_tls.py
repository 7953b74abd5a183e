"""In-transit encryption: the engine's TLS server with a locally made CA."""
from __future__ import annotations

import socket
import subprocess

import pytest
import redis

from engine.clock import WallClock
from engine.node.node import Node
from engine.security.tls import LocalCA, serve_tls


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return LocalCA.create(str(tmp_path_factory.mktemp("tls")))


@pytest.fixture
def server(tls):
    srv = serve_tls(Node(WallClock()), tls)
    yield srv
    srv.close()


def test_rediss_client_with_ca(server, tls):
    assert server.url.startswith("rediss://")
    r = redis.Redis(host="127.0.0.1", port=server.port, ssl=True, ssl_ca_certs=tls.ca_path)
    r.set("k", "v")
    assert r.get("k") == b"v"
    r.close()


def test_untrusted_client_is_refused(server):
    r = redis.Redis(host="127.0.0.1", port=server.port, ssl=True, socket_timeout=5)
    with pytest.raises(redis.exceptions.ConnectionError):
        r.ping()


def test_plaintext_client_gets_no_answer(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"*1\r\n$4\r\nPING\r\n")
        try:
            data = sock.recv(100)
        except (ConnectionResetError, socket.timeout):
            data = b""
        assert b"PONG" not in data


def test_redis_cli_tls(server, tls, require_binary):
    cli = require_binary("redis-cli")
    out = subprocess.run([cli, "-p", str(server.port), "--tls", "--cacert", tls.ca_path,
                          "PING"], capture_output=True, text=True, timeout=20)
    assert out.stdout.strip() == "PONG", out.stderr
