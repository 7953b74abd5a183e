"""The SQLite catalogue and its simulated latency."""
import json

import pytest

from engine.patterns import CatalogDatabase, LatencyModel, Meter, percentile


def test_latency_model_is_seeded_and_shaped_like_a_database():
    model = LatencyModel()
    a = model.sample("read", n=4000, seed=1)
    assert a == model.sample("read", n=4000, seed=1)
    assert a != model.sample("read", n=4000, seed=2)
    assert min(a) >= model.read_ms
    p50, p99 = percentile(a, 50), percentile(a, 99)
    assert 15 < p50 < 25 and p99 > 2 * p50          # the slow path makes a long tail
    writes = model.sample("write", n=4000, seed=1)
    assert percentile(writes, 50) > p50             # writes cost more than reads
    with pytest.raises(ValueError):
        model.cost("delete", None)


def test_latency_model_without_randomness_is_constant():
    model = LatencyModel(read_ms=10, jitter_ms=0, slow_rate=0)
    assert set(model.sample("read", n=50)) == {10}


def test_reads_and_writes_are_counted_and_charged(db):
    meter = db.meter
    row = db.read("product:3")
    assert json.loads(row)["id"] == 3 and db.reads == 1 and meter.ms > 0
    charged = meter.ms
    assert db.peek("product:3") == row and db.reads == 1 and meter.ms == charged  # free
    new = db.modified("product:3", price_cents=4242)
    assert db.peek("product:3") == row                # modified() changes nothing yet
    db.write("product:3", new)
    assert db.writes == 1 and db.queries == 2 and db.peek("product:3") == new
    assert meter.ms > charged and db.busy_ms == pytest.approx(meter.ms)


def test_rows_are_canonical_json_and_users_work_too(db):
    row = db.read("user:4")
    assert row == json.dumps(json.loads(row), sort_keys=True, separators=(",", ":"))
    assert set(json.loads(row)) == {"id", "name", "plan", "visits"}
    assert db.read("product:999") is None            # no such row: a miss everywhere
    assert db.keys("user") == [f"user:{i}" for i in range(10)]


def test_same_seed_same_catalogue_and_reset_restores_it(db):
    other = CatalogDatabase(products=50, users=10, seed=0)
    assert [db.peek(k) for k in db.keys()] == [other.peek(k) for k in other.keys()]
    assert CatalogDatabase(products=50, seed=1).peek("product:0") != db.peek("product:0")
    original = db.peek("product:1")
    db.write("product:1", db.modified("product:1", stock=0))
    db.reset()
    assert db.peek("product:1") == original and db.queries == 0 and db.busy_ms == 0


def test_a_shared_meter_and_a_file_database(tmp_path):
    meter = Meter()
    db = CatalogDatabase(str(tmp_path / "shop.sqlite"), products=5, users=1, meter=meter)
    db.read("product:1")
    assert meter.ms == db.busy_ms > 0
    again = CatalogDatabase(str(tmp_path / "shop.sqlite"), products=5, users=1)
    assert again.peek("product:1") == db.peek("product:1")


@pytest.mark.parametrize("bad", ["product", "product:x", "order:1", "", b"nope"])
def test_bad_keys_say_what_a_key_looks_like(db, bad):
    with pytest.raises(ValueError, match="product:42"):
        db.read(bad)


def test_bad_writes_are_refused_clearly(db):
    with pytest.raises(ValueError, match="JSON"):
        db.write("product:1", "not json")
    with pytest.raises(ValueError, match="columns"):
        db.write("product:1", '{"colour": "red"}')
    with pytest.raises(ValueError, match="no column"):
        db.modified("product:1", colour="red")
    with pytest.raises(KeyError):
        db.modified("product:999", stock=1)
    with pytest.raises(ValueError):
        CatalogDatabase(products=0)
