"""Code-exercise checkers: the reference solution gets full marks; typical wrong solutions
fail with the message that explains the mistake; hidden checks never show their source."""
import inspect
import json
import random

import pytest

import quizzes
from quizzes.exercises import NAMES, check, task
from quizzes.exercises import (cache_aside, hash_tags, leaderboard, rate_limiter,
                               write_through)
from quizzes.exercises.slots import crc16, key_slot


@pytest.mark.parametrize("name", NAMES)
def test_reference_solution_gets_full_marks(name):
    import importlib
    module = importlib.import_module(f"quizzes.exercises.{name}")
    report = check(name, module.solution)
    assert report.full_marks and report.score == 1.0, report.as_text()
    assert "full marks" in report.as_text()
    assert task(name).startswith(module.__doc__.strip().splitlines()[0])


def _failed(report):
    return {r.title: r.message for r in report.failures}


def _messages(report):
    return " | ".join(r.message for r in report.failures)


# -- cache-aside ------------------------------------------------------------------------

def test_cache_aside_without_jitter_fails_a_hidden_check():
    def no_jitter(r, db, pid):
        value = r.get(f"product:{pid}")
        if value is None:
            value = db.get_product(pid)
            r.set(f"product:{pid}", value, ex=300)
        return value
    report = check("cache_aside", no_jitter)
    assert report.score == 5 / 6 and not report.full_marks
    assert list(_failed(report)) == ["hidden check 1"]
    assert "add a random jitter" in _messages(report)


def test_cache_aside_without_ttl():
    def no_ttl(r, db, pid):
        value = r.get(f"product:{pid}")
        if value is None:
            value = db.get_product(pid)
            r.set(f"product:{pid}", value)
        return value
    assert "has no TTL" in _messages(check("cache_aside", no_ttl))


def test_cache_aside_always_reading_the_database():
    def always_db(r, db, pid):
        value = db.get_product(pid)
        r.set(f"product:{pid}", value, ex=300 + random.randint(0, 60))
        return value
    report = check("cache_aside", always_db)
    assert "the second read went to the database again" in _messages(report)
    assert "read from the database: try GET first" in _messages(report)


def test_learner_exception_is_one_line_without_checker_source():
    def crashes(r, db, pid):
        raise KeyError("oops")
    report = check("cache_aside", crashes)
    assert report.score == 0
    assert all(r.message == "your function raised KeyError: 'oops'" for r in report.failures)
    text = report.as_text()
    assert "Traceback" not in text and "def " not in text
    for probe in cache_aside.HIDDEN:                    # no hidden check's name or code shown
        assert probe.__name__ not in text
        assert inspect.getsource(probe).splitlines()[1].strip() not in text


def test_public_checks_alone_are_not_full_marks():
    report = check("cache_aside", cache_aside.solution, hidden=False)
    assert report.passed_count == 3 and report.hidden_not_run == 3
    assert not report.full_marks and report.score == 0.5
    assert "not full marks" in report.as_text()


# -- write-through ------------------------------------------------------------------------

def test_write_through_cache_first_fails():
    def cache_first(r, db, pid, product):
        r.set(f"product:{pid}", json.dumps(product), ex=3600)
        db.save_product(pid, product)
    report = check("write_through", cache_first)
    assert "Write the database first" in _messages(report)
    assert "readers now see data the database does not have" in _messages(report)


def test_write_through_without_ttl_or_cache_update():
    def no_ttl(r, db, pid, product):
        db.save_product(pid, product)
        r.set(f"product:{pid}", json.dumps(product))
    assert "has no TTL" in _messages(check("write_through", no_ttl))

    def db_only(r, db, pid, product):
        db.save_product(pid, product)
    assert "expected the new product as JSON" in _messages(check("write_through", db_only))


# -- leaderboard -----------------------------------------------------------------------------

def test_leaderboard_with_zadd_loses_earlier_points():
    def zadd(r, events, n):
        for player, points in events:
            r.zadd("leaderboard", {player: points})
        return r.zrevrange("leaderboard", 0, n - 1, withscores=True)
    report = check("leaderboard", zadd)
    assert "ZINCRBY, not ZADD" in _messages(report) and not report.full_marks


def test_leaderboard_in_a_hash_is_not_a_sorted_set():
    def in_hash(r, events, n):
        for player, points in events:
            r.hincrby("scores", player, points)
        totals = {p: float(s) for p, s in r.hgetall("scores").items()}
        return sorted(totals.items(), key=lambda kv: -kv[1])[:n]
    assert "expected a sorted set (zset)" in _messages(check("leaderboard", in_hash))


# -- rate limiter ----------------------------------------------------------------------------

def test_rate_limiter_without_expiry():
    def no_expiry(r, user, limit, window):
        return r.incr(f"rate:{user}") <= limit
    messages = _messages(check("rate_limiter", no_expiry))
    assert "counters need a TTL" in messages


def test_rate_limiter_on_the_local_clock():
    import time

    def local_clock(r, user, limit, window):
        key = f"rate:{user}:{int(time.time()) // window}"
        count = r.incr(key)
        if count == 1:
            r.expire(key, window)
        return count <= limit
    report = check("rate_limiter", local_clock)
    assert "read the time with r.time()" in _messages(report)


def test_rate_limiter_sliding_expiry():
    def slides(r, user, limit, window):
        count = r.incr(f"rate:{user}")
        r.expire(f"rate:{user}", window)         # resets the window on every request
        return count <= limit
    assert "the window restarted on a later request" in _messages(check("rate_limiter", slides))


def test_rate_limiter_one_counter_for_everyone():
    def shared(r, user, limit, window):
        seconds, _ = r.time()
        key = f"rate:{seconds // window}"
        count = r.incr(key)
        if count == 1:
            r.expire(key, window)
        return count <= limit
    assert "put the user in the counter key" in _messages(check("rate_limiter", shared))


# -- hash tags -------------------------------------------------------------------------------

def test_hash_tags_without_tags_fail():
    def no_tags(user_id):
        return [f"user:{user_id}:profile", f"user:{user_id}:cart", f"user:{user_id}:session"]
    assert "put the same hash tag" in _messages(check("hash_tags", no_tags))


def test_hash_tags_with_a_constant_tag_fail_hidden():
    def constant(user_id):
        return [f"{{users}}:{user_id}:profile", f"{{users}}:{user_id}:cart",
                f"{{users}}:{user_id}:session"]
    report = check("hash_tags", constant)
    assert report.passed_count == 3 and "one shard takes every user" in _messages(report)


def test_slot_helper_matches_redis_cluster_spec():
    # Test vectors from the Redis Cluster specification: CRC16("123456789") = 0x31C3,
    # and redis-cli CLUSTER KEYSLOT answers for foo (12182) and bar (5061).
    assert crc16(b"123456789") == 0x31C3
    assert key_slot("foo") == 12182 and key_slot("bar") == 5061
    assert key_slot("{user1000}.following") == key_slot("{user1000}.followers")
    assert key_slot("foo{}{bar}") == crc16(b"foo{}{bar}") % 16384     # empty tag: whole key
    assert key_slot("foo{{bar}}zap") == crc16(b"{bar") % 16384
    assert key_slot("foo{bar}{zap}") == key_slot("bar")


def test_check_records_the_exercise_in_progress(private_progress):
    report = quizzes.check("hash_tags", hash_tags.solution)
    saved = json.loads(private_progress.read_text())
    assert saved["exercises"]["hash_tags"]["full_marks"] is True and report.full_marks


def test_unknown_exercise_and_non_function():
    with pytest.raises(KeyError, match="no exercise 'lru'"):
        check("lru", lambda: None)
    with pytest.raises(TypeError, match="needs your function"):
        check("cache_aside", "not a function")
