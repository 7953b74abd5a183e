"""The TCP face of a :class:`MemcachedNode`: memcached's text protocol on a port.

``serve_memcached(node)`` starts a server in a background thread (for
notebooks and tests); ``python -m engine memcached --port 11211`` runs one in
the foreground. pymemcache, libmemcached-based clients, ``telnet`` or ``nc``
talk to it as to a memcached 1.6.

The lifecycle is the RESP server's (:class:`engine.net.BackgroundServer`): one thread runs an asyncio
loop; each connection parses whatever bytes arrived into complete requests,
runs them in order under the node's lock, and writes all their replies at
once — so a pipelined burst of ``set ... noreply`` lines costs one write.
memcached has no periodic work to imitate here: expiry is lazy and the engine
models no background LRU maintainer, so there is no cron.

Robustness: a line too long, an HTTP request or ``quit`` closes the
connection (as memcached does); any other input gets a reply; nothing a client
sends can stop the server.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Optional, Tuple

from ..clock import WallClock
from ..net import BackgroundServer, set_nodelay
from .commands import Connection
from .node import MemcachedNode

log = logging.getLogger(__name__)


class _MemcacheProtocol(asyncio.Protocol):
    def __init__(self, server: "MemcachedServer"):
        self.server = server
        self.node = server.node
        self.conn = Connection(self.node)
        self.transport = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        set_nodelay(transport)
        counters = self.node.counters
        with self.node.lock:
            if counters.curr_connections >= self.node.max_connections:
                counters.rejected_connections += 1
                transport.write(b"SERVER_ERROR Too many open connections\r\n")
                transport.close()
                self.conn.closed = True
                return
            counters.curr_connections += 1
            counters.total_connections += 1
        self.server.connections.add(self)

    def data_received(self, data: bytes) -> None:
        if self.conn.closed:
            return
        try:
            payload = self.conn.receive(data)
        except Exception:  # a bug must cost one connection, never the server
            log.exception("memcached connection failed")
            payload, self.conn.closed = b"SERVER_ERROR internal error\r\n", True
        if payload:
            self.transport.write(payload)
        if self.conn.closed:
            self.transport.close()

    def connection_lost(self, exc) -> None:
        if self in self.server.connections:
            self.server.connections.discard(self)
            with self.node.lock:
                self.node.counters.curr_connections -= 1


class MemcachedServer(BackgroundServer):
    """A :class:`MemcachedNode` served over TCP from a background thread."""

    protocol_class = _MemcacheProtocol
    backlog = 1024
    scheme = "memcached"
    thread_name = "engine-memcached"

    @property
    def address(self) -> Tuple[str, int]:
        """``(host, port)``, what ``pymemcache.Client`` takes."""
        return (self.host, self.port)


def serve_memcached(node: Optional[MemcachedNode] = None, host: str = "127.0.0.1",
                    port: int = 0) -> MemcachedServer:
    """Serve ``node`` (default: a new node on the wall clock) over TCP in a
    background thread; returns the running :class:`MemcachedServer` (``.port``,
    ``.address``, ``.close()``; a context manager). ``port=0`` picks a free
    port. Binds loopback unless ``host`` says otherwise."""
    if node is None:
        node = MemcachedNode(WallClock())
    return MemcachedServer(node, host, port).start()
