"""The use cases of labs/03-data-structures (engine.usecases), run on the engine
and on a real redis-server: each must behave as its docstring promises, and
the two backends must produce the same outcome (these modules are plain
redis-py code, so any difference would be an engine bug)."""
from __future__ import annotations

import threading

import pytest
import redis

import engine
from engine.usecases import counting, geo, leaderboard, locks, messaging, queues, ratelimit, sessions


@pytest.fixture(scope="module")
def real_server(redis_server_factory):
    return redis_server_factory()


@pytest.fixture(params=["engine", "redis"])
def backend(request, real_server):
    """(client factory, advance) for the embedded engine (virtual clock) or a
    real redis-server (flushed; ``advance`` really sleeps, so keep it short)."""
    if request.param == "engine":
        lab = engine.open_lab()
        yield (lambda: engine.connect(lab.node, decode_responses=True)), lab.advance, lab
    else:
        url = f"redis://127.0.0.1:{real_server.port}"
        lab = engine.open_lab(url=url)
        lab.client.flushall()
        yield (lambda: redis.Redis.from_url(url, decode_responses=True)), lab.advance, lab
        lab.client.flushall()


def test_rate_limiters_agree_and_keep_their_promises(backend):
    make, _advance, _lab = backend
    r = make()
    arrivals = ratelimit.burst_schedule()
    runs = ratelimit.simulate([ratelimit.FixedWindow(r, 10, 1), ratelimit.SlidingLog(r, 10, 1),
                               ratelimit.TokenBucket(r, rate=5, burst=5)], arrivals)
    fixed, log, bucket = runs
    assert fixed.worst_window > 10          # the window-edge weakness is real
    assert log.worst_window <= 10 and bucket.worst_window <= 10
    # A sliding log of 10/s over this schedule: never more than 10 in any second,
    # and every request in a quiet second passes.
    assert all(ok for t, ok in zip(arrivals, log.allowed) if t < 2900)


def test_rate_limiters_give_identical_decisions_on_engine_and_redis(real_server):
    arrivals = ratelimit.burst_schedule(steady_rps=7, seconds=4, burst_at=1.95, burst_size=25)
    outcomes = []
    for client in (engine.open_lab().client,
                   redis.Redis(port=real_server.port, decode_responses=True)):
        client.flushall()
        runs = ratelimit.simulate([ratelimit.FixedWindow(client, 8, 1),
                                   ratelimit.SlidingLog(client, 8, 1),
                                   ratelimit.TokenBucket(client, rate=4, burst=6)], arrivals)
        outcomes.append([run.allowed for run in runs])
    assert outcomes[0] == outcomes[1]


def test_session_sliding_expiration_on_virtual_clock():
    lab = engine.open_lab()
    store = sessions.SessionStore(lab.client, ttl=1800)
    sid = store.create("ana", role="admin")
    lab.advance(1500)
    assert store.get(sid) == {"user": "ana", "role": "admin"}
    lab.advance(1500)
    assert store.get(sid, slide=False) is not None
    lab.advance(301)
    assert store.get(sid) is None and store.ttl_left(sid) == -2
    assert store.update(sid, role="x") is False and not lab.client.exists(store.key(sid))


def test_cart_concurrent_increments_are_not_lost(backend):
    make, _advance, _lab = backend
    cart = sessions.Cart(make(), "u1")
    threads = [threading.Thread(target=lambda: [cart.add("pen") for _ in range(50)])
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert cart.items() == {"pen": 200}
    assert cart.remove("pen", 150) == 50 and cart.total({"pen": 2.0}) == 100.0
    with pytest.raises(ValueError):
        cart.add("pen", 0)


def test_leaderboard_ranks(backend):
    make, _advance, _lab = backend
    board = leaderboard.Leaderboard(make(), "lb")
    for player, pts in [("a", 10), ("b", 30), ("c", 20), ("d", 5), ("c", 15)]:
        board.add(player, pts)
    assert board.top(2) == [("c", 35.0), ("b", 30.0)]
    assert board.rank("a") == 3 and board.rank("zz") is None
    assert board.around("a", 1) == [(2, "b", 30.0), (3, "a", 10.0), (4, "d", 5.0)]


def test_reliable_queue_survives_a_worker_crash(backend):
    make, _advance, _lab = backend
    q = queues.ReliableQueue(make(), "jobs")
    q.push("j1", "j2", "j3")
    assert q.claim("w1") == "j1" and q.ack("w1", "j1")
    assert q.claim("w1") == "j2"            # then w1 dies
    assert q.recover("w1") == 1
    assert q.claim("w2") == "j2" and q.claim("w2") == "j3" and q.claim("w2") is None


def test_blocking_claim_is_woken_by_a_push(backend):
    make, _advance, _lab = backend
    producer, consumer = queues.ReliableQueue(make(), "bq"), queues.ReliableQueue(make(), "bq")
    got = []
    worker = threading.Thread(target=lambda: got.append(consumer.claim("w", block=0)))
    worker.start()
    producer.push("job")
    worker.join(10)
    assert got == ["job"]


def test_sensor_stream_consumer_group_recovery(backend):
    make, advance, _lab = backend
    s = queues.SensorStream(make(), "sensors", "alerts")
    s.create_group()
    s.create_group()                         # BUSYGROUP is tolerated
    for i in range(5):
        s.add("t", i)
    first = s.read("c1", count=3)
    assert len(first) == 3 and s.ack(first[0][0]) == 1
    rest = s.read("c2")
    assert [v["value"] for _, v in rest] == ["3", "4"]
    s.ack(*[i for i, _ in rest])
    assert s.pending() == {"c1": 2}
    advance(0.2)
    claimed = s.claim_stale("c2", min_idle_ms=100)
    assert [i for i, _ in claimed] == [i for i, _ in first[1:]]
    assert s.length() == 5


def test_pubsub_forgets_streams_remember(backend):
    make, _advance, _lab = backend
    room = messaging.PubSubRoom(make(), "r")
    early = room.join(make())
    assert room.say("a", "one") == 1
    late = room.join(make())
    assert room.say("b", "two") == 2
    assert early.receive() == ["a: one", "b: two"] and late.receive() == ["b: two"]
    early.leave()
    late.leave()
    log = messaging.StreamRoom(make(), "r")
    first = log.say("a", "one")
    log.say("b", "two")
    assert log.history() == ["a: one", "b: two"] and log.history(after=first) == ["b: two"]


def test_lock_release_needs_the_token_check(backend):
    make, advance, _lab = backend
    r = make()
    _story, unsafe_holders = locks.stalled_holder(r, advance, safe=False, ttl_ms=200)
    r.flushall()
    _story, safe_holders = locks.stalled_holder(r, advance, safe=True, ttl_ms=200)
    assert (unsafe_holders, safe_holders) == (2, 1)
    with pytest.raises(ValueError):
        locks.Lock(r, "x", ttl_ms=0)


def test_hll_vs_set_identical_on_engine_and_redis(real_server):
    rows = []
    for client in (engine.open_lab().client, redis.Redis(port=real_server.port)):
        client.flushall()
        rows.append(counting.hll_vs_set(client, [10, 300, 5000], seed=3))
    engine_rows, redis_rows = rows
    assert [r.hll_estimate for r in engine_rows] == [r.hll_estimate for r in redis_rows]
    assert [r.hll_bytes for r in engine_rows] == [r.hll_bytes for r in redis_rows]
    assert all(abs(r.error) < 0.03 for r in engine_rows)


def test_daily_active_bitmaps(backend):
    make, _advance, _lab = backend
    dau = counting.DailyActive(make())
    for uid in (1, 5, 9, 100):
        dau.mark("d1", uid)
    for uid in (5, 100, 7):
        dau.mark("d2", uid)
    assert dau.count("d1") == 4 and dau.active_on_all(["d1", "d2"]) == 2
    assert dau.active_on_any(["d1", "d2"]) == 5 and dau.bytes_for("d1") == 13
    with pytest.raises(ValueError):
        dau.mark("d1", -1)


def test_nearby_stores_identical_on_engine_and_redis(real_server):
    results = []
    for client in (engine.open_lab().client,
                   redis.Redis(port=real_server.port, decode_responses=True)):
        client.flushall()
        assert geo.load_stores(client) == len(geo.STORES)
        results.append(geo.nearby(client, -122.338, 47.615, radius_km=3, count=6))
    assert results[0] == results[1] and results[0]
    assert all(km <= 3 for _, km in results[0])
