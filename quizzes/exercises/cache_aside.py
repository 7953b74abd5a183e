"""Cache-aside (lazy loading) with a TTL and jitter.

Write ``get_product(r, db, product_id)``:

* read ``product:<product_id>`` from the cache (``r`` is a redis-py client that returns
  text); on a hit, return it without touching the database;
* on a miss, load it with ``db.get_product(product_id)`` (a JSON string), store it under
  ``product:<product_id>`` with a TTL of 300 seconds plus a random jitter of 0 to 60
  seconds (so keys written together do not all expire together), and return it.

Check it with ``quizzes.check("cache_aside", get_product)``.
"""
import json

from .harness import Sandbox, expect

KEY = "product:{}"


def returns_on_miss(fn):
    """returns the product on a miss, reading the database once"""
    box = Sandbox()
    value = box.call(fn, box.r, box.db, 7)
    expected = json.dumps(box.db.rows[7], sort_keys=True)
    expect(value == expected and box.db.reads == 1,
           f"on a miss, expected the database's value {expected!r} and one database "
           f"read; got {value!r} after {box.db.reads} read(s)")


def stores_with_ttl(fn):
    """stores the product under product:<id> with a TTL of 300 to 360 s"""
    box = Sandbox()
    box.call(fn, box.r, box.db, 7)
    cached, ttl = box.r.get(KEY.format(7)), box.r.ttl(KEY.format(7))
    expect(cached is not None, "after a miss, product:7 is not in the cache")
    expect(ttl != -1, "product:7 has no TTL: a cached copy without one can stay stale forever")
    expect(300 <= ttl <= 360, f"product:7 has a TTL of {ttl} s; expected 300 s plus 0–60 s "
           f"of jitter")


def second_read_hits(fn):
    """a second read is served from the cache (a hit in INFO, no database read)"""
    box = Sandbox()
    first = box.call(fn, box.r, box.db, 7)
    hits = int(box.stats()["keyspace_hits"])
    second = box.call(fn, box.r, box.db, 7)
    expect(box.db.reads == 1, f"the second read went to the database again "
           f"({box.db.reads} database reads in all)")
    expect(second == first, f"the second read returned {second!r}, the first {first!r}")
    expect(int(box.stats()["keyspace_hits"]) > hits,
           "INFO shows no cache hit for the second read: read the key with GET first")


def ttls_are_jittered(fn):
    """the TTLs are jittered"""
    box = Sandbox()
    for pid in range(1, 31):
        box.call(fn, box.r, box.db, pid)
    ttls = {box.r.pttl(KEY.format(pid)) for pid in range(1, 31)}
    expect(len(ttls) >= 3, "keys cached at the same moment all got the same TTL, so they "
           "would expire together and send a burst of misses to the database: add a random "
           "jitter (0–60 s)")


def reloads_after_expiry(fn):
    """reloads after the TTL ends"""
    box = Sandbox()
    box.call(fn, box.r, box.db, 7)
    box.clock.advance(361)
    value = box.call(fn, box.r, box.db, 7)
    expect(box.db.reads == 2 and value is not None,
           "after the TTL ended, the product was not loaded from the database again")
    expect(box.r.ttl(KEY.format(7)) > 0, "after reloading, the key has no TTL")


def cache_before_database(fn):
    """reads the cache before the database"""
    box = Sandbox()
    box.r.set(KEY.format(9), '{"cached": true}', ex=300)
    value = box.call(fn, box.r, box.db, 9)
    expect(box.db.reads == 0 and value == '{"cached": true}',
           "a product already in the cache was read from the database: try GET first "
           "and return the cached text on a hit")


PUBLIC = [returns_on_miss, stores_with_ttl, second_read_hits]
HIDDEN = [ttls_are_jittered, reloads_after_expiry, cache_before_database]


def solution(r, db, product_id):
    """A reference solution (the tests check that it gets full marks)."""
    import random
    key = KEY.format(product_id)
    cached = r.get(key)
    if cached is not None:
        return cached
    value = db.get_product(product_id)
    r.set(key, value, ex=300 + random.randint(0, 60))
    return value
