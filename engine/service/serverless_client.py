"""A redis-py client on a serverless cache, metered command by command.

The serverless endpoint is a proxy: it checks each request against the ECPU
budget, runs it, and counts its ECPUs. :class:`MeteredConnection` is an
in-process redis-py connection (:class:`engine.client.EngineConnection`)
that does the same around every command it sends, so
``cache.client().set("k", "v")`` costs ECPUs exactly as
``cache.execute("SET", "k", "v")`` does.
"""
from __future__ import annotations

import redis

from ..client import EngineConnection


class MeteredConnection(EngineConnection):
    """EngineConnection + the serverless proxy's admit/meter around each command."""

    def __init__(self, cache=None, read_only: bool = False, **kwargs):
        if cache is None:
            raise TypeError("MeteredConnection needs the ServerlessCache (cache=...)")
        self.cache = cache
        self.read_only = read_only
        super().__init__(**kwargs)

    def on_connect_check_health(self, check_health: bool = True):
        super().on_connect_check_health(check_health)
        if self.read_only:
            # The reader port's connections are READONLY (fact sheet §1).
            with self.node.lock:
                self.node.execute(self._session, [b"READONLY"])

    def send_packed_command(self, command, check_health=True):
        for argv in command:
            name = argv[0].lower() if argv else b""
            if name in (b"hello", b"client", b"readonly", b"ping", b"select", b"auth"):
                # connection set-up: not a data request
                super().send_packed_command([argv], check_health)
                continue
            refusal = self.cache.admit(argv, read_only=self.read_only)
            if refusal is not None:
                self._replies.append(refusal)
                continue
            before = len(self._replies)
            super().send_packed_command([argv], check_health)
            reply = self._replies[-1] if len(self._replies) > before else None
            self.cache.meter(argv, reply)


def metered_client(cache, node, read_only: bool, **redis_kwargs) -> redis.Redis:
    """Build ``redis.Redis`` as engine.connect does, with MeteredConnection."""
    client = redis.Redis(host="serverless", port=6380 if read_only else 6379, **redis_kwargs)
    pool = client.connection_pool
    pool.connection_class = MeteredConnection
    pool.connection_kwargs.update(node=node, cache=cache, read_only=read_only)
    client.node = node
    return client
