"""What a question is, once loaded: plain dataclasses shared by every front end.

A :class:`Question` looks the same whether it came from the AUTHORING form (the
answer in plain text) or the SEALED form (the answer replaced by a hash): the
feedback and explanation are always there (the sealed form keeps them in an
encoded blob), and only ``answer_known`` tells whether the correct choices are
readable. The grader handles both (see :mod:`quizzes.grading`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Tuple

#: The four domains of the AWS Solutions Architect Associate exam (SAA-C03) and
#: their weights, from shared/reference/elasticache-facts.md §11 ("Secure 30%,
#: Resilient 26%, High-Performing 24%, Cost 20%"). Exam mode draws by these.
DOMAIN_WEIGHTS = {"secure": 30, "resilient": 26, "high-performing": 24, "cost-optimized": 20}
DOMAINS = tuple(DOMAIN_WEIGHTS)

TYPES = ("single", "multiple", "numeric", "ordering", "code")
SCORINGS = ("all-or-nothing", "partial")

#: Every lab a question may point to (some are still being written: link them anyway).
LABS = ("labs/00-start-here.ipynb", "labs/01-engines.ipynb", "labs/02-caching-patterns.ipynb",
        "labs/03-data-structures.ipynb", "labs/05-sharding.ipynb",
        "labs/06-replication-failover.ipynb", "labs/07-security.ipynb",
        "labs/08-scaling-and-cost.ipynb", "labs/09-semantic-caching.ipynb")

#: Code exercises the checkers in quizzes/exercises/ know.
EXERCISES = ("cache_aside", "write_through", "leaderboard", "rate_limiter", "hash_tags")


@dataclass
class Choice:
    text: str
    feedback: Optional[str] = None
    #: True/False in the authoring form; None when sealed (the answer is hashed).
    correct: Optional[bool] = None


@dataclass
class Question:
    id: str
    type: str
    topic: str
    domain: str
    difficulty: int
    prompt: str
    explanation: str
    lab_section: str
    sources: List[str]
    lab: str = ""
    choices: List[Choice] = field(default_factory=list)
    select: Optional[int] = None
    scoring: str = "all-or-nothing"
    answer: Optional[float] = None
    tolerance: float = 0.0
    unit: Optional[str] = None
    #: ordering: authoring form = the correct order; sealed form = the stored (shuffled) order
    items: List[str] = field(default_factory=list)
    exercise: Optional[str] = None
    #: sealed form: sha256 hex of "elasticache-lab:" + id + ":" + canonical answer
    key: Optional[str] = None
    file: str = ""
    line: int = 0

    @property
    def sealed(self) -> bool:
        return self.key is not None

    @property
    def is_choice(self) -> bool:
        return self.type in ("single", "multiple")

    @property
    def references(self) -> List[str]:
        """Where to read more: the lab section first, then the sources."""
        return [self.lab_section, *self.sources]

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.file else self.id

    def correct_indices(self) -> Tuple[int, ...]:
        """The correct choices (0-based), recovered from the hash when sealed."""
        from .sealing import recover_choice_answer
        if not self.is_choice:
            raise TypeError(f"{self.id} is a {self.type} question: it has no choices")
        if not self.sealed:
            return tuple(i for i, c in enumerate(self.choices) if c.correct)
        return recover_choice_answer(self)

    def correct_order(self) -> List[str]:
        """ordering: the items in the correct sequence (recovered when sealed)."""
        from .sealing import recover_order
        if self.type != "ordering":
            raise TypeError(f"{self.id} is a {self.type} question, not ordering")
        if not self.sealed:
            return list(self.items)
        return [self.items[i] for i in recover_order(self)]

    def shown_items(self) -> List[str]:
        """ordering: the items as a learner sees them (never in the correct order).
        The authoring form is shuffled the same way sealing stores them."""
        from .sealing import stored_order
        if self.sealed:
            return list(self.items)
        return [self.items[i] for i in stored_order(self.id, len(self.items))]

    def __repr__(self) -> str:
        return f"<Question {self.id} ({self.type}, {self.domain}, difficulty {self.difficulty})>"


@dataclass
class Bank:
    """Every question of a bank folder, in file order; ``titles`` per topic."""
    questions: List[Question]
    titles: dict = field(default_factory=dict)
    labs: dict = field(default_factory=dict)
    folder: str = ""

    def __post_init__(self):
        self._by_id = {q.id: q for q in self.questions}

    def __len__(self) -> int:
        return len(self.questions)

    def __iter__(self):
        return iter(self.questions)

    def __getitem__(self, qid: str) -> Question:
        try:
            return self._by_id[qid]
        except KeyError:
            raise KeyError(f"no question {qid!r} in the bank {self.folder}") from None

    def __contains__(self, qid) -> bool:
        return qid in self._by_id

    @property
    def topics(self) -> List[str]:
        return list(dict.fromkeys(q.topic for q in self.questions))

    def select(self, what) -> List[Question]:
        """Questions for a topic name, a question id, or a list of either."""
        names = [what] if isinstance(what, str) else list(what)
        chosen: List[Question] = []
        for name in names:
            if name in self._by_id:
                chosen.append(self._by_id[name])
            elif name in self.topics:
                chosen.extend(q for q in self.questions if q.topic == name)
            else:
                raise KeyError(f"{name!r} is neither a topic nor a question id of the bank; "
                               f"topics: {', '.join(self.topics)}")
        return _unique(chosen)


def _unique(questions):
    seen, out = set(), []
    for q in questions:
        if q.id not in seen:
            seen.add(q.id)
            out.append(q)
    return out
