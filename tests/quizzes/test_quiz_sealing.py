"""Sealing: answers hashed as specified, nothing revealing in plain text, exact round trip."""
import base64
import hashlib
import json
import shutil
import zlib
from pathlib import Path

import pytest
import yaml

from quizzes.loader import load_bank
from quizzes.sealing import (decode_blob, seal_folder, seal_text, stored_order, unseal_folder,
                             unseal_text)

REAL_BANK = Path(__file__).resolve().parents[2] / "quizzes" / "bank"


def _sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def test_round_trip_is_exact_on_fixtures(good_dir):
    for path in good_dir.glob("*.yaml"):
        text = path.read_text()
        sealed = seal_text(text)
        assert sealed != text
        assert unseal_text(sealed) == text                  # byte for byte, comments kept
        assert seal_text(sealed) == sealed                  # sealing twice changes nothing
        assert unseal_text(text) == text                    # unsealing authoring: no-op


def test_sealed_text_hides_answers(good_dir):
    sealed = seal_text((good_dir / "eviction.yaml").read_text())
    assert "correct:" not in sealed and "feedback:" not in sealed
    assert "explanation:" not in sealed and "answer:" not in sealed
    assert "Right — only keys with a TTL" not in sealed
    assert "# A comment before the questions" in sealed     # the header is kept as is
    data = yaml.safe_load(sealed)
    assert all(set(q) >= {"id", "sealed"} for q in data["questions"])


def test_key_follows_the_documented_formula(good_dir):
    data = yaml.safe_load(seal_text((good_dir / "eviction.yaml").read_text()))
    by_id = {q["id"]: q for q in data["questions"]}
    assert by_id["eviction-001"]["key"] == _sha("elasticache-lab:eviction-001:0")
    assert by_id["eviction-003"]["key"] == _sha("elasticache-lab:eviction-003:0,2")
    # ordering: stored shuffled by the id; key = stored indices in the correct sequence
    authoring = yaml.safe_load((good_dir / "eviction.yaml").read_text())
    correct = next(q for q in authoring["questions"] if q["id"] == "eviction-005")["items"]
    stored = by_id["eviction-005"]["items"]
    assert stored != correct and sorted(stored) == sorted(correct)
    canonical = ",".join(str(stored.index(item)) for item in correct)
    assert by_id["eviction-005"]["key"] == _sha(f"elasticache-lab:eviction-005:{canonical}")
    # numeric: no key, the answer and tolerance are in the blob
    blob = json.loads(zlib.decompress(base64.b64decode(by_id["eviction-004"]["sealed"])))
    assert "key" not in by_id["eviction-004"]
    assert blob["answer"] == 6 and blob["tolerance"] == 0.01
    assert blob["explanation"] == "75% of 8 GB is 6 GB."


def test_stored_order_is_deterministic_and_never_identity():
    for n in range(2, 9):
        for qid in ("a-1", "b-2", "ordering-007"):
            perm = stored_order(qid, n)
            assert perm == stored_order(qid, n) and sorted(perm) == list(range(n))
            assert perm != list(range(n))


def test_damaged_blob_is_reported():
    with pytest.raises(ValueError, match="cannot be decoded"):
        decode_blob("not base64 at all!!")


def test_folder_seal_unseal_on_a_copy(good_dir, tmp_path):
    folder = tmp_path / "bank"
    shutil.copytree(good_dir, folder)
    before = {p.name: p.read_text() for p in folder.glob("*.yaml")}
    assert len(seal_folder(folder)) == 2
    assert all(q.sealed or q.type in ("numeric", "code") for q in load_bank(folder))
    assert seal_folder(folder) == []                       # idempotent
    unseal_folder(folder)
    assert {p.name: p.read_text() for p in folder.glob("*.yaml")} == before


def test_committed_bank_is_sealed():
    """The bank in the repository (the learner's copy) carries no answer in
    plain sight: every choice and ordering question is sealed, and no file
    holds an authoring-form ``correct:`` flag."""
    files = sorted(REAL_BANK.glob("*.yaml"))
    assert files, "quizzes/bank has no question files"
    for path in files:
        assert "correct: true" not in path.read_text(), f"{path.name} is not sealed"
    bank = load_bank(REAL_BANK)
    unsealed = [q.id for q in bank if not q.sealed and q.type not in ("numeric", "code")]
    assert not unsealed, unsealed


def test_real_bank_round_trips_exactly(tmp_path):
    """unseal then seal gives back every committed bank file byte for byte (on a
    copy), and the answers read from both forms are the same."""
    folder = tmp_path / "bank"
    folder.mkdir()
    for path in REAL_BANK.glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    before = {p.name: p.read_text() for p in folder.glob("*.yaml")}
    sealed = load_bank(folder)
    unseal_folder(folder)
    authoring = load_bank(folder)
    assert "correct: true" in "".join(p.read_text() for p in folder.glob("*.yaml"))
    for q in authoring:
        s = sealed[q.id]
        assert s.explanation == q.explanation and s.prompt == q.prompt
        if q.is_choice:
            assert s.correct_indices() == q.correct_indices()
            assert [c.feedback for c in s.choices] == [c.feedback for c in q.choices]
        if q.type == "ordering":
            assert s.correct_order() == q.correct_order()
    seal_folder(folder)
    assert {p.name: p.read_text() for p in folder.glob("*.yaml")} == before
