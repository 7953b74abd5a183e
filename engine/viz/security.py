"""The access-string builder: type ACL rules, see what Redis makes of them.

:func:`evaluate` is the logic (no Jupyter needed, tests call it): it applies
the rules to a fresh ACL user exactly as ``ACL SETUSER`` would, and returns
the normalised rules (what ``ACL LIST`` prints) plus a grid of commands ×
keys with the engine's own allow/deny decision in each cell.
:class:`AccessStringBuilder` wraps it in a text box and an HTML table.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import List, Optional

from ..commands.registry import lookup
from ..security.acl import DENIED_CHANNEL, DENIED_CMD, DENIED_KEY, OK, RuleError, User

#: What the grid tries by default: one command per kind of access.
DEFAULT_COMMANDS = ("GET {key}", "SET {key} v", "DEL {key}", "INCR {key}", "EXISTS {key}",
                    "HGETALL {key}", "FLUSHALL", "CONFIG GET maxmemory", "PUBLISH {key} hi")
DEFAULT_KEYS = ("app:1", "app:cart:9", "report:2024", "secret")

_REASON = {DENIED_CMD: "command denied", DENIED_KEY: "key denied",
           DENIED_CHANNEL: "channel denied"}


@dataclass
class Evaluation:
    """What a rule string means."""

    rules: str
    normalized: str = ""
    error: Optional[str] = None
    commands: List[str] = field(default_factory=list)
    keys: List[str] = field(default_factory=list)
    #: grid[i][j] = decision for commands[i] on keys[j]: "allowed" or the reason.
    grid: List[List[str]] = field(default_factory=list)

    def allowed(self, command: str, key: str) -> bool:
        return self.grid[self.commands.index(command)][self.keys.index(key)] == "allowed"


def evaluate(rules: str, commands=DEFAULT_COMMANDS, keys=DEFAULT_KEYS,
             elasticache: bool = False) -> Evaluation:
    """Apply ``rules`` (space-separated ACL rules) to a new user named
    ``builder`` and decide every command × key. With ``elasticache=True``
    the string is checked as an ElastiCache access string (no passwords,
    no ``reset``)."""
    result = Evaluation(rules, commands=list(commands), keys=list(keys))
    user = User("builder")
    try:
        if elasticache:
            from ..service.security_api import parse_access_string
            from ..service.errors import Refusal
            try:
                user = parse_access_string(rules)
                user.name = "builder"
            except Refusal as refusal:
                raise RuleError(refusal.message) from None
        else:
            for rule in rules.split():
                try:
                    user.apply(rule)
                except RuleError as e:
                    raise RuleError(f"Error in ACL SETUSER modifier '{rule}': {e.reason}") from None
    except RuleError as e:
        result.error = e.reason
        return result
    result.normalized = "user builder " + user.describe()
    for template in commands:
        row = []
        for key in keys:
            argv = [w.encode() for w in template.format(key=key).split()]
            cmd = lookup(argv)
            if cmd is None:
                row.append("unknown command")
                continue
            outcome, _ = user.check(cmd, argv)
            if outcome == OK and not user.enabled:
                row.append("user is off (cannot log in)")
            else:
                row.append("allowed" if outcome == OK else _REASON[outcome])
        result.grid.append(row)
    return result


def grid_html(ev: Evaluation) -> str:
    """The evaluation as an HTML table (green = allowed)."""
    if ev.error:
        return f"<p style='color:#b00'><b>ERR</b> {html.escape(ev.error)}</p>"
    head = "".join(f"<th>{html.escape(k)}</th>" for k in ev.keys)
    rows = []
    for command, cells in zip(ev.commands, ev.grid):
        tds = "".join(
            f"<td style='background:{'#d7f5dd' if c == 'allowed' else '#fbdada'}'>"
            f"{html.escape(c)}</td>" for c in cells)
        rows.append(f"<tr><th style='text-align:left'>{html.escape(command)}</th>{tds}</tr>")
    return (f"<p><code>{html.escape(ev.normalized)}</code></p>"
            f"<table><tr><th>command \\ key</th>{head}</tr>{''.join(rows)}</table>")


class AccessStringBuilder:
    """A text box for rules, the normalised ACL and the decision grid.

    ``builder.set_rules("on ~app:* +@read")`` does what typing does, so a
    notebook can drive (and check) it headless."""

    def __init__(self, rules: str = "on ~app:* +@read", commands=DEFAULT_COMMANDS,
                 keys=DEFAULT_KEYS, elasticache: bool = True):
        import ipywidgets as widgets
        self.commands, self.keys, self.elasticache = commands, keys, elasticache
        self.text = widgets.Text(value=rules, description="rules",
                                 layout=widgets.Layout(width="90%"),
                                 continuous_update=False)
        self.out = widgets.HTML()
        self.widget = widgets.VBox([self.text, self.out])
        self.text.observe(lambda change: self._refresh(), names="value")
        self.evaluation: Evaluation = Evaluation(rules)
        self._refresh()

    def _refresh(self) -> None:
        self.evaluation = evaluate(self.text.value, self.commands, self.keys, self.elasticache)
        self.out.value = grid_html(self.evaluation)

    def set_rules(self, rules: str) -> Evaluation:
        self.text.value = rules
        self._refresh()
        return self.evaluation

    def display(self) -> "AccessStringBuilder":
        from IPython.display import display
        display(self.widget)
        return self
