"""Many clients at once, pipelining, and garbage on the wire — the server never dies.

* 50 threads, each with its own redis-py client, send pipelined INCRs to one
  counter on the engine server: the final value is exact.
* Meanwhile clients sending garbage get redis-server's protocol error and are
  disconnected, while the others keep working.
* A differential fuzz: hypothesis builds byte streams out of RESP fragments
  (valid commands, inline lines with quotes, bad lengths, stray bytes), sends
  each to both servers on a fresh connection, half-closes it, and requires
  the same bytes back and the same close. Both servers must stay alive.
"""
from __future__ import annotations

import socket
import threading
import time

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resp_client import RespClient, encode_command

HOST = "127.0.0.1"
THREADS = 50
PIPELINES_PER_THREAD = 20
INCRS_PER_PIPELINE = 50


def _garbage_client(port: int, results: list, stop: threading.Event) -> None:
    """Connect, send garbage, expect the protocol error and a close; repeat."""
    payloads = [
        (b"*1\r\n+garbage\r\n", b"-ERR Protocol error: expected '$', got '+'\r\n"),
        (b"*abc\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
        (b"*1\r\n$-5\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
        (b'SET k "unbalanced\r\n', b"-ERR Protocol error: unbalanced quotes in request\r\n"),
    ]
    i = 0
    while not stop.is_set():
        data, expected = payloads[i % len(payloads)]
        i += 1
        try:
            with socket.create_connection((HOST, port), timeout=10) as sock:
                sock.sendall(data)
                received = b""
                while True:
                    chunk = sock.recv(4096)
                    if not chunk:
                        break
                    received += chunk
                results.append(received == expected or (received, expected))
        except OSError as exc:  # the server must never refuse or reset us
            results.append(exc)
        time.sleep(0.01)


def _incr_worker(port: int, errors: list) -> None:
    try:
        client = redis.Redis(host=HOST, port=port, socket_timeout=60)
        for _ in range(PIPELINES_PER_THREAD):
            pipe = client.pipeline(transaction=False)
            for _ in range(INCRS_PER_PIPELINE):
                pipe.incr("shared:counter")
            replies = pipe.execute()
            assert len(replies) == INCRS_PER_PIPELINE
            assert all(isinstance(r, int) for r in replies)
        # and a transaction, for good measure
        with client.pipeline(transaction=True) as tx:
            tx.incr("shared:tx")
            tx.get("shared:tx")
            tx.execute()
        client.close()
    except Exception as exc:  # reported by the test
        errors.append(exc)


@pytest.mark.slow
def test_concurrent_pipelined_incr_with_garbage(servers):
    _, eng = servers
    errors: list = []
    garbage_results: list = []
    stop = threading.Event()
    garbage = [threading.Thread(target=_garbage_client, args=(eng.port, garbage_results, stop))
               for _ in range(3)]
    workers = [threading.Thread(target=_incr_worker, args=(eng.port, errors))
               for _ in range(THREADS)]
    for t in garbage + workers:
        t.start()
    for t in workers:
        t.join(300)
    stop.set()
    for t in garbage:
        t.join(30)
    assert not any(t.is_alive() for t in workers), "some clients never finished"
    assert not errors, errors[:3]
    assert garbage_results and all(r is True for r in garbage_results), \
        [r for r in garbage_results if r is not True][:3]
    with RespClient(HOST, eng.port) as c:
        total = THREADS * PIPELINES_PER_THREAD * INCRS_PER_PIPELINE
        assert c.call("GET", "shared:counter").raw == b"$%d\r\n%d\r\n" % (len(str(total)), total)
        assert c.call("GET", "shared:tx").raw == b"$2\r\n%d\r\n" % THREADS
        assert c.call("PING").raw == b"+PONG\r\n"
    print(f"\n{THREADS} clients x {PIPELINES_PER_THREAD * INCRS_PER_PIPELINE} pipelined INCRs; "
          f"{len(garbage_results)} garbage connections answered and closed")


def test_many_idle_connections(servers):
    """500 connections open at once; all answer; closing them all is fine."""
    _, eng = servers
    clients = [RespClient(HOST, eng.port) for _ in range(500)]
    try:
        for c in clients:
            c.send("PING")
        assert all(c.read_reply().raw == b"+PONG\r\n" for c in clients)
    finally:
        for c in clients:
            c.close()
    with RespClient(HOST, eng.port) as c:
        assert c.call("PING").raw == b"+PONG\r\n"


def test_client_vanishing_mid_command(servers):
    """A client that disconnects in the middle of a command, or before reading
    a large reply, harms nobody."""
    _, eng = servers
    with RespClient(HOST, eng.port) as c:
        c.call("SET", "big", b"x" * (4 << 20))
    for data in (b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1000\r\nabc",
                 encode_command(["GET", "big"]) * 20):
        s = socket.create_connection((HOST, eng.port))
        s.sendall(data)
        s.close()
    time.sleep(0.2)
    with RespClient(HOST, eng.port) as c:
        assert c.call("STRLEN", "big").raw == b":4194304\r\n"


# -- differential fuzz of the request parser --------------------------------------------------

def _resp(*args) -> bytes:
    return encode_command(args)


_words = st.sampled_from([b"PING", b"ECHO", b"SET", b"GET", b"k", b"v", b"hallo", b"",
                          b"INCR", b"x y", b"FOO"])
_numbers = st.sampled_from([b"0", b"1", b"2", b"3", b"-1", b"-2", b"abc", b"", b" 1", b"+1",
                            b"01", b"1048577", b"999999", b"4294967297", b"5"])
fragment = st.one_of(
    st.lists(_words, min_size=1, max_size=3).map(lambda ws: _resp(*ws)),
    st.lists(_words, min_size=0, max_size=3).map(lambda ws: b" ".join(ws) + b"\r\n"),
    st.sampled_from([b'ECHO "a b"\r\n', b"ECHO 'it''s'\r\n", b'ECHO "x\\x41\\n"\r\n',
                     b'ECHO "open\r\n', b"ECHO 'open\r\n", b'ECHO "a"b\r\n', b"\r\n", b"\n",
                     b"   \r\n", b"ECHO \\x41\r\n", b'ECHO ""\r\n', b"PING\n"]),
    _numbers.map(lambda n: b"*" + n + b"\r\n"),
    _numbers.map(lambda n: b"$" + n + b"\r\n"),
    st.sampled_from([b"$3\r\nGET\r\n", b"$1\r\nk\r\n", b"$4\r\nPING\r\n", b":1\r\n", b"+OK\r\n",
                     b"-ERR\r\n", b"\r", b"*", b"$"]),
    st.binary(min_size=1, max_size=8),
)


def _exchange_half_closed(port: int, data: bytes, timeout: float = 5.0):
    sock = socket.create_connection((HOST, port), timeout=timeout)
    try:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        received = b""
        closed = False
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            received += chunk
        return received, closed
    finally:
        sock.close()


FUZZ_EXAMPLES = 300


@pytest.mark.slow
def test_protocol_fuzz_differential(servers):
    """Streams of RESP fragments: identical replies and close behaviour."""
    real, eng = servers
    seen = {"n": 0}

    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(fragment, min_size=1, max_size=5))
    def check(fragments):
        data = b"".join(fragments)
        seen["n"] += 1
        r = _exchange_half_closed(real.port, data)
        e = _exchange_half_closed(eng.port, data)
        assert r == e, f"\ninput: {data!r}\n  redis-server: {r}\n  engine:       {e}"

    for server in (real, eng):
        with RespClient(HOST, server.port) as c:
            c.call("FLUSHALL")
    check()
    for server in (real, eng):
        with RespClient(HOST, server.port) as c:
            assert c.call("PING").raw == b"+PONG\r\n"
    assert seen["n"] >= FUZZ_EXAMPLES
