"""Fixtures for the engine-comparison tests (``engine.compare``, lab 01).

``real_redis``      a session-scoped real ``redis-server`` (no persistence) on a free
                    loopback port, as a decoded ``redis.Redis`` client
``real_memcached``  a session-scoped real ``memcached`` (``-m 64``) on a free loopback
                    port, as a ``"127.0.0.1:PORT"`` address

Missing binaries: skipped on a developer's machine, a FAILURE in CI (``require_binary``
from tests/conftest.py); .ci/run installs both.
"""
from __future__ import annotations

import os
import socket
import subprocess
import time

import pytest
import redis

HOST = "127.0.0.1"


def _wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.communicate(timeout=5)[1].decode(errors="replace")
            raise RuntimeError(f"server exited with code {proc.returncode}: {err}")
        try:
            socket.create_connection((HOST, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@pytest.fixture(scope="session")
def real_redis(redis_server_factory):
    server = redis_server_factory()
    client = redis.Redis(host=HOST, port=server.port, decode_responses=True)
    yield client
    client.close()


@pytest.fixture(scope="session")
def real_memcached(require_binary, free_port_factory):
    path = require_binary("memcached")
    port = free_port_factory()
    cmd = [path, "-p", str(port), "-l", HOST, "-U", "0", "-m", "64"]
    if os.geteuid() == 0:
        cmd += ["-u", "root"]            # memcached refuses to run as root without -u
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for_port(port, proc)
        yield f"{HOST}:{port}"
    finally:
        _stop(proc)
