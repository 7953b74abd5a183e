"""Per-connection state: what Redis keeps in its ``client`` struct.

Every connection — a redis-py client in the same process, a redis-cli over
TCP — gets one :class:`Session`. It remembers the selected database, the
protocol version (RESP2 or RESP3), the authenticated user, a MULTI queue and
WATCHed keys, and the details CLIENT LIST shows.

Replies normally go back as the return value of each command. Two things
arrive *outside* that request/response rhythm, and both go through
:meth:`Session.deliver`: the late answer of a blocking command (BLPOP that
waited for data, see blocking.py) and pub/sub messages. The transport — the
TCP server or the in-process redis-py connection — sets ``on_reply`` to
write such replies to its client; a session without a transport keeps them
in ``outbox``.
"""
from __future__ import annotations

from typing import Callable, List, Optional


class Session:
    __slots__ = (
        "node", "id", "name", "addr", "laddr", "kind", "db", "protocol",
        "authenticated", "user", "created_ms", "last_ms", "last_command",
        "multi", "multi_error", "watched", "watch_dirty", "close_after_reply",
        "killer", "lib_name", "lib_ver", "closed",
        "blocked", "in_script", "on_reply", "outbox",
        "channels", "patterns", "shard_channels", "pubsub", "auth_ms",
    )

    def __init__(self, node, client_id: int, *, addr: str, laddr: str, kind: str):
        self.node = node
        self.id = client_id
        self.name = b""
        self.addr = addr
        self.laddr = laddr
        self.kind = kind                   # "inproc" or "tcp"
        self.db = node.dbs[0]
        self.protocol = 2
        self.authenticated = not node.requires_auth()
        self.user = "default"
        #: When this connection last authenticated (IAM connections expire).
        self.auth_ms = node.clock.now_ms()
        self.created_ms = node.clock.now_ms()
        self.last_ms = self.created_ms
        self.last_command = "NULL"
        self.multi: Optional[List[tuple]] = None   # queued (command, argv) in MULTI
        self.multi_error = False
        self.watched: List[tuple] = []             # (db, key) pairs
        self.watch_dirty = False
        self.close_after_reply = False
        #: Called by CLIENT KILL to drop the connection (set by the transport).
        self.killer: Optional[Callable[[], None]] = None
        self.lib_name = ""
        self.lib_ver = ""
        self.closed = False
        #: The Block this client waits in (blocking.py), None when not blocked.
        self.blocked = None
        #: True while a Lua script runs for this client (set by the scripting
        #: engine): blocking commands then answer at once, as in MULTI.
        self.in_script = False
        #: ``on_reply(reply)``: how the transport sends a late reply or a
        #: pub/sub message (called with the node lock held, on any thread).
        self.on_reply: Optional[Callable[[object], None]] = None
        self.outbox: List[object] = []
        # Pub/sub subscriptions (commands/pubsub.py), as ordered sets.
        self.channels: dict = {}
        self.patterns: dict = {}
        self.shard_channels: dict = {}
        #: Redis's CLIENT_PUBSUB flag: subscribed to anything. A RESP2
        #: connection in this state may only run (P|S)(UN)SUBSCRIBE, PING,
        #: QUIT and RESET.
        self.pubsub = False

    # -- WATCH -------------------------------------------------------------
    def watch(self, db, key: bytes) -> None:
        if (db, key) in self.watched:
            return
        self.watched.append((db, key))
        db.watchers.setdefault(key, set()).add(self)

    def unwatch_all(self) -> None:
        for db, key in self.watched:
            clients = db.watchers.get(key)
            if clients is not None:
                clients.discard(self)
                if not clients:
                    del db.watchers[key]
        self.watched = []
        self.watch_dirty = False

    def reset_transaction(self) -> None:
        self.multi = None
        self.multi_error = False
        self.unwatch_all()

    # -- out-of-band replies ---------------------------------------------------
    def deliver(self, reply) -> None:
        """Send ``reply`` now, outside the request/response flow (the late
        answer of a blocked command, a pub/sub message)."""
        if self.on_reply is not None:
            self.on_reply(reply)
        else:
            self.outbox.append(reply)

    def flags(self) -> str:
        """CLIENT LIST ``flags=``, in Redis's order: P = subscribed (pub/sub),
        x = in MULTI, b = blocked, d = a WATCHed key changed; N = none."""
        out = ""
        if self.pubsub:
            out += "P"
        if self.multi is not None:
            out += "x"
        if self.blocked is not None:
            out += "b"
        if self.watch_dirty:
            out += "d"
        return out or "N"

    def __repr__(self) -> str:
        return f"Session(id={self.id}, addr={self.addr}, db={self.db.index})"
