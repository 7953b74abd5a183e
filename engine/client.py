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
"""
from __future__ import annotations

from collections import deque
from typing import Optional

import redis
from redis._parsers import _RESP3Parser
from redis.connection import Connection
from redis.exceptions import ConnectionError as RedisConnectionError

from .node.node import Node
from .protocol.replies import (Bool, Double, Map, Push, ReplyError, SetReply,
                               SimpleString, Verbatim, _NullArray, format_double)

__all__ = ["connect", "EngineConnection"]


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
        self._replies: deque = deque()
        self._session = None

    def repr_pieces(self):
        return [("node", self.node.name), ("db", self.db)]

    # -- "socket" lifecycle --------------------------------------------------
    def _connect(self):
        sock = _InProcessSocket(self.node)
        self._session = sock.session
        self._replies.clear()
        return sock

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
        execute = self.node.execute
        for argv in command:
            self._replies.append(execute(session, argv))
            if session.close_after_reply:
                self.node.close_session(session)
                break

    def can_read(self, timeout: float = 0) -> bool:
        return bool(self._replies)

    def read_response(self, disable_decoding=False, *, timeout=None,
                      disconnect_on_error=True, push_request=False):
        try:
            reply = self._replies.popleft()
        except IndexError:
            if self._session is not None and self._session.closed:
                self.disconnect()
                raise RedisConnectionError(
                    f"Connection closed by {self._host_error()}") from None
            raise RedisConnectionError("no reply pending: read_response called "
                                       "more times than commands were sent") from None
        decode = self.encoder.decode_responses and not disable_decoding
        parser = self._parser
        result = to_redis_py(reply, type(parser) is _RESP3Parser,
                             self.encoder if decode else None, parser)
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
