"""Write-through: every update goes to the database, then to the cache.

Write ``save_product(r, db, product_id, product)``:

* save ``product`` (a dict) with ``db.save_product(product_id, product)`` first;
* then store it in the cache as JSON under ``product:<product_id>`` (replacing any older
  copy) with a TTL (any, up to a day): write-through pairs with a TTL so data nobody
  reads does not stay in memory forever.

If the database write raises, the cache must not be changed. Check it with
``quizzes.check("write_through", save_product)``.
"""
import json

from .harness import DatabaseError, Sandbox, expect

KEY = "product:{}"
NEW = {"id": 5, "name": "new name", "price": 42}


def _cached(box, pid=5):
    text = box.r.get(KEY.format(pid))
    try:
        return json.loads(text) if text is not None else None
    except ValueError:
        return text


def saves_to_database(fn):
    """saves the product in the database, once"""
    box = Sandbox()
    box.call(fn, box.r, box.db, 5, dict(NEW))
    expect(box.db.writes == 1, f"expected one database write, saw {box.db.writes}")
    expect(box.db.rows[5] == NEW, f"the database holds {box.db.rows[5]!r}, expected {NEW!r}")


def updates_the_cache(fn):
    """replaces the cached copy with the new product (as JSON)"""
    box = Sandbox()
    box.r.set(KEY.format(5), json.dumps({"id": 5, "name": "old"}), ex=600)
    box.call(fn, box.r, box.db, 5, dict(NEW))
    expect(_cached(box) == NEW, f"the cache holds {box.r.get(KEY.format(5))!r}; expected the "
           f"new product as JSON")


def cache_copy_has_ttl(fn):
    """the cached copy has a TTL (up to a day)"""
    box = Sandbox()
    box.call(fn, box.r, box.db, 5, dict(NEW))
    ttl = box.r.ttl(KEY.format(5))
    expect(ttl != -2, "product:5 is not in the cache after the update")
    expect(ttl != -1, "product:5 has no TTL: set one so rarely read data leaves memory")
    expect(0 < ttl <= 86400, f"product:5 has TTL {ttl}; expected a TTL of up to a day")


def database_first(fn):
    """writes the database before the cache"""
    box = Sandbox()
    box.r.set(KEY.format(5), json.dumps({"id": 5, "name": "old"}), ex=600)
    box.call(fn, box.r, box.db, 5, dict(NEW))
    seen = [entry[2] for entry in box.db.log if entry[0] == "save_product"]
    expect(seen and json.loads(seen[0]) != NEW,
           "the cache already held the new value when the database was written: if that "
           "write had failed, readers would see data that was never saved. Write the "
           "database first")


def failed_write_leaves_cache(fn):
    """a failed database write leaves the cache unchanged"""
    box = Sandbox()
    old = json.dumps({"id": 5, "name": "old"})
    box.r.set(KEY.format(5), old, ex=600)
    box.db.fail_writes = True
    try:
        box.call(fn, box.r, box.db, 5, dict(NEW), allow=(DatabaseError,))
    except DatabaseError:
        pass  # letting the error reach the caller is right
    expect(box.r.get(KEY.format(5)) in (old, None),
           "after a failed database write, the cache holds the new value: readers now see "
           "data the database does not have")


PUBLIC = [saves_to_database, updates_the_cache, cache_copy_has_ttl]
HIDDEN = [database_first, failed_write_leaves_cache]


def solution(r, db, product_id, product):
    db.save_product(product_id, product)
    r.set(KEY.format(product_id), json.dumps(product), ex=3600)
