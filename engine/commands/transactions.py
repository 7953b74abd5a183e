"""Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.

MULTI starts queueing: every following command answers QUEUED instead of
running. EXEC runs the queue in one go — no other client's command can slip in
between — and returns every reply. It is not a rollback transaction: if one
queued command fails at run time, the others still happen.

WATCH adds optimistic locking: if any watched key changes before EXEC, EXEC
does nothing and answers nil, and the client retries. (redis-py's
``pipeline()`` uses MULTI/EXEC by default, and ``Redis.transaction`` the
WATCH/retry loop.)
"""
from __future__ import annotations

from .. import errors
from ..protocol.replies import OK, NullArray, ReplyError
from .registry import command

_TX = "noscript loading stale fast allow_busy"


@command("multi", arity=1, flags=_TX, acl="transaction", group="transactions",
         since="1.2.0", complexity="O(1)")
def multi(s):
    """MULTI — Mark the start of a transaction block

    Start queueing commands for EXEC.
    """
    if s.multi is not None:
        raise ReplyError(errors.MULTI_NESTED)
    s.multi = []
    s.multi_error = False
    return OK


@command("exec", arity=1, flags="noscript loading stale skip_slowlog", acl="transaction",
         group="transactions", since="1.2.0",
         complexity="Depends on commands in the transaction")
def exec_(s):
    """EXEC — Execute all commands issued after MULTI

    Run the queued commands atomically; their replies, or nil if a WATCHed key changed,
    or EXECABORT if queueing failed.
    """
    if s.multi is None:
        raise ReplyError(errors.EXEC_WITHOUT_MULTI)
    queued, doomed = s.multi, s.multi_error
    dirty = s.watch_dirty or _watched_key_expired(s)
    s.multi = None
    s.multi_error = False
    s.unwatch_all()
    if doomed:
        raise ReplyError(errors.EXECABORT)
    if dirty:
        return NullArray
    node = s.node
    replies = []
    for cmd, args in queued:
        refusal = node.acl.exec_refusal(s, cmd, args)
        if refusal is not None:
            node._count_error(refusal)
            replies.append(ReplyError(refusal))
        else:
            replies.append(node.invoke(s, cmd, args))
    return replies


@command("discard", arity=1, flags=_TX, acl="transaction", group="transactions",
         since="2.0.0", complexity="O(N), when N is the number of queued commands")
def discard(s):
    """DISCARD — Discard all commands issued after MULTI

    Drop the queued commands and leave MULTI.
    """
    if s.multi is None:
        raise ReplyError(errors.DISCARD_WITHOUT_MULTI)
    s.reset_transaction()
    return OK


@command("watch", arity=-2, flags=_TX, acl="transaction", keys=(1, -1, 1),
         group="transactions", since="2.2.0", complexity="O(1) for every key.")
def watch(s, *keys):
    """WATCH key [key ...] — Watch the given keys to determine execution of the MULTI/EXEC block

    Make the next EXEC fail if any of these keys change.
    """
    if s.multi is not None:
        raise ReplyError(errors.WATCH_IN_MULTI)
    db = s.db
    for key in keys:
        # A key already past its TTL counts as missing: expire it now, so
        # that only keys alive at WATCH time can "expire under" the watch.
        db.find(key)
        s.watch(db, key)
    return OK


def _watched_key_expired(s) -> bool:
    """Redis 7.0 fails EXEC when a key that was alive at WATCH time has
    expired since, even if nothing deleted it yet (isWatchedKeyExpired)."""
    now = s.node.now
    for db, key in s.watched:
        e = db.peek(key)
        if e is not None and e.expire_at is not None and e.expire_at < now:
            return True
    return False


@command("unwatch", arity=1, flags=_TX, acl="transaction", group="transactions",
         since="2.2.0", complexity="O(1)")
def unwatch(s):
    """UNWATCH — Forget about all watched keys

    Forget all WATCHed keys.
    """
    s.unwatch_all()
    return OK
