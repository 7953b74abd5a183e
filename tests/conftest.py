"""Helpers shared by every test directory (engine-specific fixtures live further down).

Fixtures
    require_binary   the function below, for use inside tests and other fixtures:
                     ``path = require_binary("redis-server")``
    free_port        a free TCP port on 127.0.0.1 (a new one per test)
    free_port_factory
                     the port-picking function, session-scoped, for session fixtures
    redis_server_factory
                     starts throwaway redis-servers (session-scoped); each call
                     returns a RealServer with ``.port`` and ``.stop()``

Functions (importable where ``conftest`` is unambiguous; prefer the fixtures)
    require_binary(name) -> str
    pick_free_port() -> int
    IN_CI            True when the environment variable CI is "true" (CI sets it)
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

import pytest

IN_CI = os.environ.get("CI", "").strip().lower() == "true"


def pytest_configure(config) -> None:
    """Quiz progress written while testing (the lab notebooks' quiz cells, run by
    nbval in kernels that inherit this environment) goes to a throwaway file,
    never to the learner's real ~/.elasticache-lab/progress.json."""
    if "ELASTICACHE_LAB_PROGRESS" not in os.environ:
        import tempfile
        folder = tempfile.mkdtemp(prefix="elasticache-lab-test-progress-")
        os.environ["ELASTICACHE_LAB_PROGRESS"] = os.path.join(folder, "progress.json")


def require_binary(name: str) -> str:
    """Return the full path of executable ``name`` found on PATH.

    When it is missing, skip the test on a developer's machine, but fail it in CI: the
    differential tests are how the project knows it matches a real server, and a
    compatibility claim that was not checked is not a claim.
    """
    path = shutil.which(name)
    if path is not None:
        return path
    message = f"{name} is not on PATH"
    if IN_CI:
        pytest.fail(
            f"{message} in CI (.ci/run installs it): a compatibility claim that was not "
            f"checked is not a claim",
            pytrace=False,
        )
    pytest.skip(f"{message}; install it (Debian: apt-get install redis-server redis-tools)")


def pick_free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(name="require_binary", scope="session")
def _require_binary_fixture():
    """The :func:`require_binary` function: ``require_binary("redis-cli")``."""
    return require_binary


@pytest.fixture
def free_port() -> int:
    """A free loopback TCP port for this test."""
    return pick_free_port()


@pytest.fixture(scope="session")
def free_port_factory():
    """:func:`pick_free_port`, for session-scoped fixtures that start servers."""
    return pick_free_port


class RealServer:
    """A redis-server process started for the tests (see redis_server_factory)."""

    def __init__(self, proc: subprocess.Popen, port: int):
        self.proc, self.port = proc, port

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _answers_pong(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")  # not -LOADING, not refused
    except OSError:
        return False


def start_redis_server(path: str, port: int, timeout: float = 10.0) -> RealServer:
    """redis-server on 127.0.0.1:``port`` with no persistence, ready to answer
    PING — or a clear failure with what the server printed."""
    proc = subprocess.Popen(
        [path, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--daemonize", "no", "--loglevel", "warning", "--protected-mode", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    while not _answers_pong(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            err = proc.communicate(timeout=5)[1].decode(errors="replace")
            pytest.fail(f"could not start redis-server on port {port}: {err}", pytrace=False)
        time.sleep(0.05)
    return RealServer(proc, port)


@pytest.fixture(scope="session")
def redis_server_factory():
    """Start real redis-servers on free ports (skipped locally when the binary
    is missing, a failure in CI); every one is stopped when the session ends."""
    started = []

    def start() -> RealServer:
        server = start_redis_server(require_binary("redis-server"), pick_free_port())
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
