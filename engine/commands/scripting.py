"""Scripting: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT.

A Lua script runs inside the server, next to the data: it can read a key,
decide, and write — and no other client's command runs in between, so the
whole script is atomic (a rate limiter, a lock release, a token bucket). The
script is named by the SHA1 of its text; clients such as redis-py's
``register_script`` send EVALSHA first and fall back to SCRIPT LOAD (or EVAL)
when the server answers NOSCRIPT, so a long script crosses the network once.

The Lua side (sandbox, ``redis.call``, conversions) lives in engine/scripting/.

ElastiCache note: EVAL and friends work on ElastiCache (Redis OSS and
Valkey); in cluster mode every key a script touches must be passed in KEYS
and hash to the same slot.
"""
from __future__ import annotations

from ..protocol.replies import OK, ReplyError, SimpleString
from ..scripting import engine_for
from ..scripting.convert import CountedError
from ..scripting.runtime import NOSCRIPT
from .args import parse_int
from .registry import command, container

_EVAL = "noscript stale skip_monitor no_mandatory_keys"
_COMPLEXITY = "Depends on the script that is executed."


def _eval_keys(argv):
    """Key positions of EVAL script numkeys key… arg… (no keys when numkeys is
    not a valid count)."""
    try:
        numkeys = parse_int(argv[2])
    except (ReplyError, IndexError):
        return []
    if numkeys < 0 or numkeys > len(argv) - 3:
        return []
    return range(3, 3 + numkeys)


def _split_keys(numkeys: bytes, rest):
    n = parse_int(numkeys)
    if n > len(rest):
        raise ReplyError("ERR Number of keys can't be greater than number of args")
    if n < 0:
        raise ReplyError("ERR Number of keys can't be negative")
    return rest[:n], rest[n:]


def _run(s, sha: str, keys, args, readonly: bool):
    reply = engine_for(s.node).execute(s, sha, keys, args, readonly=readonly)
    return _count_reply_errors(s, reply)


def _count_reply_errors(s, reply):
    """Count the errors in a script's reply the way Redis 7.0 does, and return
    the reply. An error the script passed on from a command (CountedError) was
    already counted in errorstats: it only makes the EVAL a failed call — once
    per such error. Any other error, at the top or nested in an array, is
    counted as an error reply (under the code before its first space, or ERR
    when there is none in the first 32 bytes) and makes the EVAL a failed call
    once. The top-level error is returned as a CountedError so that
    Node.invoke does not count it a second time."""
    node = s.node
    stat = node.stats.commands.get(s.last_command)
    if stat is None:
        return reply
    fresh = 0
    stack = [reply]
    while stack:
        value = stack.pop()
        if type(value) is CountedError:
            stat[3] += 1
        elif isinstance(value, ReplyError):
            _count_error(node, value.message)
            fresh += 1
        elif isinstance(value, dict):
            stack.extend(v for pair in value.items() for v in pair)
        elif isinstance(value, list):
            stack.extend(value)
    if fresh:
        stat[3] += 1
    if type(reply) is ReplyError:
        return CountedError(reply.message)
    return reply


def _count_error(node, message: str) -> None:
    """afterErrorReply: the error code is the text before the first space,
    looked for in the first 32 bytes only (ERR when not found)."""
    space = message.find(" ", 0, 32)
    code = message[:space] if space >= 0 else "ERR"
    node.stats.total_error_replies += 1
    node.stats.errors[code] = node.stats.errors.get(code, 0) + 1


def _eval(s, script, numkeys, rest, readonly):
    keys, args = _split_keys(numkeys, rest)     # checked before compiling, as in Redis
    sha = engine_for(s.node).create(script)
    return _run(s, sha, keys, args, readonly)


def _evalsha(s, sha, numkeys, rest, readonly):
    if len(sha) != 40:
        raise ReplyError(NOSCRIPT)
    keys, args = _split_keys(numkeys, rest)
    name = sha.decode("latin-1").lower()
    if name not in engine_for(s.node).scripts:
        raise ReplyError(NOSCRIPT)
    return _run(s, name, keys, args, readonly)


@command("eval", arity=-3, flags=_EVAL, acl="scripting", getkeys=_eval_keys,
         group="scripting", since="2.6.0", complexity=_COMPLEXITY)
def eval_(s, script, numkeys, *rest):
    """EVAL script numkeys [key ...] [arg ...] — Execute a Lua script server side

    Run ``script`` with KEYS = the first ``numkeys`` arguments and ARGV = the
    rest; the reply is whatever the script returns, converted to a reply.
    """
    return _eval(s, script, numkeys, rest, readonly=False)


@command("evalsha", arity=-3, flags=_EVAL, acl="scripting", getkeys=_eval_keys,
         group="scripting", since="2.6.0", complexity=_COMPLEXITY)
def evalsha(s, sha1, numkeys, *rest):
    """EVALSHA sha1 numkeys [key ...] [arg ...] — Execute a Lua script server side

    Run a script already in the cache (EVAL or SCRIPT LOAD put it there), named
    by its SHA1; NOSCRIPT if the server does not have it.
    """
    return _evalsha(s, sha1, numkeys, rest, readonly=False)


@command("eval_ro", arity=-3, flags="readonly " + _EVAL, acl="scripting", getkeys=_eval_keys,
         group="scripting", since="7.0.0", complexity=_COMPLEXITY)
def eval_ro(s, script, numkeys, *rest):
    """EVAL_RO script numkeys [key ...] [arg ...] — Execute a read-only Lua script server side

    Like EVAL, but any write command the script calls fails (so it may run on a
    read replica).
    """
    return _eval(s, script, numkeys, rest, readonly=True)


@command("evalsha_ro", arity=-3, flags="readonly " + _EVAL, acl="scripting",
         getkeys=_eval_keys, group="scripting", since="7.0.0", complexity=_COMPLEXITY)
def evalsha_ro(s, sha1, numkeys, *rest):
    """EVALSHA_RO sha1 numkeys [key ...] [arg ...] — Execute a read-only Lua script server side

    Like EVALSHA, but any write command the script calls fails.
    """
    return _evalsha(s, sha1, numkeys, rest, readonly=True)


container("script", group="scripting", since="2.6.0",
          summary="A container for Lua scripts management commands")


@command("script|load", arity=3, flags="noscript stale", acl="scripting", group="scripting",
         since="2.6.0", tips="request_policy:all_nodes response_policy:all_succeeded",
         complexity="O(N) with N being the length in bytes of the script body.")
def script_load(s, script):
    """SCRIPT LOAD script — Load the specified Lua script into the script cache.

    Compile the script and keep it; the reply is its SHA1, for EVALSHA.
    """
    return engine_for(s.node).create(script).encode()


@command("script|exists", arity=-3, flags="noscript", acl="scripting", group="scripting",
         since="2.6.0", tips="request_policy:all_shards response_policy:agg_logical_and",
         complexity="O(N) with N being the number of scripts to check (so checking a "
                    "single script is an O(1) operation).")
def script_exists(s, *shas):
    """SCRIPT EXISTS sha1 [sha1 ...] — Check existence of scripts in the script cache.

    One 1 or 0 per SHA1 (case does not matter).
    """
    engine = engine_for(s.node)
    return [1 if engine.exists(sha) else 0 for sha in shas]


@command("script|flush", arity=-2, flags="noscript", acl="scripting", group="scripting",
         since="2.6.0", tips="request_policy:all_nodes response_policy:all_succeeded",
         complexity="O(N) with N being the number of scripts in cache")
def script_flush(s, *mode):
    """SCRIPT FLUSH [ASYNC|SYNC] — Remove all the scripts from the script cache.

    Forget every cached script and restart the Lua interpreter (EVALSHA then
    answers NOSCRIPT until the script is loaded again).
    """
    if len(mode) > 1 or (mode and mode[0].lower() not in (b"sync", b"async")):
        raise ReplyError("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
    engine_for(s.node).flush()
    return OK


@command("script|kill", arity=2, flags="noscript allow_busy", acl="scripting",
         group="scripting", since="2.6.0",
         tips="request_policy:all_shards response_policy:one_succeeded", complexity="O(1)")
def script_kill(s):
    """SCRIPT KILL — Kill the script currently in execution.

    Scripts run to completion under the node's lock, so no script is ever
    running when another client's command arrives: always NOTBUSY.
    """
    raise ReplyError("NOTBUSY No scripts in execution right now.")


@command("script|debug", arity=3, flags="noscript", acl="scripting", group="scripting",
         since="3.2.0", complexity="O(1)")
def script_debug(s, mode):
    """SCRIPT DEBUG YES|SYNC|NO — Set the debug mode for executed scripts.

    The engine has no Lua debugger: NO is accepted, YES and SYNC are refused.
    """
    mode = mode.lower()
    if mode == b"no":
        return OK
    if mode in (b"yes", b"sync"):
        raise ReplyError("ERR SCRIPT DEBUG (the Lua debugger) is not supported by the engine")
    raise ReplyError("ERR Use SCRIPT DEBUG YES/SYNC/NO")


@command("script|help", arity=2, flags="loading stale", acl="scripting", group="scripting",
         since="5.0.0", complexity="O(1)")
def script_help(s):
    """SCRIPT HELP — Show helpful text about the different subcommands

    What the SCRIPT subcommands do.
    """
    return [SimpleString(line.encode()) for line in (
        "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DEBUG (YES|SYNC|NO)",
        "    Set the debug mode for subsequent scripts executed.",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        "HELP",
        "    Prints this help.",
    )]
