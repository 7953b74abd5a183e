"""Figures and a panel for the data-structures lab (labs/03-data-structures).

Builders take results from :mod:`engine.usecases` and return plotly figures;
nothing is displayed here (use :func:`engine.viz.show`).
"""
from __future__ import annotations

import math
from typing import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..usecases.counting import CountRow
from ..usecases.ratelimit import LimiterRun, per_bucket

__all__ = ["leaderboard_figure", "ratelimit_figure", "hll_figure", "geo_figure",
           "LeaderboardPanel"]

TEMPLATE = "plotly_white"
ALLOWED, REJECTED = "#2ca02c", "#d62728"


def leaderboard_figure(top, title: str = "Leaderboard (ZRANGE … REV WITHSCORES)") -> go.Figure:
    """Horizontal bars, best player on top, from ``Leaderboard.top()`` rows."""
    names = [name for name, _ in top][::-1]
    scores = [score for _, score in top][::-1]
    fig = go.Figure(go.Bar(x=scores, y=names, orientation="h", marker_color="#1f77b4",
                           text=[f"{s:g}" for s in scores], textposition="auto"))
    fig.update_layout(title=title, xaxis_title="score", template=TEMPLATE,
                      height=120 + 32 * max(1, len(names)), margin=dict(l=120))
    return fig


def ratelimit_figure(runs: Sequence[LimiterRun], limit: int, bucket_ms: int = 100
                     ) -> go.Figure:
    """One panel per limiter: allowed (green) and rejected (red) requests per
    ``bucket_ms`` of time, and in the title the most requests let through in
    any one-second window (the limit promises at most ``limit``)."""
    fig = make_subplots(rows=len(runs), cols=1, shared_xaxes=True, vertical_spacing=0.09,
                        subplot_titles=[f"{r.name}: {r.allowed_count} allowed, "
                                        f"{r.rejected_count} rejected, worst 1-s window "
                                        f"{r.worst_window} (limit {limit})" for r in runs])
    for i, run in enumerate(runs, start=1):
        rows = per_bucket(run, bucket_ms)
        t = [b / 1000 for b, _, _ in rows]
        fig.add_trace(go.Bar(x=t, y=[a for _, a, _ in rows], name="allowed",
                             marker_color=ALLOWED, showlegend=i == 1,
                             legendgroup="allowed"), row=i, col=1)
        fig.add_trace(go.Bar(x=t, y=[r for _, _, r in rows], name="rejected",
                             marker_color=REJECTED, showlegend=i == 1,
                             legendgroup="rejected"), row=i, col=1)
        for edge in range(0, int(max(run.arrivals_ms) / 1000) + 2):
            fig.add_vline(x=edge - bucket_ms / 2000, line_dash="dot", line_color="#bbbbbb",
                          row=i, col=1)
    fig.update_layout(barmode="stack", template=TEMPLATE, height=230 * len(runs) + 80,
                      title="The same burst through three rate limiters "
                            f"(bars: requests per {bucket_ms} ms; dotted lines: 1-s windows)")
    fig.update_xaxes(title_text="time (s)", row=len(runs), col=1)
    return fig


def hll_figure(rows: Sequence[CountRow]) -> go.Figure:
    """Memory of an exact set vs a HyperLogLog (log scale), and the HLL's
    relative error against its standard error (1.04/sqrt(16384) = 0.81%)."""
    n = [r.cardinality for r in rows]
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12,
                        subplot_titles=("memory (MEMORY USAGE, bytes, log scale)",
                                        "HyperLogLog estimate error (%)"))
    if any(r.set_bytes is not None for r in rows):
        fig.add_trace(go.Scatter(x=n, y=[r.set_bytes for r in rows], name="set (exact)",
                                 mode="lines+markers", line_color="#d62728"), row=1, col=1)
        fig.add_trace(go.Scatter(x=n, y=[r.hll_bytes for r in rows], name="HyperLogLog",
                                 mode="lines+markers", line_color="#1f77b4"), row=1, col=1)
    fig.add_trace(go.Scatter(x=n, y=[100 * r.error for r in rows], name="HLL error",
                             mode="lines+markers", line_color="#1f77b4", showlegend=False),
                  row=1, col=2)
    std = 104 / math.sqrt(16384)
    for band, dash in ((std, "dash"), (-std, "dash"), (2 * std, "dot"), (-2 * std, "dot")):
        fig.add_hline(y=band, line_dash=dash, line_color="#999999", row=1, col=2)
    fig.update_xaxes(type="log", title_text="distinct visitors")
    fig.update_yaxes(type="log", row=1, col=1)
    fig.update_yaxes(title_text="% (dashed: ±1σ = 0.81%, dotted: ±2σ)", row=1, col=2)
    fig.update_layout(template=TEMPLATE, height=380,
                      title="Counting unique visitors: exact set vs HyperLogLog")
    return fig


def geo_figure(stores, center, results, radius_km: float) -> go.Figure:
    """Stores on a longitude/latitude plane: the ones GEOSEARCH returned are
    highlighted, with the search circle (drawn approximately, for the eye)."""
    found = {name for name, _ in results}
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=[lon for _, lon, _ in stores], y=[lat for _, _, lat in stores],
        mode="markers+text", text=[n for n, _, _ in stores], textposition="top center",
        marker=dict(size=11, color=["#2ca02c" if n in found else "#aaaaaa"
                                    for n, _, _ in stores]), name="stores"))
    lon0, lat0 = center
    # One degree of latitude is ~111 km; a degree of longitude shrinks with cos(latitude).
    dlat = radius_km / 111.0
    dlon = radius_km / (111.0 * math.cos(math.radians(lat0)))
    ring = [(lon0 + dlon * math.cos(a / 60 * 2 * math.pi), lat0 + dlat * math.sin(a / 60 * 2 * math.pi))
            for a in range(61)]
    fig.add_trace(go.Scatter(x=[p[0] for p in ring], y=[p[1] for p in ring], mode="lines",
                             line=dict(dash="dash", color="#1f77b4"), name=f"{radius_km:g} km"))
    fig.add_trace(go.Scatter(x=[lon0], y=[lat0], mode="markers", name="you",
                             marker=dict(symbol="star", size=16, color="#ff7f0e")))
    fig.update_layout(template=TEMPLATE, height=460, xaxis_title="longitude",
                      yaxis_title="latitude", title=f"GEOSEARCH … BYRADIUS {radius_km:g} km ASC",
                      yaxis=dict(scaleanchor="x", scaleratio=1 / math.cos(math.radians(lat0))))
    return fig


class LeaderboardPanel:
    """Pick a player, give points, watch the ranking move. ``add(player,
    points)`` does what the button does, so the notebook can check itself."""

    def __init__(self, board, players: Sequence[str], top_n: int = 8):
        import ipywidgets as widgets
        self.board, self.top_n = board, top_n
        self.player = widgets.Dropdown(options=list(players), description="player")
        self.points = widgets.IntSlider(value=10, min=1, max=100, description="points")
        self.button = widgets.Button(description="Add score", icon="plus",
                                     button_style="primary")
        self.status = widgets.Label("")
        self.output = widgets.Output()
        self.button.on_click(lambda _: self.add(self.player.value, self.points.value))
        self.widget = widgets.VBox([widgets.HBox([self.player, self.points, self.button]),
                                    self.status, self.output])
        self.redraw()

    def add(self, player: str, points: int) -> int:
        """ZINCRBY, then redraw; returns the player's new rank."""
        score = self.board.add(player, points)
        rank = self.board.rank(player)
        self.status.value = f"{player}: {score:g} points, rank {rank} of {self.board.size()}"
        self.redraw()
        return rank

    def redraw(self) -> None:
        from . import mime_bundle
        fig = leaderboard_figure(self.board.top(self.top_n))
        # Set the outputs on the widget itself (no `with output:`), so it also
        # works when a notebook runs headless.
        self.output.outputs = ({"output_type": "display_data", "data": mime_bundle(fig),
                                "metadata": {}},)

    def display(self) -> "LeaderboardPanel":
        from IPython.display import display
        display(self.widget)
        return self
