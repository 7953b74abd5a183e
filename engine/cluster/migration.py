"""Moving slots between shards while clients keep working (online resharding).

A slot moves the way ``redis-cli --cluster reshard`` (and ElastiCache's online
resharding) moves it, in four steps:

1. the target primary marks the slot IMPORTING from the source;
2. the source primary marks it MIGRATING to the target;
3. keys move in small batches (``MIGRATE … KEYS k1 k2 …``): each key is copied
   to the target and deleted from the source atomically;
4. every node learns the new owner (``CLUSTER SETSLOT <slot> NODE <target>``).

Between 2 and 4 the slot is *split*: some keys are already on the target.
The source still serves the keys it has; for a key it no longer has it
answers ``ASK <slot> <target>``, and the client retries that one command on
the target after sending ASKING. Nothing is lost and nothing is served twice,
which is why clients see no error during resharding — only extra round trips.

:class:`SlotMigration` exposes the steps one by one so a lab can stop in the
middle and show the ASK redirections.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Callable, Dict, Iterator, List, Optional, Tuple

from .replication import copy_key
from .slots import key_slot

if TYPE_CHECKING:  # pragma: no cover
    from .member import ClusterMember
    from .topology import Cluster, Shard

Progress = Optional[Callable[[int, int], None]]


class MigrateError(Exception):
    """A key could not be moved; ``message`` is Redis's MIGRATE error text."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def move_keys(source: "ClusterMember", target: "ClusterMember", keys, *,
              copy: bool = False, replace: bool = False) -> int:
    """What MIGRATE does between two nodes of the same emulated cluster:
    copy each existing key (value and TTL) to ``target``'s database 0 and,
    unless ``copy``, delete it from ``source``; both shards' replicas follow.
    Returns how many keys existed. Raises :class:`MigrateError` with
    MIGRATE's text when the target refuses (key exists, slot not served)."""
    src = source.node.dbs[0]
    dst = target.node.dbs[0]
    present = []
    for key in keys:
        if src.find(key) is not None and key not in present:
            present.append(key)
    if not present:
        return 0
    # The target runs RESTORE-ASKING: it refuses keys of a slot it neither
    # owns nor imports (MOVED), and existing keys unless REPLACE (BUSYKEY).
    for key in present:
        slot = key_slot(key)
        owner = target.cluster.slot_table[slot]
        if owner is not target.shard and slot not in target.importing:
            where = "CLUSTERDOWN Hash slot not served" if owner is None else \
                f"MOVED {slot} {owner.primary.cluster.endpoint}"
            raise MigrateError(f"ERR Target instance replied with error: {where}")
        if not replace and dst.find(key) is not None:
            raise MigrateError("ERR Target instance replied with error: "
                               "BUSYKEY Target key name already exists.")
    src_index, dst_index = source.slot_index, target.slot_index
    for key in present:
        was_fresh = dst_index.is_fresh()
        copy_key(src, dst, key)
        dst_index.added(key, was_fresh)
        target.shard.link.sync_key(0, key)
        if not copy:
            was_fresh = src_index.is_fresh()
            src.delete(key)
            src_index.removed(key, was_fresh)
            source.shard.link.sync_key(0, key)
    return len(present)


class SlotMigration:
    """One slot on its way from its owner to ``target`` (see module doc).

    ``start()`` opens the slot (IMPORTING/MIGRATING), ``step()`` moves one
    batch of keys, ``finish()`` hands the slot over; ``run()`` does all of it.
    Iterating yields ``(keys_moved, keys_total)`` after each batch.
    """

    def __init__(self, cluster: "Cluster", slot: int, target: "Shard", batch: int = 10):
        if not 0 <= slot < len(cluster.slot_table):
            raise ValueError(f"slot must be 0..16383, got {slot}")
        if batch < 1:
            raise ValueError("batch must be at least 1 key")
        source = cluster.slot_table[slot]
        if source is None:
            raise ValueError(f"slot {slot} has no owner; assign it instead of migrating")
        self.cluster = cluster
        self.slot = slot
        self.source: "Shard" = source
        self.target: "Shard" = target
        self.batch = batch
        self.moved = 0
        self.total = 0
        self.started = False
        self.done = source is target

    def start(self) -> "SlotMigration":
        """CLUSTER SETSLOT IMPORTING on the target, MIGRATING on the source."""
        if self.started or self.done:
            return self
        with self.cluster.lock:
            src, dst = self.source.primary.cluster, self.target.primary.cluster
            dst.importing[self.slot] = src
            src.migrating[self.slot] = dst
            self.total = src.slot_index.count(self.slot)
            self.started = True
        return self

    def step(self, keys: Optional[int] = None) -> int:
        """Move the next batch (``keys`` of them, default ``batch``); returns
        how many moved. When none are left, finishes the migration."""
        if self.done:
            return 0
        self.start()
        with self.cluster.lock:
            src, dst = self.source.primary.cluster, self.target.primary.cluster
            batch = src.slot_index.keys(self.slot, keys or self.batch)
            if not batch:
                self.finish()
                return 0
            moved = move_keys(src, dst, batch, replace=True)
            self.moved += moved
            if self.moved > self.total:
                self.total = self.moved
            return moved

    def finish(self) -> None:
        """CLUSTER SETSLOT <slot> NODE <target> everywhere: the slot is the
        target's, and the open MIGRATING/IMPORTING states are closed."""
        if self.done:
            return
        with self.cluster.lock:
            src, dst = self.source.primary.cluster, self.target.primary.cluster
            left = src.slot_index.keys(self.slot)
            if left:  # keys still here (a step was skipped): move them first
                self.moved += move_keys(src, dst, left, replace=True)
            self.cluster.assign_slot(self.slot, self.target)
            self.done = True

    def run(self, progress: Progress = None) -> "SlotMigration":
        for moved, total in self:
            if progress is not None:
                progress(moved, total)
        return self

    def __iter__(self) -> Iterator[Tuple[int, int]]:
        self.start()
        while not self.done:
            self.step()
            # Between batches other clients get their turn (a real migration
            # is paced by network round trips): this is when they meet ASK.
            time.sleep(0)
            yield self.moved, self.total

    def __repr__(self) -> str:
        state = "done" if self.done else ("migrating" if self.started else "planned")
        return (f"SlotMigration(slot={self.slot}, {self.source.id}->{self.target.id}, "
                f"{self.moved}/{self.total} keys, {state})")


def plan_even(shards: List["Shard"], slot_table) -> List[Tuple[int, "Shard"]]:
    """The (slot, target) moves that leave every shard with 16384/N slots
    (±1), moving as few slots as possible: over-full shards give away their
    highest slots, under-full shards (in order) receive them."""
    n = len(shards)
    total = len(slot_table)
    owned: Dict["Shard", List[int]] = {s: [] for s in shards}
    for slot, owner in enumerate(slot_table):
        if owner in owned:
            owned[owner].append(slot)
    want = {s: total // n + (1 if i < total % n else 0) for i, s in enumerate(shards)}
    # Give the +1 slots to the shards that already hold the most, to move less.
    order = sorted(shards, key=lambda s: -len(owned[s]))
    extra = total % n
    for i, s in enumerate(order):
        want[s] = total // n + (1 if i < extra else 0)
    spare: List[int] = []
    for s in shards:
        surplus = len(owned[s]) - want[s]
        if surplus > 0:
            spare.extend(owned[s][-surplus:])
    # Unowned slots (after DELSLOTS) are not moved here: assign them first.
    moves = []
    spare.sort()
    for s in shards:
        need = want[s] - len(owned[s])
        while need > 0 and spare:
            moves.append((spare.pop(0), s))
            need -= 1
    return moves
