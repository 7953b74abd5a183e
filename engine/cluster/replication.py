"""Primary → replica replication: asynchronous, with offsets, a backlog and lag.

This is the model of Redis replication the labs teach with. Every write the
primary runs becomes a *change* appended to the **replication stream**; the
stream's length in bytes is ``master_repl_offset``. Each replica has a
:class:`ReplicaLink`: the changes travel over it with a per-link latency and
bandwidth (on the virtual clock), and the replica applies them when they
arrive — so a replica's offset trails its primary's, and that gap *is* the
replication lag INFO, ROLE and WAIT report.

The primary keeps the most recent ``repl-backlog-size`` bytes of the stream
(the **backlog**, 1 MB by default as in redis.conf). A replica that was
disconnected for a short while reconnects with its offset and gets only what
it missed from the backlog (a *partial resync*, Redis's PSYNC); if the backlog
no longer reaches back to its offset, it needs a *full resync* (a copy of the
whole dataset, as after an RDB transfer).

Two modes (``Replication(mode=…)``):

``"async"`` (Redis's only mode)
    the primary acknowledges a write as soon as it ran locally; replicas catch
    up later. A failover can lose the writes the promoted replica had not
    received yet — exactly those beyond its offset.
``"sync"``
    a teaching contrast: a write is applied on every replica before it is
    acknowledged, and refused with NOREPLICAS while a replica is unreachable
    (like ``min-replicas-to-write`` set to all replicas). Nothing acknowledged
    can be lost, at the price of availability.

With zero latency and unlimited bandwidth (the defaults), an async link
delivers at once, so replicas read their primary's writes immediately (what a
replica on the same host looks like); set ``latency_ms`` / ``bandwidth`` (for
every link, or per link with :meth:`Replication.set_link`) to see lag.

Three kinds of writes are sent as their *effect* rather than the command
(Redis rewrites them the same way): commands whose result is random (SPOP),
keys evicted or actively expired on the primary (a DEL), and keys moved by
MIGRATE / resharding (:meth:`Replication.sync_key`).

Value bytes are shared, not copied: a string value is an immutable ``bytes``
object, so the primary and its replicas point at the same one (that keeps a
3,000-node emulated cluster within memory).
"""
from __future__ import annotations

import copy
import hashlib
from collections import deque
from typing import Dict, List, Optional

from ..node.keyspace import Entry
from ..protocol.replies import ReplyError

#: Write commands whose effect is not determined by their arguments: the
#: replicas receive the resulting key state instead of the command. Blocking
#: commands (BLPOP…) are treated the same way, so a replica never blocks.
STATE_COPIED = frozenset({"spop"})
#: repl-backlog-size's default in redis.conf (1 MB).
DEFAULT_BACKLOG_SIZE = 1024 * 1024
#: Redis's reply to a write when fewer good replicas than required are connected.
NOREPLICAS = "NOREPLICAS Not enough good replicas to write."
MODES = ("async", "sync")


def resp_length(argv) -> int:
    """Bytes of ``argv`` as a RESP array (what the replication offset counts)."""
    total = len(str(len(argv))) + 3
    for arg in argv:
        n = len(arg)
        total += len(str(n)) + 5 + n
    return total


class Change:
    """One entry of the replication stream: bytes ``start+1 … end`` of it."""

    __slots__ = ("start", "end", "db", "cmd", "args", "key", "entry", "expire", "ms")

    def __init__(self, start, end, db, ms, cmd=None, args=None, key=None, entry=None,
                 expire=None):
        self.start, self.end, self.db, self.ms = start, end, db, ms
        self.cmd, self.args = cmd, args      # a command to re-run …
        self.key, self.entry = key, entry    # … or a key's new state (entry None: deleted)
        self.expire = expire                 # … and its TTL deadline (unix ms)

    @property
    def size(self) -> int:
        return self.end - self.start


class ReplicaLink:
    """The connection from a primary to one replica, and the replica's progress."""

    def __init__(self, repl: "Replication", replica, latency_ms: float, bandwidth):
        self.repl = repl
        self.replica = replica
        self.session = replica.open_session(addr="primary-link:0", kind="replication")
        #: Bytes of the stream the replica has applied (slave_repl_offset).
        self.offset = 0
        self.latency_ms = latency_ms
        #: Bytes per second the link carries (None: unlimited).
        self.bandwidth = bandwidth
        self.up = True
        #: Changes sent but not yet arrived: (arrival_ms, Change), in order.
        self.inflight: deque = deque()
        self._busy_until = 0.0     # when the link finishes sending what it has
        self.last_io_ms = repl.primary.now
        self.down_since_ms: Optional[int] = None
        self.full_syncs = 0
        self.partial_syncs = 0

    @property
    def lag_bytes(self) -> int:
        """How far behind the primary's offset the replica is, in bytes."""
        return max(0, self.repl.offset - self.offset)

    def lag_ms(self, now: Optional[int] = None) -> int:
        """Age of the oldest write the replica has not applied (0 when caught up)."""
        now = self.repl.primary.now if now is None else now
        for change in self.repl.backlog:
            if change.end > self.offset:
                return max(0, now - change.ms)
        return 0

    def describe(self) -> dict:
        return {"replica": self.replica.name, "up": self.up, "offset": self.offset,
                "lag_bytes": self.lag_bytes, "lag_ms": self.lag_ms(),
                "latency_ms": self.latency_ms, "bandwidth": self.bandwidth,
                "inflight": len(self.inflight), "full_syncs": self.full_syncs,
                "partial_syncs": self.partial_syncs}


class Replication:
    """The replication stream of one shard: a primary, its links, its backlog."""

    def __init__(self, primary, *, mode: str = "async", backlog_size: int = DEFAULT_BACKLOG_SIZE,
                 latency_ms: float = 0, bandwidth=None, offset: int = 0, replid2: str = None,
                 second_offset: int = -1):
        if mode not in MODES:
            raise ValueError(f"replication mode must be one of {MODES}, got {mode!r}")
        if not isinstance(backlog_size, int) or backlog_size < 16 * 1024:
            raise ValueError("backlog_size must be an integer >= 16384 bytes "
                             "(repl-backlog-size's minimum)")
        self.primary = primary
        self.mode = mode
        self.backlog_size = backlog_size
        self.latency_ms = latency_ms
        self.bandwidth = bandwidth
        self.links: Dict[object, ReplicaLink] = {}
        #: Bytes of write traffic produced so far (master_repl_offset).
        self.offset = offset
        self.backlog: deque = deque()
        self.histlen = 0
        #: The replication ID; a promoted replica gets a new one and keeps the
        #: old one as replid2 (so the others can still PSYNC from it).
        self.replid = hashlib.sha1(f"{primary.run_id}:{offset}".encode()).hexdigest()
        self.replid2 = replid2 or "0" * 40
        self.second_offset = second_offset
        self._seldb = -1
        self._woff: Dict[int, int] = {}   # session id -> offset after its last write
        #: A durability log (engine.cluster.durability.TransactionLog) or None.
        self.log = None
        #: Other consumers of the stream (AOF files…): ``observer(change, now_ms)``.
        self.observers: List = []
        #: False while the primary is down: nothing is sent.
        self.active = True
        self._invoke = primary.invoke
        primary.invoke = self._invoke_and_feed
        primary.subscribe(self._on_event)
        primary.replication = self
        primary.clock.on_advance(self._tick)

    # -- membership -----------------------------------------------------------
    @property
    def replicas(self) -> List:
        return list(self.links)

    def detach(self) -> None:
        """Stop propagating (the primary leaves the shard or dies for good)."""
        if self.primary.__dict__.get("invoke") == self._invoke_and_feed:
            del self.primary.invoke
        if self._on_event in self.primary.listeners:
            self.primary.listeners.remove(self._on_event)
        self.primary.clock.remove_ticker(self._tick)
        if getattr(self.primary, "replication", None) is self:
            self.primary.replication = None
        for replica in list(self.links):
            self.remove(replica)

    def attach(self, replica, *, latency_ms=None, bandwidth=None, full_sync: bool = True) -> ReplicaLink:
        """Add a replica. ``full_sync``: give it a copy of the data now (a new
        replica); False: it already has a prefix of the stream (a promotion's
        surviving replica) and catches up from the backlog."""
        link = ReplicaLink(self, replica,
                           self.latency_ms if latency_ms is None else latency_ms,
                           self.bandwidth if bandwidth is None else bandwidth)
        self.links[replica] = link
        replica.replication = self
        replica.replica_readonly = True
        if full_sync:
            self._full_sync(link)
        return link

    def remove(self, replica) -> None:
        link = self.links.pop(replica, None)
        if link is not None:
            replica.close_session(link.session)
            if getattr(replica, "replication", None) is self:
                replica.replication = None
            replica.replica_readonly = False

    def link(self, replica) -> ReplicaLink:
        return self.links[replica]

    def set_link(self, replica=None, *, latency_ms=None, bandwidth=..., ) -> None:
        """Tune one link (or all, and the default for new ones, with
        ``replica=None``): latency in ms, bandwidth in bytes/s (None: unlimited)."""
        links = self.links.values() if replica is None else [self.links[replica]]
        if replica is None:
            if latency_ms is not None:
                self.latency_ms = latency_ms
            if bandwidth is not ...:
                self.bandwidth = bandwidth
        for link in links:
            if latency_ms is not None:
                if latency_ms < 0:
                    raise ValueError("latency_ms must be >= 0")
                link.latency_ms = latency_ms
            if bandwidth is not ...:
                if bandwidth is not None and bandwidth <= 0:
                    raise ValueError("bandwidth must be > 0 bytes/s, or None for unlimited")
                link.bandwidth = bandwidth

    # -- the stream -------------------------------------------------------------
    def _invoke_and_feed(self, s, cmd, args):
        if (self.mode == "sync" and cmd.is_write and s.kind != "replication"
                and any(not link.up for link in self.links.values())):
            return ReplyError(NOREPLICAS)
        if self.log is not None and cmd.is_write and s.kind != "replication":
            refusal = self.log.refusal(self.primary.now)
            if refusal is not None:
                return ReplyError(refusal)
        reply = self._invoke(s, cmd, args)
        if cmd.is_write and type(reply) is not ReplyError:
            self.feed(s.db.index, cmd, args)
            self._woff[s.id] = self.offset
        return reply

    def _select_bytes(self, db_index: int) -> int:
        # Redis puts a SELECT in the stream whenever the database changes.
        if db_index == self._seldb:
            return 0
        self._seldb = db_index
        return resp_length([b"SELECT", str(db_index).encode()])

    def feed(self, db_index: int, cmd, args) -> None:
        """Append one successful write of the primary to the stream."""
        argv = [*(p.encode() for p in cmd.name.split("|")), *args]
        if cmd.name in STATE_COPIED or "blocking" in cmd.flags:
            for i in cmd.key_positions(argv):
                self.sync_key(db_index, argv[i])
            return
        size = self._select_bytes(db_index) + resp_length(argv)
        self._append(Change(self.offset, self.offset + size, db_index, self.primary.now,
                            cmd=cmd, args=args))

    def sync_key(self, db_index: int, key: bytes) -> None:
        """Send ``key``'s current state on the primary (or its absence)."""
        e = self.primary.dbs[db_index].data.get(key)
        size = self._select_bytes(db_index) + len(key) + 32
        twin = None if e is None else clone_entry(e)
        self._append(Change(self.offset, self.offset + size, db_index, self.primary.now,
                            key=key, entry=twin, expire=None if e is None else e.expire_at))

    def _on_event(self, event) -> None:
        # Evicted or actively expired on the primary: a DEL for every replica
        # (replicas never evict or expire on their own).
        size = self._select_bytes(event.db) + resp_length([b"DEL", event.key])
        self._append(Change(self.offset, self.offset + size, event.db, self.primary.now,
                            key=event.key, entry=None))

    def _append(self, change: Change) -> None:
        self.offset = change.end
        self.backlog.append(change)
        self.histlen += change.size
        while self.histlen > self.backlog_size and len(self.backlog) > 1:
            self.histlen -= self.backlog.popleft().size
        if self.log is not None:
            self.log.append(change, self.primary.now)
        for observer in self.observers:
            observer(change, self.primary.now)
        if not self.active:
            return
        for link in self.links.values():
            if link.up:
                self._send(link, change)

    def _send(self, link: ReplicaLink, change: Change, now: Optional[int] = None) -> None:
        now = self.primary.now if now is None else now
        if self.mode == "sync" or (not link.latency_ms and not link.bandwidth
                                   and not link.inflight):
            self._apply(link, change)
            return
        start = max(float(now), link._busy_until)
        sent = start + (change.size * 1000.0 / link.bandwidth if link.bandwidth else 0.0)
        link._busy_until = sent
        link.inflight.append((sent + link.latency_ms, change))
        if sent + link.latency_ms <= now:
            self._deliver(link, now)

    def _apply(self, link: ReplicaLink, change: Change) -> None:
        replica = link.replica
        if change.cmd is not None:
            session = link.session
            session.db = replica.dbs[change.db]
            replica.invoke(session, change.cmd, change.args)
        else:
            dst = replica.dbs[change.db]
            if change.entry is None:
                if dst.data.get(change.key) is not None:
                    dst.delete(change.key)
            else:
                twin = clone_entry(change.entry)
                dst.store(change.key, twin)
                if change.expire is not None:
                    dst.set_expire(change.key, twin, change.expire)
            chained = replica.__dict__.get("invoke")
            if chained is not None and hasattr(chained, "__self__"):
                # The replica is itself a primary (a Global Datastore
                # secondary): pass the effect down its own stream.
                chained.__self__.sync_key(change.db, change.key)
        link.offset = change.end
        link.last_io_ms = replica.now

    def _deliver(self, link: ReplicaLink, until_ms: int) -> None:
        while link.inflight and link.inflight[0][0] <= until_ms:
            _, change = link.inflight.popleft()
            self._apply(link, change)

    def _tick(self, old_ms: int, new_ms: int) -> None:
        for link in list(self.links.values()):
            if link.inflight and link.up:
                self._deliver(link, new_ms)

    def catch_up(self) -> None:
        """Deliver everything in flight now (as if the links had all the time
        they need) — e.g. before a planned switchover."""
        for link in self.links.values():
            if link.up:
                self._deliver(link, float("inf"))

    # -- disconnections and resyncs ---------------------------------------------
    def disconnect(self, replica) -> None:
        """The link breaks: what was in flight is lost; the replica keeps its offset."""
        link = self.links[replica]
        if link.up:
            link.up = False
            link.inflight.clear()
            link._busy_until = 0.0
            link.down_since_ms = self.primary.now

    def reconnect(self, replica) -> str:
        """The link comes back: PSYNC from the replica's offset. Returns
        ``"partial"`` when the backlog still covers the gap, else ``"full"``."""
        link = self.links[replica]
        link.up = True
        link.down_since_ms = None
        link.inflight.clear()
        link._busy_until = 0.0
        if link.offset == self.offset:
            link.partial_syncs += 1
            return "partial"
        first = self.backlog[0].start if self.backlog else self.offset
        if first <= link.offset <= self.offset:
            link.partial_syncs += 1
            for change in list(self.backlog):
                if change.end > link.offset:
                    self._send(link, change)
            return "partial"
        self._full_sync(link)
        return "full"

    def _full_sync(self, link: ReplicaLink) -> None:
        """Replace the replica's data with a copy of the primary's (RDB transfer)."""
        replica = link.replica
        for src, dst in zip(self.primary.dbs, replica.dbs):
            for key in list(dst.data):
                if key not in src.data:
                    dst.delete(key)
            for key in list(src.data):
                copy_key(src, dst, key)
        link.offset = self.offset
        link.inflight.clear()
        link.full_syncs += 1
        link.last_io_ms = self.primary.now
        chained = replica.__dict__.get("invoke")
        if chained is not None and hasattr(chained, "__self__"):
            # The replica feeds replicas of its own (a Global Datastore
            # secondary): they resync from it in turn.
            downstream = chained.__self__
            for sub in downstream.links.values():
                if sub.up:
                    downstream._full_sync(sub)

    # -- WAIT ---------------------------------------------------------------------
    def acked(self, offset: int) -> int:
        """Replicas whose applied offset reached ``offset``."""
        return sum(1 for link in self.links.values() if link.up and link.offset >= offset)

    def wait(self, session, numreplicas: int, timeout_ms: int) -> int:
        """WAIT: how many replicas hold this client's writes. On a virtual
        clock the client *waits* by moving time forward until enough replicas
        have acknowledged, or the timeout passed (timeout 0: as long as a
        delivery is pending; it returns at once when none can arrive)."""
        target = self._woff.get(session.id, 0)
        count = self.acked(target)
        clock = self.primary.clock
        if count >= numreplicas or clock.is_wall:
            return count
        arrivals = sorted(self._arrival_of(link, target) for link in self.links.values()
                          if link.up and link.offset < target)
        arrivals = [t for t in arrivals if t is not None]
        need = numreplicas - count
        now = self.primary.now
        if len(arrivals) >= need:
            when = arrivals[need - 1]
            if not timeout_ms or when <= now + timeout_ms:
                clock.advance_ms(max(0, int(-(-(when - now) // 1))))
                return self.acked(target)
        if timeout_ms:
            clock.advance_ms(timeout_ms)
        elif arrivals:
            clock.advance_ms(max(0, int(-(-(arrivals[-1] - now) // 1))))
        return self.acked(target)

    @staticmethod
    def _arrival_of(link: ReplicaLink, target: int):
        for arrival, change in link.inflight:
            if change.end >= target:
                return arrival
        return None

    # -- what INFO replication and ROLE show ---------------------------------------
    def backlog_first_byte(self) -> int:
        return self.backlog[0].start + 1 if self.backlog else self.offset + 1

    def info_fields(self, node, host: str = "127.0.0.1") -> list:
        """INFO replication's fields for ``node`` (this primary or a replica)."""
        hist = self.histlen
        tail = [("master_failover_state", "no-failover"), ("master_replid", self.replid),
                ("master_replid2", self.replid2)]
        if node is self.primary:
            up = [link for link in self.links.values() if link.up]
            fields = [("role", "master"), ("connected_slaves", len(up))]
            for i, link in enumerate(up):
                lag_s = max(0, (self.primary.now - link.last_io_ms) // 1000)
                fields.append((f"slave{i}", f"ip={host},port={link.replica.port},state=online,"
                                            f"offset={link.offset},lag={lag_s}"))
            return fields + tail + [
                ("master_repl_offset", self.offset), ("second_repl_offset", self.second_offset),
                ("repl_backlog_active", 1), ("repl_backlog_size", self.backlog_size),
                ("repl_backlog_first_byte_offset", self.backlog_first_byte()),
                ("repl_backlog_histlen", hist)]
        link = self.links[node]
        now = node.now
        fields = [("role", "slave"), ("master_host", host), ("master_port", self.primary.port),
                  ("master_link_status", "up" if link.up else "down"),
                  ("master_last_io_seconds_ago",
                   max(0, (now - link.last_io_ms) // 1000) if link.up else -1),
                  ("master_sync_in_progress", 0),
                  ("slave_read_repl_offset", link.offset), ("slave_repl_offset", link.offset)]
        if not link.up:
            fields.append(("master_link_down_since_seconds",
                           max(0, (now - (link.down_since_ms or now)) // 1000)))
        fields += [("slave_priority", 100), ("slave_read_only", 1), ("replica_announced", 1),
                   ("connected_slaves", 0)]
        return fields + tail + [
            ("master_repl_offset", link.offset), ("second_repl_offset", self.second_offset),
            ("repl_backlog_active", 1), ("repl_backlog_size", self.backlog_size),
            ("repl_backlog_first_byte_offset", 1), ("repl_backlog_histlen", link.offset)]

    def role_reply(self, node, host: str = "127.0.0.1") -> list:
        """ROLE: ``[master, offset, [[ip, port, offset], …]]`` or
        ``[slave, ip, port, state, offset]`` (ports and offsets as strings in
        the master's list, as redis-server sends them)."""
        if node is self.primary:
            return [b"master", self.offset,
                    [[host.encode(), str(link.replica.port).encode(), str(link.offset).encode()]
                     for link in self.links.values() if link.up]]
        link = self.links[node]
        return [b"slave", host.encode(), self.primary.port,
                b"connected" if link.up else b"connect", link.offset]

    def describe(self) -> dict:
        """Plain data for labs and plots."""
        return {"primary": self.primary.name, "mode": self.mode, "offset": self.offset,
                "backlog_first_byte": self.backlog_first_byte(), "backlog_histlen": self.histlen,
                "backlog_size": self.backlog_size,
                "links": [link.describe() for link in self.links.values()]}


#: The name the sharding emulator used for this class (kept for old imports).
SyncReplication = Replication


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
