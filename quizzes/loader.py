"""Loading and validating the bank: ``quizzes/bank/<topic>.yaml`` → :class:`~quizzes.model.Bank`.

The schema is checked here, field by field, with the line each value is on. A bank with
any problem is never loaded halfway: :func:`load_bank` raises :class:`BankError`, which
lists every problem as ``file:line: what is wrong`` — a broken question is reported,
never silently skipped (DESIGN.md, principle 7).

Both forms load: the AUTHORING form (``correct: true`` flags, ``answer:``, items in the
correct order) and the SEALED form (``key:`` + ``sealed:``; see :mod:`quizzes.sealing`).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

import yaml

from .model import (DOMAINS, EXERCISES, LABS, SCORINGS, TYPES, Bank, Choice, Question)
from .sealing import decode_blob

BANK_DIR = Path(__file__).resolve().parent / "bank"
#: Environment variable naming another bank folder (tests and instructors use it).
BANK_ENV = "ELASTICACHE_LAB_BANK"

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
KEY_PATTERN = re.compile(r"^[0-9a-f]{64}$")
TOP_FIELDS = {"topic", "title", "lab", "questions"}
COMMON = {"id", "type", "domain", "difficulty", "prompt", "explanation", "lab_section", "sources"}
BY_TYPE = {
    "single": {"choices"}, "multiple": {"choices", "select", "scoring"},
    "numeric": {"answer", "tolerance", "unit"}, "ordering": {"items"}, "code": {"exercise"},
}
SEALED_EXTRA = {"key", "sealed"}


@dataclass
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class BankError(ValueError):
    """The bank has problems; ``problems`` lists each with its file and line."""

    def __init__(self, problems: List[Problem]):
        self.problems = list(problems)
        count = len(self.problems)
        super().__init__(f"{count} problem{'s' * (count != 1)} in the question bank:\n"
                         + "\n".join(f"  {p}" for p in self.problems))


# -- YAML with line numbers -----------------------------------------------------------------

class _Lined(dict):
    """A mapping that remembers where it and each of its keys and values are (1-based)."""
    line = 0
    key_lines: dict
    value_lines: dict
    duplicates: list


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_map(loader, node):
    data = _Lined()
    data.line = node.start_mark.line + 1
    yield data
    data.key_lines, data.value_lines, data.duplicates = {}, {}, []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in data.key_lines:
            data.duplicates.append((key, key_node.start_mark.line + 1))
        data.key_lines[key] = key_node.start_mark.line + 1
        data.value_lines[key] = value_node.start_mark.line + 1
        data[key] = loader.construct_object(value_node, deep=True)


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)


def _line(mapping, key=None) -> int:
    if isinstance(mapping, _Lined):
        if key is not None and key in mapping.value_lines:
            return mapping.value_lines[key]
        return mapping.line
    return 0


# -- validation -----------------------------------------------------------------------------

class _Checker:
    def __init__(self, file: str):
        self.file = file
        self.problems: List[Problem] = []

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file, line, message))

    def text(self, q, name, where, required=True) -> Optional[str]:
        value = q.get(name)
        if value is None:
            if required:
                self.add(_line(q), f"{where}: missing field '{name}'")
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(_line(q, name), f"{where}: '{name}' must be non-empty text, got {value!r}")
            return None
        return value.strip()


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _validate_question(c: _Checker, q, topic: str, lab: str, seen: dict) -> Optional[Question]:
    if not isinstance(q, dict):
        c.add(0, f"a question must be a mapping of fields, got {q!r}")
        return None
    before = len(c.problems)
    qid = q.get("id")
    where = f"question {qid}" if isinstance(qid, str) else "question"
    for key, line in getattr(q, "duplicates", []):
        c.add(line, f"{where}: field '{key}' appears twice")
    if not isinstance(qid, str) or not ID_PATTERN.match(qid):
        c.add(_line(q, "id") if "id" in q else _line(q),
              f"{where}: 'id' must match ^[a-z0-9]+(-[a-z0-9]+)*$, got {qid!r}"
              if "id" in q else "question: missing field 'id'")
    elif qid in seen:
        c.add(_line(q, "id"), f"duplicate id {qid!r} (first defined at {seen[qid]})")
    else:
        seen[qid] = f"{c.file}:{_line(q, 'id')}"
    kind = q.get("type")
    if kind not in TYPES:
        c.add(_line(q, "type") if "type" in q else _line(q),
              f"{where}: unknown type {kind!r}; use one of {', '.join(TYPES)}"
              if "type" in q else f"{where}: missing field 'type'")
        return None
    sealed = "sealed" in q
    allowed = COMMON | BY_TYPE[kind] | (SEALED_EXTRA if sealed else set())
    for name in q:
        if name not in allowed:
            hint = " (sealed questions keep it inside 'sealed:')" if sealed and name in (
                "explanation", "answer", "tolerance") else ""
            c.add(q.key_lines.get(name, q.line) if isinstance(q, _Lined) else 0,
                  f"{where}: field '{name}' is not allowed in a {kind} question{hint}")
    blob = {}
    if sealed:
        try:
            blob = decode_blob(q["sealed"])
        except ValueError as exc:
            c.add(_line(q, "sealed"), f"{where}: {exc}")
            return None
        if kind in ("single", "multiple", "ordering") and not (
                isinstance(q.get("key"), str) and KEY_PATTERN.match(q["key"])):
            c.add(_line(q, "key") if "key" in q else _line(q),
                  f"{where}: a sealed {kind} question needs 'key:' (64 hex digits)")
    domain = q.get("domain")
    if domain not in DOMAINS:
        c.add(_line(q, "domain") if "domain" in q else _line(q),
              f"{where}: domain must be one of {', '.join(DOMAINS)}, got {domain!r}"
              if "domain" in q else f"{where}: missing field 'domain'")
    difficulty = q.get("difficulty")
    if difficulty not in (1, 2, 3) or isinstance(difficulty, bool):
        c.add(_line(q, "difficulty") if "difficulty" in q else _line(q),
              f"{where}: difficulty must be 1, 2 or 3, got {difficulty!r}"
              if "difficulty" in q else f"{where}: missing field 'difficulty'")
    prompt = c.text(q, "prompt", where)
    explanation = (blob.get("explanation") if sealed else c.text(q, "explanation", where))
    if sealed and not (isinstance(explanation, str) and explanation.strip()):
        c.add(_line(q, "sealed"), f"{where}: the sealed blob has no explanation")
    lab_section = c.text(q, "lab_section", where)
    if lab_section and lab_section.split("#")[0] not in LABS:
        c.add(_line(q, "lab_section"), f"{where}: lab_section {lab_section!r} names no lab; "
              f"use one of {', '.join(LABS)} (with #section)")
    sources = q.get("sources")
    if not isinstance(sources, list) or not sources or not all(
            isinstance(s, str) and s.strip() for s in sources):
        c.add(_line(q, "sources") if "sources" in q else _line(q),
              f"{where}: 'sources' must be a non-empty list of texts"
              if "sources" in q else f"{where}: missing field 'sources'")
        sources = []
    question = Question(id=qid if isinstance(qid, str) else "", type=kind, topic=topic,
                        domain=domain, difficulty=difficulty, prompt=prompt or "",
                        explanation=(explanation or "").strip(), lab_section=lab_section or "",
                        sources=list(sources), lab=lab, file=c.file, line=_line(q),
                        key=q.get("key") if sealed else None)
    if kind in ("single", "multiple"):
        _validate_choices(c, q, question, where, blob, sealed)
    elif kind == "numeric":
        source = blob if sealed else q
        answer, tolerance = source.get("answer"), source.get("tolerance", 0)
        if not _number(answer):
            c.add(_line(q, "answer") if "answer" in q else _line(q),
                  f"{where}: a numeric question needs 'answer:' as a number, got {answer!r}")
        if not _number(tolerance) or tolerance < 0:
            c.add(_line(q, "tolerance"), f"{where}: 'tolerance' must be a number ≥ 0, "
                  f"got {tolerance!r}")
        question.answer, question.tolerance = answer, tolerance
        unit = q.get("unit")
        if unit is not None and not isinstance(unit, str):
            c.add(_line(q, "unit"), f"{where}: 'unit' must be text, got {unit!r}")
        question.unit = unit
    elif kind == "ordering":
        items = q.get("items")
        if not isinstance(items, list) or not 3 <= len(items) <= 8 or not all(
                isinstance(i, str) and i.strip() for i in items):
            c.add(_line(q, "items") if "items" in q else _line(q),
                  f"{where}: 'items' must list 3 to 8 texts (in the correct order)")
        elif len(set(items)) != len(items):
            c.add(_line(q, "items"), f"{where}: 'items' has the same text twice")
        else:
            question.items = list(items)
    elif kind == "code":
        exercise = q.get("exercise")
        if exercise not in EXERCISES:
            c.add(_line(q, "exercise") if "exercise" in q else _line(q),
                  f"{where}: 'exercise' must be one of {', '.join(EXERCISES)}, got {exercise!r}")
        question.exercise = exercise
    return question if len(c.problems) == before else None


def _validate_choices(c, q, question, where, blob, sealed) -> None:
    choices = q.get("choices")
    if not isinstance(choices, list) or not 3 <= len(choices) <= 6:
        c.add(_line(q, "choices") if "choices" in q else _line(q),
              f"{where}: a {question.type} question needs 3 to 6 choices")
        return
    feedback = blob.get("feedback") if sealed else None
    if sealed and (not isinstance(feedback, list) or len(feedback) != len(choices)):
        c.add(_line(q, "sealed"), f"{where}: the sealed blob's feedback does not match the choices")
        return
    for i, choice in enumerate(choices):
        if not isinstance(choice, dict) or not isinstance(choice.get("text"), str) \
                or not choice["text"].strip():
            c.add(_line(choice) or _line(q, "choices"),
                  f"{where}: choice {i + 1} needs 'text:'")
            continue
        extra = set(choice) - ({"text"} if sealed else {"text", "correct", "feedback"})
        if extra:
            c.add(_line(choice), f"{where}: choice {i + 1}: unknown field(s) {sorted(extra)}")
        correct = None if sealed else choice.get("correct", False)
        if correct not in (True, False, None):
            c.add(_line(choice, "correct"), f"{where}: choice {i + 1}: 'correct' must be true "
                  f"or false, got {correct!r}")
        text_feedback = feedback[i] if sealed else choice.get("feedback")
        if not correct and not (isinstance(text_feedback, str) and text_feedback.strip()):
            if not sealed:
                c.add(_line(choice), f"{where}: choice {i + 1} is wrong and needs 'feedback:' "
                      f"saying why")
        question.choices.append(Choice(choice["text"].strip(),
                                       text_feedback.strip() if isinstance(text_feedback, str)
                                       else None, None if sealed else bool(correct)))
    if question.type == "multiple":
        select = q.get("select")
        if not isinstance(select, int) or isinstance(select, bool) or not \
                2 <= select < len(choices):
            c.add(_line(q, "select") if "select" in q else _line(q),
                  f"{where}: a multiple question needs 'select:' (2 or more, fewer than the "
                  f"choices), got {select!r}")
        question.select = select
        scoring = q.get("scoring", "all-or-nothing")
        if scoring not in SCORINGS:
            c.add(_line(q, "scoring"), f"{where}: scoring must be one of {', '.join(SCORINGS)}, "
                  f"got {scoring!r}")
        question.scoring = scoring
    if not sealed and len(question.choices) == len(choices):
        count = sum(1 for ch in question.choices if ch.correct)
        wanted = 1 if question.type == "single" else question.select
        if count != wanted:
            c.add(_line(q, "choices"), f"{where}: {count} choice(s) marked correct, "
                  f"expected {wanted}")


def _load_file(path: Path, seen: dict):
    """(questions, title, lab, problems) of one bank file."""
    c = _Checker(str(path))
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        context, where = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        extra = f" ({context}, started on line {where.line + 1})" if context and where else ""
        c.add(mark.line + 1 if mark else 0, f"YAML syntax error: {problem}{extra}")
        return [], None, None, c.problems
    except (OSError, UnicodeDecodeError) as exc:
        c.add(0, f"cannot read the file: {exc}")
        return [], None, None, c.problems
    if not isinstance(data, dict):
        c.add(1, "a bank file must be a mapping with topic, title, lab and questions")
        return [], None, None, c.problems
    for key, line in data.duplicates:
        c.add(line, f"top-level field '{key}' appears twice")
    for name in data:
        if name not in TOP_FIELDS:
            c.add(data.key_lines.get(name, 1), f"unknown top-level field '{name}' "
                  f"(allowed: {', '.join(sorted(TOP_FIELDS))})")
    topic = data.get("topic")
    if topic != path.stem:
        c.add(_line(data, "topic") if "topic" in data else 1,
              f"'topic' must equal the file name {path.stem!r}, got {topic!r}")
    title = c.text(data, "title", "file")
    lab = data.get("lab")
    if lab not in LABS:
        c.add(_line(data, "lab") if "lab" in data else 1,
              f"'lab' must be one of {', '.join(LABS)}, got {lab!r}")
    questions = data.get("questions")
    if not isinstance(questions, list) or not questions:
        c.add(_line(data, "questions") if "questions" in data else 1,
              "'questions' must be a non-empty list")
        return [], title, lab, c.problems
    loaded = [_validate_question(c, q, path.stem, lab or "", seen) for q in questions]
    return [q for q in loaded if q is not None], title, lab, c.problems


def bank_folder(folder=None) -> Path:
    return Path(folder or os.environ.get(BANK_ENV) or BANK_DIR)


def load_files(paths, folder="") -> Bank:
    problems, questions, titles, labs, seen = [], [], {}, {}, {}
    for path in paths:
        qs, title, lab, found = _load_file(Path(path), seen)
        problems += found
        questions += qs
        titles[Path(path).stem], labs[Path(path).stem] = title, lab
    if problems:
        raise BankError(problems)
    return Bank(questions, titles, labs, str(folder))


_cache: dict = {}


def load_bank(folder=None) -> Bank:
    """Load and validate every ``*.yaml`` of the bank folder (default ``quizzes/bank``,
    or ``$ELASTICACHE_LAB_BANK``). Raises :class:`BankError` listing every problem."""
    path = bank_folder(folder)
    files = sorted(path.glob("*.yaml"))
    if not files:
        raise BankError([Problem(str(path), 0, "no *.yaml question files in this folder")])
    stamp = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    if _cache.get(str(path), (None,))[0] != stamp:
        _cache[str(path)] = (stamp, load_files(files, path))
    return _cache[str(path)][1]
