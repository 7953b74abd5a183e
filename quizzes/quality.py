"""Quality rules for a bank, as data: each rule returns the problems it finds.

The tests in tests/quizzes/ run every rule over the real bank and over the fixtures;
``python -m quizzes stats --json`` reports the numbers behind them. The rules:

* correct answers spread evenly over positions (single-answer questions, per number
  of choices: each position's share within ±8 percentage points of uniform);
* the correct choice is not systematically the longest (≤ 35 % of single-answer
  questions have it strictly longest);
* no "all of the above" / "none of the above" choices;
* no duplicated questions (same or nearly the same prompt), no repeated choice text;
* at least 150 questions, every lab covered, every domain present.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Dict, List

from .model import DOMAINS, LABS, Bank

POSITION_SLACK = 0.08      # ± share around uniform
LONGEST_MAX_SHARE = 0.35
MIN_GROUP = 10             # position balance is judged on groups at least this large
NEAR_DUPLICATE = 0.85      # Jaccard similarity of prompt words
MIN_QUESTIONS = 150
BANNED = re.compile(r"\b(all|none|both|neither) of the (above|options|answers)\b", re.I)


def _words(text: str) -> set:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def single_positions(bank: Bank) -> Dict[int, Counter]:
    """{number of choices: Counter(correct position)} for single-answer questions."""
    groups: Dict[int, Counter] = defaultdict(Counter)
    for q in bank:
        if q.type == "single":
            groups[len(q.choices)][q.correct_indices()[0]] += 1
    return dict(groups)


def multiple_positions(bank: Bank) -> Counter:
    counts = Counter()
    for q in bank:
        if q.type == "multiple":
            counts.update(q.correct_indices())
    return counts


def longest_correct_share(bank: Bank) -> float:
    singles = [q for q in bank if q.type == "single"]
    if not singles:
        return 0.0
    count = 0
    for q in singles:
        right = q.correct_indices()[0]
        lengths = [len(c.text) for c in q.choices]
        if all(lengths[right] > n for i, n in enumerate(lengths) if i != right):
            count += 1
    return count / len(singles)


def check_positions(bank: Bank, min_group: int = MIN_GROUP) -> List[str]:
    problems = []
    for n, counts in sorted(single_positions(bank).items()):
        total = sum(counts.values())
        if total < min_group:
            continue
        for position in range(n):
            share = counts[position] / total
            if abs(share - 1 / n) > POSITION_SLACK:
                problems.append(f"{n}-choice single questions: position {'ABCDEF'[position]} "
                                f"is correct in {share:.0%} of {total} (uniform {1 / n:.0%} "
                                f"± {POSITION_SLACK:.0%})")
    return problems


def check_longest(bank: Bank) -> List[str]:
    share = longest_correct_share(bank)
    if share > LONGEST_MAX_SHARE:
        return [f"the correct choice is strictly the longest in {share:.0%} of single-answer "
                f"questions (at most {LONGEST_MAX_SHARE:.0%})"]
    return []


def check_banned_choices(bank: Bank) -> List[str]:
    return [f"{q.id}: choice {c.text!r} ('of the above' choices are not allowed)"
            for q in bank for c in q.choices if BANNED.search(c.text)]


def check_duplicates(bank: Bank) -> List[str]:
    problems = []
    questions = list(bank)
    words = [_words(q.prompt) for q in questions]
    for i, a in enumerate(questions):
        texts = [c.text.strip().lower() for c in a.choices] + [t.strip().lower() for t in a.items]
        if len(set(texts)) != len(texts):
            problems.append(f"{a.id}: two choices or items have the same text")
        for j in range(i + 1, len(questions)):
            union = words[i] | words[j]
            if union and len(words[i] & words[j]) / len(union) >= NEAR_DUPLICATE:
                problems.append(f"{a.id} and {questions[j].id} have (nearly) the same prompt")
    return problems


def check_coverage(bank: Bank, min_questions: int = MIN_QUESTIONS) -> List[str]:
    problems = []
    if len(bank) < min_questions:
        problems.append(f"{len(bank)} questions; at least {min_questions} are needed")
    covered = {q.lab_section.split("#")[0] for q in bank} | {q.lab for q in bank}
    problems += [f"no question for {lab}" for lab in LABS if lab not in covered]
    domains = {q.domain for q in bank}
    problems += [f"no question in domain {d}" for d in DOMAINS if d not in domains]
    return problems


def check_all(bank: Bank, *, min_questions: int = MIN_QUESTIONS,
              min_group: int = MIN_GROUP) -> List[str]:
    """Every rule's problems (empty when the bank passes)."""
    return (check_positions(bank, min_group) + check_longest(bank) + check_banned_choices(bank)
            + check_duplicates(bank) + check_coverage(bank, min_questions))


def stats(bank: Bank) -> dict:
    """Counts by domain, topic, type and difficulty, and where the correct answers sit."""
    def count(attr):
        return dict(sorted(Counter(str(getattr(q, attr)) for q in bank).items()))
    return {
        "questions": len(bank),
        "by_domain": count("domain"),
        "by_topic": count("topic"),
        "by_type": count("type"),
        "by_difficulty": count("difficulty"),
        "domain_share": {d: round(sum(q.domain == d for q in bank) / max(1, len(bank)), 3)
                         for d in DOMAINS},
        "correct_positions": {
            "single": {f"{n} choices": {"ABCDEF"[p]: counts[p] for p in range(n)}
                       for n, counts in sorted(single_positions(bank).items())},
            "multiple": {"ABCDEF"[p]: c for p, c in sorted(multiple_positions(bank).items())},
        },
        "longest_correct_share": round(longest_correct_share(bank), 3),
        "sealed": sum(q.sealed for q in bank),
        "problems": check_all(bank),
    }
