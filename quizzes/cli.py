"""The terminal front end: ``python -m quizzes COMMAND``.

    exam [--count 20] [--seed 0] [--time-limit MIN]   an exam, report at the end
    practice TOPIC [--seed 0]                         feedback after each answer
    review                                            the missed questions due today
    stats [--json]                                    counts and answer positions of the bank
    seal DIR / unseal DIR                             hash the answers / restore them
    student SRC DEST                                  student copies of the labs
    export PATH [--learner NAME] / import PATH        progress for an instructor

Everything reads answers from stdin, one line per question, so a test can pipe them:
a letter (``B``), letters (``A,C``), a number (``6.38``) or an order (``3,1,2``);
``skip`` moves on, a trailing ``!`` flags the question for review (``B!``). After the
last question, exam mode shows the review screen: type a question number to revisit
it, or ``submit`` (end of input submits too).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Optional

from .exam_mode import Exam, Practice
from .grading import LETTERS, ResponseError
from .loader import BankError, load_bank


def _show(q, number: int, total: int, out) -> None:
    print(f"\nQuestion {number}/{total} [{q.domain}, {q.topic}, difficulty {q.difficulty}]",
          file=out)
    print(q.prompt.strip(), file=out)
    if q.is_choice:
        for i, choice in enumerate(q.choices):
            print(f"  {LETTERS[i]}) {choice.text}", file=out)
        if q.type == "multiple":
            print(f"  (choose {q.select}: letters separated by commas)", file=out)
    elif q.type == "numeric":
        print("  (a number" + (f", in {q.unit})" if q.unit else ")"), file=out)
    elif q.type == "ordering":
        for i, item in enumerate(q.shown_items(), 1):
            print(f"  {i}) {item}", file=out)
        print("  (the item numbers in the right order, e.g. 3,1,2)", file=out)


def _read(inp, out, prompt="> ") -> Optional[str]:
    print(prompt, end="", file=out, flush=True)
    line = inp.readline()
    if not line:
        print(file=out)
        return None
    return line.strip()


def _progress(args):
    if getattr(args, "no_record", False):
        return None
    from .progress import load_progress
    return load_progress()


def run_exam(args, inp, out) -> int:
    bank = load_bank(args.bank)
    limit = args.time_limit * 60 if args.time_limit else None
    exam = Exam(bank, args.count, args.seed, time_limit_s=limit, topics=args.topic or None,
                clock=time.monotonic)
    print(f"Exam: {len(exam)} questions, seed {args.seed}"
          + (f", {args.time_limit} minutes" if limit else ", untimed")
          + ". Answer each; 'skip' to move on, a trailing '!' flags it.", file=out)

    def ask(index) -> bool:
        """Ask one question until readable; False at end of input."""
        _show(exam.questions[index], index + 1, len(exam), out)
        while True:
            line = _read(inp, out)
            if line is None:
                return False
            if exam.timed_out:
                print("Time is up.", file=out)
                return False
            if line.endswith("!"):
                exam.flag(index)
                line = line[:-1].strip()
            if line in ("", "skip"):
                return True
            try:
                exam.answer(index, line)
                return True
            except ResponseError as problem:
                print(f"  ? {problem}; try again", file=out)

    more = all(ask(i) for i in range(len(exam)))
    while more and not exam.timed_out:
        print("\nReview:", file=out)
        for row in exam.review():
            print(f"  {row['number']:3d} {'answered' if row['answered'] else 'EMPTY   '}"
                  f" {'FLAGGED' if row['flagged'] else '       '} {row['prompt']}", file=out)
        line = _read(inp, out, "Question number to revisit, or 'submit': ")
        if line is None or line == "submit":
            break
        if line.isdigit() and 1 <= int(line) <= len(exam):
            exam.flag(int(line) - 1, False)
            more = ask(int(line) - 1)
        else:
            print("  ? type a question number or 'submit'", file=out)
    report = exam.submit()
    print("\n" + report.as_text(), file=out)
    progress = _progress(args)
    if progress is not None:
        progress.record_exam(report)
    return 0


def run_practice(args, inp, out) -> int:
    bank = load_bank(args.bank)
    session = Practice(bank, args.topic, args.seed)
    progress = _progress(args)
    if not session.questions:
        print(f"No practice questions for {args.topic!r}.", file=out)
        return 1
    print(f"Practice: {len(session.questions)} questions on {args.topic}.", file=out)
    for index, q in enumerate(session.questions):
        _show(q, index + 1, len(session.questions), out)
        while True:
            line = _read(inp, out)
            if line is None:
                break
            if line in ("", "skip"):
                break
            try:
                result = session.answer(index, line)
            except ResponseError as problem:
                print(f"  ? {problem}; try again", file=out)
                continue
            print(result.as_text(), file=out)
            if progress is not None:
                progress.record_answer(result, mode="practice")
            break
        if line is None:
            break
    print(f"\nPractice score: {session.score:.0%} over {len(session.results)} answered.",
          file=out)
    return 0


def run_review(args, inp, out) -> int:
    import datetime
    from .progress import load_progress
    from .leitner import Schedule
    bank = load_bank(args.bank)
    progress = load_progress()
    due = [qid for qid in Schedule(progress).due(datetime.date.today()) if qid in bank]
    if not due:
        print("Nothing to review today.", file=out)
        return 0
    args.topic = due
    return run_practice(args, inp, out)


def run_stats(args, out) -> int:
    from .quality import stats
    data = stats(load_bank(args.bank))
    if args.json:
        print(json.dumps(data, indent=2), file=out)
    else:
        for name, value in data.items():
            print(f"{name}: {value}", file=out)
    return 0


def main(argv=None, inp=None, out=None) -> int:
    inp, out = inp or sys.stdin, out or sys.stdout
    parser = argparse.ArgumentParser(prog="python -m quizzes", description=__doc__.split("\n")[0])
    parser.add_argument("--bank", help="bank folder (default quizzes/bank or $ELASTICACHE_LAB_BANK)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("exam", help="an exam drawn by the domain weights")
    p.add_argument("--count", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--time-limit", type=float, default=None, help="minutes")
    p.add_argument("--topic", action="append", help="only these topics (repeatable)")
    p.add_argument("--no-record", action="store_true", help="do not save to progress")
    p = sub.add_parser("practice", help="practice a topic with feedback after each answer")
    p.add_argument("topic")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-record", action="store_true")
    p = sub.add_parser("review", help="the missed questions due for review today")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-record", action="store_true")
    p = sub.add_parser("stats", help="counts by domain, topic, type, difficulty; positions")
    p.add_argument("--json", action="store_true")
    for name in ("seal", "unseal"):
        p = sub.add_parser(name, help=f"{name} every *.yaml of a bank folder in place")
        p.add_argument("folder")
    p = sub.add_parser("student", help="copy notebooks without their solution cells")
    p.add_argument("source")
    p.add_argument("dest")
    p = sub.add_parser("export", help="export your progress for an instructor")
    p.add_argument("path")
    p.add_argument("--learner")
    p = sub.add_parser("import", help="merge an exported progress file into yours")
    p.add_argument("path")
    args = parser.parse_args(argv)
    try:
        if args.command == "exam":
            return run_exam(args, inp, out)
        if args.command == "practice":
            return run_practice(args, inp, out)
        if args.command == "review":
            return run_review(args, inp, out)
        if args.command == "stats":
            return run_stats(args, out)
        if args.command in ("seal", "unseal"):
            from .sealing import seal_folder, unseal_folder
            load_bank(args.folder)          # never seal a bank that does not validate
            changed = (seal_folder if args.command == "seal" else unseal_folder)(args.folder)
            print(f"{args.command}ed {len(changed)} file(s)", file=out)
            load_bank(args.folder)
            return 0
        if args.command == "student":
            from .student import write_student_copies
            for path in write_student_copies(args.source, args.dest):
                print(f"wrote {path}", file=out)
            return 0
        from .progress import load_progress
        if args.command == "export":
            print(f"exported to {load_progress().export(args.path, args.learner)}", file=out)
            return 0
        if args.command == "import":
            print(f"imported {load_progress().import_file(args.path)} answer(s)", file=out)
            return 0
    except BankError as error:
        print(str(error), file=sys.stderr)
        return 2
    except (KeyError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 1
