"""The TCP face of the engine: a RESP2/RESP3 server real clients can use.

``serve(node)`` starts a server in a background thread (for notebooks);
``python -m engine serve --port 6379`` runs one in the foreground. redis-cli,
redis-benchmark, redis-py, or any other language's client connect to it as to
a redis-server.

The design mirrors redis-server's event loop: one thread runs an asyncio loop;
each connection parses whatever bytes arrived into complete commands, runs them
one after another, and writes all their replies back in one go — which is why
pipelining (sending many commands before reading replies) is so much faster
than request/response round trips. Every ``1/hz`` seconds the loop also runs
the node's periodic work (active expiry), like serverCron.

Robustness rules: malformed input gets redis-server's protocol error and the
connection is closed after the reply (exactly what Redis does); nothing a
client sends can stop the server.

Replies outside the request/response rhythm — the late answer of a blocked
BLPOP, pub/sub messages — arrive through ``Session.on_reply``, possibly on
another thread (an in-process client pushing to a list a TCP client waits
on). They join the connection's output queue in the order the node produced
them, and the loop writes them (``call_soon_threadsafe``). While a client
is blocked its further pipelined commands stay buffered, unexecuted, and run
once the late reply went out — as redis-server does.
"""
from __future__ import annotations

import asyncio
import logging
import socket
import threading
from typing import Optional

from .clock import WallClock
from .commands.pubsub import Replies
from .node.blocking import Block
from .node.node import Node
from .protocol.resp import ProtocolError, RequestParser, encode
from .protocol.replies import ReplyError

log = logging.getLogger(__name__)


class _RespConnection(asyncio.Protocol):
    def __init__(self, server: "Server"):
        self.server = server
        self.node = server.node
        self.parser = RequestParser(self.node.config["proto-max-bulk-len"])
        self.transport = None
        self.session = None
        # Encoded replies waiting to be written. Appended in the order the
        # node produced them (always under the node lock); flushed on the loop.
        self._out: list = []
        self._out_lock = threading.Lock()
        self._flush_pending = False
        self._processing = False
        self._close_after_flush = False

    def connection_made(self, transport) -> None:
        self.transport = transport
        set_nodelay(transport)
        peer = transport.get_extra_info("peername") or ("?", 0)
        local = transport.get_extra_info("sockname") or ("?", 0)
        node = self.node
        if len(node.sessions) >= node.config["maxclients"]:
            node.stats.rejected_connections += 1
            transport.write(b"-ERR max number of clients reached\r\n")
            transport.close()
            return
        self.session = node.open_session(addr=f"{peer[0]}:{peer[1]}",
                                         laddr=f"{local[0]}:{local[1]}", kind="tcp")
        loop = self.server.loop
        self.session.killer = lambda: loop.call_soon_threadsafe(transport.close)
        self.session.on_reply = self._deliver
        self.parser.require_auth = lambda: not self.session.authenticated
        self.server.connections.add(self)

    def data_received(self, data: bytes) -> None:
        session = self.session
        if session is None or session.closed:
            return
        self.node.stats.total_net_input_bytes += len(data)
        self.parser.feed(data)
        self._process()

    def _process(self) -> None:
        """Run the buffered commands, until the buffer is used up or the
        client blocks (its other commands then wait in the parser)."""
        session = self.session
        if session is None or session.closed or session.blocked is not None \
                or self._close_after_flush:
            return
        node = self.node
        out = self._out
        close = False
        self._processing = True
        try:
            with node.lock:
                for argv in self.parser.commands():
                    if isinstance(argv, ProtocolError):
                        node.stats.total_error_replies += 1
                        out.append(encode(ReplyError(argv.message), session.protocol))
                        close = True
                        break
                    node.now = node.clock.now_ms()
                    reply = node.call(session, argv)
                    t = type(reply)
                    if t is Block:
                        # No reply now: it comes through _deliver. Later
                        # commands stay in the parser's buffer meanwhile.
                        self._arm_timeout(reply)
                        break
                    if t is Replies:
                        for r in reply:
                            out.append(encode(r, session.protocol))
                    else:
                        out.append(encode(reply, session.protocol))
                    if session.close_after_reply:
                        close = True
                        break
        finally:
            self._processing = False
        if close:
            self._close_after_flush = True
        self._flush()

    def _deliver(self, reply) -> None:
        """Session.on_reply: a late reply or a pub/sub message, from any
        thread, with the node lock held. Encoded now (in the protocol the
        connection speaks now) and queued behind what is already queued."""
        data = encode(reply, self.session.protocol)
        with self._out_lock:
            self._out.append(data)
            if self._processing or self._flush_pending:
                return      # _process flushes, or a flush is already on its way
            self._flush_pending = True
        try:
            self.server.loop.call_soon_threadsafe(self._after_delivery)
        except RuntimeError:   # the loop is closed: the server is shutting down
            pass

    def _after_delivery(self) -> None:
        with self._out_lock:
            self._flush_pending = False
        self._flush()
        # A late reply unblocked the client: run what it pipelined meanwhile.
        if self.parser.buf and self.session is not None and self.session.blocked is None:
            self._process()

    def _flush(self) -> None:
        with self._out_lock:
            out, self._out = self._out, []
        transport = self.transport
        if out and transport is not None and not transport.is_closing():
            payload = b"".join(out)
            self.node.stats.total_net_output_bytes += len(payload)
            transport.write(payload)
        if self._close_after_flush and transport is not None:
            transport.close()

    def _arm_timeout(self, block) -> None:
        """On the wall clock, wake up at the client's deadline to time it out
        (a virtual clock times clients out when it is advanced)."""
        if block.timeout_ms is None or not self.node.clock.is_wall:
            return
        delay = max(0.0, (block.timeout_ms - self.node.clock.now_ms()) / 1000.0)
        self.server.loop.call_later(delay + 0.001, self.node.blocking.expire_due)

    def connection_lost(self, exc) -> None:
        self.server.connections.discard(self)
        if self.session is not None:
            self.node.close_session(self.session)


def set_nodelay(transport) -> None:
    """Send replies at once (no Nagle delay): request/response traffic of small
    packets is exactly what Nagle's algorithm slows down."""
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass


class BackgroundServer:
    """A node served over TCP by an asyncio loop in a daemon thread.

    The lifecycle shared by every face of the engine that listens on a port
    (RESP here, memcached's text protocol in engine.memcached.server):
    subclasses name their ``protocol_class`` (an asyncio.Protocol built with
    the server) and may hook ``on_bound`` / ``on_shutdown`` (run on the loop).
    """

    protocol_class = None
    backlog = 511
    #: An ssl.SSLContext to speak TLS (engine/security/tls.py sets it), else None.
    ssl_context = None
    scheme = "tcp"
    thread_name = "engine-serve"

    def __init__(self, node, host: str = "127.0.0.1", port: int = 0):
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

    # -- lifecycle -----------------------------------------------------------
    def start(self):
        """Start serving in a daemon thread; returns once the port is bound."""
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"{self.thread_name}-{self.node.name}")
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
        except BaseException as exc:  # bind failures are reported to start()
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
            lambda: self.protocol_class(self), self.host, self.requested_port,
            reuse_address=True, backlog=self.backlog, ssl=self.ssl_context)
        self.port = self._server.sockets[0].getsockname()[1]
        self.node.port = self.port  # what INFO / stats report as the port
        self.on_bound()

    def on_bound(self) -> None:
        """Runs on the loop once the port is bound."""

    def on_shutdown(self) -> None:
        """Runs on the loop when close() begins."""

    def close(self) -> None:
        """Stop accepting, drop every connection, stop the thread."""
        loop = self.loop
        if loop is None or loop.is_closed():
            return

        def shutdown():
            self.on_shutdown()
            if self._server is not None:
                self._server.close()
            for conn in list(self.connections):
                if conn.transport is not None:
                    conn.transport.close()
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
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.host}:{self.port}, node={self.node.name!r})"


class Server(BackgroundServer):
    """A node served over RESP2/RESP3 (see :func:`serve`)."""

    protocol_class = _RespConnection
    scheme = "redis"

    def __init__(self, node: Node, host: str = "127.0.0.1", port: int = 0):
        super().__init__(node, host, port)
        self._cron_handle = None

    def on_bound(self) -> None:
        self._schedule_cron()

    def on_shutdown(self) -> None:
        if self._cron_handle is not None:
            self._cron_handle.cancel()

    def _schedule_cron(self) -> None:
        # Periodic work follows the node's clock: on a virtual clock it runs
        # when the lab advances time (clock tickers), never on a real timer,
        # so serving a simulated node keeps it deterministic.
        if not self.node.clock.is_wall:
            return
        interval = 1.0 / self.node.config["hz"]
        self._cron_handle = self.loop.call_later(interval, self._cron)

    def _cron(self) -> None:
        try:
            self.node.cron()
        except Exception:  # periodic work must never stop the server
            log.exception("cron failed")
        self._schedule_cron()


def serve(node: Optional[Node] = None, host: str = "127.0.0.1", port: int = 0) -> Server:
    """Serve ``node`` (default: a new node on the wall clock) over TCP in a
    background thread and return the running :class:`Server` (``.port``,
    ``.url``, ``.close()``; usable as a context manager). ``port=0`` picks a
    free port. Binds loopback unless ``host`` says otherwise."""
    if node is None:
        node = Node(WallClock())
    return Server(node, host, port).start()
