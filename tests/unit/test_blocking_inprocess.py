"""Blocking commands through redis-py in-process (engine.connect) and over TCP.

Threads push while another thread waits in BLPOP; on a virtual clock a
finite timeout makes the waiting client advance the clock to its deadline
(so a single-threaded notebook never hangs); Ctrl-C and socket timeouts
free a waiting client; a blocked TCP client never stalls the others.
"""
from __future__ import annotations

import _thread
import threading
import time

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

import engine
from engine import Node, WallClock
from engine.client import VIRTUAL_GRACE_S
from engine.node.blocking import Block
from engine.protocol.replies import NullArray, ReplyError

WAIT = 10  # seconds a test waits for another thread before giving up


def wait_until(predicate, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.002)


def blocked_count(node) -> int:
    return len(node.blocking)


def in_thread(fn):
    out = {}

    def run():
        try:
            out["value"] = fn()
        except BaseException as exc:  # handed to the test thread
            out["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, out


# -- virtual clock: timeouts ---------------------------------------------------------

@pytest.mark.parametrize("call, expected", [
    (lambda r: r.blpop(["q"], timeout=5), None),
    (lambda r: r.brpop(["a", "b"], timeout=5), None),
    (lambda r: r.blmove("src", "dst", 5, "LEFT", "RIGHT"), None),
    (lambda r: r.brpoplpush("src", "dst", 5), None),
    (lambda r: r.blmpop(5, 2, "a", "b", direction="LEFT"), None),
    (lambda r: r.bzpopmin(["z"], timeout=5), None),
    (lambda r: r.bzmpop(5, 1, ["z"], max=True), None),
])
@pytest.mark.parametrize("protocol", [2, 3])
def test_finite_timeout_advances_the_virtual_clock(call, expected, protocol):
    """Nobody else is there to push: after the grace period the client moves
    simulated time to its deadline, and the clock shows the 5 s passed."""
    node = Node()
    r = engine.connect(node, protocol=protocol)
    r.ping()
    before = node.clock.now_ms()
    assert call(r) == expected
    assert node.clock.now_ms() - before == 5000
    assert blocked_count(node) == 0
    assert r.ping()


def test_decimal_timeout_is_rounded_up_to_milliseconds():
    node = Node()
    r = engine.connect(node)
    before = node.clock.now_ms()
    assert r.execute_command("BLPOP", "q", "0.0001") is None
    assert node.clock.now_ms() - before == 1


def test_clock_advanced_exactly_by_the_timeout_times_out():
    """At node level (no transport): a deadline is due once the clock reaches it."""
    node = Node()
    s = node.open_session()
    reply = node.execute(s, [b"BLPOP", b"q", b"2"])
    assert type(reply) is Block and s.blocked is reply
    node.clock.advance(1.999)
    assert s.outbox == [] and s.blocked is not None
    node.clock.advance(0.001)
    assert s.outbox == [NullArray] and s.blocked is None
    assert node.execute(s, [b"PING"]) == b"PONG"


def test_another_thread_advancing_the_clock_times_the_client_out():
    node = Node()
    r = engine.connect(node)
    r.ping()
    t, out = in_thread(lambda: r.blpop(["q"], timeout=3600))
    # The waiting thread would advance the clock itself after the grace
    # period; this one does it first or not at all — either way an hour.
    node.clock.advance(3600)
    t.join(WAIT)
    assert out == {"value": None}
    assert node.clock.now_ms() >= node.start_wall_ms + 3_600_000


# -- other threads waking a blocked client ------------------------------------------------

@pytest.mark.parametrize("clock", ["virtual", "wall"])
def test_push_from_another_thread_wakes_blpop(clock):
    node = Node(WallClock()) if clock == "wall" else Node()
    waiter, pusher = engine.connect(node), engine.connect(node)
    t, out = in_thread(lambda: waiter.blpop(["jobs"], timeout=0))
    wait_until(lambda: blocked_count(node) == 1, "the waiter to block")
    assert pusher.info("clients")["blocked_clients"] == 1
    assert pusher.rpush("jobs", "job-1") == 1
    t.join(WAIT)
    assert out == {"value": (b"jobs", b"job-1")}
    assert pusher.llen("jobs") == 0


def test_workers_are_served_first_come_first_served():
    node = Node()
    producer = engine.connect(node, decode_responses=True)
    results = {}
    threads = []
    for i in range(3):
        worker = engine.connect(node, decode_responses=True)
        t, out = in_thread(lambda w=worker: w.brpop(["q"], timeout=0))
        threads.append((i, t, out))
        wait_until(lambda n=i + 1: blocked_count(node) == n, f"worker {i} to block")
    producer.lpush("q", "a", "b", "c")        # q = c b a; BRPOP takes from the tail
    for i, t, out in threads:
        t.join(WAIT)
        results[i] = out["value"][1]
    assert results == {0: "a", 1: "b", 2: "c"}


def test_blmove_chain_across_threads():
    node = Node()
    a, b, c = (engine.connect(node, decode_responses=True) for _ in range(3))
    ta, out_a = in_thread(lambda: a.blmove("inbox", "work", 0, "LEFT", "RIGHT"))
    wait_until(lambda: blocked_count(node) == 1, "A to block")
    tb, out_b = in_thread(lambda: b.blpop(["work"], timeout=0))
    wait_until(lambda: blocked_count(node) == 2, "B to block")
    c.rpush("inbox", "task")
    ta.join(WAIT)
    tb.join(WAIT)
    assert out_a == {"value": "task"} and out_b == {"value": ("work", "task")}
    assert c.exists("inbox", "work") == 0


def test_bzpopmin_woken_by_zadd():
    node = Node()
    waiter, writer = engine.connect(node, protocol=3), engine.connect(node)
    t, out = in_thread(lambda: waiter.bzpopmin(["ranks"], timeout=0))
    wait_until(lambda: blocked_count(node) == 1, "the waiter to block")
    writer.zadd("ranks", {"low": 1, "high": 9})
    t.join(WAIT)
    assert out["value"] == [b"ranks", b"low", 1.0]
    assert writer.zrange("ranks", 0, -1) == [b"high"]


# -- never blocking ---------------------------------------------------------------------

def test_inside_multi_answers_at_once():
    node = Node()
    r = engine.connect(node)
    before = node.clock.now_ms()
    with r.pipeline(transaction=True) as p:
        p.blpop(["q"], timeout=0).blmove("q", "d", 0).bzpopmax(["z"], timeout=0)
        assert p.execute() == [None, None, None]
    assert node.clock.now_ms() == before      # nothing waited


def test_script_flag_answers_at_once():
    """Session.in_script (set by the scripting engine while Lua runs): a
    blocking command answers like a timeout and never parks the client."""
    node = Node()
    s = node.open_session()
    s.in_script = True
    assert node.execute(s, [b"BLPOP", b"q", b"0"]) is NullArray
    assert node.execute(s, [b"BLMOVE", b"q", b"d", b"LEFT", b"LEFT", b"0"]) is None
    assert s.blocked is None and blocked_count(node) == 0


def test_pipeline_commands_wait_behind_a_blocked_one():
    node = Node()
    r, other = engine.connect(node), engine.connect(node)
    p = r.pipeline(transaction=False)
    p.blpop(["q"], timeout=0).llen("q").ping()
    t, out = in_thread(p.execute)
    wait_until(lambda: blocked_count(node) == 1, "the pipeline to block")
    other.rpush("q", "x", "y")
    t.join(WAIT)
    # LLEN ran after the BLPOP was served: one element left, not two.
    assert out == {"value": [(b"q", b"x"), 1, True]}


# -- getting out of a wait -----------------------------------------------------------------

@pytest.mark.parametrize("error", [False, True])
def test_client_unblock(error):
    node = Node()
    waiter, admin = engine.connect(node), engine.connect(node)
    wid = waiter.client_id()
    t, out = in_thread(lambda: waiter.blpop(["q"], timeout=0))
    wait_until(lambda: blocked_count(node) == 1, "the waiter to block")
    flags = [c["flags"] for c in admin.client_list() if int(c["id"]) == wid]
    assert flags == ["b"]
    assert admin.client_unblock(wid, error=error) is True
    t.join(WAIT)
    if error:
        assert isinstance(out["error"], redis.ResponseError)
        assert str(out["error"]) == "UNBLOCKED client unblocked via CLIENT UNBLOCK"
    else:
        assert out == {"value": None}
    assert admin.client_unblock(wid) is False
    assert waiter.ping()


def test_socket_timeout_drops_a_waiting_connection():
    node = Node()
    r = engine.connect(node, socket_timeout=0.2)
    with pytest.raises(redis.TimeoutError):
        r.blpop(["q"], timeout=0)
    assert blocked_count(node) == 0           # the session was closed, not left parked
    assert r.rpush("q", "x") == 1             # the pool reconnects


def test_ctrl_c_interrupts_a_wait_forever():
    node = Node()
    r = engine.connect(node)
    r.ping()
    timer = threading.Timer(0.2, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            r.blpop(["q"], timeout=0)
    finally:
        timer.cancel()
    assert blocked_count(node) == 0
    assert r.ping()


def test_closing_a_blocked_session_unblocks_it_silently():
    node = Node()
    s = node.open_session()
    node.execute(s, [b"BLPOP", b"k", b"0"])
    assert blocked_count(node) == 1 and node.dbs[0].blocking_keys
    node.close_session(s)
    assert blocked_count(node) == 0 and not node.dbs[0].blocking_keys
    other = node.open_session()
    assert node.execute(other, [b"RPUSH", b"k", b"x"]) == 1
    assert s.outbox == []


def test_wrongtype_at_wakeup_is_counted_as_a_failed_call():
    node = Node()
    waiter, other = node.open_session(), node.open_session()
    node.execute(other, [b"SET", b"dst", b"str"])
    node.execute(waiter, [b"BLMOVE", b"src", b"dst", b"LEFT", b"LEFT", b"0"])
    node.execute(other, [b"RPUSH", b"src", b"v"])
    assert waiter.outbox == [ReplyError("WRONGTYPE Operation against a key holding the "
                                        "wrong kind of value")]
    assert node.stats.commands["blmove"][:1] == [1] and node.stats.commands["blmove"][3] == 1
    assert node.execute(other, [b"LLEN", b"src"]) == 1


def test_wall_clock_timeout_without_a_server():
    """In-process on the wall clock (no TCP server cron): the waiting client
    times itself out when its deadline passes."""
    node = Node(WallClock())
    r = engine.connect(node)
    assert r.blpop(["q"], timeout=0.05) is None
    assert blocked_count(node) == 0


def test_grace_period_is_short():
    assert 0 < VIRTUAL_GRACE_S <= 0.1


# -- over TCP ------------------------------------------------------------------------------

@pytest.fixture
def served():
    srv = engine.serve(Node(WallClock()))
    yield srv
    srv.close()


def test_tcp_blocked_client_does_not_stall_others(served):
    waiter = redis.Redis(port=served.port)
    other = redis.Redis(port=served.port)
    t, out = in_thread(lambda: waiter.blpop(["q"], timeout=0))
    wait_until(lambda: blocked_count(served.node) == 1, "the TCP waiter to block")
    for i in range(20):
        assert other.set(f"k{i}", i)
    assert other.info("clients")["blocked_clients"] == 1
    other.rpush("q", "done")
    t.join(WAIT)
    assert out == {"value": (b"q", b"done")}


def test_tcp_client_woken_by_in_process_push(served):
    waiter = redis.Redis(port=served.port, protocol=3)
    t, out = in_thread(lambda: waiter.bzpopmax(["z"], timeout=0))
    wait_until(lambda: blocked_count(served.node) == 1, "the TCP waiter to block")
    engine.connect(served.node).zadd("z", {"m": 2.5})
    t.join(WAIT)
    assert out == {"value": [b"z", b"m", 2.5]}


def test_in_process_client_woken_by_tcp_push(served):
    local = engine.connect(served.node)
    t, out = in_thread(lambda: local.blpop(["q"], timeout=0))
    wait_until(lambda: blocked_count(served.node) == 1, "the local waiter to block")
    redis.Redis(port=served.port).rpush("q", "over-tcp")
    t.join(WAIT)
    assert out == {"value": (b"q", b"over-tcp")}


def test_tcp_timeout_and_pipeline(served):
    r = redis.Redis(port=served.port)
    assert r.blpop(["q"], timeout=0.05) is None
    p = r.pipeline(transaction=False)
    p.brpop(["q"], timeout=0.05).ping().rpush("q", "x").blpop(["q"], timeout=1)
    assert p.execute() == [None, True, 1, (b"q", b"x")]


def test_tcp_disconnect_while_blocked(served):
    # No retries: redis-py would otherwise reconnect and send BLPOP again.
    waiter = redis.Redis(port=served.port, retry=Retry(NoBackoff(), 0))
    t, out = in_thread(lambda: waiter.blpop(["q"], timeout=0))
    wait_until(lambda: blocked_count(served.node) == 1, "the TCP waiter to block")
    admin = redis.Redis(port=served.port)
    wid = [c["id"] for c in admin.client_list() if c["flags"] == "b"][0]
    admin.client_kill_filter(_id=wid)
    t.join(WAIT)
    assert isinstance(out.get("error"), redis.ConnectionError)
    wait_until(lambda: blocked_count(served.node) == 0, "the killed client to go")
    assert admin.rpush("q", "x") == 1
