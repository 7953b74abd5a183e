"""Session store and shopping cart: hashes with a TTL.

A web session is a small record (user id, name, roles, last page) read on
every request. A hash keeps the fields together under one key, so one HGETALL
reads the whole session and HSET changes one field without rewriting the
others; small hashes are stored as a compact listpack (OBJECT ENCODING shows
it). The key's TTL ends abandoned sessions by itself — no cleanup job.

*Sliding expiration*: every request pushes the deadline back (EXPIRE again),
so a session ends after ``ttl`` seconds of *inactivity*, not ``ttl`` seconds
after login. Reading and extending happen in one MULTI/EXEC round trip.

Cost: HGETALL is O(fields), HSET/HGET O(1); memory is a few bytes per field
in a listpack (up to hash-max-listpack-entries fields, 512 by default).
"""
from __future__ import annotations

import hashlib
from typing import Dict, Optional


class SessionStore:
    """Sessions as ``session:<id>`` hashes that expire after ``ttl`` idle seconds."""

    def __init__(self, client, ttl: int = 1800, prefix: str = "session:"):
        if ttl <= 0:
            raise ValueError("ttl must be a positive number of seconds")
        self.client, self.ttl, self.prefix = client, ttl, prefix
        self._issued = 0

    def key(self, session_id: str) -> str:
        return self.prefix + session_id

    def create(self, user: str, **fields) -> str:
        """Start a session for ``user``; returns its id.

        The id here is derived from a counter for reproducible labs; a real
        application must use an unguessable id (``secrets.token_urlsafe()``).
        """
        self._issued += 1
        session_id = hashlib.sha256(f"{user}:{self._issued}".encode()).hexdigest()[:16]
        mapping = {"user": user, **{k: str(v) for k, v in fields.items()}}
        pipe = self.client.pipeline(transaction=True)
        pipe.hset(self.key(session_id), mapping=mapping)
        pipe.expire(self.key(session_id), self.ttl)
        pipe.execute()
        return session_id

    def get(self, session_id: str, *, slide: bool = True) -> Optional[Dict[str, str]]:
        """The session's fields, or None once it has expired. With ``slide``
        (the default) the idle timer restarts, in the same round trip."""
        key = self.key(session_id)
        pipe = self.client.pipeline(transaction=True)
        pipe.hgetall(key)
        if slide:
            pipe.expire(key, self.ttl)
        fields = pipe.execute()[0]
        return _text(fields) or None

    def update(self, session_id: str, **fields) -> bool:
        """Change some fields; False if the session no longer exists (HSET would
        otherwise quietly create a new session without a TTL)."""
        key = self.key(session_id)
        pipe = self.client.pipeline(transaction=True)
        pipe.exists(key)
        pipe.expire(key, self.ttl)
        exists = pipe.execute()[0]
        if not exists:
            return False
        self.client.hset(key, mapping={k: str(v) for k, v in fields.items()})
        return True

    def ttl_left(self, session_id: str) -> int:
        """Seconds until the session expires (-2 when it is gone)."""
        return self.client.ttl(self.key(session_id))

    def destroy(self, session_id: str) -> bool:
        """Log out: delete the session at once."""
        return bool(self.client.delete(self.key(session_id)))


class Cart:
    """A shopping cart: one hash per user, item id → quantity.

    HINCRBY adds to a quantity atomically, so two tabs adding the same item at
    once cannot lose an update (a read-modify-write in the application could).
    """

    def __init__(self, client, user: str, ttl: int = 7 * 24 * 3600):
        self.client, self.key, self.ttl = client, f"cart:{user}", ttl

    def add(self, item: str, quantity: int = 1) -> int:
        """Add ``quantity`` of ``item``; returns the new quantity."""
        if quantity <= 0:
            raise ValueError("quantity must be positive (use remove() to take items out)")
        pipe = self.client.pipeline(transaction=True)
        pipe.hincrby(self.key, item, quantity)
        pipe.expire(self.key, self.ttl)
        return pipe.execute()[0]

    def remove(self, item: str, quantity: Optional[int] = None) -> int:
        """Take ``quantity`` out (all of it by default); returns what is left."""
        if quantity is None:
            self.client.hdel(self.key, item)
            return 0
        left = self.client.hincrby(self.key, item, -quantity)
        if left <= 0:
            self.client.hdel(self.key, item)
            return 0
        return left

    def items(self) -> Dict[str, int]:
        return {k: int(v) for k, v in _text(self.client.hgetall(self.key)).items()}

    def total(self, prices: Dict[str, float]) -> float:
        """The cart's value, given a price for every item."""
        return round(sum(prices[item] * qty for item, qty in self.items().items()), 2)


def _text(mapping) -> Dict[str, str]:
    """Decode a reply mapping whether the client decodes responses or not."""
    return {(k.decode() if isinstance(k, bytes) else k):
            (v.decode() if isinstance(v, bytes) else v) for k, v in mapping.items()}
