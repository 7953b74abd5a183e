"""Stream commands, differential against redis-server 7.0.

Every reply is compared byte for byte (RESP2, and RESP3 where the shape
changes: XREAD and XINFO answer maps), with explicit entry IDs so both
servers hold the same IDs. Normalizers are used only where a reply depends
on *when* the servers ran a command, which the two cannot agree on:

``auto_id``      XADD with ``*`` (or ``ms-*`` on a new millisecond): the ID
                 comes from each server's own clock. Only its shape is
                 compared (``<ms>-<seq>``, ms within 10 s of the other's).
``times``        XINFO CONSUMERS ``idle``, XINFO STREAM FULL ``seen-time``
                 and the delivery times in its ``pending`` lists: each
                 server stamps them with its own clock. Those integers are
                 masked; every other field (names, counts, IDs, lags) is
                 compared exactly.
``pending_idle`` XPENDING's extended form: the third field of each entry is
                 milliseconds since delivery, masked for the same reason.

The node layout (stream-node-max-entries / -bytes), approximate trimming and
XINFO's radix-tree counters depend on listpack byte counts; the cases with
hundreds of entries check that the engine splits nodes where Redis does.
"""
from __future__ import annotations

import re

import pytest

from differential import ListKey, Mismatch, S, Step, case, run_case, scan_reply
from resp_client import Reply

WRONG = "SET str v"
TIME_FIELDS = (b"idle", b"seen-time")


# -- normalizers (see the module docstring for why each exists) ---------------------------

_ID = re.compile(rb"^(\d+)-(\d+)$")


def auto_id(reply: Reply):
    """An ID a server generated from its clock: its shape, and the ms to 10 s."""
    if reply.kind != "$" or not _ID.match(reply.value or b""):
        return reply.raw
    return ("auto-id", int(_ID.match(reply.value).group(1)) // 10_000)


def _walk(r: Reply):
    if r.kind in ("*", "%", "~") and r.value is not None:
        out = []
        kids = r.value
        for i, child in enumerate(kids):
            key = kids[i - 1] if i else None
            if key is not None and key.kind == "$" and key.value in TIME_FIELDS \
                    and child.kind == ":":
                out.append("<time>")
            elif key is not None and key.kind == "$" and key.value == b"pending" \
                    and child.kind == "*" and child.value:
                out.append(("*", [_mask_delivery(e) for e in child.value]))
            else:
                out.append(_walk(child))
        return (r.kind, out)
    return r.raw


def _mask_delivery(e: Reply):
    """[id, (consumer,) delivery-time-or-idle, count]: mask the time."""
    if e.kind != "*" or not e.value or len(e.value) < 3:
        return _walk(e)
    parts = [_walk(c) for c in e.value]
    parts[-2] = "<time>"
    return ("*", parts)


def times(reply: Reply):
    """XINFO replies with the clock-dependent integers masked."""
    return _walk(reply)


def pending_idle(reply: Reply):
    """XPENDING key group start end count: each entry's idle time masked."""
    if reply.kind != "*" or reply.value is None:
        return reply.raw
    return [_mask_delivery(e) for e in reply.value]


# -- bulk helpers ---------------------------------------------------------------------------

class XAddMany(Step):
    """XADD ``n`` entries with explicit IDs ``1-1``, ``2-1``… on both servers
    (every reply compared, but not listed one by one in a failure)."""

    def __init__(self, key: str, n: int, fields=("f", "v"), first_ms: int = 1,
                 value_fmt: str = "{}"):
        super().__init__(["XADD", key, "0-1", "f", "v"])
        self.key, self.n, self.fields = key, n, fields
        self.first_ms, self.value_fmt = first_ms, value_fmt

    def run(self, pair) -> Reply:
        real = None
        for i in range(self.n):
            ms = self.first_ms + i
            args = ["XADD", self.key, f"{ms}-1", self.fields[0], self.value_fmt.format(i),
                    *self.fields[2:]]
            real, eng = pair.both(*args)
            if real.raw != eng.raw:
                raise Mismatch(f"\ncommand: {' '.join(args)}\n  redis-server: {real.raw!r}\n"
                               f"  engine:       {eng.raw!r}")
        return real


BASE = ("XADD s 1-1 a 1", "XADD s 2-1 b 2", "XADD s 3-1 c 3")

XADD_CASES = [
    case("xadd-explicit", "XADD s 1-1 a 1 b 2", "XADD s 1-2 a 3", "XADD s 2 a 4", "XLEN s",
         "XRANGE s - +", "TYPE s", "OBJECT ENCODING s", "EXISTS s"),
    case("xadd-equal-or-smaller", "XADD s 5-5 a 1", "XADD s 5-5 a 1", "XADD s 5-4 a 1",
         "XADD s 4 a 1", "XADD s 5 a 1", "XLEN s"),
    case("xadd-zero-id", "XADD s 0-0 a 1", "EXISTS s", "XADD s 0 a 1", "XADD s 0-* a 1",
         "XADD s 0-* a 1", "XRANGE s - +"),
    case("xadd-partial-ids", "XADD s 5-* a 1", "XADD s 5-* a 1", "XADD s 7-* a 1",
         "XADD s 6-* a 1", "XADD s 7-* a 1", "XRANGE s - +"),
    case("xadd-max-id", "XADD s 18446744073709551615-18446744073709551615 a 1",
         S("XADD s * a 1"), "XADD s 18446744073709551615-* a 1",
         "XADD t 18446744073709551615-18446744073709551614 a 1",
         "XADD t 18446744073709551615-* a 1", "XADD t 18446744073709551615-* a 1"),
    case("xadd-invalid-ids", "XADD s - a 1", "XADD s + a 1", "XADD s '' a 1", "XADD s 1- a 1",
         "XADD s -1 a 1", "XADD s 1-2-3 a 1", "XADD s 18446744073709551616 a 1",
         "XADD s 1-18446744073709551616 a 1", "XADD s abc a 1", "XADD s 1.5 a 1",
         ("XADD", "s", "x" * 200, "a", "1"), "EXISTS s"),
    case("xadd-lenient-id-syntax", "XADD s ' 7' a 1", "XADD s 007-1 a 1", "XADD s +8-+1 a 1",
         "XADD s 9--01 a 1", "XADD s '-01' a 1", ("XADD", "s", b"10\x00junk", "a", "1"),
         "XRANGE s - +"),
    case("xadd-auto", S("XADD s * a 1", auto_id), S("XADD s * a 2", auto_id), "XLEN s"),
    case("xadd-arity", "XADD s * a", "XADD s 1-1 a 1 b", "XADD s NOMKSTREAM",
         "XADD s MAXLEN 1", "XADD s", "XADD", "EXISTS s"),
    case("xadd-nomkstream", "XADD s NOMKSTREAM 1-1 a 1", "EXISTS s", "XADD s 1-1 a 1",
         "XADD s nomkstream 2-1 a 1", "XLEN s"),
    case("xadd-options-errors", "XADD s MAXLEN -1 1-1 a 1", "XADD s MAXLEN = x 1-1 a 1",
         "XADD s MINID 5 MAXLEN 2 1-1 a 1", "XADD s MAXLEN 1 LIMIT 5 1-1 a 1",
         "XADD s LIMIT 5 1-1 a 1", "XADD s LIMIT 0 1-1 a 1", "XADD s MINID ~ 5 LIMIT -1 1-1 a 1",
         "XADD s MINID x 1-1 a 1", "XADD s MINID - 1-1 a 1", "XADD s MAXLEN ~ 1 LIMIT x 1-1 a 1",
         "EXISTS s"),
    case("xadd-maxlen-exact", *BASE, "XADD s MAXLEN 2 4-1 d 4", "XRANGE s - +",
         "XADD s MAXLEN = 1 5-1 e 5", "XRANGE s - +", "XADD s MAXLEN 0 6-1 f 6", "XLEN s",
         "EXISTS s", "XINFO STREAM s"),
    case("xadd-minid", *BASE, "XADD s MINID 3 4-1 d 4", "XRANGE s - +",
         "XADD s MINID = 5-1 5-1 e 5", "XRANGE s - +"),
    case("xadd-approx-small-keeps-all", *BASE, "XADD s MAXLEN ~ 1 4-1 d 4",
         "XADD s MAXLEN ~ 1 LIMIT 10 5-1 e 5", "XLEN s"),
    case("xadd-binary-fields", ("XADD", "s", "1-1", b"\x00\xff", b"", "", "e"),
         "XRANGE s - +", ("XADD", "s", "2-1", b"\x00\xff", b"x", "", "y"), "XRANGE s - +"),
    case("xadd-wrongtype", WRONG, "XADD str 1-1 a 1", ListKey("l"), "XADD l * a 1"),
    case("xadd-keeps-ttl", "XADD s 1-1 a 1", "EXPIREAT s 4102444800", "XADD s 2-1 a 1",
         "EXPIRETIME s"),
]

READ_CASES = [
    case("xrange", *BASE, "XRANGE s - +", "XRANGE s 2 +", "XRANGE s - 2", "XRANGE s 2-1 2-1",
         "XRANGE s 3 1", "XRANGE s - + COUNT 2", "XRANGE s - + count 1",
         "XRANGE s - + COUNT 0", "XRANGE s - + COUNT -1", "XRANGE nokey - +"),
    case("xrange-exclusive", *BASE, "XRANGE s (1-1 +", "XRANGE s - (3-1", "XRANGE s (1-1 (3-1",
         "XRANGE s (- +", "XRANGE s ( +", "XRANGE s - (+",
         "XRANGE s (18446744073709551615-18446744073709551615 +", "XRANGE s - (0-0",
         "XRANGE s (2 +"),
    case("xrange-errors", *BASE, "XRANGE s x +", "XRANGE s - x", "XRANGE s - + foo",
         "XRANGE s - + COUNT", "XRANGE s - + COUNT x", "XRANGE nokey x y", WRONG,
         "XRANGE str - +", "XRANGE str x +", "XRANGE s"),
    case("xrevrange", *BASE, "XREVRANGE s + -", "XREVRANGE s + - COUNT 2", "XREVRANGE s 2 -",
         "XREVRANGE s (3-1 (1-1", "XREVRANGE s - +", "XREVRANGE s + - COUNT 0"),
    case("xrange-resp3", "HELLO 3", *BASE, "XRANGE s - +", "XRANGE s - + COUNT 0",
         "XRANGE nokey - +"),
    case("xlen", "XLEN nokey", *BASE, "XLEN s", "XDEL s 2-1", "XLEN s", WRONG, "XLEN str"),
    case("xdel", *BASE, "XDEL s 2-1 9-9 2-1", "XRANGE s - +", "XDEL s 1-1 3-1", "XLEN s",
         "EXISTS s", "XINFO STREAM s", "XADD s 4-1 d 4", "XINFO STREAM s"),
    case("xdel-errors", "XDEL nokey x", *BASE, "XDEL s x", "XDEL s 1-1 x", "XLEN s",
         "XDEL s -", WRONG, "XDEL str 1-1", "XDEL s"),
    case("xdel-first-updates-recorded-first", *BASE, "XDEL s 1-1", "XINFO STREAM s",
         "XDEL s 3-1", "XINFO STREAM s"),
]

XREAD_CASES = [
    case("xread", *BASE, "XREAD STREAMS s 0", "XREAD STREAMS s 2-1", "XREAD STREAMS s 3-1",
         "XREAD COUNT 1 STREAMS s 0", "XREAD COUNT 0 STREAMS s 0", "XREAD STREAMS s $",
         "XREAD STREAMS s nokey 0 0", "XREAD STREAMS nokey 0", "XREAD STREAMS s s 0 1",
         "XREAD COUNT -3 STREAMS s 1"),
    case("xread-errors", *BASE, "XREAD", "XREAD STREAMS", "XREAD STREAMS s",
         "XREAD COUNT x STREAMS s 0", "XREAD foo STREAMS s 0", "XREAD BLOCK -1 STREAMS s 0",
         "XREAD BLOCK x STREAMS s 0", "XREAD GROUP g c STREAMS s 0", "XREAD NOACK STREAMS s 0",
         "XREAD STREAMS s >", "XREAD STREAMS s x", "XREAD STREAMS s nokey 0 x",
         "XREAD COUNT 1 STREAMS s t 0", "XREAD COUNT 1 STREAMS", WRONG, "XREAD STREAMS str 0",
         "XREAD STREAMS s str 0 0"),
    case("xread-resp3", "HELLO 3", *BASE, "XREAD STREAMS s 0", "XREAD STREAMS s $",
         "XREAD STREAMS s s 0 2", "XREAD STREAMS s nokey 1 0", "XREAD COUNT 1 STREAMS s 0"),
    case("xread-block-answers-at-once", *BASE, "XREAD BLOCK 10 STREAMS s 0",
         "XREAD BLOCK 0 COUNT 1 STREAMS s 2"),
    case("xread-in-multi-block-times-out", *BASE, "MULTI", "XREAD BLOCK 0 STREAMS s $",
         "XREAD BLOCK 0 STREAMS s 0", "EXEC"),
]

GROUP_CASES = [
    case("xgroup-create", *BASE, "XGROUP CREATE s g 0", "XGROUP CREATE s g $",
         "XGROUP CREATE s g2 $", "XGROUP CREATE s g3 2-1 ENTRIESREAD 2",
         "XGROUP CREATE s g4 0 MKSTREAM", S("XINFO GROUPS s", times)),
    case("xgroup-create-mkstream", "XGROUP CREATE s g $ MKSTREAM", "TYPE s", "XLEN s",
         "XINFO STREAM s", "XGROUP CREATE t g x MKSTREAM", "EXISTS t",
         "XGROUP CREATE u g 0", "EXISTS u"),
    case("xgroup-create-errors", *BASE, "XGROUP CREATE s g2 0 ENTRIESREAD -2",
         "XGROUP CREATE s g3 0 foo", "XGROUP create s g3 0 ENTRIESREAD",
         "XGROUP CREATE s g3 0 ENTRIESREAD x", "XGROUP CREATE s g3 0 MKSTREAM ENTRIESREAD 1 MKSTREAM",
         "XGROUP CREATE s g3 0 MKSTREAM MKSTREAM MKSTREAM", "XGROUP CREATE s g3 -",
         "XGROUP CREATE s", WRONG, "XGROUP CREATE str g 0", "XGROUP CREATE str g 0 MKSTREAM"),
    case("xgroup-setid", *BASE, "XGROUP CREATE s g $", "XGROUP SETID s g 0",
         S("XINFO GROUPS s", times), "XGROUP SETID s g 2-1 ENTRIESREAD 2",
         S("XINFO GROUPS s", times), "XGROUP SETID s g $", S("XINFO GROUPS s", times),
         "XGROUP SETID s g -", S("XINFO GROUPS s", times)),
    case("xgroup-setid-errors", *BASE, "XGROUP CREATE s g $", "XGROUP SETID s nog 0",
         "XGROUP SETID s g 0 foo 1", "XGROUP setid s g 0 ENTRIESREAD", "XGROUP SETID s g x",
         "XGROUP SETID s g 0 ENTRIESREAD -3", "XGROUP SETID nokey g 0"),
    case("xgroup-consumers", *BASE, "XGROUP CREATE s g 0", "XGROUP CREATECONSUMER s g c",
         "XGROUP CREATECONSUMER s g c", "XGROUP CREATECONSUMER s g ''",
         "XGROUP CREATECONSUMER s nog c", S("XINFO CONSUMERS s g", times),
         "XREADGROUP GROUP g c COUNT 2 STREAMS s >", "XGROUP DELCONSUMER s g c",
         "XGROUP DELCONSUMER s g c", "XGROUP DELCONSUMER s g ''", "XPENDING s g",
         S("XINFO GROUPS s", times)),
    case("xgroup-destroy", *BASE, "XGROUP CREATE s g 0", "XGROUP DESTROY s g",
         "XGROUP DESTROY s g", "XGROUP DESTROY nokey g", "XINFO GROUPS s"),
    case("xgroup-help-and-errors", "XGROUP HELP", "XGROUP help x", "XGROUP", "XGROUP foo s g",
         "XGROUP CREATECONSUMER s g", "XGROUP DESTROY s"),
]

XREADGROUP_CASES = [
    case("xreadgroup-basic", *BASE, "XGROUP CREATE s g 0",
         "XREADGROUP GROUP g c1 COUNT 1 STREAMS s >", "XREADGROUP GROUP g c2 STREAMS s >",
         "XREADGROUP GROUP g c2 STREAMS s >", "XPENDING s g", "XREADGROUP GROUP g c1 STREAMS s 0",
         "XREADGROUP GROUP g c2 COUNT 1 STREAMS s 0", S("XINFO GROUPS s", times),
         S("XINFO STREAM s FULL", times)),
    case("xreadgroup-noack", *BASE, "XGROUP CREATE s g 0",
         "XREADGROUP GROUP g c NOACK STREAMS s >", "XPENDING s g", S("XINFO GROUPS s", times)),
    case("xreadgroup-history-deleted-entry", *BASE, "XGROUP CREATE s g 0",
         "XREADGROUP GROUP g c STREAMS s >", "XDEL s 2-1", "XREADGROUP GROUP g c STREAMS s 0",
         "XREADGROUP GROUP g c STREAMS s 1-1", "HELLO 3", "XREADGROUP GROUP g c STREAMS s 0"),
    case("xreadgroup-setid-redelivers", *BASE, "XGROUP CREATE s g 0",
         "XREADGROUP GROUP g a STREAMS s >", "XGROUP SETID s g 1-1",
         "XREADGROUP GROUP g b STREAMS s >", S("XPENDING s g - + 10", pending_idle),
         "XPENDING s g"),
    case("xreadgroup-errors", *BASE, "XREADGROUP STREAMS s 0",
         "XREADGROUP GROUP g c STREAMS s >", "XREADGROUP GROUP g c STREAMS s",
         "XREADGROUP GROUP g c STREAMS s t >", "XREADGROUP GROUP g STREAMS s >",
         "XGROUP CREATE s g $", "XREADGROUP GROUP g c STREAMS s $",
         "XREADGROUP GROUP g c STREAMS s x", "XREADGROUP GROUP g c STREAMS s nokey > >",
         "XREADGROUP GROUP g c COUNT x STREAMS s >", "XREADGROUP GROUP g c foo STREAMS s >",
         WRONG, "XREADGROUP GROUP g c STREAMS str >"),
    case("xreadgroup-nothing-new-creates-no-consumer", *BASE, "XGROUP CREATE s g $",
         "XREADGROUP GROUP g c STREAMS s >", S("XINFO CONSUMERS s g", times),
         "XREADGROUP GROUP g c STREAMS s 0", S("XINFO CONSUMERS s g", times)),
    case("xreadgroup-same-key-twice", *BASE, "XGROUP CREATE s g 0",
         "XREADGROUP GROUP g c STREAMS s s > >", "XREAD STREAMS s s 0 0", "HELLO 3",
         "XREAD STREAMS s s 0 0"),
    case("xreadgroup-resp3", "HELLO 3", *BASE, "XGROUP CREATE s g 0",
         "XREADGROUP GROUP g c STREAMS s >", "XREADGROUP GROUP g c STREAMS s >",
         "XREADGROUP GROUP g c STREAMS s 0", "XPENDING s g"),
    case("xreadgroup-lag-with-tombstones", *BASE, "XADD s 4-1 d 4", "XGROUP CREATE s g 0",
         "XREADGROUP GROUP g c COUNT 1 STREAMS s >", "XDEL s 3-1", S("XINFO GROUPS s", times),
         "XREADGROUP GROUP g c COUNT 1 STREAMS s >", S("XINFO GROUPS s", times),
         "XREADGROUP GROUP g c STREAMS s >", S("XINFO GROUPS s", times),
         "XGROUP CREATE s g2 0", S("XINFO GROUPS s", times), "XDEL s 1-1",
         S("XINFO GROUPS s", times)),
]

PEL_CASES = [
    case("xpending", *BASE, "XGROUP CREATE s g 0", "XPENDING s g",
         "XREADGROUP GROUP g c1 COUNT 1 STREAMS s >", "XREADGROUP GROUP g c2 STREAMS s >",
         "XPENDING s g", S("XPENDING s g - + 10", pending_idle),
         S("XPENDING s g - + 10 c1", pending_idle), "XPENDING s g - + 10 nocons",
         S("XPENDING s g (1-1 + 10", pending_idle), S("XPENDING s g - + 1", pending_idle),
         "XPENDING s g - + -5", S("XPENDING s g IDLE 0 - + 10", pending_idle),
         "XPENDING s g IDLE 100000000 - + 10", S("XPENDING s g - + 10 c1 extra", pending_idle)),
    case("xpending-errors", *BASE, "XGROUP CREATE s g 0", "XPENDING s g - +",
         "XPENDING s g - + x", "XPENDING s g IDLE x - + 10", "XPENDING s g IDLE 10 - +",
         "XPENDING s nog", "XPENDING nokey g", "XPENDING s g x + 10", "XPENDING s g - x 10",
         "XPENDING s g - + 10 c d e f", WRONG, "XPENDING str g"),
    case("xack", *BASE, "XGROUP CREATE s g 0", "XREADGROUP GROUP g c STREAMS s >",
         "XACK s g 1-1 x", "XACK s g 1-1 9-9 1-1", "XACK s g 1-1", "XACK nokey g x",
         "XACK s nog x", "XPENDING s g", WRONG, "XACK str g 1-1"),
    case("xclaim", *BASE, "XGROUP CREATE s g 0", "XREADGROUP GROUP g c1 COUNT 1 STREAMS s >",
         "XREADGROUP GROUP g c2 STREAMS s >", "XDEL s 2-1", "XCLAIM s g c3 0 2-1 3-1",
         S("XPENDING s g - + 10", pending_idle), "XCLAIM s g c3 0 3-1 JUSTID",
         "XCLAIM s g c3 0 3-1 RETRYCOUNT 7 JUSTID", S("XPENDING s g - + 10", pending_idle),
         "XCLAIM s g c4 0 1-1 FORCE", "XCLAIM s g c4 0 9-1 FORCE",
         S("XPENDING s g - + 10", pending_idle), "XCLAIM s g c5 0 1-1 FORCE JUSTID LASTID 10-0",
         S("XINFO GROUPS s", times), "XCLAIM s g c6 100000000 3-1", "XCLAIM s g c7 0 3-1 IDLE 5",
         "XCLAIM s g c7 0 3-1 TIME 1", "XCLAIM s g newc 0 99-0", S("XINFO CONSUMERS s g", times)),
    case("xclaim-errors", *BASE, "XGROUP CREATE s g 0", "XCLAIM s g c 0 3-1 IDLE x",
         "XCLAIM s g c 0 3-1 TIME x", "XCLAIM s g c 0 3-1 RETRYCOUNT x", "XCLAIM s g c 0 3-1 foo",
         "XCLAIM s g c 0 3-1 LASTID x", "XCLAIM s g c x 3-1", "XCLAIM s nog c x 3-1",
         "XCLAIM nokey g c 0 1-1", WRONG, "XCLAIM str g c 0 1-1"),
    case("xautoclaim", *BASE, "XGROUP CREATE s g 0", "XREADGROUP GROUP g c1 STREAMS s >",
         "XAUTOCLAIM s g c2 0 0", "XAUTOCLAIM s g c3 0 0 COUNT 1 JUSTID",
         "XAUTOCLAIM s g c3 0 (1-1 COUNT 1", "XAUTOCLAIM s g c3 100000000 0",
         "XDEL s 1-1 3-1", "XAUTOCLAIM s g c4 0 0", "XPENDING s g", S("XINFO CONSUMERS s g", times),
         "XAUTOCLAIM s g c4 0 (18446744073709551615-18446744073709551615"),
    case("xautoclaim-errors", *BASE, "XGROUP CREATE s g 0", "XAUTOCLAIM s g c 0 0 COUNT 0",
         "XAUTOCLAIM s g c 0 0 COUNT x", "XAUTOCLAIM s g c 0 0 JUSTID foo", "XAUTOCLAIM s g c x 0",
         "XAUTOCLAIM s g c 0 x", "XAUTOCLAIM s nog c 0 0", "XAUTOCLAIM nokey g c 0 0",
         "XAUTOCLAIM s g c 0 0 COUNT 9223372036854775807", WRONG, "XAUTOCLAIM str g c 0 0"),
]

INFO_CASES = [
    case("xinfo-stream", *BASE, "XINFO STREAM s", "XGROUP CREATE s g 0",
         "XREADGROUP GROUP g c COUNT 2 STREAMS s >", S("XINFO STREAM s FULL", times),
         S("XINFO STREAM s FULL COUNT 1", times), S("XINFO STREAM s FULL COUNT 0", times),
         S("XINFO STREAM s full count -5", times)),
    case("xinfo-resp3", "HELLO 3", *BASE, "XINFO STREAM s", "XGROUP CREATE s g 0",
         "XREADGROUP GROUP g c STREAMS s >", S("XINFO STREAM s FULL", times),
         S("XINFO GROUPS s", times), S("XINFO CONSUMERS s g", times), "XADD e 1-1 a 1",
         "XDEL e 1-1", "XINFO STREAM e"),
    case("xinfo-errors", "XINFO", "XINFO foo", "XINFO HELP", "XINFO help x",
         "XINFO STREAM nokey", *BASE, "XINFO STREAM s foo", "XINFO STREAM s FULL COUNT x",
         "XINFO STREAM s FULL foo 1", "XINFO STREAM s FULL COUNT 1 2",
         "XINFO stream s full count 1 2", "XINFO GROUPS nokey", "XINFO CONSUMERS s nog",
         "XINFO CONSUMERS nokey g", WRONG, "XINFO GROUPS str", "XINFO STREAM str"),
    case("xsetid", *BASE, "XSETID s 1-1", "XSETID s 3-0 ENTRIESADDED 1",
         "XSETID s 3-0 ENTRIESADDED -1", "XSETID s 3-0 MAXDELETEDID 4-0", "XSETID s 3-0 foo",
         "XSETID nokey 3-0", "XSETID s 3-1", "XSETID s 9-0 ENTRIESADDED 5 MAXDELETEDID 1-0",
         "XINFO STREAM s", "XSETID s 8-0", "XSETID s 5-0", "XADD s 5-1 a 1", "XADD s 9-1 a 1",
         "XDEL s 9-1", "XSETID s 9-0", WRONG, "XSETID str 1-1", "XSETID s -"),
]

KEY_CASES = [
    case("stream-keys", *BASE, "XGROUP CREATE s g 0", "XREADGROUP GROUP g c STREAMS s >",
         "COPY s t", "XINFO STREAM t", "XPENDING t g", "XACK t g 1-1", "XPENDING s g",
         "XPENDING t g", "RENAME t u", "TYPE u", S("SCAN 0 TYPE stream", scan_reply), "DEL s u", "EXISTS s"),
]


@pytest.mark.parametrize("steps", XADD_CASES + READ_CASES)
def test_stream_basics(pair, steps):
    run_case(pair, steps)


@pytest.mark.parametrize("steps", XREAD_CASES)
def test_xread(pair, steps):
    run_case(pair, steps)


@pytest.mark.parametrize("steps", GROUP_CASES + XREADGROUP_CASES)
def test_consumer_groups(pair, steps):
    run_case(pair, steps)


@pytest.mark.parametrize("steps", PEL_CASES)
def test_pending_entries(pair, steps):
    run_case(pair, steps)


@pytest.mark.parametrize("steps", INFO_CASES + KEY_CASES)
def test_stream_info_and_keys(pair, steps):
    run_case(pair, steps)


# -- node layout: splitting, approximate trimming, memory -------------------------------------

LAYOUT_CASES = [
    case("trim-approx-250", XAddMany("s", 250), "XINFO STREAM s", "MEMORY USAGE s",
         "XTRIM s MAXLEN ~ 10", "XLEN s", "XINFO STREAM s", "MEMORY USAGE s",
         "XTRIM s MAXLEN ~ 10", "XTRIM s MAXLEN 10", "XLEN s", "XINFO STREAM s",
         "MEMORY USAGE s", "XRANGE s - + COUNT 3"),
    case("trim-approx-299-by-xadd", XAddMany("s", 299), "XADD s MAXLEN ~ 10 1000-1 f v",
         "XLEN s", "XINFO STREAM s"),
    case("trim-approx-limit", XAddMany("s", 450), "XTRIM s MAXLEN ~ 0 LIMIT 250", "XLEN s",
         "XTRIM s MAXLEN ~ 0 LIMIT 99", "XLEN s", "XTRIM s MAXLEN ~ 0 LIMIT 0", "XLEN s"),
    case("trim-minid", XAddMany("s", 250), "XTRIM s MINID ~ 150", "XLEN s",
         "XTRIM s MINID 150", "XLEN s", "XRANGE s - + COUNT 1", "XINFO STREAM s",
         "XTRIM s MINID = 200-1", "XINFO STREAM s", "XTRIM s MINID 1000", "XINFO STREAM s"),
    case("node-max-entries", "CONFIG SET stream-node-max-entries 5", XAddMany("s", 23),
         "XINFO STREAM s", "XTRIM s MAXLEN ~ 7", "XLEN s", "XINFO STREAM s", "MEMORY USAGE s"),
    case("node-max-bytes", "CONFIG SET stream-node-max-bytes 120",
         XAddMany("s", 40, value_fmt="value-{}-xxxxxxxx"), "XINFO STREAM s", "MEMORY USAGE s",
         "XTRIM s MAXLEN ~ 15", "XINFO STREAM s"),
    case("node-deleted-entries-count", "CONFIG SET stream-node-max-entries 4",
         XAddMany("s", 4), "XDEL s 2-1 3-1", "XADD s 100-1 f v", "XINFO STREAM s",
         "XDEL s 1-1 4-1", "XINFO STREAM s", "MEMORY USAGE s"),
    case("node-fields-and-ints", XAddMany("s", 120, fields=("n", "x", "m", "-7")),
         XAddMany("s", 30, fields=("other", "y"), first_ms=500), "MEMORY USAGE s",
         "XINFO STREAM s", "XRANGE s 118 121"),
    case("large-ids-rax-nodes", "XADD s 1-1 a 1", "XADD s 256-1 a 1",
         "XADD s 65536-1 a 1", "CONFIG SET stream-node-max-entries 1", "XADD s 65537-1 a 1",
         "XADD s 4294967296-1 a 1", "XADD s 4294967296-2 a 1",
         "XADD s 18446744073709551615-0 a 1", "XINFO STREAM s", "XDEL s 65537-1",
         "XINFO STREAM s", "MEMORY USAGE s"),
    case("memory-groups", XAddMany("s", 12), "MEMORY USAGE s", "XGROUP CREATE s g 0",
         "MEMORY USAGE s", "XREADGROUP GROUP g c COUNT 5 STREAMS s >", "MEMORY USAGE s",
         "XGROUP CREATECONSUMER s g other", "MEMORY USAGE s", "XACK s g 1-1 2-1",
         "MEMORY USAGE s", "XGROUP CREATE e g 0 MKSTREAM", "MEMORY USAGE e"),
]


@pytest.mark.parametrize("steps", LAYOUT_CASES)
def test_stream_node_layout(pair, steps):
    run_case(pair, steps)


def test_stream_command_info(pair):
    from differential import assert_same_command_info
    assert_same_command_info(pair, "xadd", "xlen", "xrange", "xrevrange", "xread", "xreadgroup",
                             "xdel", "xtrim", "xgroup", "xack", "xpending", "xclaim",
                             "xautoclaim", "xinfo", "xsetid")
    for sub in ("create", "setid", "destroy", "createconsumer", "delconsumer", "help"):
        assert_same_command_info(pair, f"xgroup|{sub}")
    for sub in ("stream", "groups", "consumers", "help"):
        assert_same_command_info(pair, f"xinfo|{sub}")
    pair.assert_same("COMMAND", "GETKEYS", "XREAD", "COUNT", "1", "STREAMS", "a", "b", "0", "0")
    pair.assert_same("COMMAND", "GETKEYS", "XREADGROUP", "GROUP", "g", "c", "STREAMS", "a", ">")


def test_normalizers_only_mask_times():
    """The masks hide clock values and nothing else (a check on the checker)."""
    a = Reply("*", [Reply("$", b"idle", b"$4\r\nidle\r\n"), Reply(":", 5, b":5\r\n"),
                    Reply("$", b"pending", b"$7\r\npending\r\n"), Reply(":", 1, b":1\r\n")],
              b"")
    b = Reply("*", [Reply("$", b"idle", b"$4\r\nidle\r\n"), Reply(":", 9, b":9\r\n"),
                    Reply("$", b"pending", b"$7\r\npending\r\n"), Reply(":", 2, b":2\r\n")],
              b"")
    assert times(a) != times(b)          # the pending count differs: not masked
    b.value[3] = Reply(":", 1, b":1\r\n")
    assert times(a) == times(b)          # only idle differed: masked
    assert auto_id(Reply("$", b"1700000000000-0", b"")) == \
        auto_id(Reply("$", b"1700000000001-3", b""))
    assert auto_id(Reply("$", b"1-0", b"")) != auto_id(Reply("$", b"1700000000001-3", b""))
