"""Every error text the engine can send, in one place.

Texts are byte-for-byte those of redis-server 7.0 (the compatibility tests in
``tests/compat`` compare them against a live server). Keeping them here means a
learner can read the whole vocabulary of Redis errors on one page, and a typo
can only happen once.
"""
from __future__ import annotations

from .protocol.replies import ReplyError

# -- generic ---------------------------------------------------------------
SYNTAX = "ERR syntax error"
NOT_INTEGER = "ERR value is not an integer or out of range"
INT_OUT_OF_RANGE = "ERR value is out of range, value must between -2147483648 and 2147483647"
NOT_FLOAT = "ERR value is not a valid float"
OVERFLOW = "ERR increment or decrement would overflow"
INCR_FLOAT_NAN = "ERR increment would produce NaN or Infinity"
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NO_SUCH_KEY = "ERR no such key"
INVALID_EXPIRE = "ERR invalid expire time in '{}' command"
DB_INDEX_OUT_OF_RANGE = "ERR DB index is out of range"
STRING_TOO_LONG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
OFFSET_OUT_OF_RANGE = "ERR offset is out of range"
SAME_OBJECT = "ERR source and destination objects are the same"
INVALID_DB = "ERR invalid DB index"
OOM = "OOM command not allowed when used memory > 'maxmemory'."
SELECT_IN_CLUSTER = "ERR SELECT is not allowed in cluster mode"
NOT_ALLOWED_IN_MULTI = "ERR {} inside MULTI is not allowed"
MULTI_NESTED = "ERR MULTI calls can not be nested"
EXEC_WITHOUT_MULTI = "ERR EXEC without MULTI"
DISCARD_WITHOUT_MULTI = "ERR DISCARD without MULTI"
WATCH_IN_MULTI = "ERR WATCH inside MULTI is not allowed"
EXECABORT = "EXECABORT Transaction discarded because of previous errors."
NOAUTH = "NOAUTH Authentication required."
WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."
AUTH_NOT_CONFIGURED = (
    "ERR AUTH <password> called without any password configured for the default "
    "user. Are you sure your configuration is correct?"
)
LFU_NOT_SELECTED = (
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
    "Please note that when switching between policies at runtime LRU and LFU data "
    "will take some time to adjust."
)
LRU_NOT_SELECTED = (
    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note "
    "that when switching between policies at runtime LRU and LFU data will take "
    "some time to adjust."
)


def unknown_command(name: bytes, args) -> str:
    """Redis's reply to a command it does not know, e.g.
    ``ERR unknown command 'foobar', with args beginning with: 'a' 'b' ``.

    Like redis-server, the name is cut at 128 bytes and the quoted arguments
    share a 128-byte budget (an argument that does not fit is cut short).
    Redis formats them as C strings (``%.128s``), so each also ends at its
    first NUL byte."""
    listed = b""
    for arg in args:
        if len(listed) >= 128:
            break
        listed += b"'" + _c_string(arg)[: 128 - len(listed)] + b"' "
    return _text(b"ERR unknown command '" + _c_string(name)[:128]
                 + b"', with args beginning with: " + listed)


def unknown_subcommand(sub: bytes, container: str) -> str:
    return _text(b"ERR unknown subcommand '" + _c_string(sub)[:128] + b"'. Try "
                 + container.upper().encode() + b" HELP.")


def _c_string(raw: bytes) -> bytes:
    """What C's ``%s`` prints of a byte string: everything before the first NUL."""
    nul = raw.find(b"\0")
    return raw if nul < 0 else raw[:nul]


def wrong_arity(name: str) -> str:
    return f"ERR wrong number of arguments for '{name}' command"


def _text(raw: bytes) -> str:
    """Turn raw bytes into an error message. Error replies are single lines, so
    Redis maps CR and LF to spaces; bytes that are not UTF-8 survive the round
    trip to the wire thanks to ``surrogateescape``."""
    raw = raw.replace(b"\r", b" ").replace(b"\n", b" ")
    return raw.decode("utf-8", errors="surrogateescape")


def err(message: str) -> ReplyError:
    """Build an error reply (raise it from a command, or return it as a value)."""
    return ReplyError(message)


def subscribed_context(name: str) -> str:
    """What a RESP2 connection in subscribed (pub/sub) mode gets for any
    command but (P|S)(UN)SUBSCRIBE, PING, QUIT and RESET."""
    return (f"ERR Can't execute '{name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / "
            "PING / QUIT / RESET are allowed in this context")


# -- replication (engine/cluster/replication.py) ---------------------------------
READONLY_REPLICA = "READONLY You can't write against a read only replica."
WAIT_ON_REPLICA = ("ERR WAIT cannot be used with replica instances. Please also note that "
                   "since Redis 4.0 if a replica is configured to be writable (which is not "
                   "the default) writes to replicas are just local and are not propagated.")
TIMEOUT_NEGATIVE = "ERR timeout is negative"
TIMEOUT_NOT_INTEGER = "ERR timeout is not an integer or out of range"
