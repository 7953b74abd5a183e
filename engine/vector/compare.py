"""FLAT vs HNSW side by side: query time, recall@k and work done as the
collection grows, and recall as EF_RUNTIME changes. Used by the lab and by
benchmarks/vector_bench.py.

``visited`` — the share of the collection HNSW computed a distance to — is
the implementation-independent figure: FLAT always visits 100%. Absolute
times compare numpy's vectorised brute force (C speed) with a graph walk in
Python, so in this engine FLAT stays faster than HNSW up to large sizes; in
valkey-search both are C++ and the visited share is what decides.
"""
from __future__ import annotations

import time
from typing import Callable, List, Optional, Sequence

import numpy as np

from .flat import FlatIndex
from .hnsw import HNSWIndex


def timed_queries(index, queries, k: int, **kw):
    """(mean ms per query, results)."""
    started = time.perf_counter()
    results = [index.search(q, k, **kw) for q in queries]
    return (time.perf_counter() - started) / len(queries) * 1000, results


def recall(truth, got) -> float:
    """Share of the true neighbours (``truth``: FLAT's answers) found in ``got``."""
    hits = sum(len({l for _, l in t} & {l for _, l in g}) for t, g in zip(truth, got))
    total = sum(len(t) for t in truth)
    return hits / total if total else 1.0


def grow_and_compare(sizes: Sequence[int], dim: int = 32, n_queries: int = 50, k: int = 10,
                     ef: int = 100, efs: Sequence[int] = (10, 50, 100, 200), m: int = 16,
                     ef_construction: int = 64, metric: str = "L2", seed: int = 0,
                     log: Optional[Callable[[str], None]] = None) -> dict:
    """Grow one FLAT and one HNSW index through ``sizes`` random vectors,
    querying both at each size; then sweep EF_RUNTIME at the last size."""
    rng = np.random.default_rng(seed)
    data = rng.random((max(sizes), dim), dtype=np.float32)
    queries = rng.random((n_queries, dim), dtype=np.float32)
    flat = FlatIndex(dim, metric, initial_cap=max(sizes))
    hnsw = HNSWIndex(dim, metric, M=m, ef_construction=ef_construction, ef_runtime=ef,
                     initial_cap=max(sizes), seed=seed)
    rows: List[dict] = []
    inserted, build_s = 0, 0.0
    truth = []
    for size in sizes:
        started = time.perf_counter()
        for i in range(inserted, size):
            hnsw.add(i, data[i])
        build_s += time.perf_counter() - started
        for i in range(inserted, size):
            flat.add(i, data[i])
        inserted = size
        flat_ms, truth = timed_queries(flat, queries, k)
        hnsw.distance_count = 0
        hnsw_ms, got = timed_queries(hnsw, queries, k, ef=ef)
        row = {"size": size, "flat_ms": flat_ms, "hnsw_ms": hnsw_ms, "speedup": flat_ms / hnsw_ms,
               f"recall@{k}": recall(truth, got), "recall": recall(truth, got),
               "visited": hnsw.distance_count / n_queries / size, "hnsw_build_s_total": build_s}
        rows.append(row)
        if log:
            log(f"{size:>8,}  flat {flat_ms:8.2f} ms  hnsw {hnsw_ms:7.2f} ms  flat/hnsw "
                f"{row['speedup']:6.2f}x  recall@{k} {row['recall']:.3f}  visited "
                f"{row['visited']:.1%}  (build so far {build_s:.0f} s)")
    ef_rows = []
    for e in efs:
        hnsw.distance_count = 0
        ms, got = timed_queries(hnsw, queries, k, ef=e)
        ef_rows.append({"ef_runtime": e, f"recall@{k}": recall(truth, got), "recall": recall(truth, got),
                        "hnsw_ms": ms, "speedup_vs_flat": rows[-1]["flat_ms"] / ms,
                        "visited": hnsw.distance_count / n_queries / sizes[-1]})
        if log:
            r = ef_rows[-1]
            log(f"  EF_RUNTIME {e:>4}  recall@{k} {r['recall']:.3f}  {ms:7.2f} ms  flat/hnsw "
                f"{r['speedup_vs_flat']:6.2f}x  visited {r['visited']:.1%}")
    return {"dim": dim, "metric": metric, "M": m, "ef_construction": ef_construction,
            "ef_runtime": ef, "queries": n_queries, "k": k, "growth": rows, "ef_sweep": ef_rows,
            "layers": hnsw.layer_sizes(),
            "ratios": {"flat_vs_hnsw_at_largest": rows[-1]["speedup"],
                       "flat_growth": rows[-1]["flat_ms"] / rows[0]["flat_ms"],
                       "hnsw_growth": rows[-1]["hnsw_ms"] / rows[0]["hnsw_ms"],
                       "size_growth": sizes[-1] / sizes[0]}}
