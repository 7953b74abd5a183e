"""FLAT: the exact (brute-force) vector index.

Every query compares the query vector with *every* stored vector and keeps the
k smallest distances. That is O(N·d) per query — 100,000 vectors of 128
dimensions is 12.8 million multiply-adds — but the answer is exact, and with
numpy the work runs as one vectorised pass over a contiguous float32 matrix.
Use FLAT for small collections or when recall must be 100%; above some tens
of thousands of vectors HNSW answers much faster at a small recall cost.

Storage is a matrix that doubles when full (``INITIAL_CAP`` sets its first
size, as in ElastiCache). A removed vector's row is filled by the last row,
so the matrix stays dense.
"""
from __future__ import annotations

from typing import Dict, Hashable, Iterable, List, Optional, Tuple

import numpy as np

from .distance import check_metric, distances, prepare


#: INITIAL_CAP is a hint: at most this many bytes are reserved up front (the
#: matrix doubles when it fills), so a huge INITIAL_CAP cannot exhaust memory.
PREALLOCATE_LIMIT = 64 * 1024 * 1024


def preallocated_rows(initial_cap: int, dim: int) -> int:
    return max(1, min(initial_cap, PREALLOCATE_LIMIT // (4 * dim)))


class FlatIndex:
    """Exact KNN over labelled vectors (labels: any hashable, e.g. key names)."""

    algorithm = "FLAT"

    def __init__(self, dim: int, metric: str = "L2", initial_cap: int = 1024):
        if dim < 1:
            raise ValueError("dim must be at least 1")
        self.dim = dim
        self.metric = check_metric(metric)
        self._data = np.zeros((preallocated_rows(initial_cap, dim), dim), dtype=np.float32)
        self._labels: List[Hashable] = []
        self._row: Dict[Hashable, int] = {}

    def __len__(self) -> int:
        return len(self._labels)

    def __contains__(self, label) -> bool:
        return label in self._row

    @property
    def capacity(self) -> int:
        return self._data.shape[0]

    def add(self, label: Hashable, vector) -> None:
        """Insert or replace the vector stored under ``label``."""
        v = prepare(vector, self.metric).reshape(-1)
        if v.shape[0] != self.dim:
            raise ValueError(f"vector has {v.shape[0]} dimensions, index expects {self.dim}")
        row = self._row.get(label)
        if row is None:
            row = len(self._labels)
            if row == self._data.shape[0]:
                grown = np.zeros((row * 2, self.dim), dtype=np.float32)
                grown[:row] = self._data
                self._data = grown
            self._labels.append(label)
            self._row[label] = row
        self._data[row] = v

    def remove(self, label: Hashable) -> bool:
        row = self._row.pop(label, None)
        if row is None:
            return False
        last = len(self._labels) - 1
        if row != last:
            moved = self._labels[last]
            self._labels[row] = moved
            self._row[moved] = row
            self._data[row] = self._data[last]
        self._labels.pop()
        return True

    def clear(self) -> None:
        self._labels.clear()
        self._row.clear()

    def search(self, query, k: int, allowed: Optional[Iterable[Hashable]] = None,
               **_ignored) -> List[Tuple[float, Hashable]]:
        """The ``k`` nearest labels as ``(distance, label)``, nearest first.
        ``allowed`` restricts the search to those labels (a pre-filter)."""
        n = len(self._labels)
        if k <= 0 or n == 0:
            return []
        q = prepare(query, self.metric).reshape(-1)
        if allowed is None:
            rows = None
            d = distances(q, self._data[:n], self.metric)
        else:
            rows = np.fromiter((self._row[a] for a in allowed if a in self._row), dtype=np.int64)
            if rows.size == 0:
                return []
            d = distances(q, self._data[rows], self.metric)
        k = min(k, d.shape[0])
        top = np.argpartition(d, k - 1)[:k] if k < d.shape[0] else np.arange(d.shape[0])
        # Ties are broken by label so that the answer does not depend on storage order.
        order = sorted(top.tolist(), key=lambda i: (float(d[i]), str(self._label_at(rows, i))))
        return [(float(d[i]), self._label_at(rows, i)) for i in order]

    def _label_at(self, rows, i: int):
        return self._labels[i if rows is None else int(rows[i])]

    def vector(self, label) -> np.ndarray:
        return self._data[self._row[label]].copy()

    def memory_bytes(self) -> int:
        """The vector matrix (allocated capacity) — the bulk of a FLAT index."""
        return self._data.nbytes

    def info(self) -> dict:
        return {"algorithm": "FLAT", "dim": self.dim, "metric": self.metric,
                "size": len(self), "capacity": self.capacity}
