"""What survives a node's loss: snapshots, AOF, and Valkey's Multi-AZ transaction log.

Four ways to keep data beyond one node's memory, each a real mechanism here:

:class:`Snapshot` (RDB-like)
    the whole dataset written to a file at a moment (``save``) and read back
    (``load``) — everything written since the last snapshot is lost.
    :class:`SnapshotSchedule` takes one every ``every_ms`` of virtual time.
:class:`AppendOnlyFile` (AOF)
    every write appended to a file as it happens; ``appendfsync`` decides
    when the bytes are *durable* (forced to disk): ``always`` after every
    write, ``everysec`` once a second, ``no`` when the operating system
    flushes (modelled as every 30 s). A host loss keeps only the durable
    prefix: the file is truncated to it, then replayed. (ElastiCache does not
    offer AOF on Redis 2.8.22+ or Multi-AZ — fact sheet §10 — it is here to
    compare.)
:class:`TransactionLog` (Valkey 9.0+ durability, fact sheet §10)
    a Multi-AZ log outside the nodes. ``sync``: a write is acknowledged only
    once it is in the log (zero loss); ``async``: acknowledged at once and
    logged ``latency_ms`` later — at most 10 s may be lost, and writes are
    refused while the log is more than 10 s behind. On failover the promoted
    replica first replays the log past its own offset.

File formats are the emulator's own (length-prefixed pickles), written and
read for real in the directory you give (a temp dir in tests and labs).
"""
from __future__ import annotations

import os
import pickle
import struct
from collections import deque
from typing import Optional

from ..commands import registry
from ..node.keyspace import Entry
from ..node.node import Node
from .replication import Change, clone_entry

#: "at most 10 s" of loss and the write-refusal threshold of async durability (§10).
ASYNC_MAX_LAG_MS = 10_000
#: appendfsync no: the OS writes dirty pages back about every 30 s (Linux's
#: dirty_expire_centisecs default) — a model parameter, not an AWS figure.
OS_FLUSH_MS = 30_000
APPENDFSYNC = ("always", "everysec", "no")
_LEN = struct.Struct(">I")


# -- records ------------------------------------------------------------------------------

def _record(change: Change) -> tuple:
    if change.cmd is not None:
        return (change.db, "cmd", change.cmd.name, list(change.args))
    if change.entry is None:
        return (change.db, "del", change.key)
    e = change.entry
    return (change.db, "set", change.key, e.type, e.encoding, e.value, change.expire)


def _replay(node, session, record) -> None:
    db_index, kind = record[0], record[1]
    db = node.dbs[db_index]
    if kind == "cmd":
        name, args = record[2], record[3]
        cmd = registry.TABLE.get(name.encode()) or _subcommand(name)
        session.db = db
        # The class's invoke, not the node's replicated one: loading a file
        # is not a new write to send to replicas or to append again.
        Node.invoke(node, session, cmd, args)
    elif kind == "del":
        db.delete(record[2])
    else:
        _, _, key, type_, encoding, value, expire = record
        e = Entry(value, type_, encoding)
        db.store(key, e)
        if expire is not None:
            db.set_expire(key, e, expire)


def _subcommand(name: str):
    parent, sub = name.split("|", 1)
    return registry.TABLE[parent.encode()].subcommands[sub.encode()]


def _write_records(f, records) -> int:
    n = 0
    for rec in records:
        blob = pickle.dumps(rec, protocol=4)
        f.write(_LEN.pack(len(blob)) + blob)
        n += _LEN.size + len(blob)
    return n


def _read_records(path: str):
    with open(path, "rb") as f:
        data = f.read()
    pos = 0
    while pos + _LEN.size <= len(data):
        (size,) = _LEN.unpack_from(data, pos)
        if pos + _LEN.size + size > len(data):
            break        # a torn last record (the crash cut it): ignored, as redis-check-aof would
        yield pickle.loads(data[pos + _LEN.size: pos + _LEN.size + size])
        pos += _LEN.size + size


# -- snapshots ---------------------------------------------------------------------------

class Snapshot:
    """An RDB-like point-in-time copy of a node's data, in one file."""

    @staticmethod
    def save(node, path: str) -> dict:
        """Write every key (value, type, TTL) of every database; returns
        ``{"path", "keys", "bytes", "time_ms"}``."""
        records = []
        for db in node.dbs:
            for key, e in db.data.items():
                records.append((db.index, "set", key, e.type, e.encoding,
                                clone_entry(e).value, e.expire_at))
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            size = _write_records(f, records)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)      # atomic, as Redis renames temp-<pid>.rdb
        return {"path": path, "keys": len(records), "bytes": size, "time_ms": node.now}

    @staticmethod
    def load(node, path: str) -> int:
        """Replace ``node``'s data with the snapshot's; returns the key count."""
        for db in node.dbs:
            for key in list(db.data):
                db.delete(key)
        session = node.open_session(addr="snapshot-load:0", kind="replication")
        count = 0
        try:
            for record in _read_records(path):
                _replay(node, session, record)
                count += 1
        finally:
            node.close_session(session)
        return count


class SnapshotSchedule:
    """Take a snapshot of the shard's primary every ``every_ms`` (virtual time)."""

    def __init__(self, shard, directory: str, every_ms: int = 60_000):
        if every_ms <= 0:
            raise ValueError("every_ms must be > 0")
        self.shard = shard
        self.path = os.path.join(directory, f"{shard.primary.name}.rdb")
        self.every_ms = every_ms
        self.taken = []
        clock = shard.primary.clock
        self._next = clock.now_ms() + every_ms
        clock.on_advance(self._tick)

    def _tick(self, old_ms: int, new_ms: int) -> None:
        if new_ms >= self._next:
            primary = self.shard.primary
            if primary.__dict__.get("execute") is None:      # alive
                self.taken.append(Snapshot.save(primary, self.path))
            self._next = new_ms - (new_ms - self._next) % self.every_ms + self.every_ms

    def restore(self, shard, node) -> bool:
        """A Resilience restore hook: load the last snapshot into ``node``."""
        if shard is not self.shard or not os.path.exists(self.path):
            return False
        Snapshot.load(node, self.path)
        return True


# -- AOF ---------------------------------------------------------------------------------

class AppendOnlyFile:
    """The shard's write stream appended to a file, with an fsync policy."""

    def __init__(self, shard, directory: str, appendfsync: str = "everysec"):
        if appendfsync not in APPENDFSYNC:
            raise ValueError(f"appendfsync must be one of {APPENDFSYNC}, got {appendfsync!r}")
        self.shard = shard
        self.appendfsync = appendfsync
        self.path = os.path.join(directory, f"{shard.id}.aof")
        self._f = open(self.path, "wb")
        self.written = 0      # bytes handed to the OS
        self.durable = 0      # bytes forced to disk (survive a host loss)
        self.clock = shard.primary.clock
        self._last_sync = self.clock.now_ms()
        self.clock.on_advance(self._tick)
        shard.link.observers.append(self.append)

    def append(self, change: Change, now_ms: int) -> None:
        self.written += _write_records(self._f, [_record(change)])
        self._f.flush()
        if self.appendfsync == "always":
            os.fsync(self._f.fileno())
            self.durable = self.written

    def _tick(self, old_ms: int, new_ms: int) -> None:
        period = {"everysec": 1000, "no": OS_FLUSH_MS}.get(self.appendfsync)
        if period and new_ms - self._last_sync >= period:
            if self._f.closed:
                self._last_sync = new_ms
                return
            os.fsync(self._f.fileno())
            self.durable = self.written
            self._last_sync = new_ms - (new_ms - self._last_sync) % period

    def crash(self) -> int:
        """The host is lost: only the durable prefix stays. Returns bytes lost."""
        lost = self.written - self.durable
        self._f.close()
        with open(self.path, "r+b") as f:
            f.truncate(self.durable)
        self.written = self.durable
        return lost

    def on_failure(self, shard, node) -> None:
        """A Resilience failure hook: the primary's host is lost now."""
        if shard is self.shard and node is shard.primary and not self._f.closed:
            self.crash()

    def restore(self, shard, node) -> bool:
        """A Resilience restore hook: truncate to the durable prefix, replay it
        into ``node``, and keep appending the new primary's stream."""
        if shard is not self.shard:
            return False
        if not self._f.closed:
            self.crash()
        session = node.open_session(addr="aof-load:0", kind="replication")
        try:
            for record in _read_records(self.path):
                _replay(node, session, record)
        finally:
            node.close_session(session)
        self._f = open(self.path, "ab")
        return True

    def close(self) -> None:
        if not self._f.closed:
            self._f.close()
        self.clock.remove_ticker(self._tick)


# -- Valkey's Multi-AZ transaction log -----------------------------------------------------

class TransactionLog:
    """A Multi-AZ durability log for one shard (Valkey 9.0+ durability)."""

    def __init__(self, shard, mode: str = "sync", latency_ms: int = 2,
                 max_lag_ms: int = ASYNC_MAX_LAG_MS, keep: int = 200_000):
        if mode not in ("sync", "async"):
            raise ValueError(f"durability mode must be 'sync' or 'async', got {mode!r}")
        self.shard = shard
        self.mode = mode
        self.latency_ms = latency_ms
        self.max_lag_ms = max_lag_ms
        self.entries: deque = deque(maxlen=keep)   # (durable_at_ms, Change)
        self.frozen_at: Optional[int] = None
        self.stalled = False
        shard.link.log = self

    def append(self, change: Change, now_ms: int) -> None:
        if self.frozen_at is not None:
            return
        if self.mode == "sync":
            durable = now_ms                      # acknowledged only once logged
        elif self.stalled:
            durable = float("inf")
        else:
            durable = now_ms + self.latency_ms
        self.entries.append((durable, change))

    def refusal(self, now_ms: int) -> Optional[str]:
        """Async mode refuses writes while the log is more than 10 s behind (§10)."""
        if self.mode != "async":
            return None
        for durable, change in self.entries:
            if durable > now_ms:
                if now_ms - change.ms > self.max_lag_ms:
                    return ("ERR durability log is more than 10 s behind: write refused "
                            "(emulator text)")
                break
        return None

    def freeze(self, at_ms: int) -> None:
        """The primary failed at ``at_ms``: only what was durable then counts."""
        if self.frozen_at is None:
            self.frozen_at = at_ms

    def durable_offset(self) -> int:
        at = self.frozen_at if self.frozen_at is not None else float("inf")
        end = 0
        for durable, change in self.entries:
            if durable <= at:
                end = change.end
            else:
                break
        return end

    def replay(self, replica, link) -> int:
        """Bring the promoted replica up to the log's durable end; returns its offset."""
        at = self.frozen_at if self.frozen_at is not None else float("inf")
        for durable, change in self.entries:
            if durable > at:
                break
            if change.end > link.offset:
                link.repl._apply(link, change)
        return link.offset

    def rebase(self, offset: int) -> None:
        """After a promotion: forget what the new primary does not have."""
        while self.entries and self.entries[-1][1].end > offset:
            self.entries.pop()
        self.frozen_at = None
