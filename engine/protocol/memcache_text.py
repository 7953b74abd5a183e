"""memcached's text protocol: an incremental request parser and reply encoders.

The wire format (memcached's ``protocol.txt``) is line based. A request is one
line of space-separated tokens ending in ``\\r\\n``::

    get k1 k2\\r\\n
    delete k1 noreply\\r\\n

The storage commands (``set add replace append prepend cas``) are the only ones
with a payload: their line says how many bytes follow, and then exactly that
many bytes plus ``\\r\\n`` are read, whatever they contain::

    set <key> <flags> <exptime> <bytes> [noreply]\\r\\n<data>\\r\\n
    cas <key> <flags> <exptime> <bytes> <cas unique> [noreply]\\r\\n<data>\\r\\n

That is why a client that sends the wrong length desynchronises the stream:
memcached reads ``<bytes> + 2`` bytes, finds that they do not end in ``\\r\\n``,
answers ``CLIENT_ERROR bad data chunk``, and then treats whatever is left as
the next command line (usually answered ``ERROR``). This parser does exactly
the same, because the tests compare its replies with a real memcached's byte
for byte.

How memcached 1.6 reads lines, mirrored here (``proto_text.c``):

* a line ends at ``\\n``; one ``\\r`` before it is dropped (``\\n`` alone works);
* the line is a C string: anything after a NUL byte is ignored;
* tokens are separated by spaces only (a tab is part of a token); at most 23
  tokens are split off, the rest stays unparsed (only ``get`` reads further);
* if more than 2048 bytes arrive with no ``\\n``, the connection is closed —
  unless the line starts with ``get ``/``gets `` (multigets may be huge). A line
  that is not a get can never be longer than memcached's 16 KiB read buffer.
* a storage line whose numbers do not parse gets ``CLIENT_ERROR bad command
  line format`` and its data block is *not* read (it will be parsed as a
  command); a value too large to store is read and thrown away ("swallowed").

Numbers are parsed the way memcached's ``safe_strtoul``/``safe_strtol``/
``safe_strtoull`` do (C ``strtoul`` & co.), quirks included: flags accept
``+5`` and wrap modulo 2**32, exptime and length wrap to 32-bit signed.

Nothing a client sends can make the parser raise: every input is either a
request, an error reply, or a reason to close the connection.
"""
from __future__ import annotations

from typing import Iterator, List, Optional

#: memcached closes a connection that sent this many bytes without a newline
#: (unless the line is a get/gets).
MAX_LINE_WITHOUT_NEWLINE = 2048
#: memcached's read buffer: a non-get line can never be longer than this.
READ_BUFFER_SIZE = 16384
#: Longest multiget line we keep buffering (memcached has no bound; we do).
MAX_GET_LINE = 64 * 1024 * 1024
#: memcached's tokenizer splits at most this many tokens (MAX_TOKENS - 1).
MAX_SPLIT_TOKENS = 23
#: Longest key memcached accepts (KEY_MAX_LENGTH).
KEY_MAX_LENGTH = 250
INT_MAX = 2**31 - 1

STORAGE_COMMANDS = (b"set", b"add", b"replace", b"append", b"prepend", b"cas")

# Reply lines (exact texts of memcached 1.6).
ERROR = b"ERROR\r\n"
STORED = b"STORED\r\n"
NOT_STORED = b"NOT_STORED\r\n"
EXISTS = b"EXISTS\r\n"
NOT_FOUND = b"NOT_FOUND\r\n"
DELETED = b"DELETED\r\n"
TOUCHED = b"TOUCHED\r\n"
END = b"END\r\n"
OK = b"OK\r\n"
RESET = b"RESET\r\n"
BAD_FORMAT = b"CLIENT_ERROR bad command line format\r\n"
BAD_DATA_CHUNK = b"CLIENT_ERROR bad data chunk\r\n"
BAD_EXPTIME = b"CLIENT_ERROR invalid exptime argument\r\n"
BAD_DELTA = b"CLIENT_ERROR invalid numeric delta argument\r\n"
NON_NUMERIC = b"CLIENT_ERROR cannot increment or decrement non-numeric value\r\n"
DELETE_USAGE = b"CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n"
TOO_LARGE = b"SERVER_ERROR object too large for cache\r\n"
OUT_OF_MEMORY = b"SERVER_ERROR out of memory storing object\r\n"


# -- C number parsing ---------------------------------------------------------
_SPACE = b" \t\n\v\f\r"


def _c_strtoint(token: bytes):
    """Parse like C ``strto(u)l`` in base 10 over the whole token.

    Returns ``(negative, magnitude)`` or None when the token has no digits or
    trailing garbage (memcached also accepts trailing whitespace, which a token
    cannot contain except ``\\r``/``\\v``/``\\f``, so those are honoured too).
    """
    s = token.lstrip(_SPACE)
    negative = False
    if s[:1] in (b"+", b"-"):
        negative = s[:1] == b"-"
        s = s[1:]
    digits = len(s) - len(s.lstrip(b"0123456789"))
    if digits == 0:
        return None
    rest = s[digits:]
    if rest and rest[:1] not in _SPACE:
        return None
    return negative, int(s[:digits])


def strtoull(token: bytes) -> Optional[int]:
    """memcached's ``safe_strtoull``: a 64-bit unsigned number, or None.

    C's ``strtoull`` negates ``-N`` modulo 2**64; memcached then refuses a
    result that would be negative as a signed number if the text had a minus
    sign. So ``-1`` is refused but ``-0`` is 0.
    """
    parsed = _c_strtoint(token)
    if parsed is None:
        return None
    negative, magnitude = parsed
    if magnitude > 2**64 - 1:          # ERANGE
        return None
    value = (-magnitude) % 2**64 if negative else magnitude
    if value >= 2**63 and negative:
        return None
    return value


def strtoul32(token: bytes) -> Optional[int]:
    """memcached's ``safe_strtoul`` into a ``uint32_t`` (client flags).

    On a 64-bit server ``strtoul`` parses 64 bits and the result is then cut
    to 32: ``4294967296`` is accepted and becomes 0.
    """
    value = strtoull(token)
    return None if value is None else value & 0xFFFFFFFF


def strtol32(token: bytes) -> Optional[int]:
    """memcached's ``safe_strtol`` into an ``int32_t`` (exptime, length).

    ``strtol`` parses a 64-bit long (out of range is an error); the result is
    then stored in 32 bits, so ``2147483648`` becomes ``-2147483648``.
    """
    parsed = _c_strtoint(token)
    if parsed is None:
        return None
    negative, magnitude = parsed
    value = -magnitude if negative else magnitude
    if not -2**63 <= value <= 2**63 - 1:   # ERANGE
        return None
    value &= 0xFFFFFFFF
    return value - 2**32 if value >= 2**31 else value


# -- requests -------------------------------------------------------------------
def tokenize(line: bytes) -> List[bytes]:
    """Split a command line like memcached: spaces only, NUL ends the line."""
    nul = line.find(b"\0")
    if nul >= 0:
        line = line[:nul]
    return [t for t in line.split(b" ") if t]


class Request:
    """One complete request.

    ``tokens``   the line's tokens (all of them; see :attr:`ntokens`)
    ``ntokens``  memcached's token count: tokens split (at most 23) + 1
    ``data``     a storage command's payload *including* its last two bytes
                 (which should be ``\\r\\n``); None for other commands, and
                 for a payload swallowed because it was too large
    ``storage``  parsed storage arguments (:class:`StorageArgs`) or None
    ``reply``    a reply decided by the parser (a malformed storage line),
                 sent unless ``noreply``
    ``noreply``  the line ended in ``noreply``
    """

    __slots__ = ("tokens", "ntokens", "data", "storage", "reply", "noreply", "swallowed")

    def __init__(self, tokens: List[bytes], *, data=None, storage=None, reply=None,
                 noreply=False, swallowed=False):
        self.tokens = tokens
        self.ntokens = min(len(tokens), MAX_SPLIT_TOKENS) + 1
        self.data = data
        self.storage = storage
        self.reply = reply
        self.noreply = noreply
        self.swallowed = swallowed

    @property
    def command(self) -> bytes:
        return self.tokens[0] if self.tokens else b""

    def __repr__(self) -> str:
        extra = f", data={len(self.data)}B" if self.data is not None else ""
        return f"Request({b' '.join(self.tokens)!r}{extra})"


class StorageArgs:
    """The parsed line of a storage command: ``set k 0 0 5`` and friends."""

    __slots__ = ("command", "key", "flags", "exptime", "length", "cas")

    def __init__(self, command, key, flags, exptime, length, cas):
        self.command, self.key, self.flags = command, key, flags
        self.exptime, self.length, self.cas = exptime, length, cas

    def __repr__(self) -> str:
        return (f"StorageArgs({self.command!r}, {self.key!r}, flags={self.flags}, "
                f"exptime={self.exptime}, length={self.length}, cas={self.cas})")


class Close:
    """The connection must be closed without a reply (garbage, HTTP, too long)."""

    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason

    def __repr__(self) -> str:
        return f"Close({self.reason!r})"


def noreply_requested(tokens: List[bytes]) -> bool:
    """memcached looks only at the last token split off (``tokens[ntokens-2]``)."""
    if not tokens:
        return False
    return tokens[min(len(tokens), MAX_SPLIT_TOKENS) - 1] == b"noreply"


def parse_storage_line(tokens: List[bytes]):
    """Validate a storage command line (``process_update_command`` order).

    Returns a :class:`StorageArgs`, or the error reply (bytes) when the line is
    malformed, or None when the token count is wrong (the caller answers
    ``ERROR``). Token counts: 6 or 7 (``cas``: 7 or 8) including memcached's
    terminal token, i.e. 5-6 words (cas: 6-7).
    """
    command = tokens[0]
    ntokens = min(len(tokens), MAX_SPLIT_TOKENS) + 1
    handle_cas = command == b"cas"
    allowed = (7, 8) if handle_cas else (6, 7)
    if ntokens not in allowed:
        return None
    key = tokens[1]
    if len(key) > KEY_MAX_LENGTH:
        return BAD_FORMAT
    flags = strtoul32(tokens[2])
    exptime = strtol32(tokens[3]) if flags is not None else None
    length = strtol32(tokens[4]) if exptime is not None else None
    if length is None:
        return BAD_FORMAT
    cas = 0
    if handle_cas:
        cas = strtoull(tokens[5])
        if cas is None:
            return BAD_FORMAT
    if length < 0 or length > INT_MAX - 2:
        return BAD_FORMAT
    return StorageArgs(command, key, flags, exptime, length, cas)


class RequestParser:
    """Turns a byte stream into :class:`Request` and :class:`Close` events.

    ``feed(data)`` as bytes arrive, then iterate ``events()`` for every
    complete request; an incomplete one waits for more bytes. ``max_value``
    bounds how many payload bytes are buffered: a storage command declaring a
    longer value is answered as too large (by the node) and its payload is
    discarded as it streams in, never held in memory (memcached's "swallow").
    """

    def __init__(self, max_value: int = 1024 * 1024):
        self.max_value = max_value
        self._buf = bytearray()
        self._pending: Optional[Request] = None   # storage request awaiting data
        self._need = 0                             # payload bytes still expected
        self._swallow = 0                          # bytes to discard
        self.closed = False

    def feed(self, data: bytes) -> None:
        if not self.closed:
            self._buf += data

    def events(self) -> Iterator[object]:
        buf = self._buf
        while not self.closed:
            if self._swallow:
                n = min(self._swallow, len(buf))
                del buf[:n]
                self._swallow -= n
                if self._swallow:
                    return
                continue
            if self._pending is not None:
                if len(buf) < self._need:
                    return
                req = self._pending
                req.data = bytes(buf[:self._need])
                del buf[:self._need]
                self._pending = None
                yield req
                continue
            nl = buf.find(b"\n")
            if nl < 0:
                if len(buf) > MAX_LINE_WITHOUT_NEWLINE and not self._may_be_long(buf):
                    self.closed = True
                    yield Close("line too long")
                elif len(buf) > MAX_GET_LINE:
                    self.closed = True
                    yield Close("multiget line too long")
                return
            if nl > READ_BUFFER_SIZE and not self._may_be_long(buf):
                self.closed = True
                yield Close("line too long")
                return
            end = nl - 1 if nl > 1 and buf[nl - 1] == 0x0D else nl
            line = bytes(buf[:end])
            del buf[:nl + 1]
            event = self._line(line)
            if event is not None:
                yield event

    @staticmethod
    def _may_be_long(buf: bytearray) -> bool:
        head = bytes(buf[:200])
        stripped = head.lstrip(b" ")
        if len(head) - len(stripped) > 100:
            return False
        return stripped.startswith(b"get ") or stripped.startswith(b"gets ")

    def _line(self, line: bytes):
        tokens = tokenize(line)
        if tokens and tokens[0] in STORAGE_COMMANDS:
            noreply = noreply_requested(tokens)
            parsed = parse_storage_line(tokens)
            if parsed is None:
                return Request(tokens, reply=ERROR)
            if isinstance(parsed, bytes):
                return Request(tokens, reply=parsed, noreply=noreply)
            size = parsed.length + 2
            req = Request(tokens, storage=parsed, noreply=noreply)
            if size > self.max_value:
                req.swallowed = True
                self._swallow = size
                return req
            self._pending, self._need = req, size
            return None
        return Request(tokens, noreply=noreply_requested(tokens))

    @property
    def buffered(self) -> int:
        """Bytes received but not yet consumed."""
        return len(self._buf)


# -- replies ---------------------------------------------------------------------
def value_header(key: bytes, flags: int, nbytes: int, cas: Optional[int] = None) -> bytes:
    """``VALUE <key> <flags> <bytes>[ <cas unique>]\\r\\n`` (gets adds the cas)."""
    if cas is None:
        return b"VALUE %s %d %d\r\n" % (key, flags, nbytes)
    return b"VALUE %s %d %d %d\r\n" % (key, flags, nbytes, cas)


def encode_stats(pairs) -> bytes:
    """``STAT <name> <value>\\r\\n`` lines and the final ``END\\r\\n``."""
    out = [b"STAT %s %s\r\n" % (_b(name), _b(value)) for name, value in pairs]
    out.append(END)
    return b"".join(out)


def _b(value) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value).encode()


def parse_stats(reply: bytes) -> dict:
    """The inverse of :func:`encode_stats`, for tests and labs: ``{name: value}``."""
    out = {}
    for line in reply.split(b"\r\n"):
        if line.startswith(b"STAT "):
            _, name, value = line.split(b" ", 2)
            out[name.decode()] = value.decode()
    return out
