"""Figures and small control panels for the labs (plotly, ipywidgets).

Nothing here is imported by ``import engine``: plotly and ipywidgets load only
when a notebook asks for them, e.g. ``from engine.viz import patterns as vp``.

Modules
    ``engine.viz.patterns``   plotly figure builders for the caching-patterns lab
                              (timelines of hit ratio / database load / latency,
                              the stampede, the LRU approximation picture, the
                              eight eviction policies)
    ``engine.viz.widgets``    :class:`~engine.viz.widgets.ProgressBar` (a progress
                              callback drawn as an ipywidgets bar) and
                              :class:`~engine.viz.widgets.PatternPanel`

Helpers (light: they import only IPython, when called)
    ``show(fig)``          display a figure so it renders both in JupyterLab and
                           in HTML exports (``mime_bundle(fig)`` is the data)
    ``show_source(*objs)`` display the real source of functions/classes
    ``table(rows)``        display a list of dicts as a Markdown table
"""
from __future__ import annotations

def mime_bundle(fig) -> dict:
    """The display data for a plotly figure: plotly's own MIME type (drawn by
    JupyterLab) plus a self-contained HTML copy that loads plotly.js from its
    CDN (for HTML exports and other viewers).

    Built directly rather than through ``fig.show()``: plotly's renderer
    machinery imports nbformat and, through it, jsonschema's format checkers,
    which costs seconds on a fresh kernel — too much for labs that must run
    headless in a few seconds.
    """
    import json
    import plotly.io as pio
    payload = json.loads(pio.to_json(fig, validate=False))
    payload["config"] = {"plotlyServerURL": "https://plot.ly"}
    title = (fig.layout.title.text or "figure") if fig.layout.title else "figure"
    return {"application/vnd.plotly.v1+json": payload,
            "text/html": pio.to_html(fig, include_plotlyjs="cdn", full_html=False),
            "text/plain": f"<plotly figure: {title}>"}


def show(fig) -> None:
    """Display a plotly figure (see :func:`mime_bundle`)."""
    from IPython.display import display
    display(mime_bundle(fig), raw=True)


def show_source(*objects) -> None:
    """Display the source code of functions or classes, highlighted — so a lab
    shows the real code it runs, not a copy that could drift."""
    import inspect
    from IPython.display import Markdown, display
    code = "\n\n".join(inspect.getsource(obj).rstrip() for obj in objects)
    display(Markdown(f"```python\n{code}\n```"))


def table(rows, columns=None) -> None:
    """Display a list of dicts (one per row) as a Markdown table."""
    from IPython.display import Markdown, display
    rows = list(rows)
    if not rows:
        display(Markdown("*(no rows)*"))
        return
    columns = list(columns or rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
    lines += ["| " + " | ".join(str(row.get(c, "")) for c in columns) + " |" for row in rows]
    display(Markdown("\n".join(lines)))
