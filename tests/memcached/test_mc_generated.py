"""Generated differential sequences: hypothesis writes command sequences, both a
real memcached and the engine run them, and every reply must match.

A sequence is a list of operations over a small key space (so commands meet
each other's items): storage commands with right and wrong lengths, noreply,
odd flags and exptimes, get/gets/gat/gats, touch, incr/decr, delete, flush_all,
cas with the CAS unique each server actually gave out (or a stale one), and
garbage lines. Exptimes are only the deterministic ones (never, already
expired, 30 days, far-future or past absolute times): wall-clock second
boundaries differ between two servers. CAS uniques in replies are compared by
order of first appearance. Runs derandomized: the same 300 sequences in CI.
"""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mc_wire

KEYS = [b"k0", b"k1", b"n"]
LONG_KEYS = [b"x" * 250, b"y" * 251]
FLAGS = [0, 1, 65535, 4294967295]
EXPTIMES = [b"0", b"-1", b"1000", b"2592000", b"2592001", b"4102444800", b"1000000000",
            b"-2147483649", b"abc"]
VALUES = [b"", b"0", b"1", b"42", b"99", b"100", b"18446744073709551615", b"abc",
          b"12 34", b" 7", b"-1", b"hello world", b"\r\n", b"x" * 200]
DELTAS = [b"0", b"1", b"5", b"100", b"18446744073709551615", b"-1", b"abc"]

key = st.one_of(st.sampled_from(KEYS), st.sampled_from(KEYS), st.sampled_from(LONG_KEYS))
noreply = st.sampled_from([b"", b" noreply"])


@st.composite
def storage(draw):
    cmd = draw(st.sampled_from([b"set", b"add", b"replace", b"append", b"prepend"]))
    value = draw(st.sampled_from(VALUES))
    length = len(value)
    if draw(st.integers(0, 9)) == 0 and length > 0:   # wrong length: bad data chunk
        length = draw(st.integers(0, length - 1))
    return (b"%s %s %d %s %d%s\r\n%s\r\n"
            % (cmd, draw(key), draw(st.sampled_from(FLAGS)), draw(st.sampled_from(EXPTIMES)),
               length, draw(noreply), value))


@st.composite
def cas_op(draw):
    # ("cas", key, which, value, noreply): the runner substitutes the CAS unique
    return ("cas", draw(key), draw(st.sampled_from(["last", "stale", "zero", "bogus"])),
            draw(st.sampled_from(VALUES[:8])), draw(noreply))


retrieval = st.builds(
    lambda cmd, ks, exp: (cmd + (b" " + exp if cmd.startswith(b"ga") else b"")
                          + b" " + b" ".join(ks) + b"\r\n"),
    st.sampled_from([b"get", b"gets", b"gat", b"gats"]),
    st.lists(key, min_size=1, max_size=3),
    st.sampled_from([b"0", b"1000", b"-1", b"x"]))

other = st.one_of(
    st.builds(lambda k, e, r: b"touch %s %s%s\r\n" % (k, e, r), key,
              st.sampled_from(EXPTIMES), noreply),
    st.builds(lambda c, k, d, r: b"%s %s %s%s\r\n" % (c, k, d, r),
              st.sampled_from([b"incr", b"decr"]), key, st.sampled_from(DELTAS), noreply),
    st.builds(lambda k, h, r: b"delete %s%s%s\r\n" % (k, h, r), key,
              st.sampled_from([b"", b" 0", b" 1"]), noreply),
    st.sampled_from([b"flush_all\r\n", b"flush_all 0\r\n", b"flush_all noreply\r\n",
                     b"flush_all -1\r\n", b"flush_all 100000\r\n", b"flush_all x\r\n"]),
    st.sampled_from([b"version\r\n", b"verbosity 1\r\n", b"verbosity x\r\n", b"bogus\r\n",
                     b"\r\n", b"get\r\n", b"set k0 0 0\r\n", b"incr\r\n", b"x\r\n",
                     b"delete\r\n", b"GET k0\r\n", b"set k0 a b c\r\n"]),
)

#: A counter workout on one key: set a number, step it, read it back (the
#: in-place rewrite with space padding is only visible this way).
counter = st.builds(
    lambda k, v, c, d: (b"set %s 0 0 %d\r\n%s\r\n%s %s %s\r\ngets %s\r\n"
                        % (k, len(v), v, c, k, d, k)),
    st.sampled_from(KEYS),
    st.sampled_from([b"0", b"9", b"10", b"99", b"100", b"1000", b"18446744073709551614",
                     b"18446744073709551615", b"007", b" 5", b"5 "]),
    st.sampled_from([b"incr", b"decr"]), st.sampled_from(DELTAS))

operation = st.one_of(storage(), storage(), retrieval, retrieval, cas_op(), other, other,
                      counter)


def render(op, last_cas: dict) -> bytes:
    if isinstance(op, bytes):
        return op
    _, k, which, value, nr = op
    seen = last_cas.get(k, 0)
    unique = {"last": seen, "stale": max(seen - 1, 1), "zero": 0, "bogus": 10**12}[which]
    return b"cas %s 0 0 %d %d%s\r\n%s\r\n" % (k, len(value), unique, nr, value)


def remember_cas(reply: bytes, last_cas: dict) -> None:
    for line in reply.split(b"\r\n"):
        parts = line.split(b" ")
        if len(parts) == 5 and parts[0] == b"VALUE":
            last_cas[parts[1]] = int(parts[4])


def run_sequence(real_port: int, engine_port: int, ops) -> None:
    with mc_wire.TextClient(real_port) as real, mc_wire.TextClient(engine_port) as eng:
        real.call(b"flush_all\r\n")
        eng.call(b"flush_all\r\n")
        cas = ({}, {})
        ranks = ({}, {})
        for i, op in enumerate(ops):
            r = real.call(render(op, cas[0]))
            e = eng.call(render(op, cas[1]))
            remember_cas(r, cas[0])
            remember_cas(e, cas[1])
            rn, en = mc_wire.normalize_cas(r, ranks[0]), mc_wire.normalize_cas(e, ranks[1])
            assert en == rn, (f"operation {i} {render(op, cas[0])!r} of {ops!r}:\n"
                              f"real:   {rn!r}\nengine: {en!r}")


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(operation, min_size=1, max_size=15))
def test_generated_sequences(real_mc, engine_mc, ops):
    run_sequence(real_mc, engine_mc, ops)
