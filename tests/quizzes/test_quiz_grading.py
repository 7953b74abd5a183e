"""Every grading rule, on the authoring form and on the sealed form of the same bank."""
import pytest

from quizzes.grading import ResponseError, grade


@pytest.fixture(params=["authoring", "sealed"])
def bank(request, good_bank, sealed_bank):
    return good_bank if request.param == "authoring" else sealed_bank


def test_single_right_and_wrong(bank):
    q = bank["eviction-001"]                       # correct: A (index 0)
    right = grade(q, 0)
    assert right.score == 1.0 and right.correct and right.verdict == "Correct"
    assert right.explanation.startswith("ElastiCache's default parameter group")
    assert right.references == ["labs/02-caching-patterns.ipynb#eviction-policies",
                                "reference/elasticache-facts.md#memory"]
    wrong = grade(q, "C")
    assert wrong.score == 0.0 and not wrong.correct
    assert wrong.feedback == ["C: That is redis-server's own default, not ElastiCache's."]
    assert grade(q, "a").correct and grade(q, "1").correct   # letter, or 1-based text


def test_single_unreadable_responses(bank):
    q = bank["eviction-001"]
    for bad in (None, 7, "Z", [0, 1], "", True):
        with pytest.raises(ResponseError):
            grade(q, bad)


def test_multiple_all_or_nothing(bank):
    q = bank["eviction-006"]                       # correct A and C, all-or-nothing
    assert grade(q, [0, 2]).score == 1.0 and grade(q, "C,A").correct
    half = grade(q, [0, 1])
    assert half.score == 0.0
    assert "B: That could evict configuration keys too." in half.feedback
    three = grade(q, [0, 1, 2])
    assert three.score == 0.0 and three.feedback[0].startswith("This question asks you to choose 2")
    with pytest.raises(ResponseError):
        grade(q, [0, 0])


def test_multiple_partial_scoring(bank):
    q = bank["eviction-003"]                       # correct A and C, partial
    assert grade(q, [0, 2]).score == 1.0
    assert grade(q, [0]).score == 0.5              # one right pick of two
    assert grade(q, [0, 1]).score == 0.0           # one right, one wrong
    assert grade(q, [1, 3]).score == 0.0           # never below zero
    assert grade(q, [0, 2, 3]).score == 0.5        # two right, one wrong
    assert grade(q, [0]).verdict == "Partly right"


def test_numeric_tolerance(bank):
    q = bank["eviction-004"]                       # 6 GB ± 0.01
    assert grade(q, 6).correct and grade(q, "6.01").correct and grade(q, "5.99 GB").correct
    wrong = grade(q, 6.02)
    assert not wrong.correct and wrong.feedback == ["You answered 6.02 GB; the answer is 6 GB (± 0.01)."]
    for bad in ("six", float("nan"), "inf"):
        with pytest.raises(ResponseError):
            grade(q, bad)


def test_ordering(bank, good_bank):
    q = bank["eviction-005"]
    shown = q.shown_items()
    correct = good_bank["eviction-005"].items       # authoring order = correct sequence
    assert shown != correct and sorted(shown) == sorted(correct)
    by_text = grade(q, list(correct))
    by_index = grade(q, [shown.index(t) for t in correct])
    typed = grade(q, ",".join(str(shown.index(t) + 1) for t in correct))
    assert by_text.correct and by_index.correct and typed.correct
    assert not grade(q, list(reversed(correct))).correct
    with pytest.raises(ResponseError):
        grade(q, [0, 1, 2])                        # one item missing


def test_code_question_needs_a_function(bank):
    with pytest.raises(ResponseError, match="quizzes.check\\('cache_aside'"):
        grade(bank["engines-003"], "A")


def test_sealed_and_authoring_agree_on_every_response(good_bank, sealed_bank):
    import itertools
    for q in good_bank:
        s = sealed_bank[q.id]
        if q.type == "single":
            responses = range(len(q.choices))
        elif q.type == "multiple":
            responses = [list(c) for n in (1, 2, 3) for c in
                         itertools.combinations(range(len(q.choices)), n)]
        elif q.type == "ordering":
            responses = [list(p) for p in itertools.permutations(range(len(q.items)))]
        elif q.type == "numeric":
            responses = [5.98, 5.99, 6, 6.011]
        else:
            continue
        for response in responses:
            a, b = grade(q, response), grade(s, response)
            assert (a.score, a.feedback, a.explanation) == (b.score, b.feedback, b.explanation), \
                (q.id, response)
