"""Redis reply ⇄ Lua value, by Redis 7.0's rules (script_lua.c).

Commands called with ``redis.call`` answer typed replies (protocol/replies.py);
the script sees them as Lua values, converted as if the reply had gone over
the wire to a client speaking the script's protocol (RESP2 unless the script
called ``redis.setresp(3)``):

==================  ==========================  ===================================
reply               RESP2 → Lua                 RESP3 → Lua
==================  ==========================  ===================================
integer             number                      number
bulk string         string                      string
status (+OK)        {ok="OK"}                   {ok="OK"}
error               {err="ERR ..."}             {err="ERR ..."}
nil bulk / array    false                       nil
array               table (1..n)                table (1..n)
map                 flat table (k, v, k, v)     {map={k=v}}
set                 table (1..n)                {set={member=true}}
double              string ("1.5")              {double=1.5}
boolean             number 1 / 0                true / false
verbatim            string                      {verbatim_string={format, string}}
==================  ==========================  ===================================

What the script returns goes the other way: a number becomes an integer
(truncated, as C's ``(long long)`` cast does), a string a bulk string,
``true`` 1 (or RESP3 true), ``false`` nil, a table an array that stops at
the first nil, ``{ok=…}`` a status, ``{err=…}`` an error, and ``{map=…}``,
``{set=…}``, ``{double=…}``, ``{big_number=…}``, ``{verbatim_string=…}`` the
RESP3 types (sent in their RESP2 form to a RESP2 client).
"""
from __future__ import annotations

import math

from lupa.lua51 import lua_type

from ..protocol.replies import (Bool, Double, Map, NullArray, Push, ReplyError, SetReply,
                                SimpleString, Verbatim, format_double)

INT64_MIN = -(2**63)
#: Deeper nesting than this in a returned table is refused (Redis runs out of
#: Lua stack instead); it also stops self-referencing tables.
MAX_DEPTH = 900


class BigNumber(bytes):
    """A RESP3 big number from ``{big_number="…"}``. Sent as a bulk string:
    the engine's protocol layer has no ``(`` type (see the scripting report)."""

    __slots__ = ()


class CountedError(ReplyError):
    """An error reply already counted in INFO errorstats by the command that
    produced it inside the script (Redis's ``ignore_error_stats_update``): the
    EVAL that returns it must not count it again."""


def c_long_long(x) -> int:
    """``(long long)x`` for a Lua number on x86-64: truncation toward zero;
    NaN, infinities and out-of-range values give INT64_MIN."""
    if isinstance(x, int):
        return x if -(2**63) <= x < 2**63 else INT64_MIN
    if math.isnan(x) or math.isinf(x) or not (-(2.0**63) <= x < 2.0**63):
        return INT64_MIN
    return int(x)


def lua_number_text(x) -> bytes:
    """Lua 5.1's ``tostring`` of a number (``%.14g``)."""
    if isinstance(x, int) and abs(x) < 10**14:
        return str(x).encode()
    return b"%.14g" % x


def error_text(message: str) -> str:
    """luaPushErrorBuff: "CODE rest" keeps its code, a message without a space
    gets ERR; CR/LF at either end are trimmed."""
    raw = "-" + message
    if " " in raw:
        code, rest = raw[1:].split(" ", 1)
    else:
        code, rest = "ERR", raw[1:]
    return code + " " + rest.strip("\r\n")


# -- Redis reply -> Lua ---------------------------------------------------------------

def reply_to_lua(lua, r, resp: int):
    """Convert a typed reply for a script speaking ``resp`` (2 or 3). Returns
    ``(value, is_error)``."""
    if isinstance(r, ReplyError):
        t = lua.table()
        t[b"err"] = error_text(r.message).encode("utf-8", "surrogateescape")
        t[b"ignore_error_stats_update"] = True
        return t, True
    return _to_lua(lua, r, resp), False


def _to_lua(lua, r, resp):
    t = type(r)
    if t is bytes or t is BigNumber:
        return bytes(r)
    if t is int:
        return r
    if t is SimpleString:
        table = lua.table()
        table[b"ok"] = bytes(r)
        return table
    if r is None or r is NullArray:
        return False if resp == 2 else None
    if t is list or t is tuple or t is Push:
        return _array(lua, r, resp)
    if t is Map:
        if resp == 2:
            flat = []
            for k, v in r.items():
                flat.extend((k, v))
            return _array(lua, flat, resp)
        inner = lua.table()
        for k, v in r.items():
            key = _to_lua(lua, k, resp)
            if key is not None:
                inner[key] = _to_lua(lua, v, resp)
        return _wrap(lua, b"map", inner)
    if t is SetReply:
        if resp == 2:
            return _array(lua, r, resp)
        inner = lua.table()
        for member in r:
            key = _to_lua(lua, member, resp)
            if key is not None:
                inner[key] = True
        return _wrap(lua, b"set", inner)
    if t is Double:
        if resp == 2:
            return format_double(r)
        return _wrap(lua, b"double", float(r))
    if t is Verbatim:
        if resp == 2:
            return bytes(r)
        inner = lua.table()
        inner[b"string"] = bytes(r)
        inner[b"format"] = b"txt"
        return _wrap(lua, b"verbatim_string", inner)
    if t is Bool:
        if resp == 2:
            return 1 if r.value else 0
        return r.value
    if isinstance(r, ReplyError):
        return reply_to_lua(lua, r, resp)[0]
    if isinstance(r, bytes):
        return bytes(r)
    if isinstance(r, int):
        return int(r)
    if isinstance(r, (list, tuple)):
        return _array(lua, r, resp)
    raise TypeError(f"cannot give a {t.__name__} reply to a script")


def _array(lua, items, resp):
    table = lua.table()
    for i, item in enumerate(items, 1):
        value = _to_lua(lua, item, resp)
        if value is not None:        # a RESP3 null leaves a hole, as in Redis
            table[i] = value
    return table


def _wrap(lua, field: bytes, value):
    table = lua.table()
    table[field] = value
    return table


# -- Lua -> Redis reply ---------------------------------------------------------------

def _c_string(raw: bytes) -> bytes:
    """``sdsnew(lua_tostring(...))`` stops at the first NUL byte."""
    nul = raw.find(b"\0")
    return raw if nul < 0 else raw[:nul]


def as_text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def lua_to_reply(rawget, value, resp: int, depth: int = 0):
    """Convert what a script returned (a lupa value) into a typed reply.
    ``resp`` is the script's protocol (it decides how booleans look);
    ``rawget`` is Lua's, so metatables are ignored as in Redis."""
    if value is None:
        return None
    t = type(value)
    if t is bool:
        if resp == 2:
            return 1 if value else None
        return Bool(value)
    if t is bytes:
        return value
    if t is int or t is float:
        return c_long_long(value)
    if lua_type(value) != "table":
        return None      # functions, coroutines, userdata (cjson.null) -> nil
    if depth > MAX_DEPTH:
        return ReplyError("ERR reached lua stack limit")
    err = rawget(value, b"err")
    if type(err) is bytes:
        message = as_text(_c_string(err))
        if rawget(value, b"ignore_error_stats_update") is True:
            return CountedError(message)
        return ReplyError(message)
    ok = rawget(value, b"ok")
    if type(ok) is bytes:
        return SimpleString(_c_string(ok).replace(b"\r", b" ").replace(b"\n", b" "))
    double = rawget(value, b"double")
    if type(double) in (int, float):
        return Double(float(double))
    big = rawget(value, b"big_number")
    if type(big) is bytes:
        return BigNumber(big.replace(b"\r", b" ").replace(b"\n", b" "))
    verbatim = rawget(value, b"verbatim_string")
    if lua_type(verbatim) == "table":
        fmt, text = rawget(verbatim, b"format"), rawget(verbatim, b"string")
        if type(fmt) is bytes and type(text) is bytes:
            return Verbatim(text)
    mapping = rawget(value, b"map")
    if lua_type(mapping) == "table":
        out = Map()
        for k, v in mapping.items():
            key = lua_to_reply(rawget, k, resp, depth + 1)
            if isinstance(key, list):
                key = tuple(key)
            out[key] = lua_to_reply(rawget, v, resp, depth + 1)
        return out
    members = rawget(value, b"set")
    if lua_type(members) == "table":
        return SetReply(lua_to_reply(rawget, k, resp, depth + 1) for k in members.keys())
    out = []
    i = 1
    while True:
        item = rawget(value, i)
        if item is None:
            return out
        out.append(lua_to_reply(rawget, item, resp, depth + 1))
        i += 1
