"""Fixtures for the differential tests: a real redis-server and the engine, side by side.

Session-scoped servers (started once, reset between tests):

``redis_server``   a real ``redis-server`` on a free loopback port, no persistence
                   (``--save '' --appendonly no``). Missing binary: the test is
                   skipped on a developer's machine and FAILS in CI (``CI=true``),
                   via ``require_binary`` from tests/conftest.py.
``engine_server``  the engine served over TCP on the wall clock:
                   ``engine.serve(engine.Node(engine.WallClock()))``.

Per test:

``pair``           a :class:`differential.Pair` (one connection to each server)
                   after both servers were reset: FLUSHALL, CONFIG RESETSTAT, every
                   config value the suite may change put back, other clients
                   disconnected. ``pair.assert_same("SET", "k", "v")`` is the one
                   comparison helper.
``fresh_engine``   a brand-new engine node served on its own port (for tests that
                   need counters such as client ids to start from scratch).
"""
from __future__ import annotations

import os
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import engine  # noqa: E402
from differential import Pair, reset_server  # noqa: E402
from resp_client import ConnectionClosed, RespClient  # noqa: E402

HOST = "127.0.0.1"
#: Config parameters the suite may change, put back after every test. Values are
#: read from each server at start-up, so both go back to their own defaults.
RESET_PARAMS = ("maxmemory", "maxmemory-policy", "maxmemory-samples", "lfu-log-factor",
                "lfu-decay-time", "hz", "timeout", "proto-max-bulk-len",
                "active-expire-effort", "maxmemory-eviction-tenacity",
                "hll-sparse-max-bytes", "stream-node-max-entries", "stream-node-max-bytes")


class RunningServer:
    """What a test needs to know about a server: its port (and a name)."""

    def __init__(self, name: str, port: int, stop, defaults=None):
        self.name, self.port, self._stop = name, port, stop
        self.defaults = defaults or {}

    def client(self) -> RespClient:
        return RespClient(HOST, self.port)

    def close(self) -> None:
        self._stop()


def _wait_for_ping(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            with RespClient(HOST, port, timeout=1) as c:
                if c.call("PING").raw == b"+PONG\r\n":
                    return
        except (OSError, ConnectionClosed) as exc:
            last = exc
        time.sleep(0.05)
    raise RuntimeError(f"server on port {port} did not answer PING: {last}")


def _read_defaults(port: int) -> dict:
    with RespClient(HOST, port) as c:
        values = {}
        for name in RESET_PARAMS:
            reply = c.call("CONFIG", "GET", name).py()
            if isinstance(reply, dict) and name.encode() in reply:
                values[name] = reply[name.encode()]
        return values


@pytest.fixture(scope="session")
def redis_server(redis_server_factory):
    real = redis_server_factory()
    server = RunningServer("redis-server", real.port, real.stop, _read_defaults(real.port))
    yield server
    server.close()


def serve_engine() -> RunningServer:
    """A fresh engine node on the wall clock, served on a free port."""
    srv = engine.serve(engine.Node(engine.WallClock()))
    _wait_for_ping(srv.port)
    server = RunningServer("engine", srv.port, srv.close, _read_defaults(srv.port))
    server.tcp = srv
    return server


@pytest.fixture(scope="session")
def engine_server():
    server = serve_engine()
    yield server
    server.close()


@pytest.fixture
def fresh_engine():
    server = serve_engine()
    yield server
    server.close()


@pytest.fixture
def servers(redis_server, engine_server):
    """Both session servers, reset before and after the test."""
    reset_server(redis_server)
    reset_server(engine_server)
    yield redis_server, engine_server
    reset_server(redis_server)
    reset_server(engine_server)


@pytest.fixture
def pair(servers):
    real, eng = servers
    p = Pair(real.port, eng.port, HOST)
    p.engine_node = eng.tcp.node
    yield p
    p.close()


def pytest_collection_modifyitems(config, items):
    """Every test here needs a real redis-server: mark it ``realserver``."""
    here = os.path.dirname(os.path.abspath(__file__))
    for item in items:
        if str(item.fspath).startswith(here + os.sep):
            item.add_marker(pytest.mark.realserver)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Show the figures the tests collected (redis-benchmark requests per
    second on both servers, how many generated sequences ran)."""
    from differential import REPORT
    for title, lines in REPORT.items():
        terminalreporter.section(title)
        for line in lines:
            terminalreporter.write_line(line)
