"""XREAD / XREADGROUP BLOCK, differential against redis-server 7.0.

Two connections per server: client A blocks, client B writes, and A's late
reply must be the same on both servers (byte for byte). The pending entries
a blocked XREADGROUP created are compared afterwards. No timing is asserted:
a short BLOCK only has to time out with the same (nil) reply.
"""
from __future__ import annotations

import time

import pytest

from differential import compare

try:
    from engine.node.blocking import Block  # noqa: F401
except ImportError:  # pragma: no cover
    pytest.skip("engine/node/blocking.py (the blocking machinery) is not there yet",
                allow_module_level=True)

#: Give both servers time to park client A before B writes (not a timing
#: assertion: a late park would only make the reply arrive from the data).
PARK = 0.05


def _blocked(pair, *args):
    """Send ``args`` from the pair's connections without reading the reply."""
    pair.real.send(*args)
    pair.engine.send(*args)
    time.sleep(PARK)


def _late_reply(pair, args):
    real, eng = pair.read_both()
    compare(args, real, eng)
    return real


def _setup(pair):
    pair.assert_same("XADD", "s", "1-1", "f", "v")
    pair.assert_same("XGROUP", "CREATE", "s", "g", "$")


@pytest.mark.parametrize("resp3", [False, True])
def test_xread_block_woken_by_xadd(pair, resp3):
    other = pair.connect()
    if resp3:
        pair.both("HELLO", "3")
    _setup(pair)
    args = ("XREAD", "BLOCK", "0", "STREAMS", "nokey", "s", "0", "$")
    _blocked(pair, *args)
    other.assert_same("XADD", "s", "2-1", "f", "w")
    _late_reply(pair, args)
    pair.assert_same("XLEN", "s")


def test_xread_block_count_and_other_key(pair):
    other = pair.connect()
    _setup(pair)
    args = ("XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "a", "b", "$", "$")
    _blocked(pair, *args)
    other.assert_same("XADD", "b", "5-1", "x", "1")
    _late_reply(pair, args)


@pytest.mark.parametrize("noack", [False, True])
def test_xreadgroup_block_creates_pending(pair, noack):
    other = pair.connect()
    _setup(pair)
    args = ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", *(("NOACK",) if noack else ()),
            "STREAMS", "s", ">")
    _blocked(pair, *args)
    other.assert_same("XADD", "s", "2-1", "f", "w")
    _late_reply(pair, args)
    other.assert_same("XPENDING", "s", "g")
    other.assert_same("XINFO", "GROUPS", "s")


def test_xreadgroup_block_two_consumers_first_served_first(pair):
    second = pair.connect()
    writer = pair.connect()
    _setup(pair)
    a = ("XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "s", ">")
    b = ("XREADGROUP", "GROUP", "g", "c2", "BLOCK", "0", "STREAMS", "s", ">")
    _blocked(pair, *a)
    _blocked(second, *b)
    writer.assert_same("XADD", "s", "2-1", "f", "w")
    _late_reply(pair, a)
    writer.assert_same("XADD", "s", "3-1", "f", "x")
    _late_reply(second, b)
    writer.assert_same("XPENDING", "s", "g")


def test_xread_block_times_out_with_nil(pair):
    _setup(pair)
    pair.assert_same("XREAD", "BLOCK", "20", "STREAMS", "s", "$")
    pair.assert_same("XREADGROUP", "GROUP", "g", "c", "BLOCK", "20", "STREAMS", "s", ">")
    pair.assert_same("HELLO", "3", normalize=lambda r: r.kind)
    pair.assert_same("XREAD", "BLOCK", "20", "STREAMS", "s", "$")


def test_xread_block_inside_multi_answers_at_once(pair):
    _setup(pair)
    for cmd in (("MULTI",), ("XREAD", "BLOCK", "0", "STREAMS", "s", "$"),
                ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"),
                ("EXEC",)):
        pair.assert_same(*cmd)


def test_xread_block_ignores_writes_that_add_nothing(pair):
    """XDEL or XGROUP on the stream wakes nobody: only new entries do."""
    other = pair.connect()
    _setup(pair)
    pair.assert_same("XADD", "s", "1-2", "f", "v2")
    args = ("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    _blocked(pair, *args)
    other.assert_same("XDEL", "s", "1-1")
    other.assert_same("XGROUP", "CREATECONSUMER", "s", "g", "zz")
    other.assert_same("XADD", "s", "3-1", "f", "x")
    _late_reply(pair, args)
