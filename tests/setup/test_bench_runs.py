"""`make bench` keeps working: a tiny run of benchmarks/bench.py writes every
ratio it reports. (Speed itself is never asserted: it is measured and printed
by `make bench`, as ratios from one run.)"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_bench_script_reports_all_ratios(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, "benchmarks/bench.py", "--ops", "300", "--rounds", "1",
                           "--json", str(out)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(out.read_text())
    assert set(report["ratios"]) == {"set", "get", "pipeline100"}
    for phase, ratios in report["ratios"].items():
        assert set(ratios) == {"engine_vs_fakeredis", "engine_vs_ceiling", "ceiling_vs_fakeredis"}
        assert all(v > 0 for v in ratios.values()), (phase, ratios)
    assert {"engine", "fakeredis", "ceiling"} <= set(report["ops_per_sec"])
    assert "engine/ceiling" in proc.stdout
