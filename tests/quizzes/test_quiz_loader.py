"""The loader: the fixture bank loads; each broken file is reported with file, line, problem."""
import shutil

import pytest

from quizzes.loader import BankError, load_bank

BROKEN = {
    # case: (file, line, words the message must contain)
    "bad_syntax": ("eviction.yaml", 9, ["YAML syntax error", "line 8"]),
    "missing_field": ("eviction.yaml", 5, ["missing field 'explanation'"]),
    "unknown_type": ("eviction.yaml", 6, ["unknown type 'essay'"]),
    "duplicate_id": ("eviction.yaml", 15, ["duplicate id 'engines-004'", "engines.yaml:54"]),
    "wrong_domain": ("eviction.yaml", 7, ["domain must be one of", "operational-excellence"]),
    "no_feedback": ("eviction.yaml", 13, ["choice 2 is wrong and needs 'feedback:'"]),
    "two_correct": ("eviction.yaml", 11, ["2 choice(s) marked correct, expected 1"]),
    "topic_mismatch": ("eviction.yaml", 1, ["'topic' must equal the file name"]),
    "bad_blob": ("eviction.yaml", 12, ["sealed blob cannot be decoded"]),
}


def test_good_fixture_bank_loads_every_type(good_bank):
    assert len(good_bank) == 11
    assert {q.type for q in good_bank} == {"single", "multiple", "numeric", "ordering", "code"}
    q = good_bank["eviction-001"]
    assert q.topic == "eviction" and q.lab == "labs/02-caching-patterns.ipynb"
    assert q.choices[0].correct is True and q.choices[1].feedback.startswith("Every key")
    assert q.line == 6 and q.file.endswith("eviction.yaml")
    assert good_bank["eviction-004"].answer == 6 and good_bank["eviction-004"].unit == "GB"


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_file_names_file_line_and_problem(case, good_dir):
    folder = good_dir.parent / "broken" / case
    name, line, words = BROKEN[case]
    with pytest.raises(BankError) as info:
        load_bank(folder)
    problems = info.value.problems
    assert problems, "a broken bank must report at least one problem"
    first = problems[0]
    assert first.file.endswith(f"{case}/{name}") and first.line == line, str(first)
    for word in words:
        assert word in first.message or word in str(info.value), (word, str(info.value))
    assert f"{case}/{name}:{line}:" in str(info.value)


def test_every_problem_in_one_error(tmp_path, good_dir):
    """Two broken files and a good one: both problems reported, nothing loaded."""
    for name in ("wrong_domain", "no_feedback"):
        shutil.copy(good_dir.parent / "broken" / name / "eviction.yaml",
                    tmp_path / f"{name.replace('_', '-')}.yaml")
    for path in tmp_path.glob("*.yaml"):
        text = path.read_text().replace("topic: eviction", f"topic: {path.stem}")
        path.write_text(text.replace("id: eviction-001", f"id: {path.stem}-001"))
    shutil.copy(good_dir / "engines.yaml", tmp_path / "engines.yaml")
    with pytest.raises(BankError) as info:
        load_bank(tmp_path)
    assert len(info.value.problems) == 2
    assert {p.file.split("/")[-1] for p in info.value.problems} == {"wrong-domain.yaml",
                                                                    "no-feedback.yaml"}


def test_empty_folder_is_an_error(tmp_path):
    with pytest.raises(BankError, match="no \\*.yaml question files"):
        load_bank(tmp_path)


def test_unknown_field_and_duplicate_key_are_reported(tmp_path, good_dir):
    text = (good_dir / "engines.yaml").read_text()
    text = text.replace("  difficulty: 1\n", "  difficulty: 1\n  dificulty: 2\n", 1)
    text = text.replace("  domain: resilient\n", "  domain: resilient\n  domain: secure\n", 1)
    (tmp_path / "engines.yaml").write_text(text)
    with pytest.raises(BankError) as info:
        load_bank(tmp_path)
    messages = [str(p) for p in info.value.problems]
    assert any("field 'dificulty' is not allowed" in m and "engines.yaml:9:" in m
               for m in messages), messages
    assert any("field 'domain' appears twice" in m for m in messages), messages
