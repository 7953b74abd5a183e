"""Keeping replicas in step with their primary — synchronously, for now.

HONEST SCOPE: this is *not* Redis replication. A real replica receives the
primary's write stream asynchronously over a replication link: commands are
appended to a backlog, shipped, and applied later, so a replica lags behind
(``master_repl_offset`` vs the replica's offset) and a failover can lose the
last writes. That machinery — offsets, lag, the backlog, PSYNC, failover — is
the next issue. Here the replicas only need to *hold the primary's data*, so
that ``read_from_replicas`` clients and READONLY connections read real values.

How it works: :class:`SyncReplication` wraps the primary's ``invoke`` (the
single place where every command runs, including the ones EXEC runs). After a
write command succeeds on the primary, the same command is applied to every
replica at once, through a "primary link" session of the replica (Redis's
``CLIENT_MASTER``), bypassing the routing checks as a real replica does for
its master's stream. Three kinds of writes cannot simply be replayed, and are
sent as their *effect* instead (Redis rewrites them the same way):

* commands whose result is random (SPOP): the key's new state is copied;
* keys removed by eviction or active expiry on the primary: deleted on the
  replicas (the primary's Event listener);
* keys moved by MIGRATE / resharding: copied or deleted (:func:`copy_key`).

The propagation point is :meth:`SyncReplication.feed` — the next issue can
replace this class with an asynchronous link that queues ``feed`` calls in a
backlog and applies them later, without touching the routing code.

Value bytes are shared, not copied: a string value is an immutable ``bytes``
object, so the primary and its replicas point at the same one (that is what
keeps a 3,000-node emulated cluster within memory).
"""
from __future__ import annotations

import copy
from typing import List

from ..node.keyspace import Entry
from ..protocol.replies import ReplyError

#: Write commands whose effect is not determined by their arguments: the
#: replicas receive the resulting key state instead of the command. Blocking
#: commands (BLPOP…) are treated the same way, so a replica never blocks.
STATE_COPIED = frozenset({"spop"})


def resp_length(argv) -> int:
    """Bytes of ``argv`` as a RESP array (what the replication offset counts)."""
    total = len(str(len(argv))) + 3
    for arg in argv:
        n = len(arg)
        total += len(str(n)) + 5 + n
    return total


class SyncReplication:
    """The primary → replicas propagation of one shard (synchronous)."""

    def __init__(self, primary):
        self.primary = primary
        self.replicas: List = []
        self._links = {}          # replica node -> its primary-link Session
        #: Bytes of write traffic sent so far (master_repl_offset). Applied at
        #: once, so every replica's offset equals it.
        self.offset = 0
        self._invoke = primary.invoke
        primary.invoke = self._invoke_and_feed
        primary.subscribe(self._on_event)

    def detach(self) -> None:
        """Stop propagating (the primary leaves the cluster)."""
        if self.primary.__dict__.get("invoke") == self._invoke_and_feed:
            del self.primary.invoke
        if self._on_event in self.primary.listeners:
            self.primary.listeners.remove(self._on_event)

    def attach(self, replica) -> None:
        """Add a replica and give it a full copy of the data (a full sync)."""
        self.replicas.append(replica)
        session = replica.open_session(addr="primary-link:0", kind="replication")
        self._links[replica] = session
        for src, dst in zip(self.primary.dbs, replica.dbs):
            for key in list(src.data):
                copy_key(src, dst, key)

    def remove(self, replica) -> None:
        if replica in self.replicas:
            self.replicas.remove(replica)
            replica.close_session(self._links.pop(replica))

    # -- propagation ----------------------------------------------------------
    def _invoke_and_feed(self, s, cmd, args):
        reply = self._invoke(s, cmd, args)
        if cmd.is_write and type(reply) is not ReplyError and self.replicas:
            self.feed(s.db.index, cmd, args)
        return reply

    def feed(self, db_index: int, cmd, args) -> None:
        """Apply one successful write of the primary to every replica."""
        argv = [*(p.encode() for p in cmd.name.split("|")), *args]
        self.offset += resp_length(argv)
        if cmd.name in STATE_COPIED or "blocking" in cmd.flags:
            for i in cmd.key_positions(argv):
                self.sync_key(db_index, argv[i])
            return
        now = self.primary.now
        for replica in self.replicas:
            session = self._links[replica]
            session.db = replica.dbs[db_index]
            replica.now = now
            replica.invoke(session, cmd, args)

    def sync_key(self, db_index: int, key: bytes) -> None:
        """Make every replica's ``key`` equal to the primary's (or absent)."""
        src = self.primary.dbs[db_index]
        self.offset += len(key) + 32
        for replica in self.replicas:
            copy_key(src, replica.dbs[db_index], key)

    def _on_event(self, event) -> None:
        # Evicted or actively expired on the primary: gone everywhere (Redis
        # propagates a DEL for both; replicas never evict on their own).
        for replica in self.replicas:
            db = replica.dbs[event.db]
            if db.data.get(event.key) is not None:
                db.delete(event.key)


def clone_entry(e: Entry) -> Entry:
    """A copy of ``e`` another node can own: metadata copied, the value
    shared when immutable (strings), copied when it can change in place."""
    value = e.value if type(e.value) is bytes else copy.deepcopy(e.value)
    twin = Entry(value, e.type, e.encoding)
    twin.capacity = e.capacity
    twin.lru, twin.freq, twin.ldt = e.lru, e.freq, e.ldt
    return twin


def copy_key(src, dst, key: bytes) -> None:
    """Set ``dst[key]`` to a copy of ``src[key]`` with its TTL, or delete it
    from ``dst`` when ``src`` has no such key."""
    e = src.data.get(key)
    if e is None:
        dst.delete(key)
        return
    twin = clone_entry(e)
    dst.store(key, twin)
    if e.expire_at is not None:
        dst.set_expire(key, twin, e.expire_at)
