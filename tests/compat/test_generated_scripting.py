"""Generated differential tests for Lua scripts: hypothesis writes small
scripts from a grammar and sends each to redis-server and the engine.

A script is a sequence of statements — ``redis.call`` or ``redis.pcall`` of a
string, counter or list command on a few keys (so WRONGTYPE and "not an
integer" errors happen), some of them stored in locals — followed by a
``return`` of a composed value: a local, a table of locals, a converted
type (``type(x)``), an ``{ok=…}``/``{err=…}`` table, a number with a
fraction, or an error path (``error()``, a missing global, a bad argument).
Replies are compared byte for byte (error texts carry the script's SHA1 and
line), plain commands between scripts check the data, and at the end of each
sequence INFO's counters, commandstats and errorstats must agree.

Sequences per run: ``SCRIPT_EXAMPLES`` (default 250), derandomized unless
``COMPAT_RANDOM=1``.
"""
from __future__ import annotations

import os

from hypothesis import strategies as st
from hypothesis.stateful import rule

from differential import PairMachine, assert_info_agrees, run_generated

EXAMPLES = int(os.environ.get("SCRIPT_EXAMPLES", "250"))
DERANDOMIZE = os.environ.get("COMPAT_RANDOM", "") != "1"
STEPS = 6

KEYS = ["'s'", "'n'", "'l'", "KEYS[1]"]
keys = st.sampled_from(KEYS)
values = st.sampled_from(["'x'", "'10'", "'-3'", "''", "'1.5'", "7", "2.5", "ARGV[1]",
                          "'abc'", "-1"])
small = st.integers(-3, 5).map(str)

command = st.one_of(
    st.tuples(st.just("set"), keys, values).map(lambda t: f"'set', {t[1]}, {t[2]}"),
    st.tuples(st.just("get"), keys).map(lambda t: f"'get', {t[1]}"),
    st.tuples(st.just("incr"), keys).map(lambda t: f"'incr', {t[1]}"),
    st.tuples(keys, small).map(lambda t: f"'incrby', {t[0]}, {t[1]}"),
    st.tuples(keys, values).map(lambda t: f"'append', {t[0]}, {t[1]}"),
    st.tuples(keys, values, values).map(lambda t: f"'rpush', {t[0]}, {t[1]}, {t[2]}"),
    st.tuples(keys, small, small).map(lambda t: f"'lrange', {t[0]}, {t[1]}, {t[2]}"),
    st.tuples(keys).map(lambda t: f"'lpop', {t[0]}"),
    st.tuples(keys).map(lambda t: f"'llen', {t[0]}"),
    st.tuples(keys).map(lambda t: f"'del', {t[0]}"),
    st.tuples(keys).map(lambda t: f"'exists', {t[0]}"),
    st.tuples(keys).map(lambda t: f"'type', {t[0]}"),
    st.tuples(keys, keys).map(lambda t: f"'mget', {t[0]}, {t[1]}"),
    st.tuples(keys, small).map(lambda t: f"'expire', {t[0]}, 100{t[1].lstrip('-')}"),
    st.tuples(keys).map(lambda t: f"'ttl', {t[0]}"),
    st.just("'ping'"),
    st.just("'nosuch', 'x'"),
    st.just("'get'"),
)
call = st.tuples(st.sampled_from(["redis.call", "redis.pcall"]), command).map(
    lambda t: f"{t[0]}({t[1]})")

RETURNS = st.one_of(
    st.sampled_from(["a", "b", "{a, b}", "{a, b, c}", "type(a)", "{type(a), type(b)}",
                     "{ok='done'}", "{err='MY failure'}", "redis.error_reply('E x')",
                     "redis.status_reply('fine')", "3.7", "-2.5", "true", "false", "nil",
                     "{1, {2, {a}}, 'z'}", "cjson.encode({a})", "a and a.err",
                     "a and a.ok", "#KEYS + #ARGV"]),
    st.sampled_from(["error('boom')", "error({err='X y'})", "nosuch", "x = 1",
                     "redis.call()", "redis.call({})"]),
)


def script(draw):
    lines = []
    names = ["a", "b", "c"]
    for name in names:
        lines.append(f"local {name} = {draw(call)}")
    for _ in range(draw(st.integers(0, 2))):
        lines.append(draw(call))
    ret = draw(RETURNS)
    if ret in ("x = 1",):
        lines.append(ret)
    else:
        lines.append(f"return {ret}")
    sep = draw(st.sampled_from(["\n", " "]))
    return sep.join(lines)


scripts = st.composite(script)()


class Scripts(PairMachine):
    """Every rule sends one command to both servers (see differential.PairMachine)."""

    @rule(body=scripts, key=st.sampled_from(["k", "s", "l"]), arg=st.sampled_from(["5", "x"]),
          ro=st.booleans())
    def eval_script(self, body, key, arg, ro):
        self.send("EVAL_RO" if ro and "set" not in body else "EVAL", body, "1", key, arg)

    @rule(body=scripts)
    def load_and_evalsha(self, body):
        real = self.send("SCRIPT", "LOAD", body)
        if real.kind == "$":
            self.send("EVALSHA", real.value, "1", "k", "1")

    @rule(key=st.sampled_from(["s", "n", "l", "k"]))
    def inspect(self, key):
        self.send("TYPE", key)
        self.send("EXISTS", key)

    @rule(cmd=st.sampled_from([("SET", "n", "5"), ("RPUSH", "l", "a", "b"), ("SET", "s", "abc"),
                               ("DEL", "s"), ("HELLO", "3"), ("HELLO", "2")]))
    def plain(self, cmd):
        if cmd[0] == "HELLO":
            self.pair.real.call(*cmd)
            self.pair.engine.call(*cmd)
            return
        self.send(*cmd)

    def teardown(self):
        Scripts.stats["steps"] += 1
        assert_info_agrees(self.pair)


def test_generated_script_sequences(pair):
    """At least EXAMPLES generated sequences of scripts agree with redis-server."""
    run_generated(Scripts, pair, examples=EXAMPLES, steps=STEPS, derandomize=DERANDOMIZE,
                  title="generated scripting sequences")
