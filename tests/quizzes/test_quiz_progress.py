"""Progress: the env var path, atomic writes, corrupted files kept aside, export/import,
and the Leitner review schedule on an injected clock."""
import datetime as dt
import json
import os

import pytest

from quizzes.grading import grade
from quizzes.progress import Progress, ProgressWarning, atomic_write_text, load_progress
from quizzes.leitner import INTERVALS, Schedule


class Clock:
    def __init__(self, start=dt.datetime(2025, 3, 1, 9, 0, 0)):
        self.value = start

    def __call__(self):
        return self.value

    def days(self, n):
        self.value += dt.timedelta(days=n)


def test_path_from_env_and_roundtrip(private_progress, good_bank):
    progress = load_progress()
    assert progress.path == private_progress
    progress.record_answer(grade(good_bank["eviction-001"], 0))
    again = load_progress()
    assert again.answers[0]["id"] == "eviction-001" and again.answers[0]["correct"] is True
    assert again.answers[0]["domain"] == "high-performing"


def test_atomic_write_leaves_old_file_when_replace_fails(tmp_path, monkeypatch):
    path = tmp_path / "p.json"
    atomic_write_text(path, "old")

    def broken_replace(src, dst):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        atomic_write_text(path, "new")
    monkeypatch.undo()
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["p.json"]   # no temp file left


@pytest.mark.parametrize("content", ["{not json", json.dumps({"answers": "x"}), "\xff\xfe"])
def test_corrupted_file_is_kept_aside_and_reported(private_progress, content):
    private_progress.parent.mkdir(parents=True, exist_ok=True)
    private_progress.write_text(content, encoding="latin-1")
    clock = Clock()
    with pytest.warns(ProgressWarning, match="kept as .*corrupt-20250301T090000"):
        progress = Progress(now=clock)
    aside = private_progress.with_name("progress.json.corrupt-20250301T090000")
    assert progress.recovered_from == aside
    assert aside.read_text(encoding="latin-1") == content        # nothing lost
    assert not private_progress.exists()
    progress.save()
    assert json.loads(private_progress.read_text())["answers"] == []


def test_second_corruption_does_not_overwrite_the_first(private_progress):
    private_progress.parent.mkdir(parents=True, exist_ok=True)
    for text in ("broken one", "broken two"):
        private_progress.write_text(text)
        with pytest.warns(ProgressWarning):
            Progress(now=Clock())
    kept = sorted(p.read_text() for p in private_progress.parent.glob("progress.json.corrupt-*"))
    assert kept == ["broken one", "broken two"]


def test_export_and_import_merge(tmp_path, good_bank):
    clock = Clock()
    alice = Progress(tmp_path / "alice.json", now=clock)
    alice.record_answer(grade(good_bank["eviction-001"], 1))
    clock.days(1)
    alice.record_answer(grade(good_bank["eviction-004"], 6))
    exported = alice.export(tmp_path / "export.json", learner="alice")
    data = json.loads(exported.read_text())
    assert data["learner"] == "alice" and len(data["answers"]) == 2

    other = Progress(tmp_path / "other.json", now=clock)
    other.record_answer(grade(good_bank["engines-001"], 2))
    assert other.import_file(exported) == 2
    assert other.import_file(exported) == 0                      # importing twice adds nothing
    assert {a["id"] for a in other.answers} == {"eviction-001", "eviction-004", "engines-001"}
    assert "eviction-001" in other.data["review"]
    with pytest.raises(ValueError, match="not an exported progress file"):
        (tmp_path / "bad.json").write_text("[]")
        other.import_file(tmp_path / "bad.json")


def test_leitner_schedule(tmp_path):
    progress = Progress(tmp_path / "p.json")
    schedule = Schedule(progress)
    day = dt.date(2025, 3, 1)
    assert schedule.record("q-1", True, day) is None             # right first time: no review
    schedule.record("q-2", False, day)
    assert schedule.box_of("q-2") == 1
    assert schedule.due(day) == [] and schedule.due(day + dt.timedelta(days=1)) == ["q-2"]
    when = day
    for box in range(2, len(INTERVALS) + 1):                     # right each time it is due
        when += dt.timedelta(days=INTERVALS[box - 2])
        card = schedule.record("q-2", True, when)
        assert card["box"] == box
        assert card["due"] == (when + dt.timedelta(days=INTERVALS[box - 1])).isoformat()
    when += dt.timedelta(days=INTERVALS[-1])
    assert schedule.record("q-2", True, when) is None and schedule.box_of("q-2") is None
    schedule.record("q-3", False, day)
    schedule.record("q-3", True, day + dt.timedelta(days=1))
    schedule.record("q-3", False, day + dt.timedelta(days=3))    # wrong again: back to box 1
    assert schedule.box_of("q-3") == 1


def test_missed_answers_enter_review_with_the_progress_clock(tmp_path, good_bank):
    clock = Clock()
    progress = Progress(tmp_path / "p.json", now=clock)
    progress.record_answer(grade(good_bank["eviction-001"], 2))
    assert Schedule(progress).due(dt.date(2025, 3, 2)) == ["eviction-001"]
    assert Schedule(progress).due(dt.date(2025, 3, 1)) == []
