"""Figures and a widget for the replication and failover lab (labs/06).

Figure builders take the plain data of :mod:`engine.cluster.experiments`
(``run_config`` results, ``compare`` rows, ``memcached_vs_redis``) and return
plotly figures; show them with ``engine.viz.show(fig)``. :class:`FailurePicker`
runs a configuration with the failure picked in a dropdown and redraws the
timeline (``picker.pick(...)`` does the same from code).
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

EVENT_COLORS = {"node failed": "#d62728", "node isolated": "#d62728", "Region lost": "#d62728",
                "reboot started": "#d62728", "failure detected": "#ff7f0e",
                "replica promoted": "#2ca02c", "secondary promoted": "#2ca02c",
                "primary replaced": "#2ca02c", "endpoint switched": "#1f77b4",
                "writes resumed": "#17becf", "primary restarted": "#2ca02c"}


def timeline_figure(run: dict, title: Optional[str] = None):
    """Top: every write over time — acknowledged (green), failed (red ×),
    acknowledged then lost (black ◆); failover events as vertical lines.
    Bottom: the first replica's lag in bytes."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.65, 0.35],
                        vertical_spacing=0.08)
    groups = {"acknowledged": ([], "#2ca02c", "circle"), "failed": ([], "#d62728", "x"),
              "acknowledged, then LOST": ([], "black", "diamond")}
    for t_ms, ok, lost in run["ops"]:
        kind = "acknowledged, then LOST" if lost else ("acknowledged" if ok else "failed")
        groups[kind][0].append(t_ms / 1000)
    for i, (label, (xs, color, symbol)) in enumerate(groups.items()):
        fig.add_trace(go.Scatter(x=xs, y=[2 - i] * len(xs), mode="markers", name=f"{label} ({len(xs)})",
                                 marker=dict(color=color, symbol=symbol, size=7)), row=1, col=1)
    seen = set()
    for e in run["timeline"]:
        if e["event"] not in EVENT_COLORS or (e["event"], e["t_ms"]) in seen:
            continue
        seen.add((e["event"], e["t_ms"]))
        x = e["t_ms"] / 1000
        fig.add_trace(go.Scatter(x=[x, x], y=[-0.5, 2.5], mode="lines", showlegend=False,
                                 line=dict(color=EVENT_COLORS[e["event"]], dash="dot"),
                                 hovertext=f"{e['event']} ({e.get('node')}) at {x:.2f} s",
                                 hoverinfo="text"), row=1, col=1)
        fig.add_annotation(x=x, y=2.5 + 0.35 * (len(seen) % 3), text=e["event"],
                           showarrow=False, font=dict(size=10), row=1, col=1)
    if run.get("lag"):
        fig.add_trace(go.Scatter(x=[t / 1000 for t, _ in run["lag"]], y=[b for _, b in run["lag"]],
                                 mode="lines", name="replica lag (bytes)",
                                 line=dict(color="#9467bd")), row=2, col=1)
    fig.update_yaxes(tickvals=[0, 1, 2], ticktext=["lost", "failed", "acknowledged"],
                     range=[-0.7, 3.4], row=1, col=1)
    fig.update_yaxes(title_text="lag (bytes)", row=2, col=1)
    fig.update_xaxes(title_text="virtual time (s)", row=2, col=1)
    fig.update_layout(title=title or f"{run['name']} — {run['failure']}", height=520,
                      margin=dict(l=60, r=20, t=60, b=40))
    return fig


def comparison_figure(rows: Sequence[dict], title: str = "What each configuration loses, and for how long writes stop"):
    """Two bar charts from ``experiments.compare`` rows: acknowledged writes
    lost, and time from the failure until writes resumed."""
    names = [r["configuration"] for r in rows]
    fig = make_subplots(rows=1, cols=2, subplot_titles=("acknowledged writes lost",
                                                        "writes resumed after (s)"))
    fig.add_trace(go.Bar(x=[r["lost"] for r in rows], y=names, orientation="h",
                         marker_color="#d62728", showlegend=False), row=1, col=1)
    fig.add_trace(go.Bar(x=[(r["recovery_ms"] or 0) / 1000 for r in rows], y=names,
                         orientation="h", marker_color="#1f77b4", showlegend=False), row=1, col=2)
    fig.update_yaxes(autorange="reversed")
    fig.update_yaxes(showticklabels=False, row=1, col=2)
    fig.update_layout(title=title, height=120 + 32 * len(rows), margin=dict(l=260, r=20, t=70, b=40))
    return fig


def az_placement_figure(metrics: Sequence[dict], title: str = "Where the nodes are: AZ placement"):
    """One column per Availability Zone, one row per shard; a node is a
    marker (★ primary, ● replica). ``metrics`` is ``Cluster.metrics()``."""
    azs = sorted({m["az"] or "unplaced" for m in metrics})
    shards = sorted({m["shard"] for m in metrics})
    fig = go.Figure()
    for role, symbol, color in (("primary", "star", "#d62728"), ("replica", "circle", "#1f77b4")):
        pts = [m for m in metrics if m["role"] == role]
        offsets = {}
        xs, ys, texts = [], [], []
        for m in pts:
            key = (m["az"] or "unplaced", m["shard"])
            k = offsets[key] = offsets.get(key, -1) + 1
            xs.append(azs.index(key[0]) + 0.15 * k)
            ys.append(shards.index(m["shard"]))
            texts.append(m["name"])
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers+text", name=role, text=texts,
                                 textposition="top center", textfont=dict(size=9),
                                 marker=dict(symbol=symbol, size=16, color=color)))
    fig.update_layout(title=title, height=160 + 70 * len(shards),
                      xaxis=dict(tickvals=list(range(len(azs))), ticktext=azs, range=[-0.5, len(azs) - 0.2]),
                      yaxis=dict(tickvals=list(range(len(shards))), ticktext=[f"shard {s}" for s in shards],
                                 range=[-0.6, len(shards) - 0.3]))
    return fig


def memcached_vs_redis_figure(result: dict, title: str = "One node lost: database reads it causes"):
    """Bars: reads that missed the cache (and went to the database) after
    losing one node — Memcached vs a Valkey/Redis group with a replica."""
    fig = go.Figure(go.Bar(x=["Memcached (3 nodes, one lost)", "Valkey/Redis (Multi-AZ, primary lost)"],
                           y=[result["memcached_db_reads_after_loss"],
                              result["redis_db_reads_after_failover"]],
                           marker_color=["#ff7f0e", "#1f77b4"],
                           text=[f"{result['memcached_share_lost']:.0%}",
                                 f"{result['redis_share_lost']:.0%}"], textposition="outside"))
    fig.update_layout(title=title, yaxis_title=f"database reads (of {result['keys']} keys)",
                      height=380)
    return fig


class FailurePicker:
    """Pick a configuration and a failure; the run happens and the timeline
    is redrawn. ``run`` is a function ``(configuration, failure) -> run dict``
    (see :func:`engine.cluster.experiments.run_config`); ``picker.pick(c, f)``
    does what the dropdowns do, so a notebook can test it headless."""

    def __init__(self, run: Callable[[str, str], dict], configurations: Sequence[str],
                 failures: Sequence[str], initial=None):
        import ipywidgets as widgets
        self._run = run
        first = initial or (configurations[0], failures[0])
        self.config = widgets.Dropdown(options=list(configurations), value=first[0],
                                       description="configuration",
                                       style={"description_width": "initial"})
        self.failure = widgets.Dropdown(options=list(failures), value=first[1],
                                        description="failure",
                                        style={"description_width": "initial"})
        self.summary = widgets.HTML()
        self.out = widgets.Output()
        self.widget = widgets.VBox([widgets.HBox([self.config, self.failure]), self.summary,
                                    self.out])
        self.last: Optional[dict] = None
        for w in (self.config, self.failure):
            w.observe(lambda change: self.pick(self.config.value, self.failure.value), names="value")
        self.pick(*first)

    def pick(self, configuration: str, failure: str) -> dict:
        if (self.config.value, self.failure.value) != (configuration, failure):
            self.config.value, self.failure.value = configuration, failure
            return self.last
        run = self._run(configuration, failure)
        self.last = run
        rec = "never (within the run)" if run["recovery_ms"] is None else f"{run['recovery_ms'] / 1000:.2f} s"
        self.summary.value = (f"<b>{run['acknowledged']}</b> writes acknowledged, "
                              f"<b>{run['failed']}</b> failed, <b>{run['lost']}</b> acknowledged "
                              f"then lost; writes resumed after {rec}")
        from IPython.display import display
        from . import mime_bundle
        self.out.clear_output(wait=True)
        with self.out:
            display(mime_bundle(timeline_figure(run)), raw=True)
        return run

    def display(self) -> "FailurePicker":
        from IPython.display import display
        display(self.widget)
        return self

