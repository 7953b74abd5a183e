"""Figures and a widget for the sharding lab (labs/05-sharding.ipynb).

Figure builders take plain data (describe_* responses, the dicts of
:mod:`engine.cluster_workload`, :func:`engine.memcached.cluster.remap_table`
rows) and return plotly figures; show them with ``engine.viz.show(fig)``.
:class:`KeySlotExplorer` is the key → slot → shard → node panel.
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf"]


def _ranges(text: str):
    for part in text.split(","):
        if part:
            a, b = part.split("-")
            yield int(a), int(b)


def slot_map_figure(node_groups: Sequence[dict], title: str = "Who owns which hash slots"):
    """One bar per shard along the 0–16383 slot line, from the ``NodeGroups``
    of ``describe_replication_groups`` (cluster mode enabled)."""
    fig = go.Figure()
    for i, group in enumerate(node_groups):
        color = PALETTE[i % len(PALETTE)]
        for a, b in _ranges(group.get("Slots", "")):
            fig.add_trace(go.Bar(x=[b - a + 1], y=[group["NodeGroupId"]], base=[a],
                                 orientation="h", marker_color=color, showlegend=False,
                                 hovertemplate=f"shard {group['NodeGroupId']}: slots {a}-{b}"
                                               "<extra></extra>"))
    fig.update_layout(title=title, barmode="overlay", height=120 + 40 * len(node_groups),
                      xaxis=dict(title="hash slot", range=[0, 16384]),
                      yaxis=dict(title="shard (NodeGroupId)", autorange="reversed"),
                      margin=dict(l=60, r=20, t=50, b=40))
    return fig


def slots_per_shard_figure(before: Sequence[dict], after: Sequence[dict],
                           title: str = "Slots per shard, before and after resharding"):
    """Grouped bars: how many slots each shard owns before and after."""
    def counts(groups):
        return {g["NodeGroupId"]: sum(b - a + 1 for a, b in _ranges(g.get("Slots", "")))
                for g in groups}
    b, a = counts(before), counts(after)
    ids = sorted(set(b) | set(a))
    fig = go.Figure([go.Bar(name="before", x=ids, y=[b.get(i, 0) for i in ids]),
                     go.Bar(name="after", x=ids, y=[a.get(i, 0) for i in ids])])
    fig.update_layout(title=title, barmode="group", xaxis_title="shard",
                      yaxis_title="slots owned", height=360)
    return fig


def hot_keys_figure(run: dict, top: int = 15, title: str = "A hot key makes a hot shard"):
    """Left: ops on the ``top`` hottest keys; right: ops per node (primary).
    ``run`` is :func:`engine.cluster_workload.hot_key_run`'s result."""
    fig = make_subplots(rows=1, cols=2, column_widths=[0.6, 0.4],
                        subplot_titles=(f"ops per key (top {top})", "ops per node"))
    keys = run["per_key"][:top]
    fig.add_trace(go.Bar(x=[k for k, _ in keys], y=[n for _, n in keys],
                         marker_color=PALETTE[3], showlegend=False), row=1, col=1)
    nodes = run["per_node"]
    hottest = max(nodes, key=nodes.get)
    fig.add_trace(go.Bar(x=list(nodes), y=list(nodes.values()), showlegend=False,
                         marker_color=[PALETTE[3] if n == hottest else PALETTE[0]
                                       for n in nodes]), row=1, col=2)
    even = run["ops"] / len(nodes)
    fig.add_hline(y=even, line_dash="dot", row=1, col=2,
                  annotation_text="even share", annotation_position="top left")
    fig.update_layout(title=title, height=380)
    return fig


def remap_figure(rows: Sequence[dict],
                 title: str = "Keys that move when one node is added"):
    """Measured fraction of keys remapped (n → n+1 nodes) for modulo and
    ketama, with the theory (n/(n+1) and 1/(n+1)) dashed."""
    n = [r["nodes_before"] for r in rows]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=n, y=[r["modulo"] for r in rows], mode="lines+markers",
                             name="modulo (measured)", line_color=PALETTE[3]))
    fig.add_trace(go.Scatter(x=n, y=[r["modulo_theory"] for r in rows], mode="lines",
                             name="n/(n+1)", line=dict(color=PALETTE[3], dash="dash")))
    fig.add_trace(go.Scatter(x=n, y=[r["ketama"] for r in rows], mode="lines+markers",
                             name="ketama (measured)", line_color=PALETTE[2]))
    fig.add_trace(go.Scatter(x=n, y=[r["ketama_theory"] for r in rows], mode="lines",
                             name="1/(n+1)", line=dict(color=PALETTE[2], dash="dash")))
    fig.update_layout(title=title, height=400, xaxis_title="nodes before adding one",
                      yaxis=dict(title="fraction of keys remapped", tickformat=".0%",
                                 range=[0, 1]))
    return fig


class KeySlotExplorer:
    """Type a key, see its hash tag, slot, shard and node.

    ``explain`` is a function ``key -> dict`` (see
    :func:`engine.cluster_workload.explain_key`). ``explorer.show("k")`` does
    what typing does, so a notebook can test the panel headless."""

    def __init__(self, explain: Callable[[str], dict], initial: str = "user:{42}:cart"):
        import ipywidgets as widgets
        self._explain = explain
        self.text = widgets.Text(value=initial, description="key",
                                 continuous_update=True,
                                 style={"description_width": "initial"})
        self.result = widgets.HTML()
        self.widget = widgets.VBox([self.text, self.result])
        self.last: Optional[dict] = None
        self.text.observe(lambda change: self.show(change["new"]), names="value")
        self.show(initial)

    def show(self, key: str) -> dict:
        if self.text.value != key:
            self.text.value = key           # triggers the observer, which calls show
            return self.last
        if not key:
            self.result.value = "<i>type a key</i>"
            self.last = None
            return None
        info = self._explain(key)
        hashed = (f"the hash tag <code>{{{info['hash_tag']}}}</code>" if info["hash_tag"]
                  else "the whole key")
        rows = [f"CRC16 of {hashed} mod 16384 = slot <b>{info['slot']}</b>"]
        if info.get("shard"):
            rows.append(f"shard <b>{info['shard']}</b> (primary {info['primary']})")
        rows.append(f"node <code>{info['node']}</code>")
        self.result.value = " → ".join(rows)
        self.last = info
        return info

    def display(self) -> "KeySlotExplorer":
        from IPython.display import display
        display(self.widget)
        return self
