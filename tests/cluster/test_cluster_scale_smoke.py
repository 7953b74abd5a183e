"""The scale benchmark runs (--quick): builds, loads, rebalances, keeps every key."""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_cluster_scale_quick_runs():
    out = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "cluster_scale.py"),
                          "--quick", "--json"], capture_output=True, text=True, timeout=600,
                         cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    big = figures["big"]
    assert big["nodes"] == 120 and big["keys_after"] == big["keys"] == 20_000
    assert big["moved_keys"] > 0 and big["moved_slots"] > 0
    assert [row["shards"] for row in figures["growth"]] == [5, 10, 20]
    assert "peak RSS" in out.stdout
