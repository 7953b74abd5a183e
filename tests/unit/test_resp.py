"""The RESP request parser and reply encoder."""
from engine.protocol.replies import (Bool, Double, Map, NullArray, ReplyError,
                                     SetReply, SimpleString, Verbatim)
from engine.protocol.resp import ProtocolError, RequestParser, encode, split_args


def parse(data: bytes, chunk: int = None):
    p = RequestParser()
    out = []
    if chunk is None:
        p.feed(data)
        out.extend(p.commands())
    else:
        for i in range(0, len(data), chunk):
            p.feed(data[i:i + chunk])
            out.extend(p.commands())
    return out


def test_multibulk_in_any_fragmentation():
    data = b"*3\r\n$3\r\nSET\r\n$3\r\nfoo\r\n$3\r\nbar\r\n*1\r\n$4\r\nPING\r\n"
    expected = [[b"SET", b"foo", b"bar"], [b"PING"]]
    for chunk in (None, 1, 2, 3, 7):
        assert parse(data, chunk) == expected


def test_binary_safe_bulk_strings():
    value = bytes(range(256)) + b"\r\n"
    data = b"*2\r\n$4\r\nECHO\r\n$%d\r\n%s\r\n" % (len(value), value)
    assert parse(data, 5) == [[b"ECHO", value]]


def test_inline_commands_with_quotes():
    assert parse(b"SET k \"a b\\x41\\n\"\r\nGET 'it\\'s'\n") == \
        [[b"SET", b"k", b"a bA\n"], [b"GET", b"it's"]]
    assert parse(b"\r\n   \r\nPING\r\n") == [[b"PING"]]


def test_malformed_input_gives_redis_errors_and_stops():
    cases = {
        b"*abc\r\n": "ERR Protocol error: invalid multibulk length",
        b"*1\r\nfoo\r\n": "ERR Protocol error: expected '$', got 'f'",
        b"*1\r\n$-5\r\n": "ERR Protocol error: invalid bulk length",
        b"*1\r\n$999999999999\r\n": "ERR Protocol error: invalid bulk length",
        b"SET \"k\r\n": "ERR Protocol error: unbalanced quotes in request",
        b"SET \"k\"x\r\n": "ERR Protocol error: unbalanced quotes in request",
    }
    for data, message in cases.items():
        out = parse(data + b"*1\r\n$4\r\nPING\r\n")
        assert len(out) == 1 and isinstance(out[0], ProtocolError), data
        assert out[0].message == message, data


def test_oversized_lines_are_refused_without_waiting_forever():
    out = parse(b"x" * (64 * 1024 + 10))
    assert out[0].message == "ERR Protocol error: too big inline request"
    out = parse(b"*" + b"1" * (64 * 1024 + 10))
    assert out[0].message == "ERR Protocol error: too big mbulk count string"


def test_split_args_matches_sdssplitargs():
    assert split_args(b"a  b\tc") == [b"a", b"b", b"c"]
    assert split_args(b'"unterminated') is None
    assert split_args(b"'x'y") is None
    assert split_args(b'""') == [b""]


def test_encode_resp2_and_resp3():
    assert encode(b"hi") == b"$2\r\nhi\r\n"
    assert encode(None, 2) == b"$-1\r\n" and encode(None, 3) == b"_\r\n"
    assert encode(NullArray, 2) == b"*-1\r\n" and encode(NullArray, 3) == b"_\r\n"
    assert encode(SimpleString(b"OK")) == b"+OK\r\n"
    assert encode(ReplyError("ERR bad\r\nthing")) == b"-ERR bad  thing\r\n"
    m = Map([(b"a", 1)])
    assert encode(m, 2) == b"*2\r\n$1\r\na\r\n:1\r\n" and encode(m, 3) == b"%1\r\n$1\r\na\r\n:1\r\n"
    assert encode(SetReply([b"x"]), 3) == b"~1\r\n$1\r\nx\r\n"
    assert encode(Double(1.5), 2) == b"$3\r\n1.5\r\n" and encode(Double(1.5), 3) == b",1.5\r\n"
    assert encode(Verbatim(b"ab"), 3) == b"=6\r\ntxt:ab\r\n"
    assert encode(Bool(True), 2) == b":1\r\n" and encode(Bool(False), 3) == b"#f\r\n"
