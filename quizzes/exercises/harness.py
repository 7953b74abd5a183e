"""The sandbox every check runs in: a fresh engine node, a client, a counting database.

Nothing here knows about any one exercise. A check builds a :class:`Sandbox`, calls the
learner's function through :meth:`Sandbox.call` (which turns any exception the learner's
code raises into a readable :class:`CheckFailed`, without a traceback into the checker),
and inspects the engine: keys, TTLs, INFO counters.
"""
from __future__ import annotations

import json
import random


class CheckFailed(AssertionError):
    """A check did not pass; the message says what was expected and what happened."""


class DatabaseError(RuntimeError):
    """What the stub database raises when told to fail a write."""


class CountingDatabase:
    """The "database" behind the cache: products as JSON text, every call counted.

    ``get_product(product_id)`` returns the product as a JSON string (or None);
    ``save_product(product_id, product)`` stores a dict. ``reads`` and ``writes`` count
    calls; ``fail_writes = True`` makes ``save_product`` raise :class:`DatabaseError`;
    ``log`` keeps (call, product_id, what the cache held at that moment).
    """

    def __init__(self, client=None):
        self.rows = {i: {"id": i, "name": f"product {i}", "price": 10 + i} for i in range(1, 200)}
        self.reads = self.writes = 0
        self.fail_writes = False
        self.log = []
        self._client = client

    def _cache_state(self, product_id):
        return self._client.get(f"product:{product_id}") if self._client else None

    def get_product(self, product_id):
        self.reads += 1
        self.log.append(("get_product", product_id, self._cache_state(product_id)))
        row = self.rows.get(int(product_id))
        return json.dumps(row, sort_keys=True) if row else None

    def save_product(self, product_id, product):
        self.writes += 1
        self.log.append(("save_product", product_id, self._cache_state(product_id)))
        if self.fail_writes:
            raise DatabaseError("the database is unavailable (simulated)")
        self.rows[int(product_id)] = dict(product)


class Sandbox:
    """A new node on a virtual clock, a decoded redis-py client, a counting database."""

    def __init__(self, seed: int = 0):
        import engine   # on demand: `import quizzes` stays light
        self.node = engine.Node(seed=seed)
        self.clock = self.node.clock
        self.r = engine.connect(self.node, decode_responses=True)
        self.db = CountingDatabase(engine.connect(self.node, decode_responses=True))
        outer = random.getstate()
        random.seed(seed)   # jitter drawn with `random` is the same on every run
        self._rng_state = random.getstate()
        random.setstate(outer)

    def call(self, fn, *args, allow=()):
        """Call the learner's ``fn``; an exception becomes a CheckFailed that names it
        (exceptions in ``allow`` are re-raised for the check to judge)."""
        outer = random.getstate()
        random.setstate(self._rng_state)
        try:
            return fn(*args)
        except allow:
            raise
        except CheckFailed:
            raise
        except Exception as exc:  # the learner's bug, reported in one line
            raise CheckFailed(f"your function raised {type(exc).__name__}: {exc}") from None
        finally:
            self._rng_state = random.getstate()
            random.setstate(outer)

    def stats(self) -> dict:
        return self.r.info("stats")

    def keys(self):
        return sorted(self.r.scan_iter(count=1000))


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)
