"""Small ipywidgets panels for the labs.

Both work headless (nbval, ``jupyter nbconvert --execute``): constructing and
displaying a widget never waits for a browser, and everything a button does
can also be done by calling a method, which is how notebooks test themselves.
"""
from __future__ import annotations

from typing import Callable, Optional

import ipywidgets as widgets
from IPython.display import display

from . import mime_bundle
from .patterns import timeline_figure

__all__ = ["ProgressBar", "PatternPanel"]


class ProgressBar:
    """A progress bar to pass as ``progress=`` to a long simulation.

    >>> bar = ProgressBar("8 policies")          # doctest: +SKIP
    >>> bar.display(); compare_policies(..., progress=bar)

    Calling it with ``(done, total)`` moves the bar; at ``done == total`` it
    turns green and says "done".
    """

    def __init__(self, description: str = "running", total: int = 1):
        self.bar = widgets.IntProgress(value=0, min=0, max=max(1, total),
                                       description=description, bar_style="info",
                                       style={"description_width": "initial"})
        self.label = widgets.Label("")
        self.widget = widgets.HBox([self.bar, self.label])
        self.calls = 0

    def __call__(self, done: int, total: int) -> None:
        self.calls += 1
        self.bar.max = max(1, total)
        self.bar.value = min(done, total)
        self.label.value = f"{done:,} / {total:,}"
        if done >= total:
            self.bar.bar_style = "success"
            self.label.value += " — done"

    def part(self, index: int, parts: int) -> Callable[[int, int], None]:
        """A callback for part ``index`` (0-based) of ``parts`` equal runs, so
        one bar can follow several simulations in a row."""
        return lambda done, total: self(index * total + done, parts * total)

    @property
    def finished(self) -> bool:
        return self.bar.value >= self.bar.max and self.bar.bar_style == "success"

    def display(self) -> "ProgressBar":
        display(self.widget)
        return self


class PatternPanel:
    """Controls for one small simulation: cache size, TTL, eviction policy,
    Zipf skew and pattern. **Run** re-runs it (on a private embedded node,
    through ``run``, by default :func:`engine.patterns.simulate.run_sandbox`)
    and redraws the timeline in the panel's output area.
    """

    def __init__(self, run: Optional[Callable] = None, *, patterns=None, policies=None):
        from ..patterns.policies import EVICTION_POLICIES
        from ..patterns.simulate import PATTERNS, run_sandbox
        self._run = run or run_sandbox
        self.cache_keys = widgets.IntSlider(value=60, min=10, max=300, step=10,
                                            description="cache size (keys)")
        self.ttl = widgets.IntSlider(value=30, min=0, max=120, step=5,
                                     description="TTL (s, 0 = none)")
        self.policy = widgets.Dropdown(options=list(policies or EVICTION_POLICIES),
                                       value="allkeys-lru", description="policy")
        self.skew = widgets.FloatSlider(value=1.0, min=0.0, max=1.6, step=0.1,
                                        description="Zipf skew")
        self.pattern = widgets.Dropdown(options=list(patterns or PATTERNS),
                                        value="cache-aside", description="pattern")
        for w in (self.cache_keys, self.ttl, self.policy, self.skew, self.pattern):
            w.style = {"description_width": "120px"}
        self.button = widgets.Button(description="Run", icon="play", button_style="primary")
        self.status = widgets.Label("")
        self.output = widgets.Output()
        self.button.on_click(lambda _: self.run())
        self.widget = widgets.VBox([
            widgets.HBox([widgets.VBox([self.cache_keys, self.ttl, self.skew]),
                          widgets.VBox([self.policy, self.pattern,
                                        widgets.HBox([self.button, self.status])])]),
            self.output])
        self.last_result = None

    def settings(self) -> dict:
        return {"pattern": self.pattern.value, "cache_keys": self.cache_keys.value,
                "ttl": self.ttl.value, "policy": self.policy.value, "skew": self.skew.value}

    def run(self):
        """Run with the current settings, redraw, and return the RunResult."""
        settings = self.settings()
        self.status.value = "running…"
        result = self._run(**settings)
        self.last_result = result
        s = result.summary()
        self.status.value = (f"hit ratio {s['hit ratio']:.2f} · db reads {s['db reads']} · "
                             f"stale reads {s['stale reads']} · p99 {s['read p99 (ms)']} ms"
                             + (f" · OOM {result.cache_errors}" if result.cache_errors else ""))
        fig = timeline_figure([result], title=", ".join(f"{k}={v}" for k, v in settings.items()))
        fig.update_layout(height=560)
        # Replace the previous figure; set on the widget itself (not captured
        # with `with output:`), so it is in the widget's state even headless.
        self.output.outputs = ({"output_type": "display_data", "data": mime_bundle(fig),
                                "metadata": {}},)
        return result

    def display(self) -> "PatternPanel":
        display(self.widget)
        return self
