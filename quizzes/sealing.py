"""Sealing: keeping answers out of plain sight in the learner's copy of the bank.

``python -m quizzes seal quizzes/bank`` rewrites every question of the AUTHORING form
into the SEALED form, and ``unseal`` gives the authoring text back byte for byte.

Per question, the sealed form replaces what gives the answer away:

* ``correct:`` flags (single/multiple) and the correct order (ordering) become
  ``key: sha256("elasticache-lab:" + id + ":" + canonical answer)``, where the
  canonical answer is the comma-joined sorted 0-based indices of the correct choices,
  or — for ordering, whose items are stored shuffled (seeded by the id) — the
  comma-joined stored indices in the correct sequence;
* feedback, the explanation and a numeric answer/tolerance go into
  ``sealed: base64(zlib(JSON))``, together with the question's authoring text,
  XOR-ed with a keystream derived from the answer (so that ``unseal`` restores the
  file exactly, comments included, after recovering the answer from the hash).

This is the approach of nbgrader's hashed tests: it **deters peeking, it is not
security**. Anyone can try the at most 2^6 subsets of six choices against the hash,
or decode the blob and read the feedback. The grader does the same, which is why it
works on both forms.
"""
from __future__ import annotations

import base64
import hashlib
import itertools
import json
import random
import zlib
from functools import lru_cache
from pathlib import Path
from typing import List, Sequence, Tuple

import yaml

PREFIX = "elasticache-lab:"
ANSWER_FIELDS = ("answer", "tolerance")


# -- hashes and canonical answers ------------------------------------------------------

def answer_key(qid: str, canonical: str) -> str:
    """The hash stored as ``key:`` for question ``qid`` whose answer is ``canonical``."""
    return hashlib.sha256(f"{PREFIX}{qid}:{canonical}".encode()).hexdigest()


def canonical_choices(indices) -> str:
    """``[2, 0]`` → ``"0,2"``: the canonical answer of a choice question."""
    return ",".join(str(i) for i in sorted(set(int(i) for i in indices)))


def stored_order(qid: str, n: int) -> List[int]:
    """The deterministic shuffle of an ordering question's ``n`` items, seeded by its id:
    stored item ``j`` is correct item ``perm[j]``. Never the identity (for n ≥ 2), so
    the stored order never gives the answer away."""
    seed = int.from_bytes(hashlib.sha256(f"{PREFIX}order:{qid}".encode()).digest()[:8], "big")
    rng = random.Random(seed)
    perm = list(range(n))
    for _ in range(100):
        rng.shuffle(perm)
        if n < 2 or perm != sorted(perm):
            break
    return perm


def canonical_order(stored_indices: Sequence[int]) -> str:
    """The canonical answer of an ordering: stored indices in the chosen sequence."""
    return ",".join(str(int(i)) for i in stored_indices)


def correct_order_canonical(qid: str, n: int) -> str:
    perm = stored_order(qid, n)
    return canonical_order(perm.index(k) for k in range(n))


# -- the blob ----------------------------------------------------------------------------

def encode_blob(data: dict) -> str:
    raw = zlib.compress(json.dumps(data, ensure_ascii=False, sort_keys=True).encode(), 9)
    return base64.b64encode(raw).decode()


def decode_blob(text: str) -> dict:
    """Decode a ``sealed:`` value; raises ValueError with a clear message when damaged."""
    try:
        data = json.loads(zlib.decompress(base64.b64decode("".join(str(text).split()))))
    except Exception as exc:  # binascii.Error, zlib.error, JSON errors
        raise ValueError(f"the sealed blob cannot be decoded ({type(exc).__name__}: {exc})")
    if not isinstance(data, dict):
        raise ValueError("the sealed blob does not hold a mapping")
    return data


def _keystream_xor(data: bytes, secret: str) -> bytes:
    """XOR with a SHA-256 counter keystream: obfuscation keyed by the answer, so the
    authoring text (with its ``correct: true`` lines) is not one base64 decode away."""
    out = bytearray()
    for block in range(0, len(data), 32):
        pad = hashlib.sha256(f"{PREFIX}authoring:{secret}:{block}".encode()).digest()
        out.extend(b ^ p for b, p in zip(data[block:block + 32], pad))
    return bytes(out)


# -- recovering answers from hashes (the grader and the quality tests do this) -------------

@lru_cache(maxsize=4096)
def _recover_subset(qid: str, key: str, n: int, single: bool, select) -> Tuple[int, ...]:
    sizes = [1] if single else ([select] if select else range(1, n + 1))
    for size in sizes:
        for subset in itertools.combinations(range(n), size):
            if answer_key(qid, canonical_choices(subset)) == key:
                return subset
    raise ValueError(f"question {qid}: no choice subset matches its key (damaged bank?)")


def recover_choice_answer(question) -> Tuple[int, ...]:
    """The correct choices of a sealed single/multiple question (at most 2^6 hashes)."""
    return _recover_subset(question.id, question.key, len(question.choices),
                           question.type == "single", question.select)


@lru_cache(maxsize=1024)
def _recover_permutation(qid: str, key: str, n: int) -> Tuple[int, ...]:
    for perm in itertools.permutations(range(n)):
        if answer_key(qid, canonical_order(perm)) == key:
            return perm
    raise ValueError(f"question {qid}: no order of its items matches its key (damaged bank?)")


def recover_order(question) -> Tuple[int, ...]:
    """Stored indices of a sealed ordering question, in the correct sequence (≤ 8! hashes)."""
    return _recover_permutation(question.id, question.key, len(question.items))


# -- sealing one question (a dict of the authoring form) ----------------------------------

def _canonical_of_authoring(q: dict) -> str:
    kind = q.get("type")
    if kind in ("single", "multiple"):
        return canonical_choices(i for i, c in enumerate(q["choices"]) if c.get("correct"))
    if kind == "ordering":
        return correct_order_canonical(q["id"], len(q["items"]))
    return ""  # numeric (answer in the blob) and code (nothing to hide)


def seal_question(q: dict, authoring_text: str) -> dict:
    """The sealed dict of authoring question ``q`` (a mapping as loaded from YAML)."""
    canonical = _canonical_of_authoring(q)
    blob = {"explanation": q.get("explanation"),
            "authoring": base64.b64encode(_keystream_xor(authoring_text.encode(),
                                                         f"{q['id']}:{canonical}")).decode()}
    out = {}
    for name, value in q.items():
        if name == "choices":
            blob["feedback"] = [c.get("feedback") for c in value]
            out["choices"] = [{"text": c["text"]} for c in value]
        elif name == "items":
            perm = stored_order(q["id"], len(value))
            out["items"] = [value[k] for k in perm]
        elif name in ANSWER_FIELDS:
            blob[name] = value
        elif name != "explanation":
            out[name] = value
    if q.get("type") in ("single", "multiple", "ordering"):
        out["key"] = answer_key(q["id"], canonical)
    out["sealed"] = encode_blob(blob)
    return out


def is_sealed(q: dict) -> bool:
    return isinstance(q, dict) and "sealed" in q


def authoring_text_of(q: dict) -> str:
    """Recover the exact authoring text of sealed question ``q``."""
    blob = decode_blob(q["sealed"])
    kind = q.get("type")
    if kind in ("single", "multiple"):
        n = len(q["choices"])
        canonical = canonical_choices(_recover_subset(q["id"], q["key"], n, kind == "single",
                                                      q.get("select")))
    elif kind == "ordering":
        canonical = canonical_order(_recover_permutation(q["id"], q["key"], len(q["items"])))
    else:
        canonical = ""
    if "authoring" not in blob:
        raise ValueError(f"question {q.get('id')}: the sealed blob has no authoring text")
    return _keystream_xor(base64.b64decode(blob["authoring"]), f"{q['id']}:{canonical}").decode()


# -- whole files: keep every byte outside the questions ------------------------------------

class _BlockDumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper, value):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str_presenter)


def _dump_item(q: dict, indent: int) -> str:
    blob = q.pop("sealed")
    lines = [blob[i:i + 76] for i in range(0, len(blob), 76)]
    q["sealed"] = "\n".join(lines) + "\n"
    text = yaml.dump([q], Dumper=_BlockDumper, sort_keys=False, allow_unicode=True,
                     width=100, default_flow_style=False)
    pad = " " * indent
    return "".join(pad + line if line.strip() else line for line in text.splitlines(True))


def _question_spans(text: str):
    """(prefix, [(item_text, item_node)], suffix, dash_indent) of a bank file's text."""
    root = yaml.compose(text)
    if not isinstance(root, yaml.MappingNode):
        raise ValueError("not a bank file: the top level is not a mapping")
    pairs = root.value
    for index, (key, value) in enumerate(pairs):
        if key.value == "questions":
            break
    else:
        raise ValueError("not a bank file: no 'questions:' list")
    if not isinstance(value, yaml.SequenceNode) or value.flow_style:
        raise ValueError("'questions:' must be a block list ('- id: ...' items) to be sealed")
    lines = text.splitlines(True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    starts = []
    for item in value.value:
        row = item.start_mark.line
        while row > 0 and not lines[row].lstrip().startswith("-"):
            row -= 1
        starts.append(row)
    end_row = pairs[index + 1][0].start_mark.line if index + 1 < len(pairs) else len(lines)
    if not starts:
        return text, [], "", 0
    indent = len(lines[starts[0]]) - len(lines[starts[0]].lstrip())
    bounds = starts + [end_row]
    items = [("".join(lines[a:b]), node) for a, b, node in zip(bounds, bounds[1:], value.value)]
    return "".join(lines[:starts[0]]), items, "".join(lines[end_row:]), indent


def seal_text(text: str) -> str:
    """The sealed text of a bank file (already sealed questions stay as they are)."""
    prefix, items, suffix, indent = _question_spans(text)
    parts = [prefix]
    for item_text, node in items:
        q = yaml.safe_load(yaml.serialize(node))
        parts.append(item_text if is_sealed(q) else _dump_item(seal_question(q, item_text), indent))
    return "".join(parts) + suffix


def unseal_text(text: str) -> str:
    """The authoring text of a bank file (authoring questions stay as they are)."""
    prefix, items, suffix, _ = _question_spans(text)
    parts = [prefix]
    for item_text, node in items:
        q = yaml.safe_load(yaml.serialize(node))
        parts.append(authoring_text_of(q) if is_sealed(q) else item_text)
    return "".join(parts) + suffix


def _rewrite_folder(folder, transform) -> List[Path]:
    from .progress import atomic_write_text
    changed = []
    for path in sorted(Path(folder).glob("*.yaml")):
        old = path.read_text(encoding="utf-8")
        try:
            new = transform(old)
        except (ValueError, yaml.YAMLError) as exc:
            raise ValueError(f"{path}: {exc}") from exc
        if new != old:
            atomic_write_text(path, new)
            changed.append(path)
    return changed


def seal_folder(folder) -> List[Path]:
    """Seal every ``*.yaml`` in ``folder`` in place; returns the files that changed."""
    return _rewrite_folder(folder, seal_text)


def unseal_folder(folder) -> List[Path]:
    """Unseal every ``*.yaml`` in ``folder`` in place; returns the files that changed."""
    return _rewrite_folder(folder, unseal_text)
