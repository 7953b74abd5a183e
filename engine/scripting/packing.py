"""struct and cmsgpack for the Lua sandbox — NOT IMPLEMENTED YET.

Redis 7.0 loads both libraries; the engine defines the two tables with the
same function names so scripts see the same globals, but every function
raises "struct.pack is not implemented by the engine" (and so on).
"""
from __future__ import annotations


def make_libs(lua, user_error, arg_error, typename):
    """The ``struct`` and ``cmsgpack`` library tables."""
    libs = {}
    for lib, names in ((b"struct", (b"pack", b"unpack", b"size")),
                       (b"cmsgpack", (b"pack", b"unpack", b"unpack_one", b"unpack_limit"))):
        table = lua.table()
        for name in names:
            table[name] = _missing(user_error, lib + b"." + name)
        libs[lib] = table
    return lua.table_from(libs)


def _missing(user_error, name):
    def fn(*args):
        user_error(name + b" is not implemented by the engine")
    return fn
