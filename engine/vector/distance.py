"""Distance metrics, as Redis/Valkey vector search defines them.

A KNN query ranks documents by a *distance* — smaller is closer — and the
score a search returns is that distance:

* ``L2``     — the **squared** Euclidean distance ``sum((a - b)**2)``. The square
  root is skipped: it costs time and never changes the ranking.
* ``IP``     — inner product turned into a distance: ``1 - a·b``. Only meaningful
  when the vectors are normalised (then it equals COSINE); otherwise a longer
  vector looks "closer" just for its length.
* ``COSINE`` — ``1 - a·b / (|a| |b|)``: 0 for the same direction, 1 for
  orthogonal, 2 for opposite. Length does not matter. Indexes store COSINE
  vectors normalised once, so a query is an inner product.

Everything is float32, the only ``TYPE`` ElastiCache accepts (FLOAT32).
"""
from __future__ import annotations

import numpy as np

METRICS = ("L2", "IP", "COSINE")


def check_metric(metric: str) -> str:
    metric = metric.upper()
    if metric not in METRICS:
        raise ValueError(f"unknown distance metric {metric!r}: use one of {', '.join(METRICS)}")
    return metric


def normalise(v: np.ndarray) -> np.ndarray:
    """``v / |v|`` row by row (a zero vector stays zero: it is 1 away from everything)."""
    v = np.asarray(v, dtype=np.float32)
    norms = np.linalg.norm(v, axis=-1, keepdims=True)
    return np.divide(v, norms, out=np.zeros_like(v), where=norms > 0)


def prepare(v, metric: str) -> np.ndarray:
    """The form an index stores (and compares a query in): float32, and unit
    length for COSINE."""
    v = np.asarray(v, dtype=np.float32)
    return normalise(v) if metric == "COSINE" else v


def distances(query: np.ndarray, rows: np.ndarray, metric: str) -> np.ndarray:
    """Distances from one prepared ``query`` to each prepared row of ``rows``."""
    if metric == "L2":
        diff = rows - query
        return np.einsum("ij,ij->i", diff, diff)
    return np.float32(1.0) - rows @ query


def exact(query, vectors, metric: str) -> np.ndarray:
    """The textbook formula on raw (unprepared) vectors, in float64 — what
    tests compare the indexes against."""
    q = np.asarray(query, dtype=np.float64)
    x = np.asarray(vectors, dtype=np.float64)
    if metric == "L2":
        return ((x - q) ** 2).sum(axis=1)
    if metric == "IP":
        return 1.0 - x @ q
    norms = np.linalg.norm(x, axis=1) * np.linalg.norm(q)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.where(norms > 0, (x @ q) / np.where(norms > 0, norms, 1), 0.0)
    return 1.0 - cos
