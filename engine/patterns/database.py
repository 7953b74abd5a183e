"""The system of record behind the cache: a real SQL database with simulated latency.

A cache only makes sense next to something slower. Here that is SQLite (from
Python's standard library) holding a small shop: ``products`` and ``users``.
The queries are real SQL; only their *duration* is simulated. Each query draws
a cost in milliseconds from a seeded :class:`LatencyModel` and charges it to a
:class:`Meter`. Nothing sleeps, so a run of thousands of requests takes a
fraction of a second and gives the same numbers every time.

Keys name rows the way applications usually name cache keys::

    product:42   ->  SELECT * FROM products WHERE id = 42
    user:7       ->  SELECT * FROM users    WHERE id = 7

and a row travels as canonical JSON text (sorted keys, no spaces), so a cached
copy and the database row can be compared with ``==``.

The latency numbers are modelling assumptions, not measurements of any AWS
service: a primary-key read costs about 15-20 ms with a slow tail, a write a
little more. Change them to see how the patterns respond.
"""
from __future__ import annotations

import json
import math
import random
import sqlite3
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

__all__ = ["LatencyModel", "Meter", "CatalogDatabase"]

_ADJECTIVES = ["Blue", "Quiet", "Rapid", "Golden", "Tiny", "Solid", "Bright", "Lucky",
               "Silver", "Brave", "Calm", "Crisp"]
_NOUNS = ["Kettle", "Lamp", "Backpack", "Mug", "Notebook", "Speaker", "Chair", "Bottle",
          "Jacket", "Clock", "Pillow", "Scarf"]
_CATEGORIES = ["kitchen", "office", "outdoor", "home", "audio"]
_FIRST = ["Ana", "Bo", "Chen", "Dara", "Eli", "Femi", "Gus", "Hana", "Ivo", "Jo"]
_PLANS = ["free", "free", "pro", "team"]

#: column names per table, in schema order (the id is the key's number)
_TABLES: Dict[str, Tuple[str, ...]] = {
    "product": ("id", "name", "category", "price_cents", "stock"),
    "user": ("id", "name", "plan", "visits"),
}


@dataclass(frozen=True)
class LatencyModel:
    """How long a database query takes, in simulated milliseconds.

    cost = base + an exponential extra with mean ``jitter_ms``; and with
    probability ``slow_rate`` the query also takes the *slow path*
    (``slow_ms`` more: a lock wait, a cold page, a busy disk). The slow path is
    what makes p99 latency so much worse than p50 — the same shape real
    databases show.
    """

    read_ms: float = 15.0
    write_ms: float = 25.0
    jitter_ms: float = 5.0
    slow_rate: float = 0.02
    slow_ms: float = 80.0

    def cost(self, kind: str, rng: random.Random) -> float:
        """One query's duration; ``kind`` is "read" or "write"."""
        if kind not in ("read", "write"):
            raise ValueError(f"kind must be 'read' or 'write', not {kind!r}")
        base = self.read_ms if kind == "read" else self.write_ms
        extra = -self.jitter_ms * math.log(1.0 - rng.random()) if self.jitter_ms else 0.0
        if self.slow_rate and rng.random() < self.slow_rate:
            extra += self.slow_ms
        return round(base + extra, 3)

    def sample(self, kind: str = "read", n: int = 1000, seed: int = 0) -> List[float]:
        """``n`` query costs from a fresh generator seeded with ``seed`` (for
        looking at the distribution; the database keeps its own generator)."""
        rng = random.Random(seed)
        return [self.cost(kind, rng) for _ in range(n)]


class Meter:
    """Simulated time spent, in milliseconds.

    The database and the cache client charge every query or round trip here;
    a caller reads ``ms`` before and after a request to know what that request
    cost. It is a counter, not a clock: requests from different users overlap
    in time, their costs simply add up per request.
    """

    def __init__(self) -> None:
        self.ms = 0.0

    def charge(self, ms: float) -> None:
        self.ms += ms

    def __repr__(self) -> str:
        return f"Meter(ms={self.ms:.1f})"


class CatalogDatabase:
    """A SQLite catalogue (``products``, ``users``) with simulated query latency.

    ``path`` is ``":memory:"`` (the default) or a file name; the tables are
    (re)created and filled from ``seed``, so the same arguments always give the
    same rows. Every :meth:`read` and :meth:`write` is counted (``reads``,
    ``writes``) and its simulated cost is charged to ``meter`` and added to
    ``busy_ms``. :meth:`peek` reads without cost or counting: it is how an
    experiment checks the truth without disturbing what it measures.
    """

    def __init__(self, path: str = ":memory:", *, products: int = 1000, users: int = 200,
                 latency: Optional[LatencyModel] = None, seed: int = 0,
                 meter: Optional[Meter] = None):
        if products < 1 or users < 0:
            raise ValueError("a catalogue needs at least one product and users >= 0")
        self.path = path
        self.n_products = products
        self.n_users = users
        self.latency = latency if latency is not None else LatencyModel()
        self.seed = seed
        self.meter = meter if meter is not None else Meter()
        self.conn = sqlite3.connect(path)
        self.reset()

    # -- setup ---------------------------------------------------------------
    def reset(self) -> None:
        """Restore the seeded catalogue and zero the counters (a fresh start)."""
        rng = random.Random(self.seed)
        c = self.conn
        c.execute("DROP TABLE IF EXISTS products")
        c.execute("DROP TABLE IF EXISTS users")
        c.execute("CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, category TEXT, "
                  "price_cents INTEGER, stock INTEGER)")
        c.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, plan TEXT, "
                  "visits INTEGER)")
        c.executemany("INSERT INTO products VALUES (?, ?, ?, ?, ?)", [
            (i, f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}", rng.choice(_CATEGORIES),
             rng.randrange(199, 20000), rng.randrange(0, 500))
            for i in range(self.n_products)])
        c.executemany("INSERT INTO users VALUES (?, ?, ?, ?)", [
            (i, f"{rng.choice(_FIRST)} {i}", rng.choice(_PLANS), rng.randrange(0, 1000))
            for i in range(self.n_users)])
        c.commit()
        self.rng = random.Random(self.seed + 1)   # the latency draws
        self.reads = 0
        self.writes = 0
        self.busy_ms = 0.0

    # -- queries ---------------------------------------------------------------
    def read(self, key: str) -> Optional[str]:
        """``SELECT`` the row named by ``key`` as JSON text (None if there is no
        such row). Costs one simulated read."""
        self._charge("read")
        self.reads += 1
        return self.peek(key)

    def write(self, key: str, value: str) -> None:
        """``UPDATE`` the row named by ``key`` from JSON text (as :meth:`read`
        returns it). Costs one simulated write."""
        table, row_id = self._parse(key)
        try:
            row = json.loads(value)
        except (TypeError, ValueError):
            raise ValueError(f"write({key!r}, ...) needs the row as JSON text, "
                             f"like read() returns; got {value!r:.60}") from None
        columns = [col for col in _TABLES[table] if col != "id" and col in row]
        if not columns:
            raise ValueError(f"write({key!r}, ...): the JSON has none of the columns "
                             f"{', '.join(_TABLES[table][1:])}")
        self._charge("write")
        self.writes += 1
        sets = ", ".join(f"{col} = ?" for col in columns)
        self.conn.execute(f"UPDATE {table}s SET {sets} WHERE id = ?",
                          [row[col] for col in columns] + [row_id])
        self.conn.commit()

    def peek(self, key: str) -> Optional[str]:
        """The current row as JSON text, free of charge and not counted."""
        table, row_id = self._parse(key)
        cols = _TABLES[table]
        row = self.conn.execute(f"SELECT {', '.join(cols)} FROM {table}s WHERE id = ?",
                                (row_id,)).fetchone()
        if row is None:
            return None
        return json.dumps(dict(zip(cols, row)), sort_keys=True, separators=(",", ":"))

    def modified(self, key: str, **changes) -> str:
        """The row as JSON text with some columns changed — the value an
        application would write (``db.modified("product:7", price_cents=999)``).
        Free, and changes nothing until it is passed to :meth:`write`."""
        current = self.peek(key)
        if current is None:
            raise KeyError(f"no row for {key!r}")
        table, _ = self._parse(key)
        unknown = [col for col in changes if col not in _TABLES[table] or col == "id"]
        if unknown:
            raise ValueError(f"{table} has no column(s) {unknown}; it has "
                             f"{', '.join(_TABLES[table][1:])}")
        row = {**json.loads(current), **changes}
        return json.dumps(row, sort_keys=True, separators=(",", ":"))

    def keys(self, table: str = "product") -> List[str]:
        """Every key of one table, e.g. ``["product:0", "product:1", ...]``."""
        if table not in _TABLES:
            raise ValueError(f"unknown table {table!r}: use one of {', '.join(_TABLES)}")
        count = self.n_products if table == "product" else self.n_users
        return [f"{table}:{i}" for i in range(count)]

    @property
    def queries(self) -> int:
        """Reads plus writes so far."""
        return self.reads + self.writes

    # -- helpers ---------------------------------------------------------------
    def _charge(self, kind: str) -> None:
        ms = self.latency.cost(kind, self.rng)
        self.busy_ms += ms
        self.meter.charge(ms)

    @staticmethod
    def _parse(key) -> Tuple[str, int]:
        if isinstance(key, bytes):
            key = key.decode()
        table, _, number = str(key).partition(":")
        if table not in _TABLES or not number.isdigit():
            raise ValueError(f"{key!r} does not name a row: keys look like 'product:42' "
                             f"or 'user:7'")
        return table, int(number)

    def __repr__(self) -> str:
        return (f"CatalogDatabase({self.path!r}, products={self.n_products}, "
                f"users={self.n_users}, reads={self.reads}, writes={self.writes})")
