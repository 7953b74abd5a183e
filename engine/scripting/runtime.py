"""One Lua interpreter per node: the script cache, running a script, and the
commands a script calls (``redis.call`` / ``redis.pcall``).

How Redis runs ``EVAL script numkeys key… arg…`` (eval.c, script.c), and so
how this module does:

1. The script's SHA1 names it. The first time a body is seen it is compiled
   as a Lua chunk named ``@user_script`` (so errors say ``user_script:1:``)
   and kept until SCRIPT FLUSH; EVALSHA finds it by SHA1 alone.
2. KEYS and ARGV become global tables, and the function runs under an error
   handler that records where an error happened.
3. Commands called from the script run on a separate *script client* (its own
   selected database and protocol) through the node's command table, after
   the checks Redis makes for scripts: known command, arity, not a ``noscript``
   command, no writes in a read-only script, the OOM rule. They are counted
   in INFO commandstats like any command.
4. The return value is converted into a reply for the caller (convert.py).

The whole script runs while the caller holds ``node.lock``: no other client's
command can run in the middle, which is what makes a script atomic.
"""
from __future__ import annotations

import hashlib
import logging
from typing import Optional

from lupa.lua51 import LuaError, LuaRuntime

from .. import errors
from ..commands import registry
from ..node.session import Session
from ..protocol.replies import ReplyError
from ..security.access import SCRIPT_REASON
from ..security.acl import OK as ACL_OK
from ..version import REDIS_VERSION
from . import convert, libs, packing
from .prelude import PRELUDE

log = logging.getLogger(__name__)

_MAJOR, _MINOR, _PATCH = (int(p) for p in REDIS_VERSION.split("."))
REDIS_VERSION_NUM = (_MAJOR << 16) | (_MINOR << 8) | _PATCH
CHUNK_NAME = b"=[redis]"
#: The flags a script may declare in its ``#!lua flags=…`` line (Redis 7.0).
SCRIPT_FLAGS = ("no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys")
NOSCRIPT = "NOSCRIPT No matching script. Please use EVAL."
LOG_LEVELS = (logging.DEBUG, logging.INFO, logging.INFO, logging.WARNING)


def sha1hex(body: bytes) -> str:
    return hashlib.sha1(body).hexdigest()


def engine_for(node) -> "ScriptEngine":
    """The node's script engine, created on first use (a Lua state costs a
    few milliseconds, so nodes that never run a script never pay it)."""
    engine = getattr(node, "script_engine", None)
    if engine is None:
        engine = node.script_engine = ScriptEngine(node)
    return engine


class ScriptRaise(Exception):
    """Raised by a Python function called from Lua to raise a Lua error whose
    value is ``table`` (lupa wraps the exception; the sandbox unwraps it)."""

    def __init__(self, table):
        super().__init__("script error")
        self.table = table


def _c_function(trampoline, f):
    """A Python callable that runs Lua function ``f``: to Lua it is a C
    function (see the prelude). ``f``'s error comes back out as a Lua error."""
    def call(*args):
        out = trampoline(f, *args)
        if not isinstance(out, tuple):
            out = (out,)
        if out[0] is True:
            return out[1:]
        error = out[1] if len(out) > 1 else None
        if isinstance(error, ScriptRaise):
            raise error          # from a callable deeper down: pass it on
        raise ScriptRaise(error)
    return call


def _unwrap(error):
    """The Lua error value inside a wrapped ScriptRaise (anything else as is)."""
    return error.table if isinstance(error, ScriptRaise) else error


class Script:
    """A cached script: its body and the flags of its shebang line (None when
    it has none — Redis's "EVAL compatibility mode")."""

    __slots__ = ("body", "flags")

    def __init__(self, body: bytes, flags: Optional[frozenset]):
        self.body = body
        self.flags = flags


class _Run:
    """What Redis keeps in its scriptRunCtx while one script runs."""

    __slots__ = ("caller", "sha", "readonly", "allow_oom", "oom", "write_dirty")

    def __init__(self, caller, sha, readonly, allow_oom, oom):
        self.caller, self.sha = caller, sha
        self.readonly, self.allow_oom, self.oom = readonly, allow_oom, oom
        self.write_dirty = False


class ScriptEngine:
    """The Lua state, the script cache and the script client of one node."""

    def __init__(self, node):
        self.node = node
        self.scripts: dict = {}         # sha (str) -> Script
        self.run: Optional[_Run] = None
        # Redis's lrand48 state (rand.c): not reset by SCRIPT FLUSH.
        self.rand_state = 0x1234ABCD330E
        self.session = Session(node, 0, addr="lua", laddr="lua", kind="lua")
        self.session.authenticated = True
        if hasattr(self.session, "in_script"):
            # blocking commands answer at once instead of blocking (blocking.py)
            self.session.in_script = True
        self._new_state()

    # -- the Lua state ---------------------------------------------------------
    def _new_state(self) -> None:
        lua = LuaRuntime(encoding=None, register_eval=False, register_builtins=False,
                         unpack_returned_tuples=True)
        py = lua.table_from({
            b"redis_call": self._redis_call, b"redis_pcall": self._redis_pcall,
            b"unwrap": _unwrap, b"c_function": _c_function,
            b"sha1hex": lambda s: sha1hex(s).encode(),
            b"log": self._log, b"setresp": self._setresp, b"acl_check": self._acl_check,
            b"rand": self._rand, b"randomseed": self._randomseed, b"bitop": libs.bitop,
            b"packing": lambda *helpers: packing.make_libs(lua, *helpers),
        })
        libs_chunk = lua.compile(libs.LIBS, name=CHUNK_NAME)
        prelude = lua.compile(PRELUDE, name=CHUNK_NAME)
        api = prelude(py, REDIS_VERSION.encode(), REDIS_VERSION_NUM, libs_chunk)
        self.lua = lua
        self._compile = api[b"compile"]
        self._run_script = api[b"run"]
        self._rawget = api[b"rawget"]

    def flush(self) -> None:
        """SCRIPT FLUSH: forget every script and start a fresh Lua state."""
        self.scripts.clear()
        self._new_state()

    # -- the script cache ------------------------------------------------------
    def create(self, body: bytes) -> str:
        """Compile ``body`` (if new) and return its SHA1; raises ReplyError
        with Redis's text for a bad shebang or a compile error."""
        sha = sha1hex(body)
        if sha in self.scripts:
            return sha
        flags, code = parse_shebang(body)
        failure = self._compile(sha.encode(), code)
        if failure is not None:           # (kind, message)
            kind, message = failure
            what = "compiling" if kind == b"compile" else "running"
            raise ReplyError(convert.as_text(
                b"ERR Error " + what.encode() + b" script (new function): " + message))
        self.scripts[sha] = Script(body, flags)
        return sha

    def exists(self, sha: bytes) -> bool:
        return sha.decode("latin-1").lower() in self.scripts

    # -- running a script ------------------------------------------------------
    def execute(self, caller: Session, sha: str, keys, args, *, readonly: bool):
        """Run cached script ``sha`` for ``caller``; returns the reply."""
        node = self.node
        script = self.scripts[sha]
        oom = bool(node.maxmemory) and node.used_memory() > node.config["maxmemory"]
        flags = script.flags
        if flags is not None:      # a script with a shebang declares what it does
            if "no-cluster" in flags and node.config["cluster-enabled"]:
                raise ReplyError("ERR Can not run script on cluster, 'no-cluster' flag is set.")
            if "allow-oom" not in flags and oom:
                raise ReplyError("OOM allow-oom flag is not set on the script, "
                                 "can not run it when used memory > 'maxmemory'")
            if "no-writes" not in flags and readonly:
                raise ReplyError("ERR Can not execute a script with write flag using *_ro command.")
            readonly = readonly or "no-writes" in flags
        allow_oom = flags is not None and "allow-oom" in flags
        client = self.session
        client.db = caller.db
        client.protocol = 2                 # RESP2 unless the script calls redis.setresp(3)
        client.user = caller.user
        self.run = _Run(caller, sha, readonly, allow_oom, oom)
        lua = self.lua
        try:
            out = self._run_script(sha.encode(), lua.table_from(list(keys)),
                                   lua.table_from(list(args)))
            # xpcall's results: ok, then what the script returned (the first
            # value counts; none at all means nil)
            ok, result = (out[0], out[1]) if isinstance(out, tuple) else (out, None)
            if ok:
                return convert.lua_to_reply(self._rawget, result, client.protocol)
            return self._error_reply(sha, result)
        except LuaError as exc:      # the error handler itself failed, or out of memory
            text = str(exc)[:100]
            return ReplyError(f"ERR Error running script {sha}, {text}")
        finally:
            self.run = None

    def _error_reply(self, sha: str, err) -> ReplyError:
        """The reply for a script that raised ``err`` (the table built by the
        error handler): the message, then where it happened."""
        if not isinstance(err, (bytes, int, float)) and err is not None:
            message, source, line = err[b"err"], err[b"source"], err[b"line"]
            counted = err[b"ignore_error_stats_update"] is True
        else:
            message, source, line, counted = err, None, None, False
        if isinstance(message, (int, float)):
            message = convert.lua_number_text(message)
        if not isinstance(message, bytes):
            # redis-server 7.0 crashes on error({}) (no 'err' field); say what happened.
            message = b"ERR the script raised an error object without an 'err' field"
        text = convert._c_string(message)
        if isinstance(line, (int, float)):
            line = convert.lua_number_text(line)
        if isinstance(source, bytes) and isinstance(line, bytes):
            text += b" script: " + sha.encode() + b", on " + source + b":" + line + b"."
        cls = convert.CountedError if counted else ReplyError
        return cls(convert.as_text(text))

    # -- callbacks from Lua ----------------------------------------------------
    def _redis_call(self, *args):
        """redis.call: run a command; an error reply is raised as a Lua error."""
        value, failed = self._lua_command(args)
        if failed:
            raise ScriptRaise(value)
        return value

    def _redis_pcall(self, *args):
        """redis.pcall: run a command; an error reply is returned as {err=...}."""
        return self._lua_command(args)[0]

    def _lua_command(self, args):
        """luaRedisGenericCommand: check the arguments, run, convert the reply.
        Returns (Lua value, is_error)."""
        if not args:
            return self._lib_error("Please specify at least one argument for this redis lib call")
        argv = []
        for a in args:
            t = type(a)
            if t is bytes:
                argv.append(a)
            elif t is int or t is float:
                argv.append(b"%.17g" % a)     # not tostring(): keep every digit
            else:
                return self._lib_error("Lua redis lib command arguments must be strings or integers")
        try:
            reply = self._command(argv)
        except Exception as exc:     # an engine bug must not escape into Lua
            log.exception("command from script failed")
            reply = ReplyError(f"ERR internal engine error in script call: {exc!r}")
        return convert.reply_to_lua(self.lua, reply, self.session.protocol)

    def _lib_error(self, message: str):
        """luaPushError: an {err="ERR ..."} table (not yet counted anywhere)."""
        table = self.lua.table()
        table[b"err"] = b"ERR " + message.encode()
        return table, True

    def _command(self, argv):
        """scriptCall (script.c): the checks, then the command itself."""
        node, run, s = self.node, self.run, self.session
        cmd = registry.TABLE.get(argv[0].lower())
        if cmd is not None and cmd.subcommands and len(argv) >= 2:
            cmd = cmd.subcommands.get(argv[1].lower())
            args = argv[2:]
        else:
            args = argv[1:]
        if cmd is None:
            return self._refuse(None, "ERR Unknown Redis command called from script")
        arity, argc = cmd.arity, len(argv)
        if (arity > 0 and argc != arity) or argc < -arity or cmd.handler is None:
            return self._refuse(cmd, "ERR Wrong number of args calling Redis command from script")
        if "noscript" in cmd.flags:
            return self._refuse(cmd, "ERR This Redis command is not allowed from script")
        denied = node.acl.check(run.caller, cmd, argv, "lua")   # scriptVerifyACL
        if denied is not None:
            reason = SCRIPT_REASON.get(denied[0], "lacking the permissions for the command")
            return self._refuse(cmd, "ERR The user executing the script " + reason)
        if cmd.is_write and run.readonly:
            return self._refuse(cmd, "ERR Write commands are not allowed from read-only scripts.")
        if (node.maxmemory and not run.allow_oom and not run.write_dirty and run.oom
                and cmd.denyoom):
            return self._refuse(cmd, errors.OOM)
        if cmd.is_write:
            run.write_dirty = True
        if node.cluster is not None and node.cluster.check(s, cmd, argv) is not None:
            return self._refuse(cmd, "ERR Script attempted to access a non local key "
                                     "in a cluster node")
        return node.invoke(s, cmd, args)

    def _refuse(self, cmd, message: str) -> ReplyError:
        """A command the script may not run: counted as a rejected call and an
        error reply, as Redis counts it."""
        stats = self.node.stats
        if cmd is not None:
            stats.commands.setdefault(cmd.name, [0, 0, 0, 0])[2] += 1
        self.node._count_error(message)
        return ReplyError(message)

    def _acl_check(self, *args):
        """redis.acl_check_cmd: whether the calling user's ACL allows the
        command with these arguments (no ACL LOG entry, no arity check)."""
        argv = [a if type(a) is bytes else b"%.17g" % a for a in args
                if type(a) in (bytes, int, float)]
        if not args or len(argv) != len(args):
            value, _ = self._lib_error("Please specify at least one argument for this redis lib call"
                                       if not args else
                                       "Lua redis lib command arguments must be strings or integers")
            raise ScriptRaise(value)
        if registry.lookup(argv) is None:
            raise ScriptRaise(self._lib_error("Invalid command passed to redis.acl_check_cmd()")[0])
        user = self.node.acl.get(self.session.user)
        return user is not None and user.check(registry.lookup(argv), argv)[0] == ACL_OK

    def _setresp(self, resp) -> None:
        self.session.protocol = int(resp)

    def _log(self, level, message: bytes) -> None:
        log.log(LOG_LEVELS[int(level)], "script: %s", message.decode("utf-8", "replace"))

    def _rand(self) -> float:
        """math.random's source: Redis's redisLrand48, scaled like Lua's."""
        self.rand_state = (0x5DEECE66D * self.rand_state + 0xB) & ((1 << 48) - 1)
        value = self.rand_state >> 17
        limit = 2**31 - 1
        return (value % limit) / limit

    def _randomseed(self, seed) -> None:
        seed = int(seed) & 0xFFFFFFFF
        self.rand_state = (seed << 16) | 0x330E


def parse_shebang(body: bytes):
    """``#!lua flags=no-writes,allow-oom`` on the first line: the flags and
    the code to compile (the shebang line removed, its newline kept so line
    numbers stay right). Scripts without a shebang get flags None."""
    if not body.startswith(b"#!"):
        return None, body
    end = body.find(b"\n")
    if end < 0:
        raise ReplyError("ERR Invalid script shebang")
    parts = body[:end].split()
    if not parts:
        raise ReplyError("ERR Invalid engine in script shebang")
    if parts[0] != b"#!lua":
        raise ReplyError(convert.as_text(b"ERR Unexpected engine in script shebang: " + parts[0]))
    flags = set()
    for part in parts[1:]:
        if not part.startswith(b"flags="):
            raise ReplyError(convert.as_text(b"ERR Unknown lua shebang option: " + part))
        value = part[6:]
        for flag in (value.split(b",") if value else []):
            name = flag.decode("latin-1")
            if name not in SCRIPT_FLAGS:
                raise ReplyError(convert.as_text(b"ERR Unexpected flag in script shebang: " + flag))
            flags.add(name)
    return frozenset(flags), body[end:]
