"""Choosing a server for a key: modulo hashing versus the ketama ring.

A memcached cluster is just several independent servers; the *client* decides
which one holds a key. ElastiCache for Memcached works the same way (its
configuration endpoint only tells clients the node list). Two ways to decide:

**Modulo**: ``server = hash(key) % N``. Simple and even — until N changes.
Going from 3 to 4 servers moves a key unless ``h % 3 == h % 4``, which holds
for 3 residues of every 12: **75 % of keys move** to a server that does not
have them, and the cache behaves as if flushed. From 9 to 10: 90 %.

**Consistent hashing (ketama)**, as libmemcached and most clients implement
it: every server is placed on a circle of 32-bit positions at 160 points — 40
MD5 digests of ``"<server>-<k>"`` (k = 0..39), each digest giving 4 points
(its 16 bytes read as four little-endian 32-bit numbers). A key hashes to the
first 4 bytes of MD5(key), little-endian, and belongs to the first server
point at or after it (wrapping round). Adding a server only takes over the
arcs in front of its own points: about **1/(N+1) of the keys move** (3→4:
~25 %, 9→10: ~10 %), all of them *to* the new server.

:func:`moved_fraction` measures it for any two layouts; the lab draws the
ring from :meth:`KetamaRing.points`.
"""
from __future__ import annotations

import hashlib
from bisect import bisect_left
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

KeyLike = Union[bytes, str]

#: Digests per server, and points per digest (libmemcached: 160 points).
DIGESTS_PER_SERVER = 40
POINTS_PER_DIGEST = 4


def _b(value: KeyLike) -> bytes:
    return value.encode() if isinstance(value, str) else bytes(value)


def ketama_hash(key: KeyLike) -> int:
    """The key's position: the first 4 bytes of MD5(key) as a little-endian
    32-bit number (libmemcached's ``hashkit_md5``)."""
    return int.from_bytes(hashlib.md5(_b(key)).digest()[:4], "little")


class KetamaRing:
    """A ketama continuum over ``servers`` (names such as ``"10.0.0.1:11211"``)."""

    def __init__(self, servers: Iterable[str] = ()):
        self._servers: List[str] = []
        self._positions: List[int] = []
        self._owners: List[str] = []
        for s in servers:
            self._servers.append(s)
        self._rebuild()

    @staticmethod
    def server_points(server: str) -> List[int]:
        """The 160 positions of one server on the circle."""
        points = []
        for k in range(DIGESTS_PER_SERVER):
            digest = hashlib.md5(f"{server}-{k}".encode()).digest()
            for a in range(POINTS_PER_DIGEST):
                points.append(int.from_bytes(digest[a * 4:a * 4 + 4], "little"))
        return points

    def _rebuild(self) -> None:
        pairs = sorted((p, s) for s in self._servers for p in self.server_points(s))
        self._positions = [p for p, _ in pairs]
        self._owners = [s for _, s in pairs]

    @property
    def servers(self) -> List[str]:
        return list(self._servers)

    def add(self, server: str) -> None:
        if server in self._servers:
            raise ValueError(f"{server!r} is already on the ring")
        self._servers.append(server)
        self._rebuild()

    def remove(self, server: str) -> None:
        if server not in self._servers:
            raise ValueError(f"{server!r} is not on the ring")
        self._servers.remove(server)
        self._rebuild()

    def server_for(self, key: KeyLike) -> str:
        """The server holding ``key``: the first point at or after its hash."""
        if not self._positions:
            raise LookupError("the ring has no servers: add() one first")
        i = bisect_left(self._positions, ketama_hash(key))
        if i == len(self._positions):
            i = 0
        return self._owners[i]

    def points(self) -> List[Tuple[int, str]]:
        """Every point on the circle as ``(position, server)``, sorted."""
        return list(zip(self._positions, self._owners))

    def share(self) -> Dict[str, float]:
        """Fraction of the circle each server owns (its expected key share)."""
        out = {s: 0.0 for s in self._servers}
        n = len(self._positions)
        for i, owner in enumerate(self._owners):
            prev = self._positions[i - 1] if i else self._positions[-1] - 2**32
            out[owner] += (self._positions[i] - prev) / 2**32
        return out if n else {}

    def __len__(self) -> int:
        return len(self._servers)

    def __repr__(self) -> str:
        return f"KetamaRing({len(self._servers)} servers, {len(self._positions)} points)"


class ModuloRing:
    """``hash(key) % N`` over ``servers``, with the same key hash as ketama."""

    def __init__(self, servers: Iterable[str] = ()):
        self._servers: List[str] = list(servers)

    @property
    def servers(self) -> List[str]:
        return list(self._servers)

    def add(self, server: str) -> None:
        if server in self._servers:
            raise ValueError(f"{server!r} is already in the list")
        self._servers.append(server)

    def remove(self, server: str) -> None:
        self._servers.remove(server)

    def server_for(self, key: KeyLike) -> str:
        if not self._servers:
            raise LookupError("no servers: add() one first")
        return self._servers[ketama_hash(key) % len(self._servers)]

    def __len__(self) -> int:
        return len(self._servers)

    def __repr__(self) -> str:
        return f"ModuloRing({len(self._servers)} servers)"


def server_names(n: int, start: int = 1, port: int = 11211) -> List[str]:
    """``["10.0.0.1:11211", "10.0.0.2:11211", …]`` — names for experiments."""
    return [f"10.0.0.{i}:{port}" for i in range(start, start + n)]


def sample_keys(n: int, prefix: str = "key:") -> List[str]:
    return [f"{prefix}{i}" for i in range(n)]


def moved_fraction(before, after, keys: Sequence[KeyLike]) -> float:
    """Fraction of ``keys`` whose server differs between two layouts."""
    if not keys:
        raise ValueError("need at least one key")
    moved = sum(1 for k in keys if before.server_for(k) != after.server_for(k))
    return moved / len(keys)


def add_node_movement(n: int, keys: Optional[Sequence[KeyLike]] = None,
                      nkeys: int = 100_000) -> Dict[str, float]:
    """Keys moved when a cluster of ``n`` servers grows to ``n + 1``:
    ``{"modulo": 0.75, "ketama": 0.22}`` for n=3 (100k keys)."""
    keys = list(keys) if keys is not None else sample_keys(nkeys)
    names = server_names(n + 1)
    return {
        "modulo": moved_fraction(ModuloRing(names[:n]), ModuloRing(names), keys),
        "ketama": moved_fraction(KetamaRing(names[:n]), KetamaRing(names), keys),
    }
