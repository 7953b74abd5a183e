"""The learner's progress: answers, exam scores, exercise results and the review schedule,
in one JSON file in the home directory.

Where: ``~/.elasticache-lab/progress.json``, or the path in ``$ELASTICACHE_LAB_PROGRESS``
(the tests set it). Writes are atomic — a temporary file in the same folder, flushed and
``os.replace``-d over the old one — so a crash or a full disk never leaves half a file.
A file that cannot be read back (damaged JSON, wrong shape) is never silently reset: it
is renamed aside with a timestamp (``progress.json.corrupt-20250101T120000``), a warning
names both paths, and :attr:`Progress.recovered_from` keeps the name.

Export writes a copy with the learner's name for an instructor; import merges a copy
back (answers by id and time, the review schedule by latest update).
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import tempfile
import warnings
from pathlib import Path
from typing import Callable, Optional

PROGRESS_ENV = "ELASTICACHE_LAB_PROGRESS"
VERSION = 1


class ProgressWarning(UserWarning):
    """Progress could not be read and was kept aside (the message says where)."""


def default_path() -> Path:
    env = os.environ.get(PROGRESS_ENV)
    return Path(env).expanduser() if env else Path.home() / ".elasticache-lab" / "progress.json"


def atomic_write_text(path, text: str) -> None:
    """Write ``text`` to ``path`` atomically: temp file in the same folder + os.replace."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _empty() -> dict:
    return {"version": VERSION, "learner": None, "answers": [], "exams": [],
            "exercises": {}, "review": {}}


def _valid(data) -> bool:
    return (isinstance(data, dict) and isinstance(data.get("answers"), list)
            and isinstance(data.get("exams"), list) and isinstance(data.get("review"), dict)
            and isinstance(data.get("exercises", {}), dict))


def _now_iso(now: Callable[[], _dt.datetime]) -> str:
    return now().replace(microsecond=0).isoformat()


class Progress:
    """One learner's progress file. ``now`` is injectable (tests pass a fixed clock)."""

    def __init__(self, path=None, *, now: Optional[Callable[[], _dt.datetime]] = None):
        self.path = Path(path) if path else default_path()
        self.now = now or _dt.datetime.now
        self.recovered_from: Optional[Path] = None
        self.data = self._read()

    def _read(self) -> dict:
        if not self.path.exists():
            return _empty()
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if not _valid(data):
                raise ValueError("the file is JSON but not a progress record")
        except (ValueError, UnicodeDecodeError) as exc:
            stamp = self.now().strftime("%Y%m%dT%H%M%S")
            aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
            n = 1
            while aside.exists():
                aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
                n += 1
            os.replace(self.path, aside)
            self.recovered_from = aside
            warnings.warn(f"Your progress file {self.path} could not be read ({exc}). It was "
                          f"kept as {aside}; a new one starts now.", ProgressWarning,
                          stacklevel=3)
            return _empty()
        data.setdefault("exercises", {})
        data.setdefault("learner", None)
        return data

    def save(self) -> None:
        atomic_write_text(self.path, json.dumps(self.data, indent=1, sort_keys=True) + "\n")

    # -- recording -----------------------------------------------------------------------
    def record_answer(self, result, mode: str = "practice", save: bool = True) -> dict:
        """Keep one graded answer (a :class:`~quizzes.grading.Result`) and move the
        question in the review schedule."""
        from .leitner import Schedule
        entry = {**result.as_record(), "mode": mode, "at": _now_iso(self.now)}
        self.data["answers"].append(entry)
        Schedule(self).record(result.question_id, result.correct, self.now().date())
        if save:
            self.save()
        return entry

    def record_exam(self, report, save: bool = True) -> dict:
        entry = {**report.summary(), "at": _now_iso(self.now)}
        self.data["exams"].append(entry)
        for result in report.results:
            self.record_answer(result, mode="exam", save=False)
        if save:
            self.save()
        return entry

    def record_exercise(self, report, save: bool = True) -> dict:
        entry = {"score": round(report.score, 4), "full_marks": report.full_marks,
                 "passed": report.passed_count, "checks": report.total, "at": _now_iso(self.now)}
        self.data["exercises"][report.name] = entry
        if save:
            self.save()
        return entry

    # -- reading -------------------------------------------------------------------------
    @property
    def answers(self) -> list:
        return list(self.data["answers"])

    def summary(self) -> dict:
        answers = self.data["answers"]
        return {"answers": len(answers),
                "correct": sum(1 for a in answers if a.get("correct")),
                "exams": len(self.data["exams"]),
                "exercises": dict(self.data["exercises"]),
                "in_review": len(self.data["review"])}

    # -- export / import -----------------------------------------------------------------
    def export(self, path, learner: Optional[str] = None) -> Path:
        """Write a copy for an instructor (atomically); ``learner`` names it."""
        data = dict(self.data, learner=learner or self.data.get("learner"),
                    exported_at=_now_iso(self.now))
        atomic_write_text(path, json.dumps(data, indent=1, sort_keys=True) + "\n")
        return Path(path)

    def import_file(self, path, save: bool = True) -> int:
        """Merge an exported file into this progress; returns the answers added."""
        other = json.loads(Path(path).read_text(encoding="utf-8"))
        if not _valid(other):
            raise ValueError(f"{path} is not an exported progress file")
        known = {(a.get("id"), a.get("at"), a.get("mode")) for a in self.data["answers"]}
        added = [a for a in other["answers"] if (a.get("id"), a.get("at"), a.get("mode"))
                 not in known]
        self.data["answers"] += added
        self.data["answers"].sort(key=lambda a: a.get("at") or "")
        exams = {json.dumps(e, sort_keys=True) for e in self.data["exams"]}
        self.data["exams"] += [e for e in other["exams"] if json.dumps(e, sort_keys=True)
                               not in exams]
        for qid, card in other["review"].items():
            mine = self.data["review"].get(qid)
            if mine is None or card.get("updated", "") > mine.get("updated", ""):
                self.data["review"][qid] = card
        for name, entry in other.get("exercises", {}).items():
            mine = self.data["exercises"].get(name)
            if mine is None or entry.get("at", "") > mine.get("at", ""):
                self.data["exercises"][name] = entry
        if not self.data.get("learner"):
            self.data["learner"] = other.get("learner")
        if save:
            self.save()
        return len(added)


def load_progress(path=None, **kwargs) -> Progress:
    """The learner's :class:`Progress` (``$ELASTICACHE_LAB_PROGRESS`` or the home folder)."""
    return Progress(path, **kwargs)
