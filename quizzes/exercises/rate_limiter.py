"""A fixed-window rate limiter.

Write ``allow(r, user, limit, window)`` that returns True when ``user`` may make one
more request and False when the limit is reached:

* count requests per user per window of ``window`` seconds with INCR on a counter key;
* give the counter a TTL of ``window`` seconds when it is created, so old counters
  disappear and a new window starts from zero;
* take the time from the server (``r.time()``), not from your computer: the checker
  moves the engine's virtual clock.

Check it with ``quizzes.check("rate_limiter", allow)``.
"""
from .harness import Sandbox, expect


def _calls(box, fn, user, count, limit=5, window=60):
    return [bool(box.call(fn, box.r, user, limit, window)) for _ in range(count)]


def limit_then_refuse(fn):
    """allows `limit` requests in a window, then refuses"""
    box = Sandbox()
    answers = _calls(box, fn, "ana", 7)
    expect(answers == [True] * 5 + [False] * 2,
           f"with limit 5, seven requests got {answers}; expected five True then False")


def counters_expire(fn):
    """every counter key has a TTL of at most `window` seconds"""
    box = Sandbox()
    _calls(box, fn, "ana", 3)
    keys = box.keys()
    expect(keys, "no key in the cache: count requests with INCR on a key")
    for key in keys:
        ttl = box.r.ttl(key)
        expect(0 < ttl <= 60, f"{key} has TTL {ttl}; counters need a TTL of at most the "
               f"window (60 s) or they pile up forever")


def new_window_allows(fn):
    """a new window allows requests again"""
    box = Sandbox()
    _calls(box, fn, "ana", 6)
    box.clock.advance(60)
    expect(_calls(box, fn, "ana", 1) == [True],
           "after the window passed (on the server's clock), the request was still refused: "
           "read the time with r.time() and let counters expire")


def users_are_separate(fn):
    """counts each user separately"""
    box = Sandbox()
    _calls(box, fn, "ana", 6)
    expect(_calls(box, fn, "bo", 1) == [True], "one user's requests used up another user's "
           "limit: put the user in the counter key")


def window_does_not_slide(fn):
    """refused requests do not push the window back"""
    box = Sandbox()
    answers = [bool(box.call(fn, box.r, "ana", 3, 10)) for _ in range(3)]
    box.clock.advance(6)
    answers.append(bool(box.call(fn, box.r, "ana", 3, 10)))
    box.clock.advance(4.5)
    answers.append(bool(box.call(fn, box.r, "ana", 3, 10)))
    expect(answers == [True, True, True, False, True],
           f"got {answers}: the window restarted on a later request. Set the TTL only "
           f"when the counter is created (INCR returned 1), or key counters by window")


def no_key_leak(fn):
    """old windows leave no keys behind"""
    box = Sandbox()
    for _ in range(10):
        _calls(box, fn, "ana", 2)
        box.clock.advance(60)
    box.clock.advance(1)
    left = box.r.dbsize()
    expect(left <= 2, f"{left} keys are left after ten windows: old counters must expire")


PUBLIC = [limit_then_refuse, counters_expire, new_window_allows]
HIDDEN = [users_are_separate, window_does_not_slide, no_key_leak]


def solution(r, user, limit, window):
    seconds, _ = r.time()
    key = f"rate:{user}:{seconds // window}"
    count = r.incr(key)
    if count == 1:
        r.expire(key, window)
    return count <= limit
