"""Figures and widgets for the scaling-and-cost lab (labs/08-scaling-and-cost.ipynb).

Figure builders take the plain results of :mod:`engine.service.simulate`,
:mod:`engine.service.tiering` and the emulated CloudWatch, and return plotly
figures (show them with ``engine.viz.show``). :class:`BudgetSizer` is the
"size a cache for a budget" panel.
"""
from __future__ import annotations

from typing import List, Optional, Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]


def day_figure(results: Sequence, title: str = "A day of traffic"):
    """Four rows: load vs capacity, throttled/unserved requests, latency, cost per hour.
    ``results``: DayResult objects (one per design) of the same workload."""
    fig = make_subplots(rows=4, cols=1, shared_xaxes=True, vertical_spacing=0.05,
                        subplot_titles=("requests/s: demand and capacity",
                                        "requests/s throttled or unserved",
                                        "latency (ms, model)", "cost per hour (USD)"))
    first = results[0]
    fig.add_trace(go.Scatter(x=first.times_h, y=first.demand_rps, name="demand",
                             line=dict(color="black", width=2)), row=1, col=1)
    for i, res in enumerate(results):
        color = PALETTE[i % len(PALETTE)]
        fig.add_trace(go.Scatter(x=res.times_h, y=res.capacity_rps, name=f"{res.design} capacity",
                                 line=dict(color=color, dash="dot", shape="hv")), row=1, col=1)
        fig.add_trace(go.Scatter(x=res.times_h, y=res.throttled_rps, name=f"{res.design} throttled",
                                 line=dict(color=color), showlegend=False), row=2, col=1)
        fig.add_trace(go.Scatter(x=res.times_h, y=res.latency_ms, name=f"{res.design} latency",
                                 line=dict(color=color), showlegend=False), row=3, col=1)
        hourly = res.hourly_cost()
        fig.add_trace(go.Bar(x=list(range(len(hourly))), y=hourly, name=f"{res.design} $/h",
                             marker_color=color, showlegend=False), row=4, col=1)
        for act in res.actions:
            if "direction" in act:
                fig.add_vline(x=act["time_h"], line=dict(color=color, width=1, dash="dash"),
                              row=1, col=1)
    fig.update_layout(title=title, height=820, barmode="group",
                      margin=dict(l=60, r=20, t=60, b=40))
    fig.update_xaxes(title_text="hour of the day", row=4, col=1)
    return fig


def breakeven_figure(rows: Sequence[dict], title: str = "Serverless vs nodes as load grows"):
    """Monthly cost of the cheapest node design vs serverless, per steady request rate."""
    fig = go.Figure()
    x = [r["rps"] for r in rows]
    fig.add_trace(go.Scatter(x=x, y=[r["nodes_usd"] for r in rows], name="cheapest node design",
                             line=dict(shape="hv"), text=[r["nodes_design"] for r in rows],
                             hovertemplate="%{x} req/s: %{y:.0f} USD (%{text})<extra></extra>"))
    fig.add_trace(go.Scatter(x=x, y=[r["serverless_usd"] for r in rows], name="serverless"))
    fig.update_layout(title=title, xaxis=dict(title="steady requests per second", type="log"),
                      yaxis=dict(title="USD per month (model, undated prices)"), height=420)
    return fig


def dashboard_figure(cloudwatch, dims: dict, metrics: Sequence[str], *, start_ms: int,
                     alarm: Optional[dict] = None, title: str = "CloudWatch dashboard"):
    """One small chart per metric (raw 60 s datapoints); the alarm's
    threshold and ALARM periods drawn on its metric."""
    fig = make_subplots(rows=len(metrics), cols=1, shared_xaxes=True, vertical_spacing=0.04,
                        subplot_titles=list(metrics))
    for i, name in enumerate(metrics, start=1):
        pts = cloudwatch.series(name, dims)
        fig.add_trace(go.Scatter(x=[(t - start_ms) / 3_600_000 for t, _ in pts],
                                 y=[v for _, v in pts], name=name, showlegend=False,
                                 line=dict(color=PALETTE[(i - 1) % len(PALETTE)])), row=i, col=1)
        if alarm is not None and alarm["MetricName"] == name:
            fig.add_hline(y=alarm["Threshold"], line=dict(color="red", dash="dash"), row=i, col=1)
    fig.update_layout(title=title, height=170 * len(metrics) + 80,
                      margin=dict(l=60, r=20, t=60, b=40))
    fig.update_xaxes(title_text="hours", row=len(metrics), col=1)
    return fig


def alarm_history_rows(cloudwatch, name: str, start_ms: int) -> List[dict]:
    """The alarm's state changes as table rows (oldest first)."""
    items = cloudwatch.describe_alarm_history(AlarmName=name, HistoryItemType="StateUpdate")
    return [{"hour": round((h["Timestamp"].timestamp() * 1000 - start_ms) / 3_600_000, 2),
             "change": h["HistorySummary"]} for h in reversed(items["AlarmHistoryItems"])]


def tiering_figure(rows: Sequence[dict], title: str = "Data tiering: latency vs hot data"):
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    x = [r["hot_share"] * 100 for r in rows]
    fig.add_trace(go.Scatter(x=x, y=[r["mean_latency_us"] for r in rows], name="mean latency (µs)"))
    fig.add_trace(go.Bar(x=x, y=[r["ssd_read_share"] * 100 for r in rows], name="reads from SSD (%)",
                         opacity=0.4), secondary_y=True)
    fig.add_vline(x=20, line=dict(color="green", dash="dash"))
    fig.update_layout(title=title, height=400,
                      xaxis=dict(title="hot share of the data (%) — docs: a good fit below 20 %"))
    fig.update_yaxes(title_text="µs (model)", secondary_y=False)
    fig.update_yaxes(title_text="% of reads", secondary_y=True)
    return fig


def timeline_rows(events: Sequence[dict], start_ms: int) -> List[dict]:
    return [{"t (s)": round((e["at_ms"] - start_ms) / 1000, 1), "event": e["kind"],
             "detail": e["detail"]} for e in events]


class BudgetSizer:
    """Sliders for peak and average load, data size and a monthly budget; a
    table of designs (node-based and serverless) marked within budget or not."""

    def __init__(self, book, *, engine: str = "valkey"):
        import ipywidgets as w
        self.book = book
        self.engine = engine
        self.peak = w.FloatLogSlider(value=100_000, base=10, min=3, max=7, description="peak req/s")
        self.avg = w.FloatLogSlider(value=30_000, base=10, min=2, max=7, description="avg req/s")
        self.data = w.FloatLogSlider(value=10, base=10, min=-1, max=3, description="data GB")
        self.budget = w.FloatLogSlider(value=500, base=10, min=1, max=5, description="USD/month")
        self.out = w.Output()
        for s in (self.peak, self.avg, self.data, self.budget):
            s.observe(lambda _: self.refresh(), names="value")
        self.box = w.VBox([self.peak, self.avg, self.data, self.budget, self.out])

    def rows(self) -> List[dict]:
        from ..service.simulate import size_for_budget
        return size_for_budget(self.budget.value, self.peak.value, self.avg.value,
                               self.data.value, self.book, engine=self.engine)

    def refresh(self) -> None:
        from . import table
        self.out.clear_output()
        with self.out:
            table(self.rows())

    def display(self) -> "BudgetSizer":
        from IPython.display import display
        display(self.box)
        self.refresh()
        return self
