"""Spaced repetition of missed questions: Leitner boxes on dates from an injectable clock.

A question you miss goes into box 1 and comes back the next day. Each time you get it
right it moves up a box and waits longer: 1, 2, 4, 8, 16 days. Right in box 5, it
leaves the schedule (learned). Wrong in any box, it drops back to box 1. Questions you
get right the first time never enter the schedule — review is for what you missed.

Dates are plain :class:`datetime.date` values passed in, so tests are deterministic.
"""
from __future__ import annotations

import datetime as _dt
from typing import List, Optional

INTERVALS = (1, 2, 4, 8, 16)   # days to wait in boxes 1..5


class Schedule:
    """The review schedule stored in a :class:`~quizzes.progress.Progress`
    (``progress.data["review"]``: {question id: {"box", "due", "updated"}})."""

    def __init__(self, progress):
        self.progress = progress
        self.cards = progress.data["review"]

    def record(self, qid: str, correct: bool, today: _dt.date) -> Optional[dict]:
        card = self.cards.get(qid)
        if card is None and correct:
            return None
        if not correct:
            box = 1
        else:
            box = card["box"] + 1
            if box > len(INTERVALS):
                del self.cards[qid]
                return None
        card = {"box": box, "due": (today + _dt.timedelta(days=INTERVALS[box - 1])).isoformat(),
                "updated": today.isoformat()}
        self.cards[qid] = card
        return card

    def due(self, today: _dt.date) -> List[str]:
        """Ids due on or before ``today``: lowest box first, then oldest due date."""
        ready = [(c["box"], c["due"], qid) for qid, c in self.cards.items()
                 if c["due"] <= today.isoformat()]
        return [qid for _, _, qid in sorted(ready)]

    def box_of(self, qid: str) -> Optional[int]:
        card = self.cards.get(qid)
        return card["box"] if card else None
