"""Pub/sub through redis-py: ``r.pubsub()`` in-process (engine.connect) and
over TCP (engine.serve), RESP2 and RESP3 — get_message, listen,
run_in_thread, patterns, shard channels — plus subscribed-mode rules at the
node level.
"""
from __future__ import annotations

import threading
import time

import pytest
import redis

import engine
from engine import Node, WallClock
from engine.protocol.replies import Push

WAIT = 10


def wait_until(predicate, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.002)


@pytest.fixture(params=["inprocess", "tcp"])
def make_client(request):
    """A factory of clients to one node: in-process or over TCP."""
    node = Node(WallClock())
    server = None
    if request.param == "tcp":
        server = engine.serve(node)

    def make(**kwargs):
        if server is None:
            return engine.connect(node, **kwargs)
        return redis.Redis(port=server.port, **kwargs)

    make.node = node
    yield make
    if server is not None:
        server.close()


def next_message(p, timeout=WAIT):
    """get_message until one arrives (None only means "not yet")."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        msg = p.get_message(timeout=0.5)
        if msg is not None:
            return msg
    raise AssertionError("no message arrived")


@pytest.mark.parametrize("protocol", [2, 3])
def test_get_message(make_client, protocol):
    sub, pub = make_client(protocol=protocol), make_client()
    p = sub.pubsub()
    p.subscribe("news")
    assert next_message(p) == {"type": "subscribe", "pattern": None, "channel": b"news",
                               "data": 1}
    assert pub.publish("news", "hello") == 1
    assert pub.publish("elsewhere", "x") == 0
    assert next_message(p) == {"type": "message", "pattern": None, "channel": b"news",
                               "data": b"hello"}
    assert p.get_message(timeout=0.05) is None
    p.unsubscribe("news")
    assert next_message(p)["type"] == "unsubscribe"
    assert pub.pubsub_numsub("news") == [(b"news", 0)]
    p.close()


@pytest.mark.parametrize("protocol", [2, 3])
def test_patterns_and_decoding(make_client, protocol):
    sub, pub = make_client(protocol=protocol, decode_responses=True), make_client()
    p = sub.pubsub(ignore_subscribe_messages=True)
    p.psubscribe("sensor.*")
    p.subscribe("sensor.1")
    wait_until(lambda: pub.pubsub_numpat() == 1 and pub.pubsub_numsub("sensor.1")[0][1] == 1,
               "the subscriptions")
    assert pub.publish("sensor.1", "21.5") == 2      # the channel and the pattern
    got = [next_message(p), next_message(p)]
    assert got == [
        {"type": "message", "pattern": None, "channel": "sensor.1", "data": "21.5"},
        {"type": "pmessage", "pattern": "sensor.*", "channel": "sensor.1", "data": "21.5"},
    ]
    p.close()
    wait_until(lambda: pub.pubsub_numpat() == 0, "close() to drop the subscriptions")


@pytest.mark.parametrize("protocol", [2, 3])
def test_listen_in_a_thread(make_client, protocol):
    sub, pub = make_client(protocol=protocol), make_client()
    p = sub.pubsub()
    p.subscribe("jobs")
    received = []

    def consume():
        for msg in p.listen():
            if msg["type"] == "message":
                received.append(msg["data"])
                if msg["data"] == b"stop":
                    return

    t = threading.Thread(target=consume, daemon=True)
    t.start()
    wait_until(lambda: pub.pubsub_numsub("jobs")[0][1] == 1, "the subscription")
    for body in (b"1", b"2", b"stop"):
        pub.publish("jobs", body)
    t.join(WAIT)
    assert received == [b"1", b"2", b"stop"]
    p.close()


@pytest.mark.parametrize("protocol", [2, 3])
def test_run_in_thread_with_handlers(make_client, protocol):
    sub, pub = make_client(protocol=protocol), make_client()
    got = []
    p = sub.pubsub()
    p.subscribe(**{"orders": lambda m: got.append(("orders", m["data"]))})
    p.psubscribe(**{"audit.*": lambda m: got.append(("audit", m["channel"], m["data"]))})
    worker = p.run_in_thread(sleep_time=0.01, daemon=True)
    try:
        wait_until(lambda: pub.pubsub_numsub("orders")[0][1] == 1 and pub.pubsub_numpat() == 1,
                   "the subscriptions")
        pub.publish("orders", "o-1")
        pub.publish("audit.login", "alice")
        wait_until(lambda: len(got) == 2, "two handled messages")
    finally:
        worker.stop()
        worker.join(WAIT)
    assert got == [("orders", b"o-1"), ("audit", b"audit.login", b"alice")]


@pytest.mark.parametrize("protocol", [2, 3])
def test_sharded_pubsub(make_client, protocol):
    sub, pub = make_client(protocol=protocol), make_client()
    p = sub.pubsub()
    p.ssubscribe("orders:{eu}")
    msg = p.get_sharded_message(timeout=WAIT)
    assert msg["type"] == "ssubscribe" and msg["data"] == 1
    assert pub.spublish("orders:{eu}", "x") == 1
    assert pub.publish("orders:{eu}", "not a shard message") == 0
    msg = p.get_sharded_message(timeout=WAIT)
    assert (msg["type"], msg["channel"], msg["data"]) == ("smessage", b"orders:{eu}", b"x")
    assert pub.pubsub_shardnumsub("orders:{eu}") == [(b"orders:{eu}", 1)]
    p.close()


def test_subscriber_sees_only_messages_published_after_subscribing(make_client):
    pub, sub = make_client(), make_client()
    pub.publish("c", "too early")
    p = sub.pubsub(ignore_subscribe_messages=True)
    p.subscribe("c")
    wait_until(lambda: pub.pubsub_numsub("c")[0][1] == 1, "the subscription")
    pub.publish("c", "on time")
    assert next_message(p)["data"] == b"on time"
    p.close()


def test_many_messages_keep_their_order(make_client):
    sub, pub = make_client(), make_client()
    p = sub.pubsub(ignore_subscribe_messages=True)
    p.subscribe("seq")
    wait_until(lambda: pub.pubsub_numsub("seq")[0][1] == 1, "the subscription")
    with pub.pipeline(transaction=False) as pipe:
        for i in range(200):
            pipe.publish("seq", i)
        pipe.execute()
    assert [int(next_message(p)["data"]) for _ in range(200)] == list(range(200))
    p.close()


# -- node level: the rules of subscribed mode -------------------------------------------

def test_resp2_subscribed_mode_allows_few_commands():
    node = Node()
    s = node.open_session()
    node.execute(s, [b"SUBSCRIBE", b"c"])
    assert s.outbox == [] and s.pubsub
    err = node.execute(s, [b"GET", b"k"])
    assert err.message == ("ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE"
                           " / PING / QUIT / RESET are allowed in this context")
    assert node.execute(s, [b"PING"]) == [b"pong", b""]
    assert node.execute(s, [b"RESET"]) == b"RESET"
    assert not s.pubsub and node.execute(s, [b"GET", b"k"]) is None


def test_resp3_subscriber_runs_any_command_and_gets_pushes():
    node = Node()
    s, other = node.open_session(), node.open_session()
    s.protocol = 3
    reply = node.execute(s, [b"SUBSCRIBE", b"a", b"b"])
    assert list(reply) == [Push([b"subscribe", b"a", 1]), Push([b"subscribe", b"b", 2])]
    assert node.execute(s, [b"SET", b"k", b"v"]) == b"OK"
    assert node.execute(other, [b"PUBLISH", b"b", b"hi"]) == 1
    assert s.outbox == [Push([b"message", b"b", b"hi"])]
    assert type(s.outbox[0]) is Push


def test_closing_a_subscriber_forgets_it():
    node = Node()
    s, other = node.open_session(), node.open_session()
    node.execute(s, [b"PSUBSCRIBE", b"*"])
    node.execute(s, [b"SSUBSCRIBE", b"x"])
    node.close_session(s)
    assert node.execute(other, [b"PUBLISH", b"c", b"m"]) == 0
    assert node.execute(other, [b"SPUBLISH", b"x", b"m"]) == 0
    assert node.pubsub.patterns == {} and node.pubsub.shard_channels == {}
    assert s.outbox == []


def test_client_list_type_pubsub_and_kill():
    node = Node()
    s, admin = node.open_session(), node.open_session()
    node.execute(s, [b"SUBSCRIBE", b"c"])
    listed = bytes(node.execute(admin, [b"CLIENT", b"LIST", b"TYPE", b"pubsub"])).decode()
    assert listed.count("\n") == 1 and f"id={s.id} " in listed and "flags=P" in listed
    assert "sub=1 psub=0 ssub=0" in listed
    assert node.execute(admin, [b"CLIENT", b"KILL", b"TYPE", b"normal"]) == 0
    assert node.execute(admin, [b"CLIENT", b"KILL", b"TYPE", b"pubsub"]) == 1
    assert s.closed and node.pubsub.channels == {}
