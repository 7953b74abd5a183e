"""The grading core: ``grade(question, response)`` → :class:`Result`.

Pure: no Jupyter, no files, no clock. Every front end — the notebook widgets, exam
mode, the terminal, the instructor tools — grades through this one function, so a
question is scored the same way everywhere. It works on both bank forms: a sealed
question is checked by hashing the response (see :mod:`quizzes.sealing`).

Responses, by question type (choices and items are 0-based, as shown):

=========  ==================================================================
single     the index of the chosen choice (``2``), or a letter (``"C"``)
multiple   the chosen indices (``[0, 3]``), or letters (``"A,D"``)
numeric    a number, or text that parses as one (``"6.38"``)
ordering   the shown items in the learner's order: their indices into
           ``question.shown_items()`` (``[2, 0, 1]``) or their texts
code       the learner's function (graded by :func:`quizzes.check`)
=========  ==================================================================

Scoring: single, numeric and ordering are right or wrong (1 or 0). A multiple
question is all-or-nothing by default; with ``scoring: partial`` it scores
(right picks − wrong picks) / correct choices, never below 0. A response that
cannot be read (a letter out of range, text that is not a number) is an error
you can fix, not a wrong answer: :class:`ResponseError`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import List

from .model import Question
from .sealing import answer_key, canonical_choices, canonical_order, stored_order

LETTERS = "ABCDEFGH"


class ResponseError(ValueError):
    """The response cannot be read for this question (says what is expected)."""


@dataclass
class Result:
    question_id: str
    score: float                 # 0.0 … 1.0
    correct: bool                # full marks
    feedback: List[str]          # one line per point the learner should read
    explanation: str
    references: List[str]        # the lab section first, then the sources
    domain: str = ""
    topic: str = ""
    details: dict = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        if self.correct:
            return "Correct"
        return "Partly right" if self.score > 0 else "Not quite"

    def as_text(self) -> str:
        lines = [f"{self.verdict} ({self.score:.0%})."]
        lines += [f"- {line}" for line in self.feedback]
        lines += ["", self.explanation, "", "Read more: " + "; ".join(self.references)]
        return "\n".join(lines)

    def as_record(self) -> dict:
        """What progress keeps of an answer (self-contained for the class dashboard)."""
        return {"id": self.question_id, "score": round(self.score, 4), "correct": self.correct,
                "domain": self.domain, "topic": self.topic}


def _index(token, count: int) -> int:
    if isinstance(token, bool):
        raise ResponseError(f"expected a choice, got {token!r}")
    if isinstance(token, int):
        index = token
    elif isinstance(token, str) and token.strip().upper() in LETTERS[:count] and token.strip():
        index = LETTERS.index(token.strip().upper())
    elif isinstance(token, str) and token.strip().isdigit():
        index = int(token.strip()) - 1  # "2" typed at a prompt means the second choice
    else:
        raise ResponseError(f"expected a choice letter A–{LETTERS[count - 1]} or an index, "
                            f"got {token!r}")
    if not 0 <= index < count:
        raise ResponseError(f"choice {token!r} is out of range: there are {count} choices")
    return index


def _choice_indices(question: Question, response) -> List[int]:
    if isinstance(response, str):
        tokens = [t for t in response.replace(" ", ",").split(",") if t]
    elif isinstance(response, (list, tuple, set, frozenset)):
        tokens = list(response)
    else:
        tokens = [response]
    indices = [_index(t, len(question.choices)) for t in tokens]
    if len(set(indices)) != len(indices):
        raise ResponseError("the same choice is given twice")
    if not indices:
        raise ResponseError("no choice given")
    return indices


def _result(q: Question, score: float, feedback: List[str], **details) -> Result:
    return Result(q.id, score, score >= 1.0 - 1e-9, feedback, q.explanation, q.references,
                  q.domain, q.topic, details)


def _grade_single(q: Question, response) -> Result:
    indices = _choice_indices(q, response)
    if len(indices) != 1:
        raise ResponseError("choose exactly one answer")
    chosen = indices[0]
    right = answer_key(q.id, canonical_choices([chosen])) == q.key if q.sealed \
        else bool(q.choices[chosen].correct)
    text = q.choices[chosen].feedback
    feedback = [f"{LETTERS[chosen]}: {text}"] if text else []
    return _result(q, 1.0 if right else 0.0, feedback, chosen=[chosen])


def _grade_multiple(q: Question, response) -> Result:
    chosen = sorted(_choice_indices(q, response))
    feedback = [f"{LETTERS[i]}: {q.choices[i].feedback}" for i in chosen if q.choices[i].feedback]
    if q.select and len(chosen) != q.select:
        feedback.insert(0, f"This question asks you to choose {q.select}; you chose "
                        f"{len(chosen)}.")
    if q.scoring == "partial":
        correct = set(q.correct_indices())
        hits = len(correct & set(chosen))
        misses = len(set(chosen) - correct)
        score = max(0.0, (hits - misses) / len(correct))
        return _result(q, score, feedback, chosen=chosen, right_picks=hits, wrong_picks=misses)
    if q.sealed:
        right = answer_key(q.id, canonical_choices(chosen)) == q.key
    else:
        right = set(chosen) == {i for i, c in enumerate(q.choices) if c.correct}
    return _result(q, 1.0 if right else 0.0, feedback, chosen=chosen)


def _grade_numeric(q: Question, response) -> Result:
    try:
        value = float(str(response).replace(",", "").split()[0]) \
            if isinstance(response, str) else float(response)
    except (TypeError, ValueError, IndexError):
        raise ResponseError(f"expected a number, got {response!r}") from None
    if not math.isfinite(value):
        raise ResponseError(f"expected a finite number, got {response!r}")
    # A little slack for binary floating point: 0.1 + 0.2 is within 0.3 ± 0.
    right = abs(value - q.answer) <= q.tolerance + 1e-9 * max(1.0, abs(q.answer))
    unit = f" {q.unit}" if q.unit else ""
    tolerance = f" (± {q.tolerance:g})" if q.tolerance else ""
    feedback = [] if right else [f"You answered {value:g}{unit}; the answer is "
                                 f"{q.answer:g}{unit}{tolerance}."]
    return _result(q, 1.0 if right else 0.0, feedback, value=value)


def _grade_ordering(q: Question, response) -> Result:
    shown = q.shown_items()
    if isinstance(response, str):
        response = [t for t in response.replace(" ", ",").split(",") if t]
    order = []
    for token in response:
        if isinstance(token, str) and token in shown:
            order.append(shown.index(token))
        elif isinstance(token, str) and token.strip().isdigit():
            order.append(int(token) - 1)     # typed at a prompt: 1-based
        elif isinstance(token, int) and not isinstance(token, bool):
            order.append(token)
        else:
            raise ResponseError(f"expected item numbers or item texts, got {token!r}")
    if sorted(order) != list(range(len(shown))):
        raise ResponseError(f"give every one of the {len(shown)} items exactly once")
    # Shown indices → stored indices: sealed questions show the stored order; authoring
    # ones show the same shuffle, so shown index j is stored index j in both forms.
    canonical = canonical_order(order)
    if q.sealed:
        right = answer_key(q.id, canonical) == q.key
    else:
        perm = stored_order(q.id, len(q.items))
        right = [perm[j] for j in order] == list(range(len(q.items)))
    feedback = [] if right else ["Not in the right order — the explanation walks through it."]
    return _result(q, 1.0 if right else 0.0, feedback, order=order)


def grade(question: Question, response) -> Result:
    """Score ``response`` to ``question``: a :class:`Result` with the score (0–1), feedback
    on the choices picked, the explanation and the references. Raises
    :class:`ResponseError` when the response cannot be read."""
    if response is None:
        raise ResponseError("no answer given")
    if question.type == "single":
        return _grade_single(question, response)
    if question.type == "multiple":
        return _grade_multiple(question, response)
    if question.type == "numeric":
        return _grade_numeric(question, response)
    if question.type == "ordering":
        return _grade_ordering(question, response)
    if question.type == "code":
        if not callable(response):
            raise ResponseError(f"{question.id} is a code exercise: pass your function, "
                                f"or call quizzes.check({question.exercise!r}, your_function)")
        from .exercises import check
        report = check(question.exercise, response)
        return _result(question, report.score, report.messages(), report=report)
    raise ResponseError(f"unknown question type {question.type!r}")
