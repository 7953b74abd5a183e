"""Lua scripting for the engine: EVAL runs real Lua 5.1, as Redis 7.0 does.

Redis embeds Lua 5.1 and runs every script inside one interpreter per server,
in a sandbox: only a few libraries (string, table, math, bit, cjson, cmsgpack,
struct), no file or OS access, and globals that cannot be created or changed.
The engine does the same through ``lupa`` (Python bindings to the real Lua
5.1 C library):

* :mod:`.prelude`  — the Lua side: the sandbox (read-only tables, the
  "nonexistent global variable" guard), ``redis.*`` and the error handler;
* :mod:`.libs`     — bit (LuaBitOp), cjson, struct and cmsgpack for the sandbox;
* :mod:`.convert`  — Redis reply ⇄ Lua value, with Redis's conversion rules;
* :mod:`.runtime`  — :class:`ScriptEngine`: one Lua state and script cache per
  node, running a script for a client and calling commands on its behalf.

The commands themselves (EVAL, EVALSHA, SCRIPT …) live in
``engine/commands/scripting.py``.
"""
from .runtime import ScriptEngine, engine_for, sha1hex  # noqa: F401
