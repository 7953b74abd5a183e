"""Blocking commands: a client that waits on keys until data arrives.

BLPOP, BLMOVE, BZPOPMIN, XREAD BLOCK … answer at once when there is data.
When there is none, Redis *parks* the client: it sends no reply, stops
reading that connection's further commands, and remembers which keys the
client waits on. Later, when another client's write creates or grows one of
those keys, Redis hands the data to the parked client, sends the reply, and
lets the connection continue. This module is that machinery
(redis-server's blocked.c), shared by every blocking command.

How a command uses it. A handler that must wait returns a :class:`Block`::

    return Block([(s.db, key)], deadline_ms, serve, on_timeout=NullArray)

``serve()`` is called later, with the node lock held, after one of the keys
was written; it returns the reply (and does the work, e.g. pops the
element), or None to keep waiting. ``on_timeout`` is the reply sent when the
deadline passes. :meth:`Node.invoke` hands the Block to :class:`Blocking`.

When a client may not wait — inside MULTI/EXEC, or inside a Lua script —
Redis answers the command as if it had timed out at once (``on_deny``,
which defaults to ``on_timeout``): a transaction or a script must never
stop halfway.

Order, as in Redis:

* writes only *mark* a key ready (:meth:`Database.store` / ``resized`` call
  :meth:`Blocking.signal`, one dict check when nobody is blocked);
* after the current command — after EXEC or a script as a whole — the node
  serves the ready keys in the order they became ready, and on each key the
  clients in the order they blocked (first come, first served);
* a served client's own writes (BLMOVE pushing into another list) can make
  more keys ready; they are served in the same pass.

Deadlines are absolute node-clock milliseconds. A client times out once the
clock has *reached* its deadline: advancing a virtual clock by exactly the
timeout times it out (Redis checks ``deadline < now`` on a millisecond wall
clock, which is indistinguishable there).
"""
from __future__ import annotations

import heapq
import math
from collections import deque
from typing import TYPE_CHECKING, Callable, List, Optional, Tuple

from ..protocol.replies import ReplyError

if TYPE_CHECKING:  # pragma: no cover
    from .keyspace import Database
    from .session import Session

#: CLIENT UNBLOCK id ERROR sends this to the unblocked client.
UNBLOCKED_ERROR = "UNBLOCKED client unblocked via CLIENT UNBLOCK"
#: Errors for the timeout argument (getTimeoutFromObjectOrReply).
TIMEOUT_NOT_FLOAT = "ERR timeout is not a float or out of range"
TIMEOUT_NOT_INTEGER = "ERR timeout is not an integer or out of range"
TIMEOUT_NEGATIVE = "ERR timeout is negative"

_SAME = object()
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class Block:
    """What a blocking command returns when it has to wait.

    ``keys``        list of (Database, key bytes) the client waits on
    ``timeout_ms``  absolute deadline on the node clock (ms), or None = forever
    ``serve``       ``serve()`` → the reply to send now, or None to keep waiting;
                    called with the node lock held after one of ``keys`` was
                    written. ``block.woken_by`` then holds the (Database, key)
                    that became ready (Redis serves a BLPOP from *that* key).
    ``on_timeout``  the reply sent at the deadline (e.g. NullArray)
    ``on_deny``     the reply when the client may not block (MULTI, scripts);
                    defaults to ``on_timeout``
    """

    __slots__ = ("keys", "timeout_ms", "serve", "on_timeout", "on_deny",
                 "session", "command", "woken_by")

    def __init__(self, keys, timeout_ms: Optional[int], serve: Callable[[], object],
                 on_timeout, on_deny=_SAME):
        self.keys: List[Tuple["Database", bytes]] = list(keys)
        self.timeout_ms = timeout_ms
        self.serve = serve
        self.on_timeout = on_timeout
        self.on_deny = on_timeout if on_deny is _SAME else on_deny
        self.session: Optional["Session"] = None   # set when the client blocks
        self.command: Optional[str] = None         # the command's stats name
        self.woken_by: Optional[Tuple["Database", bytes]] = None

    def __repr__(self) -> str:
        keys = [k for _, k in self.keys]
        return f"Block(keys={keys!r}, timeout_ms={self.timeout_ms})"


class Blocking:
    """The node's table of blocked clients, ready keys and deadlines."""

    def __init__(self, node):
        self.node = node
        #: session -> its Block, in the order the clients blocked.
        self.blocked = {}
        #: keys written since the last serve pass, in order (deduplicated).
        self.ready: deque = deque()
        self._ready_set = set()
        #: (deadline, sequence, session) — a lazy heap: stale entries are
        #: skipped when popped (the client was served or unblocked first).
        self._deadlines: list = []
        self._seq = 0

    # -- parking a client ---------------------------------------------------------
    def block(self, s, cmd, b: Block, deny: bool):
        """Called by Node.invoke when ``cmd`` returned ``b``. Returns the reply
        to send now (``on_deny`` when the client may not block), or ``b``
        itself: the transport sends nothing until :meth:`Session.deliver`."""
        if deny or s.in_script:
            return b.on_deny
        b.session = s
        b.command = cmd.name
        self.blocked[s] = b
        s.blocked = b
        for db, key in b.keys:
            waiters = db.blocking_keys.get(key)
            if waiters is None:
                db.blocking_keys[key] = [s]
            elif s not in waiters:
                waiters.append(s)
        if b.timeout_ms is not None:
            self._seq += 1
            heapq.heappush(self._deadlines, (b.timeout_ms, self._seq, s))
        return b

    def _release(self, s) -> Optional[Block]:
        """Take ``s`` off every key it waits on; its Block (or None)."""
        b = self.blocked.pop(s, None)
        if b is None:
            return None
        s.blocked = None
        for db, key in b.keys:
            waiters = db.blocking_keys.get(key)
            if waiters is not None:
                try:
                    waiters.remove(s)
                except ValueError:
                    pass
                if not waiters:
                    del db.blocking_keys[key]
        return b

    def _finish(self, s, b: Block, reply, failed: bool = False) -> None:
        """Account for the late reply and hand it to the client's transport.
        (INFO commandstats counted the call when the client blocked; an error
        reply now counts as a failed call, as updateStatsOnUnblock does.)"""
        node = self.node
        if type(reply) is ReplyError:
            failed = True
            node._count_error(reply.message)
        if failed:
            stat = node.stats.commands.setdefault(b.command, [0, 0, 0, 0])
            stat[3] += 1
        s.deliver(reply)

    # -- waking clients -----------------------------------------------------------
    def signal(self, db, key: bytes) -> None:
        """``key`` was written and somebody waits on it: serve it after the
        current command (signalKeyAsReady)."""
        item = (db, key)
        if item not in self._ready_set:
            self._ready_set.add(item)
            self.ready.append(item)

    def serve_ready(self) -> None:
        """Serve every ready key (handleClientsBlockedOnKeys): keys in the
        order they became ready, on each key the clients first-blocked
        first. Keys made ready while serving are served in the same pass."""
        ready, ready_set = self.ready, self._ready_set
        while ready:
            item = ready.popleft()
            ready_set.discard(item)   # a serve() writing this key re-queues it
            db, key = item
            waiters = db.blocking_keys.get(key)
            if not waiters:
                continue
            for s in list(waiters):
                b = self.blocked.get(s)
                if b is None:
                    continue
                b.woken_by = item
                try:
                    reply = b.serve()
                except ReplyError as exc:
                    reply = exc
                if reply is None:
                    continue
                self._release(s)
                self._finish(s, b, reply)

    # -- deadlines ------------------------------------------------------------------
    def next_deadline(self) -> Optional[int]:
        """The earliest deadline of a blocked client (None: nobody waits with one)."""
        heap = self._deadlines
        while heap:
            when, _, s = heap[0]
            b = self.blocked.get(s)
            if b is not None and b.timeout_ms == when:
                return when
            heapq.heappop(heap)
        return None

    def expire(self, now_ms: int) -> int:
        """Time out every client whose deadline is ``<= now_ms``; how many."""
        heap = self._deadlines
        count = 0
        while heap and heap[0][0] <= now_ms:
            when, _, s = heapq.heappop(heap)
            b = self.blocked.get(s)
            if b is None or b.timeout_ms != when:
                continue          # stale: served or unblocked already
            self._release(s)
            self._finish(s, b, b.on_timeout)
            count += 1
        return count

    def expire_due(self) -> int:
        """On the wall clock: read the time and time out who is due (the TCP
        server's timer and a waiting in-process client call this)."""
        node = self.node
        with node.lock:
            if node.clock.is_wall:
                node.now = node.clock.now_ms()
            return self.expire(node.now)

    # -- CLIENT UNBLOCK, disconnects ------------------------------------------------
    def unblock(self, s, error: bool) -> bool:
        """CLIENT UNBLOCK: answer ``s`` as if it timed out, or with an
        UNBLOCKED error. False if ``s`` was not blocked. Redis counts the
        unblocked command as a failed call either way."""
        b = self._release(s)
        if b is None:
            return False
        reply = ReplyError(UNBLOCKED_ERROR) if error else b.on_timeout
        self._finish(s, b, reply, failed=True)
        return True

    def forget(self, s) -> None:
        """The connection closed: drop it without replying."""
        self._release(s)

    # -- introspection ----------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.blocked)

    def with_timeout(self) -> int:
        """INFO clients_in_timeout_table: blocked clients that have a deadline."""
        return sum(1 for b in self.blocked.values() if b.timeout_ms is not None)


# -- the timeout argument ----------------------------------------------------------------

def parse_timeout(raw: bytes, now_ms: int, seconds: bool = True) -> Optional[int]:
    """A blocking command's timeout argument → absolute deadline (ms) on the
    node clock, or None for 0 (wait forever), exactly as Redis 7.0 reads it
    (getTimeoutFromObjectOrReply):

    * seconds (BLPOP, BZPOPMIN …): a long double (``1.5``, ``1e3``, ``0x10``
      are fine; spaces and NaN are not), times 1000, rounded *up* to whole
      milliseconds — so ``0.0001`` waits 1 ms, and ``-0.0001`` becomes 0,
      "forever". A value too large for a 64-bit integer wraps negative in C,
      hence Redis's "timeout is negative" for ``1e16`` or ``inf``.
    * milliseconds (XREAD BLOCK, ``seconds=False``): a strict 64-bit integer.
    """
    if seconds:
        from ..commands.longdouble import parse_ld, round_ld
        from ..commands.strings import _valid_ld
        if not _valid_ld(raw):
            raise ReplyError(TIMEOUT_NOT_FLOAT)
        text = raw.lower()
        if b"inf" in text:
            ms = INT64_MIN        # (long long) of an infinity
        else:
            try:
                ms = math.ceil(round_ld(parse_ld(raw) * 1000))
            except OverflowError:
                ms = INT64_MIN
            if not INT64_MIN <= ms <= INT64_MAX:
                ms = INT64_MIN    # out-of-range conversion: x86 gives LLONG_MIN
    else:
        from ..commands.args import parse_int
        ms = parse_int(raw, TIMEOUT_NOT_INTEGER)
    if ms < 0:
        raise ReplyError(TIMEOUT_NEGATIVE)
    if ms == 0:
        return None
    return now_ms + ms
