"""Quizzes for ElastiCache Lab: the question bank, grading, exam mode, progress, code exercises.

The public surface (what notebooks use, nothing else):

``ask(topic_or_ids, *, record=True)`` → :class:`~quizzes.widgets.QuizPanel`
    Show questions in a notebook with instant feedback — a topic name
    (``"eviction"``), a question id, or a list of either. ``panel.try_answer(i, response)``
    and ``panel.grade(i, response)`` drive the same grading from code (not recorded).
``practice(topic, seed=0)`` → QuizPanel
    The exam-style questions of a topic in a seeded order, feedback after each.
``exam(count=20, seed=0, *, time_limit_min=None, topics=None)`` → :class:`~quizzes.widgets.ExamPanel`
    Exam mode: drawn by the SAA-C03 domain weights (seeded: one seed = one exam for a
    class), timer, flag for review, review screen, submit, report with a per-domain
    figure, missed questions with explanations and the labs to revisit.
``check(name, fn, *, hidden=True, record=True)`` → :class:`~quizzes.exercises.CheckReport`
    Run a code exercise's checks on the learner's function against a fresh engine;
    ``task(name)`` is the exercise text; ``key_slot(key)`` a key's hash slot (CRC16).
``grade(question, response)`` → :class:`~quizzes.grading.Result`
    The pure grading core every front end uses (score, feedback, explanation, references).
``load_bank(folder=None)`` → :class:`~quizzes.model.Bank`
    The validated bank (``quizzes/bank`` or ``$ELASTICACHE_LAB_BANK``); a broken file
    raises :class:`BankError` naming file, line and problem.
``Exam``, ``Practice``, ``draw``
    Exam and practice mode without widgets (the terminal front end uses them).
Progress helpers
    ``load_progress()`` (``~/.elasticache-lab/progress.json`` or
    ``$ELASTICACHE_LAB_PROGRESS``), ``export_progress(path, learner=None)``,
    ``import_progress(path)``, ``due_for_review(today=None)`` (Leitner boxes) and
    ``review()`` (a QuizPanel of the questions due today).

Submodules imported on demand (not by ``import quizzes``):

``quizzes.dashboard``
    The class dashboard over a folder of exported progress files (per-question
    difficulty, per-domain scores, plotly figures) — labs/instructor-dashboard.ipynb.
``quizzes.widgets``
    The ipywidgets panels behind ``ask``, ``practice``, ``exam`` and ``review``.

Terminal: ``python -m quizzes exam | practice TOPIC | review | stats --json | seal DIR |
unseal DIR | student SRC DEST | export PATH | import PATH`` (see ``--help``).

Importing ``quizzes`` does not import ipywidgets or plotly (the widget module and the
report figure load them on demand).
"""
from __future__ import annotations

import datetime as _dt

from .exercises import CheckReport, task
from .exercises import check as _check_exercise
from .exercises.slots import key_slot
from .exam_mode import Exam, ExamReport, Practice, draw
from .grading import Result, ResponseError, grade
from .loader import BankError, load_bank
from .model import DOMAIN_WEIGHTS, Bank, Question
from .progress import Progress, load_progress


def ask(what, *, record: bool = True, bank=None):
    """Display the questions of a topic (or ids) with instant feedback; returns the panel."""
    from .widgets import QuizPanel
    panel = QuizPanel((bank or load_bank()).select(what), record=record)
    return panel.display()


def practice(topic, seed: int = 0, *, record: bool = True, bank=None):
    """Practice a topic: its exam-style questions in a seeded order, feedback after each."""
    from .widgets import QuizPanel
    session = Practice(bank or load_bank(), topic, seed)
    return QuizPanel(session.questions, record=record).display()


def exam(count: int = 20, seed: int = 0, *, time_limit_min=None, topics=None,
         record: bool = True, bank=None):
    """Start exam mode in the notebook (see :class:`~quizzes.widgets.ExamPanel`)."""
    from .widgets import ExamPanel
    session = Exam(bank or load_bank(), count, seed, topics=topics,
                   time_limit_s=None if time_limit_min is None else 60 * time_limit_min)
    return ExamPanel(session, record=record).display()


def check(name: str, fn, *, hidden: bool = True, record: bool = True) -> CheckReport:
    """Run code exercise ``name`` on ``fn``; the report is kept in your progress."""
    report = _check_exercise(name, fn, hidden=hidden)
    if record:
        load_progress().record_exercise(report)
    return report


def export_progress(path, learner=None):
    """Write a copy of your progress for your instructor."""
    return load_progress().export(path, learner)


def import_progress(path) -> int:
    """Merge an exported progress file into yours; returns the answers added."""
    return load_progress().import_file(path)


def due_for_review(today=None) -> list:
    """Ids of the missed questions due for review today (Leitner boxes)."""
    from .leitner import Schedule
    return Schedule(load_progress()).due(today or _dt.date.today())


def review(today=None, *, record: bool = True, bank=None):
    """A QuizPanel of the questions due for review (those still in the bank)."""
    bank = bank or load_bank()
    ids = [qid for qid in due_for_review(today) if qid in bank]
    from .widgets import QuizPanel
    return QuizPanel(bank.select(ids) if ids else [], record=record, mode="review").display()


__all__ = ["ask", "practice", "exam", "check", "task", "key_slot", "grade", "load_bank",
           "Exam", "ExamReport", "Practice", "draw", "Result", "ResponseError", "BankError",
           "Bank", "Question", "CheckReport", "DOMAIN_WEIGHTS", "Progress", "load_progress",
           "export_progress", "import_progress", "due_for_review", "review"]
