"""A game leaderboard: a sorted set, member = player, score = points.

A sorted set keeps its members ordered by score at all times (a skip list
plus a hash table once it outgrows the compact listpack), so the questions a
leaderboard asks are cheap without ever sorting:

* add points — ZINCRBY, O(log N);
* top N — ZRANGE … REV, O(log N + N);
* a player's rank — ZREVRANK, O(log N), even among millions of players;
* the players around someone — a rank, then a range around it.

A relational database answers "what is my rank?" with a COUNT over every
higher score, which grows with the table; that is why leaderboards are the
classic sorted-set use case.
"""
from __future__ import annotations

from typing import List, Optional, Tuple


class Leaderboard:
    def __init__(self, client, key: str = "leaderboard"):
        self.client, self.key = client, key

    def add(self, player: str, points: float) -> float:
        """Add ``points`` to ``player`` (created at 0); returns the new score."""
        return float(self.client.zincrby(self.key, points, player))

    def top(self, n: int = 10) -> List[Tuple[str, float]]:
        """The ``n`` best players, best first, with their scores."""
        if n <= 0:
            return []
        rows = self.client.zrange(self.key, 0, n - 1, desc=True, withscores=True)
        return [(_s(m), float(s)) for m, s in rows]

    def rank(self, player: str) -> Optional[int]:
        """1-based rank (1 = best), or None for a player with no score."""
        r = self.client.zrevrank(self.key, player)
        return None if r is None else r + 1

    def score(self, player: str) -> Optional[float]:
        s = self.client.zscore(self.key, player)
        return None if s is None else float(s)

    def around(self, player: str, k: int = 2) -> List[Tuple[int, str, float]]:
        """(rank, player, score) for ``player`` and ``k`` neighbours each side."""
        r = self.client.zrevrank(self.key, player)
        if r is None:
            return []
        start = max(0, r - k)
        rows = self.client.zrange(self.key, start, r + k, desc=True, withscores=True)
        return [(start + i + 1, _s(m), float(s)) for i, (m, s) in enumerate(rows)]

    def size(self) -> int:
        return self.client.zcard(self.key)


def _s(value) -> str:
    return value.decode() if isinstance(value, bytes) else value
