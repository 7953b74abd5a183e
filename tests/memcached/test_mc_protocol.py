"""Unit tests of the text-protocol parser: fragmentation, garbage, C number parsing."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.memcached import MemcachedNode
from engine.memcached.commands import Connection
from engine.protocol.memcache_text import (Close, Request, RequestParser, strtol32, strtoul32,
                                           strtoull, tokenize)

SCRIPT = (b"set a 0 0 5\r\nhello\r\nget a b\r\nappend a 0 0 2 noreply\r\n!!\r\n"
          b"gets a\r\nincr a 1\r\nbogus\r\n\r\ndelete a\r\nset b 1 0 3\r\nabcdef\r\nget b\r\n")


def events(parser):
    return list(parser.events())


def test_whole_and_byte_by_byte_give_the_same_requests():
    whole = RequestParser()
    whole.feed(SCRIPT)
    expected = [(r.tokens, r.data) for r in events(whole)]
    split = RequestParser()
    got = []
    for i in range(len(SCRIPT)):
        split.feed(SCRIPT[i:i + 1])
        got += [(r.tokens, r.data) for r in events(split)]
    assert got == expected
    assert expected[0] == ([b"set", b"a", b"0", b"0", b"5"], b"hello\r\n")


@settings(max_examples=200, deadline=None)
@given(cuts=st.lists(st.integers(0, len(SCRIPT)), max_size=12))
def test_any_fragmentation_gives_the_same_replies(cuts):
    expected = MemcachedNode().execute(SCRIPT)
    conn = Connection(MemcachedNode())
    out = b""
    bounds = sorted(set([0, len(SCRIPT)] + cuts))
    for lo, hi in zip(bounds, bounds[1:]):
        out += conn.receive(SCRIPT[lo:hi])
    assert out == expected


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=600))
def test_garbage_never_crashes(data):
    conn = Connection(MemcachedNode())
    assert isinstance(conn.receive(data), bytes)
    assert isinstance(conn.receive(b"\r\nversion\r\n"), bytes)


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(st.sampled_from([
    b"set", b"get", b"gets", b"cas", b"incr", b"decr", b"touch", b"gat", b"delete", b"stats",
    b"flush_all", b"append", b"k", b"0", b"-1", b"99999999999999999999", b"noreply", b"5",
    b"\x00", b"\t", b" ", b"\r", b"\n", b"\r\n", b"slabs", b"reassign", b"verbosity"]),
    max_size=40))
def test_token_soup_never_crashes(lines):
    conn = Connection(MemcachedNode())
    conn.receive(b" ".join(lines) + b"\r\n")


def test_line_too_long_closes_unless_get():
    p = RequestParser()
    p.feed(b"x" * 2049)
    assert isinstance(events(p)[0], Close)
    p = RequestParser()
    p.feed(b"get " + b"k" * 5000)
    assert events(p) == []
    p.feed(b"\r\n")
    assert events(p)[0].tokens[0] == b"get"


def test_large_payload_is_swallowed_not_buffered():
    p = RequestParser(max_value=1024 * 1024)
    p.feed(b"set k 0 0 100000000\r\n")
    req = events(p)[0]
    assert req.swallowed and req.data is None
    for _ in range(100):
        p.feed(b"z" * 1_000_000)
        assert events(p) == [] and p.buffered == 0
    p.feed(b"\r\nget k\r\n")
    assert [r.tokens for r in events(p)] == [[b"get", b"k"]]


def test_tokenizer_rules():
    assert tokenize(b"  get  a\tb  c ") == [b"get", b"a\tb", b"c"]
    assert tokenize(b"get a\x00b") == [b"get", b"a"]
    assert Request([b"x"] * 40).ntokens == 24


def test_c_number_parsing():
    assert strtoull(b"18446744073709551615") == 2**64 - 1
    assert strtoull(b"18446744073709551616") is None
    assert strtoull(b"-1") is None and strtoull(b"-0") == 0 and strtoull(b"+5") == 5
    assert strtoull(b"1x") is None and strtoull(b"") is None and strtoull(b"5\r") == 5
    assert strtoul32(b"4294967296") == 0 and strtoul32(b"-1") is None
    assert strtol32(b"2147483648") == -2**31 and strtol32(b"-2147483649") == 2**31 - 1
    assert strtol32(b"9223372036854775808") is None and strtol32(b"abc") is None
