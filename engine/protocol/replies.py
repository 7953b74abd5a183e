"""Reply values: what a command hands back before it is put on the wire.

A command returns plain Python values, and the protocol layer decides how they
look in RESP2 or RESP3. Plain values map directly:

=================  =======================  ========================
Python value       RESP2                    RESP3
=================  =======================  ========================
``bytes``          bulk string ``$``        bulk string ``$``
``int``            integer ``:``            integer ``:``
``None``           null bulk ``$-1``        null ``_``
``list``/tuple     array ``*``              array ``*``
``SimpleString``   status ``+``             status ``+``
``ReplyError``     error ``-``              error ``-``
``Map``            flat array (k, v, ...)   map ``%``
``SetReply``       array                    set ``~``
``Double``         bulk string              double ``,``
``HumanDouble``    bulk string              double ``,`` (same text)
``Verbatim``       bulk string              verbatim ``=`` (txt:)
``NullArray``      null array ``*-1``       null ``_``
``Bool``           integer 1/0              boolean ``#t``/``#f``
``Push``           array                    push ``>``
=================  =======================  ========================

Keeping the reply *typed* (rather than pre-encoded) lets the in-process
redis-py adapter skip encoding and parsing altogether, and lets one command
implementation serve both protocol versions, as in Redis's ``addReply*`` API.
"""
from __future__ import annotations


class SimpleString(bytes):
    """A status reply such as ``+OK`` or ``+PONG`` (never contains CR/LF)."""

    __slots__ = ()


OK = SimpleString(b"OK")
PONG = SimpleString(b"PONG")
QUEUED = SimpleString(b"QUEUED")


class ReplyError(Exception):
    """An error reply. Raised by commands, and also usable as a value (EXEC
    returns a list that may contain errors). ``message`` includes the error
    code, e.g. ``"ERR syntax error"`` or ``"WRONGTYPE Operation against ..."``.
    """

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __repr__(self) -> str:
        return f"ReplyError({self.message!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, ReplyError) and other.message == self.message

    def __hash__(self) -> int:
        return hash(self.message)


class Map(dict):
    """An ordered field→value mapping (RESP3 map, flattened in RESP2)."""

    __slots__ = ()


class SetReply(list):
    """An unordered collection (RESP3 set ``~``, an array in RESP2)."""

    __slots__ = ()


class Double(float):
    """A floating-point reply (RESP3 ``,``; RESP2 sends it as a bulk string)."""

    __slots__ = ()


class HumanDouble(bytes):
    """A double whose digits are already chosen (Redis's addReplyHumanLongDouble,
    e.g. GEOPOS coordinates): RESP2 sends the text as a bulk string, RESP3 as a
    double ``,`` carrying the same text — not the ``%.17g`` of :class:`Double`."""

    __slots__ = ()


class Verbatim(bytes):
    """Human-readable text such as INFO output (RESP3 ``=txt:``; RESP2 bulk)."""

    __slots__ = ()


class Push(list):
    """Out-of-band data pushed to the client (RESP3 ``>``; RESP2 array)."""

    __slots__ = ()


class _NullArray:
    """The RESP2 null array ``*-1`` (e.g. EXEC after a failed WATCH)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NullArray"

    def __bool__(self) -> bool:
        return False


NullArray = _NullArray()


class Bool:
    """A boolean reply (RESP3 ``#t``/``#f``; RESP2 integer 1/0)."""

    __slots__ = ("value",)

    def __init__(self, value: bool):
        self.value = bool(value)

    def __repr__(self) -> str:
        return f"Bool({self.value})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Bool) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)


def format_double(value: float) -> bytes:
    """Format a double the way Redis's ``addReplyDouble`` does (``%.17g``),
    with ``inf``/``-inf`` spelled as Redis spells them."""
    if value == float("inf"):
        return b"inf"
    if value == float("-inf"):
        return b"-inf"
    return (b"%.17g" % value)
