"""A leaderboard on a sorted set.

Write ``add_scores(r, events, n)``:

* ``events`` is a list of ``(player, points)``; add each player's points to their total
  in the sorted set ``leaderboard`` (totals add up across calls);
* return the top ``n`` as a list of ``(player, total)``, highest total first — for equal
  totals, in the order Redis gives (``ZREVRANGE``).

Check it with ``quizzes.check("leaderboard", add_scores)``.
"""
from collections import Counter

from .harness import Sandbox, expect

EVENTS = [("ana", 30), ("bo", 10), ("cy", 50), ("ana", 25), ("dee", 5), ("bo", 35), ("eve", 1)]


def _totals(events):
    totals = Counter()
    for player, points in events:
        totals[player] += points
    return totals


def _pairs(result):
    try:
        return [(str(p), float(s)) for p, s in result]
    except (TypeError, ValueError):
        return None


def returns_top_n(fn):
    """returns the top n players with their totals, highest first"""
    box = Sandbox()
    result = _pairs(box.call(fn, box.r, list(EVENTS), 3) or [])
    expected = [(p, float(s)) for p, s in _totals(EVENTS).most_common(3)]
    expect(result == expected, f"expected {expected}, got {result}")


def totals_in_sorted_set(fn):
    """keeps every total in the sorted set 'leaderboard'"""
    box = Sandbox()
    box.call(fn, box.r, list(EVENTS), 3)
    expect(box.r.type("leaderboard") == "zset",
           f"'leaderboard' is a {box.r.type('leaderboard')}, expected a sorted set (zset)")
    for player, total in _totals(EVENTS).items():
        score = box.r.zscore("leaderboard", player)
        expect(score == total, f"{player} has {score} in the sorted set, expected {total}")


def adds_across_calls(fn):
    """adds to earlier totals"""
    box = Sandbox()
    box.call(fn, box.r, [("ana", 10), ("bo", 20)], 2)
    result = _pairs(box.call(fn, box.r, [("ana", 15)], 2) or [])
    expect(result == [("ana", 25.0), ("bo", 20.0)],
           f"a second call should add to the totals (ZINCRBY, not ZADD); got {result}")


def fewer_players_than_n(fn):
    """n larger than the number of players"""
    box = Sandbox()
    result = _pairs(box.call(fn, box.r, [("ana", 3), ("bo", 4)], 10) or [])
    expect(result == [("bo", 4.0), ("ana", 3.0)], f"with 2 players and n=10, got {result}")


def ties_in_redis_order(fn):
    """equal totals come in ZREVRANGE order"""
    box = Sandbox()
    events = [("amy", 10), ("zed", 10), ("kim", 10), ("lou", 20)]
    result = _pairs(box.call(fn, box.r, events, 4) or [])
    expected = [(p, s) for p, s in box.r.zrevrange("leaderboard", 0, 3, withscores=True)]
    expect(result == expected, f"for equal totals, return players in ZREVRANGE order: "
           f"expected {expected}, got {result}")


PUBLIC = [returns_top_n, totals_in_sorted_set]
HIDDEN = [adds_across_calls, fewer_players_than_n, ties_in_redis_order]


def solution(r, events, n):
    for player, points in events:
        r.zincrby("leaderboard", points, player)
    return r.zrevrange("leaderboard", 0, n - 1, withscores=True)
