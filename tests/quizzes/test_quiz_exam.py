"""Exam mode: draws by the domain weights, seeded; timer, flags, review, report."""
import pytest

from quizzes.exam_mode import Exam, ExamOver, Practice, domain_quota, draw
from quizzes.model import DOMAINS, Bank, Choice, Question


def _bank(per_domain=30):
    questions = []
    for d in DOMAINS:
        for i in range(per_domain):
            questions.append(Question(
                id=f"{d}-{i}", type="single", topic=f"topic{i % 3}", domain=d, difficulty=1,
                prompt=f"{d} {i}?", explanation=f"because {i}", sources=["s"],
                lab_section=f"labs/0{i % 3}-x.ipynb#s",
                choices=[Choice("a", None, True), Choice("b", "no", False),
                         Choice("c", "no", False)]))
    return Bank(questions)


def test_domain_quota_follows_the_weights():
    assert domain_quota(100) == {"secure": 30, "resilient": 26, "high-performing": 24,
                                 "cost-optimized": 20}
    assert domain_quota(20) == {"secure": 6, "resilient": 5, "high-performing": 5,
                                "cost-optimized": 4}
    # 65 × weights = 19.5, 16.9, 15.6, 13.0: the two largest remainders get the two left over
    assert domain_quota(65) == {"secure": 19, "resilient": 17, "high-performing": 16,
                                "cost-optimized": 13}
    for n in range(1, 80):
        assert sum(domain_quota(n).values()) == n


def test_draw_is_weighted_and_seeded():
    bank = _bank()
    exam = draw(bank, 20, seed=7)
    counts = {d: sum(q.domain == d for q in exam) for d in DOMAINS}
    assert counts == domain_quota(20)
    assert [q.id for q in draw(bank, 20, seed=7)] == [q.id for q in exam]
    assert [q.id for q in draw(bank, 20, seed=8)] != [q.id for q in exam]
    assert len({q.id for q in exam}) == 20


def test_draw_fills_from_other_domains_when_one_is_short():
    questions = [q for q in _bank() if q.domain != "secure" or q.id.endswith("-0")]
    exam = draw(Bank(questions), 20, seed=1)
    assert len(exam) == 20 and sum(q.domain == "secure" for q in exam) == 1
    with pytest.raises(ValueError, match="asked for 500"):
        draw(Bank(questions), 500)


def test_draw_skips_code_questions(good_bank):
    assert all(q.type != "code" for q in draw(good_bank, 10, seed=0))


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_exam_flow_timer_flags_review_report():
    clock = FakeClock()
    exam = Exam(_bank(), 8, seed=3, time_limit_s=600, clock=clock)
    assert exam.remaining_s == 600
    for i in range(6):
        exam.answer(i, 0 if i % 2 == 0 else 1)       # even: right (A), odd: wrong (B)
    exam.flag(2)
    exam.flag(5)
    exam.flag(5, False)
    clock.now += 120
    assert exam.remaining_s == 480
    rows = exam.review()
    assert [r["answered"] for r in rows] == [True] * 6 + [False] * 2
    assert [r["flagged"] for r in rows] == [False, False, True] + [False] * 5
    report = exam.submit()
    assert report.score == pytest.approx(3 / 8)
    assert sum(v["questions"] for v in report.per_domain().values()) == 8
    missed = report.missed()
    assert len(missed) == 5 and sum(not m["answered"] for m in missed) == 2
    assert all(m["explanation"].startswith("because") for m in missed)
    assert report.labs_to_revisit() == sorted({m["lab_section"].split("#")[0] for m in missed})
    assert "Missed questions" in report.as_text()
    with pytest.raises(ExamOver):
        exam.answer(7, 0)


def test_time_limit_closes_answers_but_keeps_earlier_ones():
    clock = FakeClock()
    exam = Exam(_bank(), 4, seed=1, time_limit_s=60, clock=clock)
    exam.answer(0, 0)
    clock.now += 61
    assert exam.timed_out and exam.remaining_s == 0
    with pytest.raises(ExamOver, match="time is up"):
        exam.answer(1, 0)
    report = exam.submit()
    assert report.timed_out and len(report.results) == 1 and report.elapsed_s == 60


def test_report_figure_has_one_bar_per_domain():
    exam = Exam(_bank(), 20, seed=2, clock=FakeClock())
    for i in range(20):
        exam.answer(i, 0)
    fig = exam.submit().figure()
    assert list(fig.data[0].x) == list(DOMAINS) and list(fig.data[0].y) == [100.0] * 4


def test_practice_gives_feedback_at_once(good_bank):
    session = Practice(good_bank, "eviction", seed=0)
    assert {q.topic for q in session.questions} == {"eviction"}
    q = session.questions[0]
    result = session.answer(0, q.shown_items() if q.type == "ordering" else 0
                            if q.type != "numeric" else 6)
    assert result.explanation == q.explanation
