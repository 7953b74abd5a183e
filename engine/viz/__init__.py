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
    ``show(fig)``          display a figure the way every lab does, so it renders
                           both in JupyterLab and in HTML exports
    ``show_source(*objs)`` display the real source of functions/classes
    ``table(rows)``        display a list of dicts as a Markdown table
"""
from __future__ import annotations

#: The renderer the labs use: JupyterLab's plotly MIME type, plus an HTML copy
#: (plotly.js from its CDN) for exports and classic notebook viewers.
RENDERER = "plotly_mimetype+notebook_connected"


def show(fig) -> None:
    """Display a plotly figure with the labs' renderer."""
    fig.show(renderer=RENDERER)


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
