"""Exam mode and practice mode, without any user interface.

:func:`draw` picks questions by the SAA-C03 domain weights (secure 30 %, resilient 26 %,
high-performing 24 %, cost-optimized 20 %), seeded: the same seed and bank give the
same exam, so an instructor can hand a class one exam by announcing its seed.

:class:`Exam` holds the learner's answers and flags, a timer on an injectable clock,
a review screen (:meth:`Exam.review`), and :meth:`Exam.submit` → :class:`ExamReport`
with per-domain scores, the missed questions with their explanations, and the labs
to revisit. :class:`Practice` grades each answer at once. The widgets and the terminal
front end are thin layers over these two classes.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

from .grading import Result, ResponseError, grade
from .model import DOMAIN_WEIGHTS, DOMAINS, Bank, Question

#: Exam questions are the ones a learner can answer on a screen (not code exercises).
EXAM_TYPES = ("single", "multiple", "numeric", "ordering")


def domain_quota(count: int, weights: Dict[str, int] = DOMAIN_WEIGHTS) -> Dict[str, int]:
    """Split ``count`` questions over the domains by weight (largest remainder)."""
    total = sum(weights.values())
    exact = {d: count * w / total for d, w in weights.items()}
    quota = {d: int(x) for d, x in exact.items()}
    by_remainder = sorted(weights, key=lambda d: (-(exact[d] - quota[d]), list(weights).index(d)))
    for d in by_remainder[:count - sum(quota.values())]:
        quota[d] += 1
    return quota


def draw(bank: Bank, count: int = 20, seed: int = 0, *, topics=None,
         types=EXAM_TYPES) -> List[Question]:
    """``count`` questions drawn by the domain weights with ``random.Random(seed)``.
    A domain with too few questions gives its places to the others (still seeded)."""
    rng = random.Random(seed)
    pool = [q for q in bank if q.type in types and (not topics or q.topic in topics)]
    if count > len(pool):
        raise ValueError(f"asked for {count} questions, the bank has {len(pool)} that fit")
    by_domain = {d: [q for q in pool if q.domain == d] for d in DOMAINS}
    quota = domain_quota(count)
    chosen: List[Question] = []
    for d in DOMAINS:
        take = min(quota[d], len(by_domain[d]))
        chosen += rng.sample(by_domain[d], take)
    taken = {q.id for q in chosen}
    rest = [q for q in pool if q.id not in taken]
    chosen += rng.sample(rest, count - len(chosen))
    rng.shuffle(chosen)
    return chosen


@dataclass
class ExamReport:
    results: List[Result]
    questions: List[Question]
    seed: int
    elapsed_s: float
    time_limit_s: Optional[float]
    timed_out: bool
    unanswered: List[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        return sum(r.score for r in self.results) / max(1, len(self.questions))

    def per_domain(self) -> Dict[str, dict]:
        """{domain: {"questions", "score", "percent"}} for the domains in this exam."""
        out: Dict[str, dict] = {}
        for q in self.questions:
            entry = out.setdefault(q.domain, {"questions": 0, "score": 0.0})
            entry["questions"] += 1
        for r in self.results:
            out[r.domain]["score"] += r.score
        for entry in out.values():
            entry["percent"] = round(100 * entry["score"] / entry["questions"], 1)
        return {d: out[d] for d in DOMAINS if d in out}

    def missed(self) -> List[dict]:
        """Every question not fully right (unanswered included), with what to read."""
        by_id = {r.question_id: r for r in self.results}
        rows = []
        for q in self.questions:
            r = by_id.get(q.id)
            if r is None or not r.correct:
                rows.append({"id": q.id, "domain": q.domain, "prompt": q.prompt,
                             "score": r.score if r else 0.0, "answered": r is not None,
                             "explanation": q.explanation, "lab_section": q.lab_section,
                             "feedback": r.feedback if r else ["Not answered."]})
        return rows

    def labs_to_revisit(self) -> List[str]:
        return sorted({m["lab_section"].split("#")[0] for m in self.missed()})

    def summary(self) -> dict:
        return {"seed": self.seed, "questions": len(self.questions),
                "score": round(self.score, 4), "per_domain": self.per_domain(),
                "timed_out": self.timed_out, "elapsed_s": round(self.elapsed_s, 1),
                "missed": [m["id"] for m in self.missed()]}

    def figure(self):
        """A plotly bar chart of the per-domain scores (imports plotly on demand)."""
        import plotly.graph_objects as go
        rows = self.per_domain()
        fig = go.Figure(go.Bar(x=list(rows), y=[r["percent"] for r in rows.values()],
                               text=[f"{r['percent']:.0f}% of {r['questions']}"
                                     for r in rows.values()], textposition="auto"))
        fig.update_layout(title=f"Exam (seed {self.seed}): {self.score:.0%} overall",
                          yaxis=dict(title="score (%)", range=[0, 100]), height=360,
                          xaxis=dict(title="domain"))
        return fig

    def as_text(self) -> str:
        lines = [f"Score: {self.score:.0%} ({sum(r.correct for r in self.results)} of "
                 f"{len(self.questions)} fully right)"
                 + (" — time ran out" if self.timed_out else ""), "", "By domain:"]
        lines += [f"  {d:16s} {v['percent']:5.1f}%  ({v['questions']} questions)"
                  for d, v in self.per_domain().items()]
        missed = self.missed()
        if missed:
            lines += ["", "Missed questions:"]
            for m in missed:
                lines += [f"- {m['id']} ({m['domain']}): {m['prompt'].strip().splitlines()[0]}",
                          *[f"    {f}" for f in m["feedback"]],
                          f"    Why: {' '.join(m['explanation'].split())}",
                          f"    Revisit: {m['lab_section']}"]
            lines += ["", "Labs to revisit: " + ", ".join(self.labs_to_revisit())]
        return "\n".join(lines)


class ExamOver(RuntimeError):
    """The exam was submitted or its time ran out: answers are closed."""


class Exam:
    """An exam: questions drawn by domain weights, answers, flags, a timer, a report.

    ``clock`` returns seconds (default :func:`time.monotonic`); tests pass a fake one.
    ``time_limit_s=None`` means untimed. Answers after the time limit are refused;
    :meth:`submit` still grades what was answered in time.
    """

    def __init__(self, bank: Bank, count: int = 20, seed: int = 0, *,
                 time_limit_s: Optional[float] = None, topics=None,
                 clock: Callable[[], float] = time.monotonic):
        self.bank, self.seed, self.clock = bank, seed, clock
        self.questions = draw(bank, count, seed, topics=topics)
        self.time_limit_s = time_limit_s
        self.started = clock()
        self.responses: Dict[int, object] = {}
        self.flagged: set = set()
        self.report: Optional[ExamReport] = None

    def __len__(self) -> int:
        return len(self.questions)

    @property
    def elapsed_s(self) -> float:
        return self.clock() - self.started

    @property
    def remaining_s(self) -> Optional[float]:
        if self.time_limit_s is None:
            return None
        return max(0.0, self.time_limit_s - self.elapsed_s)

    @property
    def timed_out(self) -> bool:
        return self.time_limit_s is not None and self.elapsed_s >= self.time_limit_s

    def _open(self) -> None:
        if self.report is not None:
            raise ExamOver("the exam was submitted")
        if self.timed_out:
            raise ExamOver("time is up: submit to see your report")

    def answer(self, index: int, response) -> None:
        """Record an answer (checked for form now, graded only at submit)."""
        self._open()
        q = self.questions[index]
        grade(q, response)          # raises ResponseError for an unreadable answer
        self.responses[index] = response

    def clear(self, index: int) -> None:
        self._open()
        self.responses.pop(index, None)

    def flag(self, index: int, flagged: bool = True) -> None:
        self._open()
        self.questions[index]   # IndexError for a wrong index
        (self.flagged.add if flagged else self.flagged.discard)(index)

    def review(self) -> List[dict]:
        """The review screen: one row per question (answered? flagged?)."""
        return [{"number": i + 1, "id": q.id, "answered": i in self.responses,
                 "flagged": i in self.flagged,
                 "prompt": q.prompt.strip().splitlines()[0][:80]}
                for i, q in enumerate(self.questions)]

    def submit(self) -> ExamReport:
        if self.report is None:
            results = [grade(self.questions[i], r) for i, r in sorted(self.responses.items())]
            self.report = ExamReport(
                results, self.questions, self.seed, min(self.elapsed_s, self.time_limit_s)
                if self.time_limit_s else self.elapsed_s, self.time_limit_s, self.timed_out,
                [q.id for i, q in enumerate(self.questions) if i not in self.responses])
        return self.report


class Practice:
    """Practice: questions of a topic (or ids) in a seeded order, feedback after each."""

    def __init__(self, bank: Bank, what, seed: int = 0, *, types=EXAM_TYPES):
        self.questions = [q for q in bank.select(what) if q.type in types]
        random.Random(seed).shuffle(self.questions)
        self.results: List[Result] = []

    def answer(self, index: int, response) -> Result:
        result = grade(self.questions[index], response)
        self.results.append(result)
        return result

    @property
    def score(self) -> float:
        return sum(r.score for r in self.results) / max(1, len(self.results))


__all__ = ["draw", "domain_quota", "Exam", "ExamReport", "ExamOver", "Practice",
           "ResponseError"]
