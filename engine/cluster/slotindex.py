"""Which keys of a node live in which slot (CLUSTER GETKEYSINSLOT, resharding).

Redis in cluster mode keeps a per-slot list of keys beside the keyspace so
that GETKEYSINSLOT and COUNTKEYSINSLOT are cheap. The engine's keyspace does
not know about slots, so this index is built from the keyspace when asked
(one pass, a CRC per key) and remembered while the database's ``version``
(bumped whenever a key is added or removed) stays the same. Resharding moves
keys itself, so it updates the index as it goes instead of invalidating it:
a migration of a slot costs the keys it moves, not a scan per batch.
"""
from __future__ import annotations

from typing import Dict, List

from .slots import key_slot


class SlotIndex:
    """slot -> keys (insertion-ordered) of one database, kept in step with it."""

    def __init__(self, db):
        self.db = db
        self.version = -1
        self.by_slot: Dict[int, Dict[bytes, None]] = {}

    def fresh(self) -> "SlotIndex":
        """The index, rebuilt first if the database changed behind our back."""
        if self.version != self.db.version:
            by_slot: Dict[int, Dict[bytes, None]] = {}
            for key in self.db.data:
                by_slot.setdefault(key_slot(key), {})[key] = None
            self.by_slot = by_slot
            self.version = self.db.version
        return self

    def keys(self, slot: int, count: int = -1) -> List[bytes]:
        """Up to ``count`` keys of ``slot``, newest first (Redis 7.0 links a
        new key at the head of its slot's list)."""
        keys = self.fresh().by_slot.get(slot, {})
        if count < 0 or count >= len(keys):
            return list(reversed(keys))
        out = []
        for key in reversed(keys):
            if len(out) == count:
                break
            out.append(key)
        return out

    def count(self, slot: int) -> int:
        return len(self.fresh().by_slot.get(slot, ()))

    def counts(self) -> Dict[int, int]:
        return {slot: len(keys) for slot, keys in self.fresh().by_slot.items() if keys}

    # -- updates made by the caller itself (keep the index valid) --------------
    def removed(self, key: bytes, was_fresh: bool) -> None:
        """``key`` was just deleted by us; ``was_fresh`` = index valid before."""
        if was_fresh:
            keys = self.by_slot.get(key_slot(key))
            if keys is not None:
                keys.pop(key, None)
            self.version = self.db.version

    def added(self, key: bytes, was_fresh: bool) -> None:
        if was_fresh:
            self.by_slot.setdefault(key_slot(key), {})[key] = None
            self.version = self.db.version

    def is_fresh(self) -> bool:
        return self.version == self.db.version
