"""Student copies, the notebook widgets without a browser, and a light `import quizzes`."""
import subprocess
import sys

import nbformat
import pytest

from quizzes.student import is_solution, write_student_copies


def _notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Lab"),
                nbformat.v4.new_code_cell("def f(): raise NotImplementedError"),
                nbformat.v4.new_code_cell("def f(): return 42", metadata={"tags": ["solution"]}),
                nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": {"solution": True}}),
                nbformat.v4.new_code_cell("print(f())")]
    nb.cells[4].outputs = [nbformat.v4.new_output("stream", text="42\n")]
    nb.cells[4].execution_count = 3
    return nb


def test_student_copy_strips_solution_cells(tmp_path):
    src, dest = tmp_path / "labs", tmp_path / "build" / "student"
    src.mkdir()
    nbformat.write(_notebook(), src / "02-demo.ipynb")
    nbformat.write(_notebook(), src / "instructor-dashboard.ipynb")
    written = write_student_copies(src, dest)
    assert [p.name for p in written] == ["02-demo.ipynb"]
    copy = nbformat.read(dest / "02-demo.ipynb", as_version=4)
    assert [c.source for c in copy.cells] == ["# Lab", "def f(): raise NotImplementedError",
                                              "print(f())"]
    assert copy.cells[2].outputs == [] and copy.cells[2].execution_count is None
    assert not any(is_solution(c) for c in copy.cells)
    original = nbformat.read(src / "02-demo.ipynb", as_version=4)
    assert len(original.cells) == 5                        # the source is untouched


def test_import_quizzes_loads_no_widgets_or_plotly():
    code = ("import sys, quizzes; bad = [m for m in sys.modules if m.split('.')[0] in "
            "('ipywidgets', 'plotly', 'IPython', 'engine')]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_ask_panel_grades_through_the_widgets(good_bank, private_progress):
    from quizzes.widgets import QuizPanel
    panel = QuizPanel(good_bank.select("eviction"), record=False)
    assert len(panel) == 6
    result = panel.try_answer("eviction-001", 0)
    card = panel.card("eviction-001")
    assert result.correct and card.control.value == 0
    assert "Correct" in card.feedback.value and "volatile-lru" in card.feedback.value
    wrong = panel.try_answer("eviction-003", [1, 3])
    assert wrong.score == 0 and "Not quite" in panel.card("eviction-003").feedback.value
    assert panel.try_answer("eviction-004", "lots") is None
    assert "expected a number" in panel.card("eviction-004").feedback.value
    q = panel.card("eviction-005").question
    order = [q.shown_items().index(t) for t in q.correct_order()]
    assert panel.try_answer("eviction-005", order).correct
    assert "2.0 / 3" in panel.score_label.value
    assert not private_progress.exists()                   # scripted answers are not recorded


def test_clicking_check_records_progress(good_bank, private_progress):
    import json
    from quizzes.widgets import QuizPanel
    panel = QuizPanel(good_bank.select(["engines-001"]))
    card = panel.card(0)
    card.control.value = 2
    card.button.click()
    assert "Correct" in card.feedback.value
    saved = json.loads(private_progress.read_text())
    assert [a["id"] for a in saved["answers"]] == ["engines-001"]


def test_exam_panel_submit_shows_report_and_figure(good_bank, private_progress):
    from quizzes.exam_mode import Exam
    from quizzes.widgets import ExamPanel
    panel = ExamPanel(Exam(good_bank, 5, seed=2), record=True)
    singles = [i for i, q in enumerate(panel.exam.questions) if q.type == "single"]
    for i in singles:
        panel.answer(i, panel.exam.questions[i].correct_indices()[0])
    panel.go(1)
    panel.flag.value = True
    rows = panel.show_review()
    assert rows[1]["flagged"] and "<table>" in panel.message.value
    report = panel.submit()
    assert report.score == pytest.approx(len(singles) / 5)
    assert "By domain:" in panel.report_html.value
    assert panel.figure.outputs[0]["data"]["application/vnd.plotly.v1+json"]
    assert panel.submit_button.disabled
    import json
    assert json.loads(private_progress.read_text())["exams"][0]["questions"] == 5


def test_public_ask_and_review(good_dir, monkeypatch, private_progress):
    import datetime as dt
    import quizzes
    monkeypatch.setenv("ELASTICACHE_LAB_BANK", str(good_dir))
    panel = quizzes.ask("engines", record=True)
    panel.card("engines-001").control.value = 0          # wrong
    panel.card("engines-001").button.click()
    due = quizzes.due_for_review(dt.date.today() + dt.timedelta(days=1))
    assert due == ["engines-001"]
    later = quizzes.review(dt.date.today() + dt.timedelta(days=1), record=False)
    assert [c.question.id for c in later.cards] == ["engines-001"]
