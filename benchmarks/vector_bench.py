"""Vector search: FLAT vs HNSW query time as the collection grows, and HNSW
recall as EF_RUNTIME changes (issue #10). Speed is reported as ratios from
one run, never asserted.

One HNSW index and one FLAT index grow together (10k → 20k → 50k → 100k random
vectors); at each size the same queries run against both:

* ``flat_ms`` / ``hnsw_ms``  mean query time; ``speedup`` = flat / hnsw
* ``recall@10``              share of FLAT's exact top 10 that HNSW returned
* ``visited``                share of the collection HNSW compared with

then, at the largest size, recall and time for EF_RUNTIME 10 … 400.

    python benchmarks/vector_bench.py            # full run: 10k → 100k, 64-d (~15 min)
    python benchmarks/vector_bench.py --quick    # smoke run (seconds)
    python benchmarks/vector_bench.py --dim 128 --json out.json

The default dimension is 64 to keep the pure-Python HNSW build of 100k vectors
within minutes (insertion is the slow part: ~3-5 ms per vector); pass
``--dim 128`` for the issue's 128-d shape. Uniform random vectors are the hard
case for graph indexes (no clusters), so recall here is a floor, not a
typical figure.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine.vector.compare import grow_and_compare  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    parser.add_argument("--dim", type=int, default=None)
    parser.add_argument("--queries", type=int, default=None)
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    if args.quick:
        sizes, dim, nq, efs = [500, 1000, 2000], args.dim or 16, args.queries or 20, [10, 50, 200]
    else:
        sizes, dim, nq = [10_000, 20_000, 50_000, 100_000], args.dim or 64, args.queries or 100
        efs = [10, 25, 50, 100, 200, 400]
    print(f"FLAT vs HNSW, L2, {dim}-d uniform random vectors, {nq} queries, "
          f"HNSW M=16 EF_CONSTRUCTION=64 EF_RUNTIME=100")
    report = grow_and_compare(sizes, dim, nq, k=10, ef=100, efs=efs, m=16, ef_construction=64,
                              log=print)
    r = report["ratios"]
    print(f"collection x{r['size_growth']:.0f}: FLAT query time x{r['flat_growth']:.1f}, "
          f"HNSW query time x{r['hnsw_growth']:.1f}; at the largest size FLAT/HNSW = "
          f"{r['flat_vs_hnsw_at_largest']:.2f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
