"""The terminal front end, driven as a learner would: piped answers on stdin."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def run(args, stdin="", bank=None, env_extra=None):
    env = dict(os.environ)
    if bank is not None:
        env["ELASTICACHE_LAB_BANK"] = str(bank)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "quizzes", *args], input=stdin,
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=120)


def test_practice_shows_feedback_after_each_answer(good_dir, private_progress):
    from quizzes.exam_mode import Practice
    from quizzes.loader import load_bank
    order = Practice(load_bank(good_dir), "engines", seed=0).questions
    answers = []
    for q in order:
        answers.append("ABCD"[q.correct_indices()[0]])
    proc = run(["practice", "engines"], "\n".join(answers) + "\n", bank=good_dir)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("Correct (100%)") == len(order)
    assert "Practice score: 100% over 4 answered." in proc.stdout
    saved = json.loads(private_progress.read_text())
    assert len(saved["answers"]) == 4 and all(a["mode"] == "practice" for a in saved["answers"])


def test_practice_retries_an_unreadable_answer(good_dir):
    proc = run(["practice", "engines", "--no-record"], "Z\nA\n", bank=good_dir)
    assert "? expected a choice letter A–C or an index, got 'Z'; try again" in proc.stdout
    assert "Practice score:" in proc.stdout and "over 1 answered" in proc.stdout


def test_exam_with_flags_review_and_report(good_dir, private_progress):
    from quizzes.exam_mode import Exam
    from quizzes.loader import load_bank
    exam = Exam(load_bank(good_dir), 6, seed=5)
    lines = []
    for i, q in enumerate(exam.questions):
        if q.type == "single":
            lines.append("ABCD"[q.correct_indices()[0]] + ("!" if i == 0 else ""))
        else:
            lines.append("skip")
    first_non_single = next((i for i, q in enumerate(exam.questions) if q.type != "single"), None)
    lines += ["submit"]
    proc = run(["exam", "--count", "6", "--seed", "5"], "\n".join(lines) + "\n", bank=good_dir)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Exam: 6 questions, seed 5, untimed." in out
    review = out.split("Review:")[1].split("Score:")[0]
    assert "FLAGGED" in review and ("EMPTY" in review) == (first_non_single is not None)
    singles = sum(q.type == "single" for q in exam.questions)
    assert f"Score: {singles / 6:.0%} ({singles} of 6 fully right)" in out
    assert "By domain:" in out and "Labs to revisit:" in out
    saved = json.loads(private_progress.read_text())
    assert saved["exams"][0]["seed"] == 5 and saved["exams"][0]["questions"] == 6


def test_exam_same_seed_same_questions(good_dir):
    first = run(["exam", "--count", "5", "--seed", "11", "--no-record"], "", bank=good_dir)
    second = run(["exam", "--count", "5", "--seed", "11", "--no-record"], "", bank=good_dir)
    assert first.returncode == 0 and first.stdout == second.stdout
    assert "Score: 0%" in first.stdout                 # end of input submits an empty exam


def test_stats_json(good_dir):
    proc = run(["stats", "--json"], bank=good_dir)
    data = json.loads(proc.stdout)
    assert data["questions"] == 11
    assert data["by_type"] == {"code": 1, "multiple": 2, "numeric": 1, "ordering": 1, "single": 6}
    assert data["by_domain"]["secure"] == 2 and data["by_topic"] == {"engines": 5, "eviction": 6}
    assert data["by_difficulty"] == {"1": 3, "2": 6, "3": 2}
    assert data["correct_positions"]["single"]["4 choices"] == {"A": 1, "B": 0, "C": 1, "D": 1}
    assert data["correct_positions"]["multiple"] == {"A": 2, "C": 2}


def test_broken_bank_exits_2_with_file_and_line(good_dir):
    proc = run(["stats"], bank=good_dir.parent / "broken" / "wrong_domain")
    assert proc.returncode == 2
    assert "wrong_domain/eviction.yaml:7:" in proc.stderr


def test_seal_and_unseal_commands(good_dir, tmp_path):
    folder = tmp_path / "bank"
    shutil.copytree(good_dir, folder)
    before = {p.name: p.read_text() for p in folder.glob("*.yaml")}
    assert run(["seal", str(folder)]).stdout.strip() == "sealed 2 file(s)"
    assert all("correct:" not in p.read_text() for p in folder.glob("*.yaml"))
    stats = json.loads(run(["stats", "--json"], bank=folder).stdout)
    assert stats["sealed"] == 9 and stats["correct_positions"]["multiple"] == {"A": 2, "C": 2}
    assert run(["unseal", str(folder)]).stdout.strip() == "unsealed 2 file(s)"
    assert {p.name: p.read_text() for p in folder.glob("*.yaml")} == before


def test_seal_refuses_a_broken_bank(tmp_path, good_dir):
    folder = tmp_path / "bank"
    shutil.copytree(good_dir.parent / "broken" / "no_feedback", folder)
    before = (folder / "eviction.yaml").read_text()
    proc = run(["seal", str(folder)])
    assert proc.returncode == 2 and "needs 'feedback:'" in proc.stderr
    assert (folder / "eviction.yaml").read_text() == before


def test_export_and_import_commands(tmp_path, good_dir, private_progress):
    run(["practice", "engines"], "A\n", bank=good_dir)
    out = tmp_path / "alice.json"
    assert run(["export", str(out), "--learner", "alice"]).returncode == 0
    assert json.loads(out.read_text())["learner"] == "alice"
    other = tmp_path / "other.json"
    proc = run(["import", str(out)], env_extra={"ELASTICACHE_LAB_PROGRESS": str(other)})
    assert proc.stdout.strip() == "imported 1 answer(s)"
