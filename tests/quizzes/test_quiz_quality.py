"""Quality rules: they pass on the fixtures, fail on banks built to break them, and run on
the real bank (quizzes/bank), where they must hold once the bank is complete."""
from dataclasses import replace
from pathlib import Path

import pytest

from quizzes import quality
from quizzes.model import Bank, Choice, Question

REAL_BANK = Path(__file__).resolve().parents[2] / "quizzes" / "bank"
FIXTURE_LABS = ("labs/00-start-here.ipynb", "labs/01-engines.ipynb",
                "labs/02-caching-patterns.ipynb", "labs/06-replication-failover.ipynb",
                "labs/08-scaling-and-cost.ipynb")


def _single(qid, right, texts=("alpha", "bravo", "charl", "delta"), prompt=None):
    return Question(id=qid, type="single", topic="t", domain="secure", difficulty=1,
                    prompt=prompt or f"question {qid} about topic number {qid} unique words {qid}",
                    explanation="x", lab_section="labs/00-start-here.ipynb#a", sources=["s"],
                    choices=[Choice(t, "why", i == right) for i, t in enumerate(texts)])


def test_fixture_bank_passes_every_rule(good_bank):
    problems = (quality.check_positions(good_bank, min_group=4) + quality.check_longest(good_bank)
                + quality.check_banned_choices(good_bank) + quality.check_duplicates(good_bank))
    assert problems == []
    coverage = quality.check_coverage(good_bank, min_questions=10)
    assert [p for p in coverage if not any(lab in p for lab in
                                           set(quality.LABS) - set(FIXTURE_LABS))] == []


def test_positions_rule_catches_a_skew():
    bank = Bank([_single(f"q{i}", 0 if i < 8 else i % 4) for i in range(20)])
    problems = quality.check_positions(bank, min_group=10)
    assert any("position A is correct in 55%" in p for p in problems), problems
    even = Bank([_single(f"q{i}", i % 4) for i in range(20)])
    assert quality.check_positions(even, min_group=10) == []


def test_longest_rule():
    long_right = Bank([_single(f"q{i}", i % 4, texts=tuple(
        "a much longer correct answer" if j == i % 4 else "short" for j in range(4)))
        for i in range(10)])
    assert quality.longest_correct_share(long_right) == 1.0
    assert quality.check_longest(long_right)
    assert quality.check_longest(Bank([_single(f"q{i}", i % 4) for i in range(10)])) == []


def test_banned_choices():
    bank = Bank([_single("q1", 0, texts=("alpha", "beta", "All of the above", "delta")),
                 _single("q2", 1, texts=("alpha", "beta", "None of the above.", "delta")),
                 _single("q3", 1)])
    assert len(quality.check_banned_choices(bank)) == 2


def test_duplicates():
    a = _single("q1", 0, prompt="Which eviction policy is the ElastiCache default?")
    b = _single("q2", 1, prompt="Which eviction policy is the ElastiCache default ?")
    c = _single("q3", 2, prompt="How many hash slots does a Redis cluster have?")
    same_choice = _single("q4", 0, texts=("alpha", "Alpha", "charl", "delta"))
    problems = quality.check_duplicates(Bank([a, b, c, same_choice]))
    assert problems == ["q1 and q2 have (nearly) the same prompt",
                        "q4: two choices or items have the same text"]


def test_coverage_counts_and_labs(good_bank):
    problems = quality.check_coverage(good_bank)
    assert "11 questions; at least 150 are needed" in problems
    assert "no question for labs/07-security.ipynb" in problems


# -- the real bank ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_bank():
    if not list(REAL_BANK.glob("*.yaml")):
        pytest.fail("quizzes/bank/*.yaml is missing: the bank is part of issue #8")
    from quizzes.loader import load_bank
    return load_bank(REAL_BANK)


@pytest.mark.parametrize("rule", ["check_positions", "check_longest", "check_banned_choices",
                                  "check_duplicates", "check_coverage"])
def test_real_bank_rule(real_bank, rule):
    assert getattr(quality, rule)(real_bank) == []


def test_real_bank_every_question_complete(real_bank):
    for q in real_bank:
        assert q.explanation and q.sources and q.lab_section
        assert all(c.feedback for c in q.choices if not (set(q.correct_indices()) &
                                                         {q.choices.index(c)})) if q.is_choice else True


def test_real_bank_has_code_exercises_for_every_checker(real_bank):
    from quizzes.model import EXERCISES
    assert {q.exercise for q in real_bank if q.type == "code"} == set(EXERCISES)
