"""Figures and widgets: builders return plotly figures; widgets work headless."""
import subprocess
import sys

import plotly.graph_objects as go
import pytest

import engine
from engine import patterns as pt
from engine.viz import mime_bundle, patterns as vp, widgets as vw


def test_importing_engine_or_patterns_does_not_import_plotly_or_widgets():
    code = ("import sys, engine, engine.patterns, engine.viz; "
            "print(any(m in sys.modules for m in ('plotly', 'ipywidgets')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.fixture(scope="module")
def results():
    lab = engine.open_lab(backend="engine")
    db = pt.CatalogDatabase(products=60, seed=0)
    wl = pt.make_workload(50, 200, rate=20, seed=0)
    runs = [pt.run_pattern(p, lab.client, db, wl, ttl=5, advance=lab.advance)
            for p in ("cache-aside", "write-around")]
    stampede = [pt.simulate_stampede(lab.client, lab.advance, fix=f, ttl_s=2, start_s=1.5,
                                     duration_s=0.8) for f in pt.FIXES]
    lru = [pt.lru_approximation(lab.client, lab.advance, samples=s, node=lab.node,
                                n_old=60, n_new=30) for s in (1, 5)]
    lru.append(pt.exact_lru(60, 30, len(lru[-1].evicted)))
    policies = pt.compare_policies(lab.client, lab.advance, policies=["allkeys-lru", "noeviction"],
                                   n_keys=100, n_requests=200, warmup=50)
    return runs, stampede, lru, policies


def test_every_builder_returns_a_figure(results):
    runs, stampede, lru, policies = results
    figures = [vp.latency_model_figure(n=200), vp.timeline_figure(runs),
               vp.db_load_figure({"a": runs[0], "b": runs[1]}, ttl_s=5),
               vp.stampede_figure(stampede), vp.lru_grid_figure(lru, columns=10),
               vp.lru_quality_figure(lru), vp.policy_bars_figure(policies)]
    for fig in figures:
        assert isinstance(fig, go.Figure) and fig.data
    timeline = figures[1]
    assert len(timeline.data) == 4 * len(runs)
    assert [t.name for t in figures[3].data][0].startswith("none:")
    assert list(figures[6].data[0].x) == ["allkeys-lru", "noeviction"]


def test_mime_bundle_has_plotly_json_and_html(results):
    bundle = mime_bundle(vp.policy_bars_figure(results[3]))
    assert set(bundle) == {"application/vnd.plotly.v1+json", "text/html", "text/plain"}
    assert bundle["application/vnd.plotly.v1+json"]["data"][0]["type"] == "bar"
    assert "cdn.plot.ly" in bundle["text/html"] and "Plotly" in bundle["text/html"]


def test_progress_bar_follows_callbacks_and_parts():
    bar = vw.ProgressBar("test")
    bar(5, 10)
    assert bar.bar.value == 5 and not bar.finished and "5 / 10" in bar.label.value
    part = bar.part(1, 2)
    part(10, 10)
    assert bar.bar.value == bar.bar.max == 20 and bar.finished and "done" in bar.label.value


def test_pattern_panel_runs_headless_and_is_deterministic():
    panel = vw.PatternPanel()
    panel.cache_keys.value, panel.ttl.value, panel.pattern.value = 40, 10, "write-around"
    panel.button.click()
    first = panel.last_result
    assert first.pattern == "write-around" and first.stale_reads > 0
    assert panel.status.value.startswith("hit ratio") and len(panel.output.outputs) == 1
    assert panel.run().summary() == first.summary()
    assert len(panel.output.outputs) == 1                      # replaced, not appended
    assert set(panel.settings()) == {"pattern", "cache_keys", "ttl", "policy", "skew"}
