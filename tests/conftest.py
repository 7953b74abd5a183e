"""Helpers shared by every test directory (engine-specific fixtures live further down).

Fixtures
    require_binary   the function below, for use inside tests and other fixtures:
                     ``path = require_binary("redis-server")``
    free_port        a free TCP port on 127.0.0.1 (a new one per test)
    free_port_factory
                     the port-picking function, session-scoped, for session fixtures

Functions (importable where ``conftest`` is unambiguous; prefer the fixtures)
    require_binary(name) -> str
    pick_free_port() -> int
    IN_CI            True when the environment variable CI is "true" (CI sets it)
"""

from __future__ import annotations

import os
import shutil
import socket

import pytest

IN_CI = os.environ.get("CI", "").strip().lower() == "true"


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
