"""Notebook front ends: question cards with instant feedback, and the exam panel.

Imported only when a notebook calls ``quizzes.ask`` / ``quizzes.exam`` / ``quizzes.practice``
(``import quizzes`` loads neither ipywidgets nor plotly). Every button calls a plain method
(:meth:`QuizPanel.try_answer`, :meth:`ExamPanel.submit`), and the widgets' values are set
directly — never printed into an Output with ``with output:``, which can hang headless
runs — so a notebook run by nbval can drive the same objects and assert on them.
"""
from __future__ import annotations

import html
from typing import List, Optional

import ipywidgets as widgets
from IPython.display import display

from .grading import LETTERS, Result, ResponseError, grade
from .model import Question

_FULL = widgets.Layout(width="100%")


def _html_text(text: str) -> str:
    paragraphs = html.escape(text.strip()).split("\n\n")
    return "".join(f"<p>{p.replace(chr(10), ' ')}</p>" for p in paragraphs)


def result_html(result: Result) -> str:
    colour = {"Correct": "#1a7f37", "Partly right": "#9a6700"}.get(result.verdict, "#cf222e")
    parts = [f'<div class="quiz-feedback" style="border-left:4px solid {colour};'
             f'padding:4px 10px"><b style="color:{colour}">{result.verdict}</b> '
             f"({result.score:.0%})"]
    parts += [f"<div>{html.escape(line)}</div>" for line in result.feedback]
    parts.append(f"<div style='margin-top:6px'>{_html_text(result.explanation)}</div>")
    parts.append("<div><small>Read more: " + "; ".join(html.escape(r) for r in result.references)
                 + "</small></div></div>")
    return "".join(parts)


class QuestionCard:
    """One question: the prompt, an input for its type, a Check button, feedback."""

    def __init__(self, question: Question, number: int, on_check):
        self.question = question
        q = question
        self.title = widgets.HTML(
            f"<b>Question {number}</b> <small>({html.escape(q.topic)} · {q.domain} · "
            f"difficulty {q.difficulty} · {q.id})</small>{_html_text(q.prompt)}")
        if q.type == "single":
            self.control = widgets.RadioButtons(
                options=[(f"{LETTERS[i]}. {c.text}", i) for i, c in enumerate(q.choices)],
                value=None, layout=_FULL)
        elif q.type == "multiple":
            self.boxes = [widgets.Checkbox(value=False, description=f"{LETTERS[i]}. {c.text}",
                                           indent=False, layout=_FULL)
                          for i, c in enumerate(q.choices)]
            self.control = widgets.VBox([widgets.HTML(f"<i>Choose {q.select}.</i>"),
                                         *self.boxes])
        elif q.type == "numeric":
            self.control = widgets.Text(placeholder="a number" + (f" (in {q.unit})"
                                                                  if q.unit else ""))
        elif q.type == "ordering":
            items = q.shown_items()
            self.slots = [widgets.Dropdown(options=[("—", None)] + [(t, i) for i, t in
                                                                    enumerate(items)],
                                           value=None, description=f"step {k + 1}",
                                           layout=_FULL) for k in range(len(items))]
            self.control = widgets.VBox(self.slots)
        else:
            from .exercises import task
            self.control = widgets.HTML(
                f"<pre style='white-space:pre-wrap'>{html.escape(task(q.exercise))}</pre>"
                f"<p>Write the function in a cell below, then run "
                f"<code>quizzes.check({q.exercise!r}, your_function)</code>.</p>")
        self.button = widgets.Button(description="Check", button_style="primary",
                                     disabled=q.type == "code")
        self.feedback = widgets.HTML("")
        self.button.on_click(lambda _: on_check(self))
        self.widget = widgets.VBox([self.title, self.control, self.button, self.feedback],
                                   layout=widgets.Layout(border="1px solid #ddd",
                                                         padding="6px", margin="6px 0"))
        self.result: Optional[Result] = None

    def response(self):
        q = self.question
        if q.type == "single":
            return self.control.value
        if q.type == "multiple":
            return [i for i, box in enumerate(self.boxes) if box.value] or None
        if q.type == "numeric":
            return self.control.value.strip() or None
        if q.type == "ordering":
            values = [s.value for s in self.slots]
            return None if None in values else values
        return None

    def set_response(self, response) -> None:
        """Put ``response`` into the inputs, as a learner clicking would."""
        q = self.question
        if q.type == "single":
            self.control.value = int(response)
        elif q.type == "multiple":
            for i, box in enumerate(self.boxes):
                box.value = i in set(response)
        elif q.type == "numeric":
            self.control.value = str(response)
        elif q.type == "ordering":
            for slot, value in zip(self.slots, response):
                slot.value = int(value)


class QuizPanel:
    """Questions with instant feedback (what ``quizzes.ask`` returns)."""

    def __init__(self, questions: List[Question], *, record: bool = True, progress=None,
                 mode: str = "practice"):
        self.questions = list(questions)
        self.record, self.mode = record, mode
        self._progress = progress
        self.cards = [QuestionCard(q, n, self._on_click) for n, q in
                      enumerate(self.questions, 1)]
        self.score_label = widgets.HTML(self._score_text())
        self.widget = widgets.VBox([*(c.widget for c in self.cards), self.score_label])

    def _score_text(self) -> str:
        done = [c.result for c in self.cards if c.result]
        if not done:
            return f"<i>{len(self.cards)} question(s). Answer, then press Check.</i>"
        return (f"<b>{sum(r.score for r in done):.1f} / {len(done)}</b> on the "
                f"{len(done)} question(s) checked so far.")

    def _on_click(self, card: QuestionCard) -> None:
        self._check(card, self.record)

    def _check(self, card: QuestionCard, record: bool) -> Optional[Result]:
        try:
            result = grade(card.question, card.response())
        except ResponseError as problem:
            card.feedback.value = f"<span style='color:#9a6700'>⚠ {html.escape(str(problem))}</span>"
            return None
        card.result = result
        card.feedback.value = result_html(result)
        self.score_label.value = self._score_text()
        if record:
            from .progress import load_progress
            progress = self._progress or load_progress()
            progress.record_answer(result, mode=self.mode)
        return result

    def card(self, which) -> QuestionCard:
        """A card by position (0-based) or question id."""
        if isinstance(which, int):
            return self.cards[which]
        for card in self.cards:
            if card.question.id == which:
                return card
        raise KeyError(f"no question {which!r} in this quiz")

    def grade(self, which, response) -> Result:
        """Grade ``response`` for one question without touching the widgets or progress."""
        return grade(self.card(which).question, response)

    def try_answer(self, which, response, *, record: bool = False) -> Optional[Result]:
        """Fill in ``response`` and press Check, exactly as the button does (not recorded
        in progress unless ``record=True``). Returns the Result (None if unreadable)."""
        card = self.card(which)
        card.set_response(response)
        return self._check(card, record)

    def reset(self) -> None:
        """Clear every answer and all feedback (after a scripted self-check)."""
        for card in self.cards:
            card.result = None
            card.feedback.value = ""
            q = card.question
            if q.type == "single":
                card.control.value = None
            elif q.type == "multiple":
                for box in card.boxes:
                    box.value = False
            elif q.type == "numeric":
                card.control.value = ""
            elif q.type == "ordering":
                for slot in card.slots:
                    slot.value = None
        self.score_label.value = self._score_text()

    def display(self) -> "QuizPanel":
        display(self.widget)
        return self

    def __len__(self):
        return len(self.cards)

    def __repr__(self) -> str:
        return f"<QuizPanel: {len(self.cards)} question(s)>"


class ExamPanel:
    """Exam mode in a notebook: one question at a time, flag for review, a review
    screen, submit, then the report with a per-domain figure."""

    def __init__(self, exam, *, record: bool = True, progress=None):
        self.exam = exam
        self.record, self._progress = record, progress
        self.index = 0
        self.header = widgets.HTML()
        self.flag = widgets.Checkbox(description="flag for review", indent=False)
        self.prev = widgets.Button(description="◀ Previous")
        self.next = widgets.Button(description="Next ▶")
        self.review_button = widgets.Button(description="Review")
        self.submit_button = widgets.Button(description="Submit", button_style="danger")
        self.message = widgets.HTML()
        self.body = widgets.VBox()
        self.report_html = widgets.HTML()
        self.figure = widgets.Output()
        self.cards = [QuestionCard(q, n, lambda card: None) for n, q in
                      enumerate(exam.questions, 1)]
        for card in self.cards:
            card.button.layout.display = "none"    # no feedback until the exam is submitted
        self.prev.on_click(lambda _: self.go(self.index - 1))
        self.next.on_click(lambda _: self.go(self.index + 1))
        self.review_button.on_click(lambda _: self.show_review())
        self.submit_button.on_click(lambda _: self.submit())
        self.flag.observe(lambda change: self._flag(change["new"]), names="value")
        self.widget = widgets.VBox([
            self.header, self.body,
            widgets.HBox([self.prev, self.next, self.flag, self.review_button,
                          self.submit_button]),
            self.message, self.report_html, self.figure])
        self.go(0)

    def _timer(self) -> str:
        left = self.exam.remaining_s
        if left is None:
            return "untimed"
        return f"time left {int(left // 60)}:{int(left % 60):02d}"

    def _store(self) -> None:
        card = self.cards[self.index]
        response = card.response()
        if response is not None and self.exam.report is None and not self.exam.timed_out:
            try:
                self.exam.answer(self.index, response)
            except ResponseError as problem:
                self.message.value = f"⚠ {html.escape(str(problem))}"

    def go(self, index: int) -> None:
        if self.body.children:
            self._store()
        self.index = max(0, min(index, len(self.cards) - 1))
        self.body.children = [self.cards[self.index].widget]
        self.flag.value = self.index in self.exam.flagged
        self.header.value = (f"<b>Exam</b> (seed {self.exam.seed}) — question {self.index + 1} "
                             f"of {len(self.cards)} · {self._timer()}")

    def _flag(self, value: bool) -> None:
        if self.exam.report is None and not self.exam.timed_out:
            self.exam.flag(self.index, value)

    def answer(self, index: int, response) -> None:
        """Answer question ``index`` as a learner would (fills in the inputs)."""
        self.cards[index].set_response(response)
        self.exam.answer(index, response)

    def show_review(self) -> List[dict]:
        self._store()
        rows = self.exam.review()
        lines = "".join(f"<tr><td>{r['number']}</td><td>{'✔' if r['answered'] else '—'}</td>"
                        f"<td>{'⚑' if r['flagged'] else ''}</td>"
                        f"<td>{html.escape(r['prompt'])}</td></tr>" for r in rows)
        self.message.value = ("<table><tr><th>#</th><th>answered</th><th>flag</th>"
                              f"<th>question</th></tr>{lines}</table>")
        return rows

    def submit(self):
        self._store()
        report = self.exam.submit()
        self.report_html.value = ("<pre style='white-space:pre-wrap'>"
                                  + html.escape(report.as_text()) + "</pre>")
        from engine.viz import mime_bundle
        self.figure.outputs = ({"output_type": "display_data",
                                "data": mime_bundle(report.figure()), "metadata": {}},)
        for button in (self.prev, self.next, self.review_button, self.submit_button):
            button.disabled = True
        if self.record:
            from .progress import load_progress
            (self._progress or load_progress()).record_exam(report)
        return report

    def display(self) -> "ExamPanel":
        display(self.widget)
        return self

    def __repr__(self) -> str:
        return f"<ExamPanel: {len(self.cards)} question(s), seed {self.exam.seed}>"
