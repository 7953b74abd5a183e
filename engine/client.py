"""The redis-py face of the engine: real ``redis.Redis`` clients, no sockets.

``engine.connect()`` returns an ordinary :class:`redis.Redis`. Everything a
learner writes — ``r.set("k", "v", ex=30)``, pipelines, transactions,
``decode_responses=True``, RESP3 with ``protocol=3`` — is redis-py's own
code. Only the bottom layer differs: :class:`EngineConnection` replaces the TCP
socket with a direct call into a :class:`~engine.node.node.Node`.

Why not feed RESP bytes through a fake socket (as fakeredis does)? Encoding
every command to RESP and parsing every reply back costs more than executing
most commands. The connection hands the argument list straight to the node and
converts the typed reply exactly as redis-py's RESP2/RESP3 parsers would have
produced it — same Python types, same exception classes — so redis-py's
response callbacks cannot tell the difference.

Replies that come later — a BLPOP that waited for data, pub/sub messages —
are handed over by the node (``Session.on_reply``, maybe on another thread)
and queued; ``read_response`` waits for them on a condition variable, in
short slices so that Ctrl-C works. Commands pipelined behind a blocked one
run only after its reply arrived, as on a real server.

Waiting on a virtual clock: simulated time moves only when somebody calls
``clock.advance()``. A client blocked with a finite timeout (``BLPOP q 5``)
therefore waits :data:`VIRTUAL_GRACE_S` (50 ms) of real time for another
thread to push, then advances the virtual clock to its own deadline — in a
single-threaded notebook the BLPOP returns None at once, and the clock
shows that the 5 seconds passed. ``timeout=0`` waits for a push for real.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from typing import Optional

import redis
from redis._parsers import _RESP3Parser
from redis.connection import Connection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .commands.pubsub import Replies
from .node.blocking import Block
from .node.node import Node
from .protocol.replies import (Bool, Double, HumanDouble, Map, Push, ReplyError, SetReply,
                               SimpleString, Verbatim, _NullArray, format_double)

__all__ = ["connect", "EngineConnection", "VIRTUAL_GRACE_S"]

#: Real seconds a client blocked on a *virtual* clock waits for another
#: thread to wake it before it advances the clock to its own deadline.
VIRTUAL_GRACE_S = 0.05
#: Waits happen in slices this long, so that Ctrl-C interrupts them.
_SLICE_S = 0.05
_NOT_GIVEN = object()


class _InProcessSocket:
    """What redis-py holds where a socket would be: enough methods for its
    connect/disconnect bookkeeping, and the node session behind them."""

    def __init__(self, node: Node):
        self.node = node
        self.session = node.open_session()

    def shutdown(self, how) -> None:
        pass

    def close(self) -> None:
        self.node.close_session(self.session)

    def settimeout(self, timeout) -> None:
        pass

    def gettimeout(self):
        return None

    def setsockopt(self, *args) -> None:
        pass

    def getpeername(self):
        return ("engine", self.node.port)


class EngineConnection(Connection):
    """A redis-py Connection whose "server" is a Node in this process."""

    def __init__(self, node: Optional[Node] = None, **kwargs):
        if node is None:
            raise TypeError("EngineConnection needs a node: use engine.connect(node)")
        self.node = node
        kwargs.setdefault("host", "engine")
        kwargs.setdefault("port", node.port)
        super().__init__(**kwargs)
        self._replies: deque = deque()     # replies not read yet
        self._pending: deque = deque()     # commands waiting behind a blocked one
        self._cond = threading.Condition()  # readers wait here for late replies
        self._waiting = 0                  # how many readers wait (notify only then)
        self._run_lock = threading.RLock()  # one thread at a time runs commands
        self._session = None

    def repr_pieces(self):
        return [("node", self.node.name), ("db", self.db)]

    # -- "socket" lifecycle --------------------------------------------------
    def _connect(self):
        sock = _InProcessSocket(self.node)
        self._session = sock.session
        self._replies.clear()
        self._pending.clear()
        sock.session.on_reply = self._late_reply
        return sock

    def _late_reply(self, reply) -> None:
        """Session.on_reply: a blocked command's answer or a pub/sub message
        (called by the node, with its lock held, on any thread)."""
        if type(reply) is Replies:
            self._replies.extend(reply)
        else:
            self._replies.append(reply)
        if self._waiting:
            with self._cond:
                self._cond.notify_all()

    def _host_error(self) -> str:
        return f"engine node {self.node.name!r}"

    # -- sending: execute immediately, keep the reply for read_response -------
    def _argv(self, args):
        if isinstance(args[0], str):
            args = tuple(args[0].encode().split()) + tuple(args[1:])
        elif b" " in args[0]:
            args = tuple(args[0].split()) + tuple(args[1:])
        encode = self.encoder.encode
        return [a if type(a) is bytes else bytes(encode(a)) for a in args]

    def pack_command(self, *args):
        return [self._argv(args)]

    def pack_commands(self, commands):
        return [self._argv(args) for args in commands]

    def send_command(self, *args, **kwargs):
        self.send_packed_command([self._argv(args)],
                                 check_health=kwargs.get("check_health", True))

    def send_packed_command(self, command, check_health=True):
        if not self._sock:
            self.connect_check_health(check_health=False)
        session = self._session
        if session.closed:
            self.disconnect()
            raise RedisConnectionError(
                f"Connection closed by {self._host_error()} (CLIENT KILL or QUIT)")
        if len(command) == 1 and not self._pending and session.blocked is None:
            # The common case, one command on an idle connection: run it now.
            node = self.node
            with node.lock:
                # (Node.execute's body, inlined: this is the hottest path, and
                # the lock is taken here anyway to queue the reply under it.)
                if node._wall:
                    node.now = node.clock.now_ms()
                reply = node.call(session, command[0])
                t = type(reply)
                if t is not Block:
                    if t is Replies:
                        self._replies.extend(reply)
                    else:
                        self._replies.append(reply)
            if session.close_after_reply:
                node.close_session(session)
            if self._waiting:
                with self._cond:
                    self._cond.notify_all()
            return
        self._pending.extend(command)
        self._run_pending()

    def _run_pending(self) -> None:
        """Run queued commands in order until one blocks (its reply, and the
        replies of the commands behind it, come later)."""
        pending = self._pending
        if not pending:
            return
        with self._run_lock:
            session, node = self._session, self.node
            lock, replies = node.lock, self._replies
            while pending and session is not None and session.blocked is None \
                    and not session.closed:
                argv = pending.popleft()
                # The reply is queued while the node lock is still held, so a
                # message published by another thread right after cannot
                # overtake it (e.g. SUBSCRIBE's confirmation).
                with lock:
                    if node._wall:
                        node.now = node.clock.now_ms()
                    reply = node.call(session, argv)   # (Node.execute, inlined)
                    t = type(reply)
                    if t is Block:
                        break                 # the answer comes via _late_reply
                    if t is Replies:
                        replies.extend(reply)
                    else:
                        replies.append(reply)
                if session.close_after_reply:
                    node.close_session(session)
                    pending.clear()
            if self._waiting:
                with self._cond:
                    self._cond.notify_all()

    def can_read(self, timeout: float = 0) -> bool:
        """Is a reply (or pushed message) waiting? Waits up to ``timeout``
        seconds for one (None: until one comes)."""
        if self._replies:
            return True
        self._run_pending()
        if self._replies or timeout == 0:
            return bool(self._replies)
        limit = None if timeout is None else time.monotonic() + timeout
        while not self._replies:
            left = _SLICE_S if limit is None else min(_SLICE_S, limit - time.monotonic())
            if left <= 0:
                break
            self._wait_slice(left)
        return bool(self._replies)

    def _wait_slice(self, seconds: float) -> None:
        """Wait up to ``seconds`` for a reply; time out a blocked client whose
        deadline passed on the wall clock meanwhile."""
        with self._cond:
            self._waiting += 1
            try:
                if not self._replies:
                    self._cond.wait(seconds)
            finally:
                self._waiting -= 1
        session = self._session
        b = session.blocked if session is not None else None
        if b is not None and b.timeout_ms is not None and self.node.clock.is_wall \
                and self.node.clock.now_ms() >= b.timeout_ms:
            self.node.blocking.expire_due()
        self._run_pending()

    def _next_reply(self, timeout):
        """The next reply, waiting for a blocked command's answer or a pushed
        message if need be (see the module docstring for virtual clocks)."""
        replies = self._replies
        if replies and not self._pending:
            return replies.popleft()          # the common case: the reply is here
        if timeout is _NOT_GIVEN:
            timeout = self.socket_timeout
        limit = None if timeout is None else time.monotonic() + timeout
        waited_since = time.monotonic()
        while True:
            if self._pending:
                self._run_pending()
            if replies:
                return replies.popleft()
            session = self._session
            if session is None or session.closed:
                self.disconnect()
                raise RedisConnectionError(f"Connection closed by {self._host_error()}")
            b = session.blocked
            if b is None and not session.pubsub and not self._pending:
                raise RedisConnectionError("no reply pending: read_response called "
                                           "more times than commands were sent")
            clock = self.node.clock
            if b is not None and b.timeout_ms is not None and not clock.is_wall \
                    and time.monotonic() - waited_since >= VIRTUAL_GRACE_S:
                # Nobody woke us within the grace period: let simulated time
                # run to our deadline (which times us out, and answers).
                clock.advance_ms(max(0, b.timeout_ms - clock.now_ms()))
                waited_since = time.monotonic()
                continue
            left = _SLICE_S
            if limit is not None:
                left = min(left, limit - time.monotonic())
                if left <= 0:
                    raise RedisTimeoutError(f"Timeout reading from {self._host_error()}")
            self._wait_slice(left)

    def read_response(self, disable_decoding=False, *, timeout=_NOT_GIVEN,
                      disconnect_on_error=True, push_request=False):
        decode = self.encoder.decode_responses and not disable_decoding
        parser = self._parser
        resp3 = type(parser) is _RESP3Parser
        while True:
            try:
                reply = self._next_reply(timeout)
            except RedisConnectionError:
                raise
            except BaseException:
                # Interrupted (Ctrl-C) or timed out while waiting: like a socket
                # client, drop the connection — closing it unblocks the session.
                if disconnect_on_error:
                    self.disconnect()
                raise
            result = to_redis_py(reply, resp3, self.encoder if decode else None, parser)
            if resp3 and type(reply) is Push:
                # A RESP3 push frame: the parser's push handler sees it; only a
                # caller asking for pushes (PubSub) gets it as the response.
                result = parser.handle_push_response(result)
                if push_request:
                    return result
                continue
            if isinstance(result, Exception):
                # redis-py's parsers raise ConnectionError kinds (AuthenticationError…)
                # and its connection raises ResponseErrors: either way, raise here.
                # (Errors nested inside an EXEC reply stay values, as with a socket.)
                raise result
            return result


def to_redis_py(r, resp3: bool, encoder, parser):
    """Convert a typed reply into what redis-py's parser would return."""
    t = type(r)
    if t is bytes or t is SimpleString:
        r = bytes(r) if t is SimpleString else r
        return encoder.decode(r) if encoder is not None else r
    if t is int:
        return r
    if r is None:
        return None
    if t is list or t is tuple or t is SetReply or t is Push:
        return [to_redis_py(x, resp3, encoder, parser) for x in r]
    if t is ReplyError:
        return parser.parse_error(r.message)
    if t is Map:
        if resp3:
            return {to_redis_py(k, resp3, encoder, parser): to_redis_py(v, resp3, encoder, parser)
                    for k, v in r.items()}
        out = []
        for k, v in r.items():
            out.append(to_redis_py(k, resp3, encoder, parser))
            out.append(to_redis_py(v, resp3, encoder, parser))
        return out
    if t is Verbatim:
        return encoder.decode(bytes(r)) if encoder is not None else bytes(r)
    if t is Double:
        if resp3:
            return float(r)
        text = format_double(r)
        return encoder.decode(text) if encoder is not None else text
    if t is HumanDouble:
        if resp3:
            return float(r)
        return encoder.decode(bytes(r)) if encoder is not None else bytes(r)
    if t is _NullArray:
        return None
    if t is Bool:
        return r.value if resp3 else int(r.value)
    if isinstance(r, ReplyError):
        return parser.parse_error(r.message)
    raise TypeError(f"cannot convert reply of type {t.__name__}")


def connect(node: Optional[Node] = None, *, db: int = 0, decode_responses: bool = False,
            protocol: Optional[int] = None, **kwargs) -> redis.Redis:
    """A real ``redis.Redis`` client talking to ``node`` in this process.

    ``node`` defaults to a fresh :class:`Node` on a virtual clock; pass the
    same node to several ``connect`` calls to share data between clients.
    ``protocol`` is redis-py's: 2 or 3 (RESP3; redis-py 8's default when
    omitted — HELLO 3 is sent on connect, as with a real server). Any other redis-py keyword (``username``, ``password``, ``client_name``,
    ``health_check_interval`` …) is passed through. The node is reachable as
    ``client.node``.
    """
    if node is None:
        node = Node()
    if not isinstance(node, Node):
        raise TypeError(f"connect() expects an engine Node, got {type(node).__name__}; "
                        "to reach a real server use redis.Redis(host=..., port=...)")
    if protocol is not None:
        kwargs["protocol"] = protocol
    # Build the client exactly as redis.Redis(...) would for a TCP server — same
    # defaults (retries, RESP version, client info) — then swap the connection
    # class before any connection exists.
    client = redis.Redis(host="engine", port=node.port, db=db,
                         decode_responses=decode_responses, **kwargs)
    pool = client.connection_pool
    pool.connection_class = EngineConnection
    pool.connection_kwargs["node"] = node
    client.node = node
    return client
