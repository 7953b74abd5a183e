"""RESP, the Redis serialization protocol: requests in, replies out.

Requests. A client sends each command as an array of bulk strings::

    *3\\r\\n$3\\r\\nSET\\r\\n$3\\r\\nfoo\\r\\n$3\\r\\nbar\\r\\n

or, typed by a human in telnet, as an *inline* line: ``SET foo bar\\r\\n``
(with shell-like quoting). :class:`RequestParser` accepts both, incrementally —
bytes arrive from the network in arbitrary pieces — and when the input is
malformed it produces the exact error redis-server sends before it closes
the connection (networking.c: processMultibulkBuffer, processInlineBuffer).

Replies. :func:`encode` turns a reply value (see replies.py) into RESP2 or
RESP3 bytes, chosen per connection by HELLO.
"""
from __future__ import annotations

import re
from typing import List, Optional, Union

from .replies import (Bool, Double, HumanDouble, Map, NullArray, Push, ReplyError, SetReply,
                      SimpleString, Verbatim, _NullArray, format_double)

INLINE_MAX = 64 * 1024          # PROTO_INLINE_MAX_SIZE
INT_MAX = 2**31 - 1
_INT = re.compile(rb"(?:-?[1-9][0-9]*|0)\Z")


class ProtocolError:
    """A request that cannot be parsed. ``message`` is the error reply text;
    the server sends it and then closes the connection, as Redis does."""

    __slots__ = ("message",)

    def __init__(self, message: str):
        self.message = message

    def __repr__(self) -> str:
        return f"ProtocolError({self.message!r})"


def _string2ll(raw) -> Optional[int]:
    """Redis's strict integer syntax (no sign but '-', no leading zeros)."""
    # Fast path for what clients actually send: a short run of digits.
    if raw.isdigit() and (len(raw) == 1 or raw[0] != 48) and len(raw) < 19:
        return int(raw)
    raw = bytes(raw)
    if not raw or len(raw) > 20 or not _INT.match(raw):
        return None
    value = int(raw)
    return value if -(2**63) <= value < 2**63 else None


class RequestParser:
    """Incremental request parser. ``feed(data)`` then iterate ``commands()``."""

    def __init__(self, max_bulk_len: int = 512 * 1024 * 1024):
        self.buf = bytearray()
        self.pos = 0
        self.max_bulk_len = max_bulk_len
        self.require_auth = lambda: False   # set by the server (unauthenticated limits)
        self._args: List[bytes] = []
        self._multibulk = 0     # arguments still expected in the current command
        self._bulklen = -1      # length of the bulk being read, -1 = read header
        self.failed = False

    def feed(self, data: bytes) -> None:
        self.buf += data

    def commands(self):
        """Yield every complete command (a list of bytes) in the buffer, then a
        ProtocolError if the input is malformed (and nothing after it)."""
        while not self.failed:
            if self._multibulk == 0:
                if self.pos >= len(self.buf):
                    break
                if self.buf[self.pos] == 42:  # '*'
                    result = self._multibulk_header()
                else:
                    result = self._inline()
            else:
                result = self._multibulk_body()
            if result is None:
                break            # need more bytes
            if isinstance(result, ProtocolError):
                self.failed = True
                yield result
                break
            if result:           # an empty command (*0, blank line) is skipped
                yield result
        if self.pos > 65536 or self.pos == len(self.buf):
            del self.buf[:self.pos]
            self.pos = 0

    # -- multibulk ---------------------------------------------------------
    def _multibulk_header(self):
        buf, pos = self.buf, self.pos
        nl = buf.find(b"\r", pos)
        if nl < 0:
            if len(buf) - pos > INLINE_MAX:
                return ProtocolError("ERR Protocol error: too big mbulk count string")
            return None
        if nl > len(buf) - 2:
            return None      # the \n has not arrived yet
        count = _string2ll(buf[pos + 1:nl])
        if count is None or count > INT_MAX:
            return ProtocolError("ERR Protocol error: invalid multibulk length")
        if count > 10 and self.require_auth():
            return ProtocolError("ERR Protocol error: unauthenticated multibulk length")
        self.pos = nl + 2
        if count <= 0:
            return []
        self._multibulk = count
        self._args = []
        return self._multibulk_body()

    def _multibulk_body(self):
        buf = self.buf
        pos = self.pos
        size = len(buf)
        args = self._args
        remaining = self._multibulk
        bulklen = self._bulklen
        result = None
        while remaining:
            if bulklen == -1:
                nl = buf.find(b"\r", pos)
                if nl < 0:
                    if size - pos > INLINE_MAX:
                        result = ProtocolError("ERR Protocol error: too big bulk count string")
                    break
                if nl > size - 2:
                    break          # the \n has not arrived yet
                if buf[pos] != 36:  # '$'
                    result = ProtocolError(
                        "ERR Protocol error: expected '$', got '%s'"
                        % chr(buf[pos]).encode("latin-1").decode("utf-8", "surrogateescape"))
                    break
                length = _string2ll(buf[pos + 1:nl])
                if length is None or length < 0 or length > self.max_bulk_len:
                    result = ProtocolError("ERR Protocol error: invalid bulk length")
                    break
                if length > 16384 and self.require_auth():
                    result = ProtocolError("ERR Protocol error: unauthenticated bulk length")
                    break
                pos = nl + 2
                bulklen = length
            end = pos + bulklen
            if end + 2 > size:
                break
            args.append(bytes(buf[pos:end]))
            pos = end + 2          # Redis skips the CRLF without checking it
            bulklen = -1
            remaining -= 1
        self.pos = pos
        self._multibulk = remaining
        self._bulklen = bulklen
        if result is not None:
            return result
        if remaining:
            return None
        self._args = []
        return args

    # -- inline --------------------------------------------------------------
    def _inline(self):
        buf, pos = self.buf, self.pos
        nl = buf.find(b"\n", pos)
        # redis-server finds the newline with strchr(), which stops at a NUL
        # byte: an inline line containing NUL never completes.
        nul = buf.find(b"\0", pos, nl if nl >= 0 else len(buf))
        if nul >= 0:
            nl = -1
        if nl < 0:
            if len(buf) - pos > INLINE_MAX:
                return ProtocolError("ERR Protocol error: too big inline request")
            return None
        end = nl
        if end != pos and buf[end - 1] == 13:
            end -= 1
        line = bytes(buf[pos:end])
        self.pos = nl + 1
        args = split_args(line)
        if args is None:
            return ProtocolError("ERR Protocol error: unbalanced quotes in request")
        return args


_ESCAPES = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("a"): 7}
_HEX = b"0123456789abcdefABCDEF"


def split_args(line: bytes) -> Optional[List[bytes]]:
    """Split an inline command like a shell does (Redis's sdssplitargs):
    "double quotes" with \\n \\xHH escapes, 'single quotes' with \\' only.
    Returns None for unbalanced quotes."""
    args: List[bytes] = []
    i, n = 0, len(line)
    while True:
        while i < n and line[i] in b" \n\r\t\v\f":
            i += 1
        if i >= n:
            return args
        current = bytearray()
        inq = insq = False
        while True:
            if inq:
                if i >= n:
                    return None
                c = line[i]
                if c == 92 and i + 3 < n and line[i + 1] == 120 and line[i + 2] in _HEX \
                        and line[i + 3] in _HEX:  # \xHH
                    current.append(int(line[i + 2:i + 4], 16))
                    i += 3
                elif c == 92 and i + 1 < n:
                    i += 1
                    current.append(_ESCAPES.get(line[i], line[i]))
                elif c == 34:  # closing quote must be followed by a space or the end
                    if i + 1 < n and line[i + 1] not in b" \n\r\t\v\f":
                        return None
                    inq = False
                    i += 1
                    break
                else:
                    current.append(c)
            elif insq:
                if i >= n:
                    return None
                c = line[i]
                if c == 92 and i + 1 < n and line[i + 1] == 39:
                    i += 1
                    current.append(39)
                elif c == 39:
                    if i + 1 < n and line[i + 1] not in b" \n\r\t\v\f":
                        return None
                    insq = False
                    i += 1
                    break
                else:
                    current.append(c)
            else:
                if i >= n:
                    break
                c = line[i]
                if c in b" \n\r\t\0":  # unlike the gaps between words, \v and \f
                    break                 # do not end an unquoted word
                if c == 34:
                    inq = True
                elif c == 39:
                    insq = True
                else:
                    current.append(c)
            i += 1
        args.append(bytes(current))


# -- replies ------------------------------------------------------------------

def encode(reply, proto: int = 2) -> bytes:
    """Serialize one reply value for a RESP2 (``proto=2``) or RESP3 client."""
    out: List[bytes] = []
    _encode(reply, proto, out)
    return b"".join(out)


def _err_bytes(message: str) -> bytes:
    return message.encode("utf-8", "surrogateescape").replace(b"\r", b" ").replace(b"\n", b" ")


def _encode(r, proto: int, out: List[bytes]) -> None:
    t = type(r)
    if t is bytes:
        out.append(b"$%d\r\n%s\r\n" % (len(r), r))
    elif t is int:
        out.append(b":%d\r\n" % r)
    elif t is SimpleString:
        out.append(b"+%s\r\n" % r)
    elif r is None:
        out.append(b"$-1\r\n" if proto == 2 else b"_\r\n")
    elif t is list or t is tuple:
        out.append(b"*%d\r\n" % len(r))
        for item in r:
            _encode(item, proto, out)
    elif t is ReplyError or isinstance(r, ReplyError):
        out.append(b"-%s\r\n" % _err_bytes(r.message))
    elif t is Map:
        if proto == 2:
            out.append(b"*%d\r\n" % (2 * len(r)))
        else:
            out.append(b"%%%d\r\n" % len(r))
        for k, v in r.items():
            _encode(k, proto, out)
            _encode(v, proto, out)
    elif t is SetReply:
        out.append((b"*%d\r\n" if proto == 2 else b"~%d\r\n") % len(r))
        for item in r:
            _encode(item, proto, out)
    elif t is Push:
        out.append((b"*%d\r\n" if proto == 2 else b">%d\r\n") % len(r))
        for item in r:
            _encode(item, proto, out)
    elif t is Verbatim:
        if proto == 2:
            out.append(b"$%d\r\n%s\r\n" % (len(r), r))
        else:
            out.append(b"=%d\r\ntxt:%s\r\n" % (len(r) + 4, r))
    elif t is Double:
        text = format_double(r)
        if proto == 2:
            out.append(b"$%d\r\n%s\r\n" % (len(text), text))
        else:
            out.append(b",%s\r\n" % text)
    elif t is HumanDouble:
        if proto == 2:
            out.append(b"$%d\r\n%s\r\n" % (len(r), r))
        else:
            out.append(b",%s\r\n" % r)
    elif t is _NullArray:
        out.append(b"*-1\r\n" if proto == 2 else b"_\r\n")
    elif t is Bool:
        if proto == 2:
            out.append(b":1\r\n" if r.value else b":0\r\n")
        else:
            out.append(b"#t\r\n" if r.value else b"#f\r\n")
    elif isinstance(r, bytes):
        out.append(b"$%d\r\n%s\r\n" % (len(r), bytes(r)))
    elif isinstance(r, int):
        out.append(b":%d\r\n" % r)
    elif isinstance(r, (list, tuple)):
        out.append(b"*%d\r\n" % len(r))
        for item in r:
            _encode(item, proto, out)
    else:
        raise TypeError(f"cannot encode reply of type {t.__name__}")
