"""benchmarks/vector_bench.py --quick runs and reports every figure (speed is
printed as ratios, never asserted)."""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_vector_bench_quick(tmp_path):
    out = tmp_path / "vec.json"
    proc = subprocess.run([sys.executable, "benchmarks/vector_bench.py", "--quick", "--json", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(out.read_text())
    assert [row["size"] for row in report["growth"]] == [500, 1000, 2000]
    for row in report["growth"]:
        assert 0 <= row["recall@10"] <= 1 and row["flat_ms"] > 0 and row["hnsw_ms"] > 0
        assert 0 < row["visited"] <= 1.5
    sweep = report["ef_sweep"]
    assert [r["ef_runtime"] for r in sweep] == [10, 50, 200]
    # A wider beam never finds fewer true neighbours on the same graph.
    assert sweep[0]["recall@10"] <= sweep[-1]["recall@10"]
    assert sweep[0]["visited"] < sweep[-1]["visited"]
    assert set(report["ratios"]) == {"flat_vs_hnsw_at_largest", "flat_growth", "hnsw_growth",
                                     "size_growth"}
    assert "FLAT/HNSW" in proc.stdout
