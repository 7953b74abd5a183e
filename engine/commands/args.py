"""Argument parsing shared by the command families, with Redis's error texts.

Redis is strict about numbers: ``string2ll`` accepts an optional minus sign
and digits, nothing else — no spaces, no ``+``, no leading zeros, no ``1e3``.
These helpers reproduce exactly what redis-server accepts and the exact error
each rejection produces.
"""
from __future__ import annotations

import math
import re

from .. import errors
from ..protocol.replies import ReplyError

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_INT = re.compile(rb"(?:-?[1-9][0-9]*|0)\Z")
# strtold accepts what C accepts: leading spaces, hex floats, inf/nan, exponents.
_FLOAT = re.compile(
    rb"[ \t\n\v\f\r]*[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
    rb"|inf(?:inity)?|nan|0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?)\Z",
    re.IGNORECASE,
)


def parse_int(raw: bytes, error: str = errors.NOT_INTEGER) -> int:
    """A signed 64-bit integer in Redis's strict syntax."""
    if len(raw) > 20 or not _INT.match(raw):
        raise ReplyError(error)
    value = int(raw)
    if not INT64_MIN <= value <= INT64_MAX:
        raise ReplyError(error)
    return value


INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def parse_c_int(raw: bytes, error: str = None) -> int:
    """A C ``int`` (32-bit), the way ``getIntFromObjectOrReply`` reads it: a
    64-bit integer first, then a range check. With ``error`` given, both
    failures answer that text (e.g. SWAPDB's "invalid first DB index");
    without it Redis says which range it wanted."""
    value = parse_int(raw, error or errors.NOT_INTEGER)
    if not INT_MIN <= value <= INT_MAX:
        raise ReplyError(error or errors.INT_OUT_OF_RANGE)
    return value


def parse_float(raw: bytes, error: str = errors.NOT_FLOAT) -> float:
    """A double the way Redis's ``string2ld``/``strtold`` reads it (no spaces
    around it, NaN refused)."""
    if not raw or raw[:1].isspace() or raw[-1:].isspace() or not _FLOAT.match(raw):
        raise ReplyError(error)
    text = raw.decode("ascii").lower()
    try:
        value = float.fromhex(text) if "0x" in text else float(text)
    except ValueError:
        raise ReplyError(error) from None
    if math.isnan(value):
        raise ReplyError(error)
    return value


def upper(raw: bytes) -> bytes:
    return raw.upper()
