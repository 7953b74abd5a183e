"""Fixtures for the quiz tests: the fixture banks and a private progress file."""
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
REPO = HERE.parent.parent


@pytest.fixture
def good_dir() -> Path:
    return FIXTURES / "good"


@pytest.fixture
def good_bank(good_dir):
    from quizzes.loader import load_bank
    return load_bank(good_dir)


@pytest.fixture
def sealed_bank(good_dir, tmp_path):
    """The good fixture bank, sealed in a temporary folder."""
    from quizzes.loader import load_bank
    from quizzes.sealing import seal_text
    folder = tmp_path / "sealed"
    folder.mkdir()
    for path in good_dir.glob("*.yaml"):
        (folder / path.name).write_text(seal_text(path.read_text()))
    return load_bank(folder)


@pytest.fixture(autouse=True)
def private_progress(tmp_path, monkeypatch):
    """Every quiz test writes progress to its own file, never the real home folder."""
    path = tmp_path / "progress" / "progress.json"
    monkeypatch.setenv("ELASTICACHE_LAB_PROGRESS", str(path))
    return path
