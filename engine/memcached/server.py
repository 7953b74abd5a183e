"""The TCP face of a :class:`MemcachedNode`: memcached's text protocol on a port.

``serve_memcached(node)`` starts a server in a background thread (for
notebooks and tests); ``python -m engine memcached --port 11211`` runs one in
the foreground. pymemcache, libmemcached-based clients, ``telnet`` or ``nc``
talk to it as to a memcached 1.6.

The shape is the RESP server's (:mod:`engine.net`): one thread runs an asyncio
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
import socket
import threading
from typing import Optional, Tuple

from ..clock import WallClock
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
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
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


class MemcachedServer:
    """A :class:`MemcachedNode` served over TCP from a background thread."""

    def __init__(self, node: MemcachedNode, host: str = "127.0.0.1", port: int = 0):
        self.node = node
        self.host = host
        self.requested_port = port
        self.port: Optional[int] = None
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self.connections = set()
        self._server = None
        self._thread: Optional[threading.Thread] = None
        self._ready = threading.Event()
        self._error: Optional[BaseException] = None

    def start(self) -> "MemcachedServer":
        """Start serving in a daemon thread; returns once the port is bound."""
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"engine-memcached-{self.node.name}")
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise self._error
        return self

    def _run(self) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._bind())
        except BaseException as exc:  # reported to start()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            self.loop.run_forever()
        finally:
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()

    async def _bind(self) -> None:
        self._server = await self.loop.create_server(
            lambda: _MemcacheProtocol(self), self.host, self.requested_port,
            reuse_address=True, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]
        self.node.port = self.port

    def close(self) -> None:
        """Stop accepting, drop every connection, stop the thread."""
        loop = self.loop
        if loop is None or loop.is_closed():
            return

        def shutdown():
            if self._server is not None:
                self._server.close()
            for proto in list(self.connections):
                if proto.transport is not None:
                    proto.transport.close()
            loop.call_later(0.05, loop.stop)

        try:
            loop.call_soon_threadsafe(shutdown)
        except RuntimeError:
            return
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)

    def serve_forever(self) -> None:
        """Block until interrupted (the CLI uses this)."""
        if self._thread is None:
            self.start()
        try:
            while self._thread.is_alive():
                self._thread.join(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.close()

    @property
    def address(self) -> Tuple[str, int]:
        """``(host, port)``, what ``pymemcache.Client`` takes."""
        return (self.host, self.port)

    @property
    def url(self) -> str:
        return f"memcached://{self.host}:{self.port}"

    def __enter__(self) -> "MemcachedServer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"MemcachedServer({self.host}:{self.port}, node={self.node.name!r})"


def serve_memcached(node: Optional[MemcachedNode] = None, host: str = "127.0.0.1",
                    port: int = 0) -> MemcachedServer:
    """Serve ``node`` (default: a new node on the wall clock) over TCP in a
    background thread; returns the running :class:`MemcachedServer` (``.port``,
    ``.address``, ``.close()``; a context manager). ``port=0`` picks a free
    port. Binds loopback unless ``host`` says otherwise."""
    if node is None:
        node = MemcachedNode(WallClock())
    return MemcachedServer(node, host, port).start()
