"""Per-connection state: what Redis keeps in its ``client`` struct.

Every connection — a redis-py client in the same process, a redis-cli over
TCP — gets one :class:`Session`. It remembers the selected database, the
protocol version (RESP2 or RESP3), the authenticated user, a MULTI queue and
WATCHed keys, and the details CLIENT LIST shows.
"""
from __future__ import annotations

from typing import Callable, List, Optional


class Session:
    __slots__ = (
        "node", "id", "name", "addr", "laddr", "kind", "db", "protocol",
        "authenticated", "user", "created_ms", "last_ms", "last_command",
        "multi", "multi_error", "watched", "watch_dirty", "close_after_reply",
        "killer", "lib_name", "lib_ver", "closed",
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

    def flags(self) -> str:
        """CLIENT LIST ``flags=``: N = nothing special, x = in MULTI."""
        return "x" if self.multi is not None else "N"

    def __repr__(self) -> str:
        return f"Session(id={self.id}, addr={self.addr}, db={self.db.index})"
