"""The wire protocol, differential: malformed input, inline commands, unknown
commands and wrong arity — against redis-server 7.0.

For raw input, both servers receive the same bytes; the test compares every
byte they send back AND whether they close the connection afterwards. When the
input is expected to leave the connection open, a sentinel ``ECHO`` follows it,
so the test knows when the answers are complete without waiting for a timeout.
After each case a fresh connection checks that the server is still alive.
"""
from __future__ import annotations

import socket
import time

import pytest

from differential import TEST_PASSWORD, Mismatch, S, case, run_case
from resp_client import RespClient

SENTINEL = b"*2\r\n$4\r\nECHO\r\n$12\r\n__sentinel__\r\n"
SENTINEL_REPLY = b"$12\r\n__sentinel__\r\n"


NOAUTH_REPLY = b"-NOAUTH Authentication required.\r\n"


def exchange(client: RespClient, data: bytes, sentinel: bool = True, timeout: float = 5.0,
             sentinel_reply: bytes = SENTINEL_REPLY):
    """Send raw bytes; return (everything received, closed?). With a sentinel,
    stop as soon as its reply arrives (then the connection is open)."""
    try:
        client.sock.sendall(data + (SENTINEL if sentinel else b""))
    except (BrokenPipeError, ConnectionResetError):
        pass
    received = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        client.sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = client.sock.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            return received, True
        if not chunk:
            return received, True
        received += chunk
        if sentinel and received.endswith(sentinel_reply):
            return received[:-len(sentinel_reply)], False
    return received, False


def assert_same_exchange(pair, data: bytes, sentinel: bool = True, expect_close=None,
                         sentinel_reply: bytes = SENTINEL_REPLY):
    __tracebackhide__ = True
    real = exchange(pair.real, data, sentinel, sentinel_reply=sentinel_reply)
    eng = exchange(pair.engine, data, sentinel, sentinel_reply=sentinel_reply)
    if real != eng:
        raise Mismatch(f"\ninput: {data[:200]!r}{'…' if len(data) > 200 else ''}\n"
                       f"  redis-server: {real[0][:500]!r} closed={real[1]}\n"
                       f"  engine:       {eng[0][:500]!r} closed={eng[1]}")
    if expect_close is not None:
        assert real[1] == expect_close, f"redis-server closed={real[1]}, test expected {expect_close}"
    return real


def _alive(pair):
    for port in (pair.real_port, pair.engine_port):
        with RespClient(pair.host, port) as c:
            assert c.call("PING").raw == b"+PONG\r\n"


BIG = 70 * 1024

RAW_CASES = [
    # (id, bytes, sentinel, expected close)
    ("multibulk-ok", b"*1\r\n$4\r\nPING\r\n", True, False),
    ("multibulk-pipelined", b"*1\r\n$4\r\nPING\r\n" * 3 + b"*2\r\n$4\r\nECHO\r\n$1\r\nx\r\n", True, False),
    ("multibulk-zero", b"*0\r\n*1\r\n$4\r\nPING\r\n", True, False),
    ("multibulk-negative", b"*-1\r\n*1\r\n$4\r\nPING\r\n", True, False),
    ("multibulk-invalid-length", b"*abc\r\n", True, True),
    ("multibulk-length-plus", b"*+1\r\n$4\r\nPING\r\n", True, True),
    ("multibulk-length-space", b"* 1\r\n$4\r\nPING\r\n", True, True),
    ("multibulk-length-too-big", b"*1048577\r\n", True, True),
    ("multibulk-length-int-max", b"*2147483648\r\n", True, True),
    ("multibulk-length-empty", b"*\r\n", True, True),
    ("expected-dollar", b"*1\r\n+PING\r\n", True, True),
    ("expected-dollar-colon", b"*2\r\n$4\r\nECHO\r\n:1\r\n", True, True),
    ("expected-dollar-star", b"*1\r\n*1\r\n", True, True),
    ("expected-dollar-binary", b"*1\r\n\xff\r\n", True, True),
    ("bulk-length-invalid", b"*1\r\n$abc\r\n", True, True),
    ("bulk-length-negative", b"*1\r\n$-1\r\n", True, True),
    ("bulk-length-too-big", b"*1\r\n$536870913\r\n", True, True),
    ("bulk-length-empty", b"*1\r\n$\r\n", True, True),
    ("bulk-length-plus", b"*1\r\n$+4\r\nPING\r\n", True, True),
    ("bulk-no-crlf-after-data", b"*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n", True, False),
    ("error-after-good-command", b"*1\r\n$4\r\nPING\r\n*1\r\n+x\r\n", True, True),
    ("good-command-after-error-not-run", b"*1\r\n+x\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n",
     True, True),
    ("empty-command-name", b"*1\r\n$0\r\n\r\n", True, False),
    ("unknown-command-binary", b"*2\r\n$3\r\nf\x00o\r\n$2\r\n\xff\xfe\r\n", True, False),
    ("unknown-command-crlf-in-name", b"*2\r\n$5\r\nfo\r\no\r\n$3\r\na\nb\r\n", True, False),
    ("inline-ping", b"PING\r\n", True, False),
    ("inline-lf-only", b"PING\n", True, False),
    ("inline-set-get", b"SET k v\r\nGET k\r\n", True, False),
    ("inline-quotes", b'SET k "a b\\x41\\n"\r\nGET k\r\nSET j \'it\\\'s\'\r\nGET j\r\n', True, False),
    ("inline-blank-lines", b"\r\n\r\n   \r\nPING\r\n", True, False),
    ("inline-tabs-and-spaces", b"  ECHO \t hello  \r\n", True, False),
    ("inline-unbalanced-double", b'SET k "abc\r\n', True, True),
    ("inline-unbalanced-single", b"SET k 'abc\r\n", True, True),
    ("inline-quote-not-followed-by-space", b'ECHO "a"b\r\n', True, True),
    ("inline-unknown", b"FOOBAR a b\r\n", True, False),
    ("inline-empty-quotes", b'ECHO ""\r\nECHO \'\'\r\n', True, False),
    ("inline-after-multibulk", b"*1\r\n$4\r\nPING\r\nPING\r\n", True, False),
    ("inline-wrong-arity", b"GET\r\nGET a b\r\n", True, False),
    ("inline-too-big", b"A" * BIG, False, True),
    ("multibulk-count-too-big", b"*" + b"1" * BIG, False, True),
    ("bulk-count-too-big", b"*1\r\n$" + b"1" * BIG, False, True),
]


@pytest.mark.parametrize("data,sentinel,closes", [pytest.param(*c[1:], id=c[0]) for c in RAW_CASES])
def test_raw_protocol(pair, data, sentinel, closes):
    assert_same_exchange(pair, data, sentinel, expect_close=closes)
    _alive(pair)


def test_inline_null_byte(pair):
    real = exchange(pair.real, b"ECHO a\x00b\r\n", True, timeout=1.0)
    eng = exchange(pair.engine, b"ECHO a\x00b\r\n", True, timeout=1.0)
    assert real == eng, (real, eng)


def test_inline_vertical_tab_is_not_a_separator(pair):
    assert_same_exchange(pair, b"ECHO a\x0bb\r\nECHO c\x0c\r\n\x01\x0b\r\n")


def test_split_across_packets(pair):
    """A command arriving one byte at a time is still one command."""
    data = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n"
    for client in (pair.real, pair.engine):
        for i in range(len(data)):
            client.sock.sendall(data[i:i + 1])
            time.sleep(0.001)
        assert client.read_reply().raw == b"+OK\r\n"
        assert client.read_reply().raw == b"$5\r\nvalue\r\n"


def test_partial_command_then_rest(pair):
    """A command cut in the middle of a bulk waits for the rest."""
    for client in (pair.real, pair.engine):
        client.sock.sendall(b"*2\r\n$4\r\nECHO\r\n$5\r\nhel")
        time.sleep(0.05)
        client.sock.sendall(b"lo\r\n")
        assert client.read_reply().raw == b"$5\r\nhello\r\n"


def test_large_pipeline(pair):
    """10,000 pipelined commands in one write: every reply, in order."""
    data = b"".join(b"*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n" for _ in range(10000))
    for client in (pair.real, pair.engine):
        client.sock.sendall(data)
        for i in range(1, 10001):
            assert client.read_reply().raw == b":%d\r\n" % i


def test_big_bulk(pair):
    """A 5 MB argument (beyond the 32 KB 'big argument' threshold)."""
    value = bytes(range(256)) * (5 * 4096)
    S(("SET", "big", value)).run(pair)
    S(("STRLEN", "big")).run(pair)
    S(("GETRANGE", "big", "5242000", "-1")).run(pair)


def test_unauthenticated_limits(pair):
    """With requirepass, an unauthenticated client may not send big multibulk
    counts or bulk lengths (the connection is closed)."""
    pair.assert_same("CONFIG", "SET", "requirepass", TEST_PASSWORD)
    try:
        for data, closes in ((b"*11\r\n", True), (b"*1\r\n$16385\r\n", True),
                             (b"*10\r\n" + b"$1\r\nx\r\n" * 10, False),
                             (b"*1\r\n$16384\r\n" + b"x" * 16384 + b"\r\n", False)):
            fresh = pair.connect()
            assert_same_exchange(fresh, data, expect_close=closes, sentinel_reply=NOAUTH_REPLY)
        fresh = pair.connect()
        assert_same_exchange(fresh, b"*2\r\n$4\r\nAUTH\r\n$%d\r\n%s\r\n*11\r\n" % (
            len(TEST_PASSWORD), TEST_PASSWORD.encode()) + b"$4\r\nECHO\r\n" + b"$1\r\nx\r\n" * 10)
    finally:
        pair.assert_same("CONFIG", "SET", "requirepass", "")
    _alive(pair)


UNKNOWN_CASES = [
    case("unknown-command", "FOOBAR", "FOOBAR a b", "foobar 'a b' c", "NOSUCH ''"),
    case("unknown-command-long-args", ("FOO", "x" * 200), ("FOO", "a" * 60, "b" * 60, "c" * 60),
         ("F" * 200, "x"), ("FOO", *["arg"] * 50)),
    case("unknown-command-crlf", ("FOO", b"a\r\nb"), (b"F\nOO", b"x")),
    case("unknown-command-binary", (b"\xff\xfe", b"\x00"), ("FOO", b"\xc3\xa9t\xc3\xa9")),
    case("unknown-subcommand", "CLIENT NOSUCH", "CONFIG NOSUCH a b", "OBJECT NOSUCH k",
         "MEMORY NOSUCH", "COMMAND NOSUCH", ("CLIENT", "x" * 200), ("CONFIG", b"a\r\nb")),
    case("container-arity", "CLIENT", "CONFIG", "OBJECT", "MEMORY"),
    case("command-case", "get k", "GeT k", "SET k v", "gEt k", "client id x"),
]

ARITY_CASES = [
    case("arity-fixed", "GET", "GET a b", "STRLEN", "INCR a b", "SETNX a", "GETRANGE a 1",
         "SETRANGE a 1", "RENAME a", "MOVE a", "TYPE", "TTL", "PERSIST", "DBSIZE x",
         "RANDOMKEY x", "MULTI x", "UNWATCH x", "TIME x", "SWAPDB 1", "ECHO", "SELECT"),
    case("arity-variadic", "SET", "SET k", "MSET", "MSET k", "MGET", "DEL", "EXISTS", "TOUCH",
         "UNLINK", "WATCH", "EXPIRE k", "LCS a", "COPY a", "GETEX", "SCAN", "AUTH", "KEYS"),
    case("arity-subcommands", "CLIENT SETNAME", "CLIENT GETNAME x", "CONFIG GET", "CONFIG SET a",
         "CONFIG RESETSTAT x", "OBJECT ENCODING", "OBJECT FREQ a b", "MEMORY USAGE",
         "COMMAND COUNT x", "COMMAND GETKEYS", "CLIENT ID x", "CLIENT INFO x", "CLIENT KILL",
         "COMMAND DOCS x y z nosuch"),
    case("arity-in-multi", "MULTI", "GET", "EXEC"),
]


@pytest.mark.parametrize("steps", UNKNOWN_CASES + ARITY_CASES)
def test_unknown_and_arity(pair, steps):
    run_case(pair, steps)


def test_commands_the_engine_lacks_answer_as_unknown(servers):
    """A command the engine does not implement answers exactly as redis-server
    answers a command it does not know: the same text, built from the name and
    arguments (checked against redis-server with a made-up name)."""
    real_server, engine_server = servers
    with RespClient("127.0.0.1", real_server.port) as real, \
            RespClient("127.0.0.1", engine_server.port) as eng:
        for cmd in (("FCALL", "f", "0"), ("SORT", "l", "ALPHA"), ("MONITOR",)):
            engine_reply = eng.call(*cmd)
            made_up = (cmd[0] + "QQ",) + cmd[1:]
            real_reply = real.call(*made_up).raw.replace(made_up[0].encode(), cmd[0].encode())
            assert engine_reply.raw == real_reply, (engine_reply.raw, real_reply)
