"""The one way a lab gets a client: :func:`open_lab`.

Every notebook starts with ``lab = engine.open_lab()`` and then uses
``lab.client`` — a plain ``redis.Redis``. Which server is behind it is chosen
by the environment, so the same cells run in three settings:

=================================  =============================================
environment                        backend
=================================  =============================================
(nothing set)                      the embedded engine, on a virtual clock
``LAB_BACKEND=fakeredis``          fakeredis (another in-process emulator)
``LAB_REDIS_URL=redis://host:port``  a real Redis/Valkey server or an ElastiCache
                                   endpoint; ``rediss://user:pass@host:port``
                                   for TLS with AUTH or an RBAC user
=================================  =============================================

Time: ``lab.advance(seconds)`` moves the virtual clock forward instantly on
the embedded engine. On fakeredis or a real server time cannot be faked, so it
really waits (``time.sleep``) — labs keep those waits to a few seconds.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Optional

import redis

from .client import connect
from .node.node import Node

BACKENDS = ("engine", "fakeredis", "redis")


@dataclass
class Lab:
    """A connected lab: ``client`` plus what the notebook may ask about it."""

    client: redis.Redis
    backend: str                      # "engine", "fakeredis" or "redis"
    node: Optional[Node] = None       # the embedded node (engine backend only)
    url: Optional[str] = None         # the server URL (redis backend only)
    _extra: dict = field(default_factory=dict, repr=False)

    @property
    def is_embedded(self) -> bool:
        """True when the lab runs on the engine (virtual clock, internals visible)."""
        return self.backend == "engine"

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of time pass: instantly on the virtual clock,
        by really waiting on any other backend."""
        if seconds < 0:
            raise ValueError("time only moves forward: advance() needs seconds >= 0")
        if self.node is not None and hasattr(self.node.clock, "advance") \
                and not self.node.clock.is_wall:
            self.node.clock.advance(seconds)
        else:
            time.sleep(seconds)

    def client_for(self, **kwargs) -> redis.Redis:
        """Another client on the same backend (e.g. a second 'user')."""
        if self.backend == "engine":
            return connect(self.node, **kwargs)
        if self.backend == "fakeredis":
            import fakeredis
            return fakeredis.FakeRedis(server=self._extra["server"], **kwargs)
        return redis.Redis.from_url(self.url, **kwargs)

    def describe(self) -> str:
        if self.backend == "engine":
            return f"embedded engine (virtual clock, node {self.node.name!r})"
        if self.backend == "fakeredis":
            return "fakeredis (in-process emulator, wall clock)"
        return f"real server at {_redact(self.url)}"


def _redact(url: str) -> str:
    """Hide the password part of a URL before printing it."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user + ':***' if ':' in creds else user}@{host}"
    return url


def open_lab(*, decode_responses: bool = True, protocol: Optional[int] = None, seed: int = 0,
             backend: Optional[str] = None, url: Optional[str] = None,
             **node_config) -> Lab:
    """Connect a lab to its backend (see the module docstring for the rules).

    ``decode_responses`` defaults to True so replies read as ``str``.
    ``protocol`` (2 or 3) defaults to redis-py's own default (RESP3 in redis-py 8).
    ``backend``/``url`` override the environment (handy in tests).
    ``node_config`` (e.g. ``maxmemory="1mb"``) configures the embedded node.
    """
    url = url or os.environ.get("LAB_REDIS_URL") or None
    if backend is None:
        backend = "redis" if url else (os.environ.get("LAB_BACKEND") or "engine").lower()
    if backend not in BACKENDS:
        raise ValueError(f"unknown lab backend {backend!r}: LAB_BACKEND must be one of "
                         f"{', '.join(BACKENDS)} (or set LAB_REDIS_URL for a real server)")
    if backend == "engine":
        node = Node(seed=seed, **node_config)
        return Lab(connect(node, decode_responses=decode_responses, protocol=protocol),
                   "engine", node=node)
    proto = {} if protocol is None else {"protocol": protocol}
    if backend == "fakeredis":
        import fakeredis
        server = fakeredis.FakeServer()
        client = fakeredis.FakeRedis(server=server, decode_responses=decode_responses, **proto)
        return Lab(client, "fakeredis", _extra={"server": server})
    if not url:
        raise ValueError("LAB_BACKEND=redis needs LAB_REDIS_URL, e.g. redis://localhost:6379")
    if not url.startswith(("redis://", "rediss://")):
        raise ValueError(f"LAB_REDIS_URL must start with redis:// or rediss://, got {_redact(url)!r}")
    client = redis.Redis.from_url(url, decode_responses=decode_responses, **proto)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise ConnectionError(f"could not reach {_redact(url)} ({exc}); check the URL, the "
                              "security group / network path, and AUTH credentials") from exc
    return Lab(client, "redis", url=url)
