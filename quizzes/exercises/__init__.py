"""Code exercises: the learner writes a function, :func:`check` runs it against a fresh
engine and reports which checks passed.

Each exercise (one module here) has public checks — described in its task, so the
learner knows what is expected — and hidden checks, which probe the cases a quick
solution misses. Every check runs on its own sandbox: a new ``engine.Node()`` on a
virtual clock, a redis-py client from ``engine.connect()``, and a database stub that
counts its calls (:mod:`quizzes.exercises.harness`). Checks look at the engine's state
(keys, TTLs, types, INFO hits and misses), not at the learner's code.

The report says, for each check, passed or the message of what went wrong. For a
hidden check it shows only its number and message — never its source. Running
without the hidden checks (``hidden=False``) never counts as full marks.

Exercises: ``cache_aside``, ``write_through``, ``leaderboard``, ``rate_limiter``,
``hash_tags``; :func:`task` gives the task text of each.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable, List

from .harness import CheckFailed

NAMES = ("cache_aside", "write_through", "leaderboard", "rate_limiter", "hash_tags")


@dataclass
class CheckResult:
    title: str
    passed: bool
    message: str = ""
    hidden: bool = False


@dataclass
class CheckReport:
    name: str
    results: List[CheckResult] = field(default_factory=list)
    hidden_not_run: int = 0

    @property
    def total(self) -> int:
        return len(self.results) + self.hidden_not_run

    @property
    def passed_count(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def score(self) -> float:
        return self.passed_count / self.total if self.total else 0.0

    @property
    def full_marks(self) -> bool:
        return self.hidden_not_run == 0 and self.passed_count == self.total

    @property
    def failures(self) -> List[CheckResult]:
        return [r for r in self.results if not r.passed]

    def messages(self) -> List[str]:
        lines = [f"{r.title}: {r.message}" for r in self.failures]
        if self.hidden_not_run:
            lines.append(f"{self.hidden_not_run} hidden check(s) not run: this is not full "
                         f"marks until they pass too")
        return lines

    def as_text(self) -> str:
        public = [r for r in self.results if not r.hidden]
        hidden = [r for r in self.results if r.hidden]
        head = (f"{self.name}: {self.passed_count}/{self.total} checks passed"
                + (" — full marks" if self.full_marks else ""))
        lines = [head]
        for r in public:
            lines.append(f"  {'✔' if r.passed else '✘'} {r.title}"
                         + ("" if r.passed else f" — {r.message}"))
        if hidden:
            ok = sum(r.passed for r in hidden)
            lines.append(f"  hidden checks: {ok}/{len(hidden)} passed")
            lines += [f"  ✘ {r.title} — {r.message}" for r in hidden if not r.passed]
        if self.hidden_not_run:
            lines.append(f"  public checks only: {self.hidden_not_run} hidden check(s) not "
                         f"run, so this is not full marks")
        return "\n".join(lines)

    __str__ = as_text

    def _repr_markdown_(self) -> str:
        return "```\n" + self.as_text() + "\n```"


def _module(name: str):
    if name not in NAMES:
        raise KeyError(f"no exercise {name!r}; exercises: {', '.join(NAMES)}")
    return importlib.import_module(f"{__name__}.{name}")


def task(name: str) -> str:
    """The task text of exercise ``name`` (what to write, with its signature)."""
    return _module(name).__doc__.strip()


def check(name: str, fn: Callable, *, hidden: bool = True) -> CheckReport:
    """Run exercise ``name``'s checks on ``fn`` and return a :class:`CheckReport`."""
    module = _module(name)
    if not callable(fn):
        raise TypeError(f"check({name!r}, fn) needs your function, got {fn!r}")
    report = CheckReport(name)
    groups = [(module.PUBLIC, False)] + ([(module.HIDDEN, True)] if hidden else [])
    for checks, is_hidden in groups:
        for number, probe in enumerate(checks, 1):
            title = f"hidden check {number}" if is_hidden else probe.__doc__.strip().splitlines()[0]
            try:
                probe(fn)
                report.results.append(CheckResult(title, True, "", is_hidden))
            except CheckFailed as failure:
                report.results.append(CheckResult(title, False, str(failure), is_hidden))
    if not hidden:
        report.hidden_not_run = len(module.HIDDEN)
    return report


__all__ = ["check", "task", "CheckReport", "CheckResult", "NAMES"]
