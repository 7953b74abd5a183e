"""How big an emulated cluster can one Python process hold? (not a timed test)

The full run builds ElastiCache's largest cluster-mode layout — 500 shards of
1 primary + 5 replicas = 3,000 nodes — loads 1,000,000 keys (each key on its
primary and its 5 replicas, value bytes shared), then scales out by 50 shards
and rebalances to completion, key by key. It prints build time, peak RSS,
the rebalance time, and how time grows with shards and keys over three sizes.

    python benchmarks/cluster_scale.py            # the full run (minutes, ~GBs)
    python benchmarks/cluster_scale.py --quick    # a smoke run (seconds)
    python benchmarks/cluster_scale.py --json     # figures as JSON on the last line

Goals from issue #5: build < 60 s and peak RSS < 2 GB for the full size.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine.cluster import Cluster  # noqa: E402


def peak_rss_mb() -> float:
    """Peak resident set size of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(shards: int, replicas: int, keys: int):
    gc.collect()
    started = time.perf_counter()
    cluster = Cluster(shards=shards, replicas=replicas, name="scale")
    built = time.perf_counter()
    cluster.populate(keys)
    loaded = time.perf_counter()
    return cluster, built - started, loaded - built


def scale_out(cluster: Cluster, add: int):
    started = time.perf_counter()
    cluster.add_shards(add)
    report = cluster.rebalance()
    return time.perf_counter() - started, report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    parser.add_argument("--json", action="store_true", help="print figures as JSON too")
    args = parser.parse_args(argv)
    if args.quick:
        big = dict(shards=20, replicas=5, keys=20_000, add=2)
        sizes = [(5, 5_000), (10, 10_000), (20, 20_000)]
    else:
        big = dict(shards=500, replicas=5, keys=1_000_000, add=50)
        sizes = [(50, 100_000), (150, 300_000), (500, 1_000_000)]
    figures = {"mode": "quick" if args.quick else "full"}

    # 1. growth table first (smaller clusters, freed after each row)
    rows = []
    for shards, keys in sizes:
        cluster, t_nodes, t_keys = build(shards, 1, keys)
        t_rebalance, report = scale_out(cluster, max(1, shards // 10))
        rows.append({"shards": shards, "nodes": len(cluster.nodes), "keys": keys,
                     "build_s": round(t_nodes, 3), "load_s": round(t_keys, 3),
                     "rebalance_s": round(t_rebalance, 3),
                     "moved_keys": report["moved_keys"]})
        del cluster
        gc.collect()
    figures["growth"] = rows
    print("Growth (1 replica per shard; scale out by 10% of the shards):")
    print(f"{'shards':>7} {'nodes':>6} {'keys':>9} {'build s':>8} {'load s':>7} "
          f"{'rebal s':>8} {'moved':>8}")
    for r in rows:
        print(f"{r['shards']:>7} {r['nodes']:>6} {r['keys']:>9} {r['build_s']:>8} "
              f"{r['load_s']:>7} {r['rebalance_s']:>8} {r['moved_keys']:>8}")
    first, last = rows[0], rows[-1]
    size_ratio = last["keys"] / first["keys"]
    print(f"size x{size_ratio:.0f}: build+load time x"
          f"{(last['build_s'] + last['load_s']) / max(1e-9, first['build_s'] + first['load_s']):.1f}, "
          f"rebalance time x{last['rebalance_s'] / max(1e-9, first['rebalance_s']):.1f}")

    # 2. the big one
    cluster, t_nodes, t_keys = build(big["shards"], big["replicas"], big["keys"])
    figures["big"] = {"shards": big["shards"], "nodes": len(cluster.nodes), "keys": big["keys"],
                      "build_nodes_s": round(t_nodes, 2), "load_keys_s": round(t_keys, 2),
                      "build_total_s": round(t_nodes + t_keys, 2),
                      "peak_rss_mb_after_build": round(peak_rss_mb())}
    print(f"\n{big['shards']} shards x {1 + big['replicas']} nodes = {len(cluster.nodes)} nodes, "
          f"{big['keys']:,} keys: nodes {t_nodes:.1f} s + keys {t_keys:.1f} s = "
          f"{t_nodes + t_keys:.1f} s (goal < 60 s); peak RSS {peak_rss_mb():.0f} MB "
          f"(goal < 2048 MB)")
    t_rebalance, report = scale_out(cluster, big["add"])
    figures["big"].update({"added_shards": big["add"], "rebalance_s": round(t_rebalance, 2),
                           "moved_slots": report["moved_slots"],
                           "moved_keys": report["moved_keys"],
                           "peak_rss_mb": round(peak_rss_mb())})
    counts = sorted(report["slots_per_shard"].values())
    total_keys = sum(len(s.primary.dbs[0]) for s in cluster.shards)
    print(f"+{big['add']} shards, rebalance: {t_rebalance:.1f} s, {report['moved_slots']} slots, "
          f"{report['moved_keys']:,} keys moved; slots per shard {counts[0]}..{counts[-1]}; "
          f"keys still {total_keys:,}; peak RSS {peak_rss_mb():.0f} MB")
    figures["big"]["keys_after"] = total_keys
    if args.json:
        print(json.dumps(figures))
    return 0 if total_keys == big["keys"] else 1


if __name__ == "__main__":
    sys.exit(main())
