"""A tiny RESP client for differential tests, independent of the engine's code.

The compatibility tests must not trust the engine's own codec (a bug there
would be invisible if both sides of a comparison used it), nor redis-py (which
converts replies and hides their exact wire types). This client speaks raw
RESP over a socket:

* :meth:`RespClient.call` sends one command as a RESP array of bulk strings;
* :meth:`RespClient.read_reply` reads exactly ONE complete reply and returns a
  :class:`Reply`: its raw bytes (what the differential tests compare) plus a
  parsed tree (for normalizers and readable failure messages).

Every RESP2 and RESP3 type is understood::

    +simple  -error  :integer  $bulk  *array          (RESP2)
    _null  ,double  #bool  !bulk-error  =verbatim
    (big-number  %map  ~set  |attribute  >push        (RESP3)

An attribute (``|``) is kept with the reply it annotates: it becomes part of
that reply's raw bytes and is recorded in ``Reply.attrs``.
"""
from __future__ import annotations

import socket
from typing import List, Optional

CRLF = b"\r\n"
_AGGREGATES = {"*": 1, "~": 1, ">": 1, "%": 2, "|": 2}


class Reply:
    """One parsed reply.

    ``kind`` is the RESP type byte as a one-character string (``"+"``, ``"$"``,
    ``"*"``, ``"%"``…); ``value`` is a Python value — ``bytes`` for strings and
    errors, ``int``, ``None`` for nulls, and for aggregates a list of
    :class:`Reply` (a map's list alternates key, value); ``raw`` is the exact
    bytes received.
    """

    __slots__ = ("kind", "value", "raw", "attrs")

    def __init__(self, kind: str, value, raw: bytes, attrs: Optional["Reply"] = None):
        self.kind = kind
        self.value = value
        self.raw = raw
        self.attrs = attrs

    # -- views -----------------------------------------------------------------
    @property
    def is_error(self) -> bool:
        return self.kind in ("-", "!")

    @property
    def is_aggregate(self) -> bool:
        return self.kind in _AGGREGATES

    def py(self):
        """A plain Python value: bytes/int/None/float/bool, lists, and dicts
        for maps (keys converted with ``py()`` too; unhashable keys become
        tuples). Errors become ``RespError`` instances."""
        k = self.kind
        if k in ("-", "!"):
            return RespError(self.value)
        if k == "%":
            items = [c.py() for c in self.value]
            return {_hashable(items[i]): items[i + 1] for i in range(0, len(items), 2)}
        if k in ("*", "~", ">"):
            return None if self.value is None else [c.py() for c in self.value]
        return self.value

    def __getitem__(self, index):
        return self.value[index]

    def __len__(self) -> int:
        return len(self.value)

    def __eq__(self, other) -> bool:
        return isinstance(other, Reply) and self.raw == other.raw

    def __hash__(self) -> int:
        return hash(self.raw)

    def __repr__(self) -> str:
        return f"Reply({self.raw!r})"

    def pretty(self, indent: int = 0) -> str:
        """redis-cli-like rendering with the RESP type shown, for diffs."""
        pad = "  " * indent
        k = self.kind
        if k in _AGGREGATES:
            if self.value is None:
                return f"{pad}{k}-1 (null)"
            lines = [f"{pad}{k}{len(self.value) // _AGGREGATES[k]}"]
            lines.extend(c.pretty(indent + 1) for c in self.value)
            return "\n".join(lines)
        return f"{pad}{k} {self.value!r}"


class RespError(bytes):
    """An error reply in :meth:`Reply.py` output (``b"ERR ..."``)."""

    def __repr__(self) -> str:
        return f"RespError({bytes(self)!r})"


def _hashable(v):
    if isinstance(v, list):
        return tuple(_hashable(x) for x in v)
    if isinstance(v, dict):
        return tuple(sorted((k, _hashable(x)) for k, x in v.items()))
    return v


# -- building replies (for normalizers) --------------------------------------------

def aggregate(kind: str, children: List[Reply]) -> Reply:
    """An aggregate reply built from children, with a consistent raw form."""
    count = len(children) // _AGGREGATES[kind]
    raw = b"%s%d\r\n" % (kind.encode(), count) + b"".join(c.raw for c in children)
    return Reply(kind, list(children), raw)


def sorted_aggregate(reply: Reply) -> Reply:
    """The same array/set with its elements sorted by their raw bytes (for
    replies whose order is unspecified: KEYS, SCAN's keys …). Maps are
    sorted by pair."""
    if reply.kind not in _AGGREGATES or reply.value is None:
        return reply
    if reply.kind in ("%", "|"):
        pairs = [(reply.value[i], reply.value[i + 1]) for i in range(0, len(reply.value), 2)]
        pairs.sort(key=lambda p: p[0].raw + p[1].raw)
        return aggregate(reply.kind, [c for p in pairs for c in p])
    return aggregate(reply.kind, sorted(reply.value, key=lambda c: c.raw))


def scalar(kind: str, value) -> Reply:
    """A scalar reply; ``value`` is rendered into the raw form."""
    if kind == "$":
        return Reply("$", value, b"$%d\r\n%s\r\n" % (len(value), value))
    if kind == ":":
        return Reply(":", value, b":%d\r\n" % value)
    return Reply(kind, value, kind.encode() + str(value).encode() + CRLF)


def encode_command(args) -> bytes:
    """A command as a RESP array of bulk strings."""
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, (int, float)) and not isinstance(a, bool):
            a = repr(a).encode() if isinstance(a, float) else b"%d" % a
        parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(parts)


class ConnectionClosed(Exception):
    """The server closed the connection before a complete reply arrived."""


class RespClient:
    """One connection. ``call(*args)`` -> :class:`Reply`."""

    def __init__(self, host: str, port: int, timeout: float = 10.0):
        self.host, self.port = host, port
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.pos = 0

    # -- sending -------------------------------------------------------------------
    def send(self, *args) -> None:
        self.sock.sendall(encode_command(args))

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def call(self, *args) -> Reply:
        self.send(*args)
        return self.read_reply()

    # -- receiving -----------------------------------------------------------------
    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionClosed(f"{self.host}:{self.port} closed the connection")
        self.buf += chunk

    def _line(self) -> bytes:
        while True:
            end = self.buf.find(CRLF, self.pos)
            if end >= 0:
                line = bytes(self.buf[self.pos:end])
                self.pos = end + 2
                return line
            self._fill()

    def _exact(self, n: int) -> bytes:
        while len(self.buf) - self.pos < n + 2:
            self._fill()
        data = bytes(self.buf[self.pos:self.pos + n])
        if self.buf[self.pos + n:self.pos + n + 2] != CRLF:
            raise ValueError(f"bulk of {n} bytes not followed by CRLF")
        self.pos += n + 2
        return data

    def read_reply(self) -> Reply:
        """Read exactly one complete reply (blocking)."""
        start = self.pos
        reply = self._parse()
        reply.raw = bytes(self.buf[start:self.pos])
        if self.pos > 1 << 20:
            del self.buf[:self.pos]
            self.pos = 0
        return reply

    def _parse(self) -> Reply:
        start = self.pos
        line = self._line()
        if not line:
            raise ValueError("empty line where a reply was expected")
        kind, rest = chr(line[0]), line[1:]
        if kind in ("+", "-"):
            value = rest
        elif kind in (":", "("):
            value = int(rest)
        elif kind == ",":
            value = rest          # doubles kept as text: exact comparison
        elif kind == "#":
            value = rest == b"t"
        elif kind == "_":
            value = None
        elif kind in ("$", "!", "="):
            n = int(rest)
            value = None if n < 0 else self._exact(n)
        elif kind in _AGGREGATES:
            n = int(rest)
            if n < 0:
                value = None
            else:
                value = []
                for _ in range(n * _AGGREGATES[kind]):
                    child_start = self.pos
                    child = self._parse()
                    child.raw = bytes(self.buf[child_start:self.pos])
                    value.append(child)
            if kind == "|":  # an attribute annotates the reply that follows it
                attrs = Reply("|", value, bytes(self.buf[start:self.pos]))
                inner_start = self.pos
                inner = self._parse()
                inner.raw = bytes(self.buf[inner_start:self.pos])
                inner.attrs = attrs
                return inner
        else:
            raise ValueError(f"unknown RESP type byte {line[:1]!r} in {line!r}")
        return Reply(kind, value, b"")

    # -- connection state --------------------------------------------------------------
    def closed_by_peer(self, timeout: float = 2.0) -> bool:
        """True if the server closes the connection within ``timeout`` seconds
        (any bytes still unread are discarded). False if it stays open."""
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            return True

    def read_all_until_close(self, timeout: float = 2.0) -> bytes:
        """Everything the server sends until it closes (or ``timeout``)."""
        data = bytes(self.buf[self.pos:])
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        except (socket.timeout, ConnectionResetError):
            pass
        return data

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self) -> "RespClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
