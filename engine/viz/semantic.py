"""Figures and a control panel for the semantic-caching lab (lab 09). Builders
take results from :mod:`engine.semantic.simulate` and
:mod:`engine.vector.compare` and return ``plotly.graph_objects.Figure``s;
nothing is displayed here (use :func:`engine.viz.show`)."""
from __future__ import annotations

from typing import Dict, Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

__all__ = ["threshold_figure", "latency_cost_figure", "savings_model_figure",
           "growth_figure", "recall_ef_figure", "distance_metrics_figure", "threshold_panel"]

TEMPLATE = "plotly_white"
BLUE, ORANGE, GREEN, RED, GREY = "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#7f7f7f"


def threshold_figure(rows: Sequence[dict]) -> go.Figure:
    """Hit ratio, savings and wrong answers served against the distance threshold."""
    t = [r["threshold"] for r in rows]
    fig = go.Figure()
    fig.add_scatter(x=t, y=[r["hit_ratio"] for r in rows], name="hit ratio", line_color=BLUE)
    fig.add_scatter(x=t, y=[r["savings"] for r in rows], name="cost saved", line_color=GREEN,
                    line_dash="dash")
    fig.add_scatter(x=t, y=[r["wrong_ratio"] for r in rows], name="wrong answers served",
                    line_color=RED)
    fig.add_scatter(x=t, y=[r["exact_hit_ratio"] for r in rows], name="exact-match cache hit ratio",
                    line_color=GREY, line_dash="dot")
    fig.update_layout(template=TEMPLATE, title="Loosening the threshold: more hits, more wrong answers",
                      xaxis_title="threshold (COSINE distance; 0 = identical)",
                      yaxis_title="share of requests", yaxis_tickformat=".0%", hovermode="x unified")
    return fig


def latency_cost_figure(rows: Sequence[dict]) -> go.Figure:
    """Mean latency with and without the cache, against the threshold."""
    t = [r["threshold"] for r in rows]
    fig = go.Figure()
    fig.add_scatter(x=t, y=[r["mean_latency_no_cache_s"] for r in rows], name="LLM every time",
                    line_color=GREY, line_dash="dot")
    fig.add_scatter(x=t, y=[r["mean_latency_with_cache_s"] for r in rows], name="with semantic cache",
                    line_color=BLUE)
    fig.update_layout(template=TEMPLATE, title="Mean response time", xaxis_title="threshold",
                      yaxis_title="seconds per request", hovermode="x unified")
    return fig


def savings_model_figure(overheads: Sequence[float] = (0.0, 0.02, 0.05, 0.10),
                         measured: Sequence[dict] = ()) -> go.Figure:
    """Savings = hit ratio - overhead, for a few overheads; the seeds' claim as
    a marker, and measured runs on top."""
    h = [i / 100 for i in range(0, 101)]
    fig = go.Figure()
    for i, o in enumerate(overheads):
        fig.add_scatter(x=h, y=[x - o for x in h], name=f"overhead {o:.0%} of an LLM call",
                        line_color=[GREY, GREEN, ORANGE, RED][i % 4])
    fig.add_scatter(x=[0.90], y=[0.88], mode="markers+text", text=["claim: 88% at 90%"],
                    textposition="top left", marker=dict(size=12, color="black", symbol="star"),
                    name="the seeds' claim")
    if measured:
        fig.add_scatter(x=[r["hit_ratio"] for r in measured], y=[r["savings"] for r in measured],
                        mode="markers", marker=dict(color=BLUE, size=8), name="simulated runs",
                        text=[f"threshold {r['threshold']}" for r in measured])
    fig.update_layout(template=TEMPLATE, title="What a hit ratio is worth",
                      xaxis_title="hit ratio", yaxis_title="cost saved", xaxis_tickformat=".0%",
                      yaxis_tickformat=".0%", yaxis_range=[-0.1, 1])
    return fig


def growth_figure(report: Dict) -> go.Figure:
    """Query time (log scale) and HNSW's visited share as the collection grows."""
    rows = report["growth"]
    sizes = [r["size"] for r in rows]
    fig = make_subplots(rows=1, cols=2, subplot_titles=("mean query time", "vectors compared per query"))
    fig.add_scatter(x=sizes, y=[r["flat_ms"] for r in rows], name="FLAT", line_color=ORANGE, row=1, col=1)
    fig.add_scatter(x=sizes, y=[r["hnsw_ms"] for r in rows], name=f"HNSW (ef {report['ef_runtime']})",
                    line_color=BLUE, row=1, col=1)
    fig.add_scatter(x=sizes, y=[1.0] * len(sizes), name="FLAT: all of them", line_color=ORANGE,
                    line_dash="dot", row=1, col=2, showlegend=False)
    fig.add_scatter(x=sizes, y=[r["visited"] for r in rows], name="HNSW share visited",
                    line_color=BLUE, row=1, col=2, showlegend=False)
    fig.update_yaxes(title_text="ms", type="log", row=1, col=1)
    fig.update_yaxes(title_text="share of the collection", tickformat=".0%", row=1, col=2)
    fig.update_xaxes(title_text="vectors in the index")
    fig.update_layout(template=TEMPLATE, title=f"FLAT vs HNSW, {report['dim']}-d vectors")
    return fig


def recall_ef_figure(report: Dict) -> go.Figure:
    """Recall@k and query time as EF_RUNTIME grows (the beam width)."""
    rows = report["ef_sweep"]
    ef = [r["ef_runtime"] for r in rows]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_scatter(x=ef, y=[r["recall"] for r in rows], name=f"recall@{report['k']}",
                    line_color=GREEN, secondary_y=False)
    fig.add_scatter(x=ef, y=[r["hnsw_ms"] for r in rows], name="ms per query", line_color=BLUE,
                    line_dash="dash", secondary_y=True)
    fig.update_yaxes(title_text="recall", tickformat=".0%", secondary_y=False)
    fig.update_yaxes(title_text="ms per query", secondary_y=True)
    fig.update_layout(template=TEMPLATE, title="EF_RUNTIME: a wider beam finds more true neighbours",
                      xaxis_title="EF_RUNTIME", xaxis_type="log")
    return fig


def distance_metrics_figure(points: Dict[str, Sequence[float]], query: Sequence[float],
                            distances: Dict[str, Dict[str, float]]) -> go.Figure:
    """2-D points and a query; hover shows L2 / IP / COSINE distance of each."""
    fig = go.Figure()
    for name, (x, y) in points.items():
        d = distances[name]
        fig.add_scatter(x=[0, x], y=[0, y], mode="lines+markers+text", text=["", name],
                        textposition="top center", name=name,
                        hovertext=f"L2 {d['L2']:.2f} | IP {d['IP']:.2f} | COSINE {d['COSINE']:.2f}")
    fig.add_scatter(x=[0, query[0]], y=[0, query[1]], mode="lines+markers+text", text=["", "query"],
                    line=dict(color="black", width=3), name="query")
    fig.update_layout(template=TEMPLATE, title="Three distances, three different 'nearest' vectors",
                      xaxis=dict(scaleanchor="y"), width=560, height=480)
    return fig


def threshold_panel(n: int = 200, seed: int = 0):
    """Sliders for threshold, TTL and traffic skew; each change re-runs the
    seeded simulation and prints its figures (returns the ipywidgets box)."""
    import ipywidgets as w

    from ..semantic.simulate import MemoEmbedder, run

    embed = MemoEmbedder()
    threshold = w.FloatSlider(value=0.3, min=0.0, max=0.8, step=0.05, description="threshold")
    ttl = w.IntSlider(value=3600, min=30, max=7200, step=30, description="TTL (s)")
    skew = w.FloatSlider(value=1.1, min=0.0, max=2.0, step=0.1, description="Zipf skew")
    out = w.Output()

    def update(_=None):
        r = run(threshold.value, n=n, seed=seed, ttl=ttl.value, embed=embed, zipf=skew.value)
        out.clear_output()
        with out:
            print(f"hit ratio {r.hit_ratio:.1%} (exact-match cache: {r.exact_hit_ratio:.1%}) | "
                  f"wrong answers {r.wrong} of {r.requests} ({r.wrong_ratio:.1%}) | "
                  f"cost saved {r.savings:.1%} | mean latency {r.latency_with_cache / n:.2f} s "
                  f"vs {r.latency_no_cache / n:.2f} s")

    for s in (threshold, ttl, skew):
        s.observe(update, names="value")
    update()
    return w.VBox([w.HBox([threshold, ttl, skew]), out])
