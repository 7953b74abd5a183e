"""Fixtures for the memcached tests: a real memcached and the engine, side by side.

``memcached_bin``   path of the real ``memcached``; missing: skipped on a developer's
                    machine, a FAILURE in CI (``require_binary`` from tests/conftest.py)
``real_mc``         a session-scoped real memcached (``-m 64``) on a free loopback port
``engine_mc``       a session-scoped engine server (``serve_memcached()``, wall clock)
``mc_pair``         per test: one raw :class:`mc_wire.TextClient` to each, both
                    servers flushed first (``flush_all``)
``fresh_pair``      a factory: ``fresh_pair("-m", "2")`` starts a brand-new real
                    memcached with those options and a brand-new engine node with
                    the matching settings (for tests that read counters)
"""
from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import mc_wire  # noqa: E402
from engine.clock import WallClock  # noqa: E402
from engine.memcached import MemcachedNode  # noqa: E402
from engine.memcached.server import serve_memcached  # noqa: E402


@pytest.fixture(scope="session")
def memcached_bin(require_binary):
    return require_binary("memcached")


@pytest.fixture(scope="session")
def real_mc(memcached_bin, free_port_factory):
    port = free_port_factory()
    proc = mc_wire.start_memcached(memcached_bin, port, "-m", "64")
    yield port
    mc_wire.stop(proc)


@pytest.fixture(scope="session")
def engine_mc():
    server = serve_memcached(MemcachedNode(WallClock(), memory_limit_mb=64))
    yield server.port
    server.close()


class Pair:
    """One raw connection to the real memcached and one to the engine."""

    def __init__(self, real_port: int, engine_port: int):
        self.real_port, self.engine_port = real_port, engine_port
        self.real = mc_wire.TextClient(real_port)
        self.engine = mc_wire.TextClient(engine_port)

    def both(self, raw: bytes):
        return self.real.call(raw), self.engine.call(raw)

    def assert_same(self, raw: bytes, cas_seen=None):
        """Send ``raw`` to both; the replies must be equal byte for byte (CAS
        uniques compared by order of appearance). Returns the real reply."""
        real, eng = self.both(raw)
        if cas_seen is not None:
            real = mc_wire.normalize_cas(real, cas_seen[0])
            eng = mc_wire.normalize_cas(eng, cas_seen[1])
        assert eng == real, f"request {raw[:300]!r}\nreal:   {real!r}\nengine: {eng!r}"
        return real

    def reconnect(self) -> None:
        self.close()
        self.real = mc_wire.TextClient(self.real_port)
        self.engine = mc_wire.TextClient(self.engine_port)

    def close(self) -> None:
        self.real.close()
        self.engine.close()


@pytest.fixture
def mc_pair(real_mc, engine_mc):
    pair = Pair(real_mc, engine_mc)
    pair.both(b"flush_all\r\n")
    yield pair
    pair.close()


@pytest.fixture
def fresh_pair(memcached_bin, free_port_factory):
    started = []

    def make(*args: str, memory_limit_mb: float = 64, item_size_max: int = 1024 * 1024):
        port = free_port_factory()
        proc = mc_wire.start_memcached(memcached_bin, port, *args)
        server = serve_memcached(MemcachedNode(WallClock(), memory_limit_mb=memory_limit_mb,
                                               item_size_max=item_size_max))
        started.append((proc, server))
        return Pair(port, server.port)

    yield make
    for proc, server in started:
        mc_wire.stop(proc)
        server.close()
