"""Figures for the caching-patterns lab. Each builder takes results from
:mod:`engine.patterns` and returns a ``plotly.graph_objects.Figure``;
nothing is displayed here (use :func:`engine.viz.show`)."""
from __future__ import annotations

from typing import Dict, Iterable, Optional, Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..patterns.database import LatencyModel
from ..patterns.policies import NEW_EVICTED, NEW_KEPT, OLD_EVICTED, OLD_KEPT, LruRun, PolicyResult
from ..patterns.simulate import RunResult, percentile
from ..patterns.stampede import StampedeResult

__all__ = ["latency_model_figure", "timeline_figure", "db_load_figure", "stampede_figure",
           "lru_grid_figure", "lru_quality_figure", "policy_bars_figure", "COLORS"]

TEMPLATE = "plotly_white"
#: one colour per pattern / fix, stable across figures
COLORS: Dict[str, str] = {
    "cache-aside": "#1f77b4", "read-through": "#17becf", "write-through": "#2ca02c",
    "write-around": "#d62728", "write-behind": "#9467bd",
    "none": "#d62728", "lock": "#1f77b4", "xfetch": "#2ca02c",
}


def _color(name: str, i: int) -> str:
    palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]
    return COLORS.get(name, palette[i % len(palette)])


def latency_model_figure(model: Optional[LatencyModel] = None, n: int = 5000,
                         seed: int = 0) -> go.Figure:
    """A histogram of ``n`` simulated database reads, with p50 and p99 marked."""
    model = model or LatencyModel()
    costs = model.sample("read", n=n, seed=seed)
    p50, p99 = percentile(costs, 50), percentile(costs, 99)
    fig = go.Figure(go.Histogram(x=costs, nbinsx=80, name="database reads",
                                 marker_color="#7f7f7f"))
    for q, value, dash in (("p50", p50, "dash"), ("p99", p99, "dot")):
        fig.add_vline(x=value, line_dash=dash, annotation_text=f"{q} = {value:.1f} ms")
    fig.update_layout(title=f"Simulated database read latency ({n} queries)",
                      xaxis_title="milliseconds", yaxis_title="queries", height=330,
                      template=TEMPLATE, showlegend=False, bargap=0.02)
    return fig


def timeline_figure(results: Sequence[RunResult], title: str = "Caching patterns over time"
                    ) -> go.Figure:
    """Three stacked panels sharing the time axis: hit ratio, database queries
    per second, and read latency (p50 solid, p99 dotted), one colour per run."""
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        subplot_titles=("hit ratio (reads answered by the cache)",
                                        "database load (queries per second)",
                                        "read latency, ms (p50 solid, p99 dotted)"))
    for i, res in enumerate(results):
        color = _color(res.pattern, i)
        t = [w.t_end_s for w in res.windows]
        dash = "dash" if i and res.pattern == "read-through" else None   # drawn over cache-aside
        fig.add_trace(go.Scatter(x=t, y=[w.hit_ratio for w in res.windows], mode="lines+markers",
                                 name=res.pattern, legendgroup=res.pattern,
                                 line=dict(color=color, dash=dash)), row=1, col=1)
        fig.add_trace(go.Scatter(x=t, y=[w.db_qps for w in res.windows], mode="lines",
                                 name=res.pattern, legendgroup=res.pattern, showlegend=False,
                                 line=dict(color=color, dash=dash)), row=2, col=1)
        fig.add_trace(go.Scatter(x=t, y=[w.p50_ms for w in res.windows], mode="lines",
                                 name=f"{res.pattern} p50", legendgroup=res.pattern,
                                 showlegend=False, line=dict(color=color)), row=3, col=1)
        fig.add_trace(go.Scatter(x=t, y=[w.p99_ms for w in res.windows], mode="lines",
                                 name=f"{res.pattern} p99", legendgroup=res.pattern,
                                 showlegend=False, line=dict(color=color, dash="dot")),
                      row=3, col=1)
    fig.update_yaxes(range=[0, 1.02], row=1, col=1)
    fig.update_yaxes(rangemode="tozero", row=2, col=1)
    fig.update_yaxes(type="log", row=3, col=1)
    fig.update_xaxes(title_text="simulated seconds", row=3, col=1)
    fig.update_layout(title=title, height=720, template=TEMPLATE,
                      legend=dict(orientation="h", y=-0.08))
    return fig


def db_load_figure(results: Dict[str, RunResult], ttl_s: Optional[float] = None,
                   title: str = "Database load after a bulk load") -> go.Figure:
    """Database queries per window, one bar series per labelled run; a
    vertical line marks ``ttl_s`` (when un-jittered keys all expire)."""
    fig = go.Figure()
    for i, (label, res) in enumerate(results.items()):
        fig.add_trace(go.Bar(x=[w.t_end_s for w in res.windows],
                             y=[w.db_qps for w in res.windows], name=label, opacity=0.8,
                             marker_color=["#d62728", "#2ca02c", "#1f77b4"][i % 3]))
    if ttl_s is not None:
        fig.add_vline(x=ttl_s, line_dash="dash", annotation_text="the TTL ends")
    fig.update_layout(title=title, xaxis_title="simulated seconds (end of each window)",
                      yaxis_title="database queries per second", barmode="group",
                      height=380, template=TEMPLATE)
    return fig


def stampede_figure(results: Iterable[StampedeResult],
                    title: str = "A hot key expires: database queries running at once"
                    ) -> go.Figure:
    """Step lines of database queries in flight over time, one per fix."""
    fig = go.Figure()
    expires = None
    for i, res in enumerate(results):
        expires = res.expires_at_ms
        fig.add_trace(go.Scatter(
            x=[t / 1000 for t, _ in res.in_flight], y=[n for _, n in res.in_flight],
            mode="lines", line_shape="hv", line=dict(color=_color(res.fix, i), width=2),
            name=f"{res.fix}: {res.db_queries} quer{'y' if res.db_queries == 1 else 'ies'}"))
    if expires is not None:
        fig.add_vline(x=expires / 1000, line_dash="dash", annotation_text="TTL ends")
    fig.update_layout(title=title, xaxis_title="simulated seconds since the key was cached",
                      yaxis_title="database queries in flight", height=380,
                      template=TEMPLATE)
    return fig


_STATE_COLORS = {OLD_KEPT: "#7f7f7f", OLD_EVICTED: "#e0e0e0", NEW_KEPT: "#2ca02c",
                 NEW_EVICTED: "#d62728"}


def lru_grid_figure(runs: Sequence[LruRun], columns: int = 50) -> go.Figure:
    """Redis's LRU picture: one panel per run, one cell per key in access
    order (top-left = idlest, then row by row; new keys at the bottom).
    Light grey = evicted old key, dark grey = kept old key, green = new key
    kept, red = new key evicted."""
    fig = make_subplots(rows=1, cols=len(runs), horizontal_spacing=0.02,
                        subplot_titles=[f"{r.label}<br>{r.agreement:.0%} as exact LRU"
                                        for r in runs])
    scale = []
    for state in (OLD_KEPT, OLD_EVICTED, NEW_KEPT, NEW_EVICTED):
        lo, hi = state / 4, (state + 1) / 4
        scale += [[lo, _STATE_COLORS[state]], [hi, _STATE_COLORS[state]]]
    for c, run in enumerate(runs, start=1):
        cells = run.grid()
        rows = [cells[i:i + columns] for i in range(0, len(cells), columns)]
        rows[-1] = rows[-1] + [None] * (columns - len(rows[-1]))
        fig.add_trace(go.Heatmap(z=[[None if v is None else v + 0.5 for v in row]
                                    for row in rows],
                                 zmin=0, zmax=4, colorscale=scale, showscale=False,
                                 hoverinfo="skip", xgap=1, ygap=1), row=1, col=c)
    fig.update_yaxes(autorange="reversed", showticklabels=False)
    fig.update_xaxes(showticklabels=False)
    fig.add_annotation(text="light grey: old key evicted · dark grey: old key kept · "
                            "green: new key kept · red: new key evicted",
                       xref="paper", yref="paper", x=0.5, y=-0.08, showarrow=False)
    fig.update_layout(title="Which keys did allkeys-lru evict? (top = idlest keys; "
                            "bottom rows = keys added last)",
                      height=430, template=TEMPLATE, margin=dict(t=110))
    return fig


def lru_quality_figure(runs: Sequence[LruRun], marks: Optional[Dict[int, str]] = None
                       ) -> go.Figure:
    """Share of evictions that exact LRU would also have made, per samples
    value; ``marks`` labels some samples values (e.g. a service's default)."""
    runs = [r for r in runs if r.samples is not None]
    fig = go.Figure(go.Scatter(
        x=[r.samples for r in runs], y=[r.agreement for r in runs], mode="lines+markers+text",
        text=[f"{r.agreement:.0%}" for r in runs], textposition="bottom right",
        line=dict(color="#1f77b4"), name="approximated LRU"))
    fig.add_hline(y=1.0, line_dash="dash", annotation_text="exact LRU",
                  annotation_position="top left")
    for i, (samples, label) in enumerate(sorted((marks or {}).items())):
        fig.add_vline(x=samples, line_dash="dot", line_color="#7f7f7f", annotation_text=label,
                      annotation_position="bottom right" if i % 2 == 0 else "top right")
    fig.update_layout(title="More samples, closer to exact LRU",
                      xaxis=dict(title="maxmemory-samples", tickvals=[r.samples for r in runs],
                                 range=[0, max([r.samples for r in runs] or [10]) + 1]),
                      yaxis=dict(title="evictions exact LRU would also make",
                                 range=[0, 1.1], tickformat=".0%"),
                      height=350, template=TEMPLATE)
    return fig


def policy_bars_figure(results: Sequence[PolicyResult],
                       title: str = "Eight eviction policies, one workload") -> go.Figure:
    """Hit ratio per policy; bars coloured by family (allkeys / volatile / none)."""
    def family(policy: str) -> str:
        return policy.split("-")[0] if "-" in policy and policy != "noeviction" else "noeviction"
    colors = {"allkeys": "#1f77b4", "volatile": "#ff7f0e", "noeviction": "#7f7f7f"}
    fig = go.Figure(go.Bar(
        x=[r.policy for r in results], y=[r.hit_ratio for r in results],
        marker_color=[colors[family(r.policy)] for r in results],
        text=[f"{r.hit_ratio:.2f}" for r in results], textposition="outside",
        customdata=[[r.evicted, r.expired, r.oom_errors] for r in results],
        hovertemplate="%{x}: hit ratio %{y:.3f}<br>evicted %{customdata[0]}, expired "
                      "%{customdata[1]}, OOM errors %{customdata[2]}<extra></extra>"))
    fig.update_layout(title=title, yaxis_title="hit ratio", yaxis=dict(range=[0, 1]),
                      height=380, template=TEMPLATE)
    return fig
