"""Blocking commands, differential against redis-server 7.0, with several clients.

BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP (lists) and BZPOPMIN BZPOPMAX BZMPOP
(sorted sets): one client blocks, another pushes, and the blocked client's
reply is compared byte for byte — as are the pusher's replies, the order in
which several blocked clients are served, chains (BLMOVE into a list another
client waits on), WRONGTYPE at wake-up, MULTI (never blocks), timeouts,
CLIENT UNBLOCK, CLIENT LIST / INFO while blocked, pipelined commands queued
behind a blocked one, and disconnecting while blocked. Scripts use the
notation of multiclient.py (``A> BLPOP k 0`` = A blocks; ``A<`` = read A's
late reply on both servers).

The generated test drives two blocking clients and a pusher with random
sequences (hypothesis); who is blocked is read from CLIENT LIST after every
step, never inferred from timing.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule

from differential import (REPORT, Mismatch, assert_info_agrees, assert_same_command_info, case,
                          compare, info_map, run_case, run_generated)
from multiclient import Clients, client_flags

BLOCKING_COMMANDS = ("BLPOP", "BRPOP", "BLMOVE", "BRPOPLPUSH", "BLMPOP",
                     "BZPOPMIN", "BZPOPMAX", "BZMPOP")

# -- one connection: replies that do not block ------------------------------------

IMMEDIATE_CASES = [
    case("blpop-data", "RPUSH k a b", "BLPOP k 0", "BRPOP k 0", "EXISTS k"),
    case("blpop-second-key", "RPUSH k2 x", "BLPOP k1 k2 0", "BRPOP k1 k2 1.5"),
    case("blmove-data", "RPUSH s a b", "BLMOVE s d LEFT RIGHT 0", "BRPOPLPUSH s d 0",
         "LRANGE d 0 -1", "BLMOVE d d RIGHT LEFT 0", "LRANGE d 0 -1"),
    case("blmpop-data", "RPUSH y 1 2 3", "BLMPOP 0 2 x y RIGHT COUNT 2", "BLMPOP 0 1 y LEFT",
         "EXISTS y"),
    case("bzpop-data", "ZADD z 1 a 2 b 3 c", "BZPOPMIN z 0", "BZPOPMAX nope z 0",
         "BZMPOP 0 1 z MIN COUNT 5", "EXISTS z"),
    case("bzpop-resp3", "HELLO 3", "ZADD z 1.5 a 2 b", "BZPOPMIN z 0", "BZMPOP 0 1 z MAX",
         "RPUSH l x", "BLPOP l 0", "HELLO 2"),
    case("timeout-zero-decimal-forms", "RPUSH k a b c d e f", "BLPOP k 0.0", "BLPOP k 1e3",
         "BLPOP k 0x10", "BLPOP k .5", "BLPOP k 1.", "BLPOP k +1"),
]

ERROR_CASES = [
    case("timeout-not-float", "BLPOP k x", "BLPOP k ''", "BLPOP k ' 1'", "BLPOP k '1 '",
         "BLPOP k nan", "BRPOP k 1x", "BZPOPMIN k abc"),
    case("timeout-negative", "BLPOP k -1", "BLPOP k 1e300", "BLPOP k -1e300", "BLPOP k inf",
         "BLPOP k -inf", "BLPOP k 9223372036854775807", "BLPOP k 1e16", "BZPOPMAX k -2"),
    case("timeout-checked-before-type", "SET s v", "BLPOP s x", "BLPOP s 1", "BLPOP k s 1",
         "BZPOPMIN s x", "BZPOPMIN s 1"),
    case("blmove-argument-order", "SET s v", "BLMOVE s d UP RIGHT x", "BLMOVE k d LEFT UP x",
         "BLMOVE k d LEFT RIGHT x", "BLMOVE s d LEFT RIGHT 1", "BRPOPLPUSH s d 1",
         "BRPOPLPUSH k d x"),
    case("blmove-wrongtype-destination", "RPUSH s a", "SET d v", "BLMOVE s d LEFT RIGHT 0",
         "LRANGE s 0 -1"),
    case("blmpop-errors", "SET s v", "BLMPOP x 1 k LEFT", "BLMPOP 0 0 k LEFT",
         "BLMPOP x 0 k LEFT", "BLMPOP 0 1 k UP", "BLMPOP 0 1 k LEFT COUNT 0",
         "BLMPOP x 1 k LEFT COUNT 0", "BLMPOP 0 1 s LEFT", "BLMPOP 0 3 k LEFT",
         "BLMPOP 0 1 k LEFT COUNT 1 COUNT 2", "BLMPOP 0 1 k LEFT FOO"),
    case("bzmpop-errors", "SET s v", "BZMPOP x 1 k MIN", "BZMPOP 0 0 k MIN",
         "BZMPOP 0 1 k UP", "BZMPOP 0 1 k MIN COUNT 0", "BZMPOP x 1 k MIN COUNT 0",
         "BZMPOP 0 1 s MAX", "BZMPOP 0 -1 k MIN"),
    case("arity", "BLPOP k", "BRPOP", "BLMOVE a b LEFT LEFT", "BRPOPLPUSH a b",
         "BLMPOP 0 1 k", "BZPOPMIN k", "BZPOPMAX", "BZMPOP 0 1 k"),
]

MULTI_CASES = [
    # Inside MULTI a blocking command never waits: it answers like a timeout
    # (BLMOVE/BRPOPLPUSH: a null bulk string, the others a null array).
    case("multi-empty", "MULTI", "BLPOP k 0", "BRPOP k 0", "BLMOVE k d LEFT LEFT 0",
         "BRPOPLPUSH k d 0", "BLMPOP 0 1 k LEFT", "BZPOPMIN k 0", "BZPOPMAX k 0",
         "BZMPOP 0 1 k MIN", "EXEC"),
    case("multi-empty-resp3", "HELLO 3", "MULTI", "BLPOP k 0", "BLMOVE k d LEFT LEFT 0",
         "BZMPOP 0 1 k MIN", "EXEC", "HELLO 2"),
    case("multi-with-data", "MULTI", "RPUSH k a", "BLPOP k 0", "BLPOP k 0", "ZADD z 1 m",
         "BZPOPMIN z 0", "EXEC"),
    case("multi-errors-queued", "MULTI", "BLPOP k x", "BLMPOP 0 0 k LEFT", "EXEC"),
]


@pytest.mark.parametrize("steps", IMMEDIATE_CASES + ERROR_CASES + MULTI_CASES)
def test_blocking_single_connection(pair, steps):
    run_case(pair, steps)


def test_blocking_command_info(pair):
    """COMMAND INFO: arity, flags (noscript, blocking, movablekeys), key
    positions and ACL categories of the eight blocking commands."""
    assert_same_command_info(pair, *BLOCKING_COMMANDS)
    for args in (("BLPOP", "a", "b", "0"), ("BLMOVE", "a", "b", "LEFT", "LEFT", "0"),
                 ("BLMPOP", "0", "2", "a", "b", "LEFT"), ("BZMPOP", "1", "1", "z", "MIN"),
                 ("BZPOPMAX", "x", "y", "0"), ("BLMPOP", "0", "3", "a", "LEFT")):
        pair.assert_same("COMMAND", "GETKEYS", *args)


# -- two or three clients --------------------------------------------------------------

SCRIPTS = {
    "blpop-woken-by-rpush": ["A> BLPOP k 0", "B: RPUSH k a b", "A<", "B: LRANGE k 0 -1"],
    "brpop-woken": ["A> BRPOP k 0", "B: LPUSH k a b", "A<", "B: LRANGE k 0 -1"],
    "blpop-pops-from-the-key-that-woke-it": [
        "A> BLPOP k1 k2 0", "B: RPUSH k2 x", "A<", "B: EXISTS k2"],
    "ready-keys-served-in-write-order": [
        "A> BLPOP k1 k2 0", "B: MULTI", "B: RPUSH k2 x", "B: RPUSH k1 y", "B: EXEC", "A<",
        "B: LRANGE k1 0 -1", "B: LRANGE k2 0 -1"],
    "first-blocked-first-served": [
        "A> BLPOP k 0", "C> BLPOP k 0", "B: RPUSH k 1", "A<", "C?", "B: RPUSH k 2", "C<"],
    "one-push-serves-several": [
        "A> BLPOP k 0", "C> BRPOP k 0", "B: RPUSH k 1 2 3", "A<", "C<", "B: LRANGE k 0 -1"],
    "created-and-deleted-in-multi": [
        "A> BLPOP k 0", "B: MULTI", "B: RPUSH k x", "B: DEL k", "B: EXEC", "A?",
        "B: RPUSH k y", "A<"],
    "woken-by-rename-and-lmove": [
        "A> BLPOP k 0", "B: RPUSH tmp x", "B: RENAME tmp k", "A<",
        "A> BLPOP j 0", "B: RPUSH src y", "B: LMOVE src j LEFT LEFT", "A<"],
    "wrong-type-created-keeps-waiting": [
        "A> BLPOP k 0", "B: SET k str", "A?", "B: DEL k", "B: ZADD k 1 m", "A?", "B: DEL k",
        "B: RPUSH k ok", "A<"],
    "blmove-woken": ["A> BLMOVE src dst RIGHT LEFT 0", "B: RPUSH src a b", "A<",
                     "B: LRANGE src 0 -1", "B: LRANGE dst 0 -1"],
    "brpoplpush-rotation": ["A> BRPOPLPUSH r r 0", "B: RPUSH r a b", "A<", "B: LRANGE r 0 -1"],
    "blmove-chain": [
        "A> BLMOVE l1 l2 RIGHT LEFT 0", "C> BLMOVE l2 l3 RIGHT LEFT 0", "B: RPUSH l1 x",
        "A<", "C<", "B: LRANGE l3 0 -1", "B: EXISTS l1 l2"],
    "blmove-into-a-waiting-blpop": [
        "A> BLMOVE q work LEFT RIGHT 0", "C> BLPOP work 0", "B: RPUSH q job", "A<", "C<",
        "B: EXISTS q work"],
    "blmove-wrongtype-destination-at-wakeup": [
        "B: SET dst str", "A> BLMOVE src dst LEFT RIGHT 0", "C> BLPOP src 0",
        "B: RPUSH src v1", "A<", "C<", "B: EXISTS src"],
    "blmpop-woken": ["A> BLMPOP 0 2 x y LEFT COUNT 2", "B: RPUSH y 1 2 3", "A<",
                     "B: LRANGE y 0 -1"],
    "bzpopmin-woken": ["A> BZPOPMIN z 0", "B: ZADD z 2 b 1 a", "A<", "B: ZRANGE z 0 -1"],
    "bzpopmax-woken-resp3": ["A: HELLO 3", "A> BZPOPMAX z1 z2 0", "B: ZADD z2 2.5 b 1 a",
                             "A<", "A: HELLO 2"],
    "bzmpop-woken": ["A> BZMPOP 0 1 z MAX COUNT 10", "B: ZADD z 1 a 2 b", "A<",
                     "B: EXISTS z"],
    "bzpop-ignores-a-list": ["A> BZPOPMIN k 0", "B: RPUSH k x", "A?", "B: DEL k",
                             "B: ZADD k 7 m", "A<"],
    "blpop-and-bzpop-on-one-key": [
        "A> BLPOP k 0", "C> BZPOPMIN k 0", "B: ZADD k 1 m", "C<", "A?", "B: RPUSH k x", "A<"],
    "multi-reply-after-wakeup": [
        "A> BLPOP k 0", "B: MULTI", "B: RPUSH k a b", "B: LLEN k", "B: EXEC", "A<",
        "B: LLEN k"],
    "unblock-timeout": ["A> BLPOP k 0", "B: CLIENT UNBLOCK $A TIMEOUT", "A<",
                        "B: CLIENT UNBLOCK $A TIMEOUT"],
    "unblock-error": ["A> BZMPOP 0 1 z MIN", "B: CLIENT UNBLOCK $A ERROR", "A<",
                      "B: CLIENT UNBLOCK $A ERROR"],
    "unblock-default-is-timeout": ["A> BLMOVE a b LEFT LEFT 0", "B: CLIENT UNBLOCK $A", "A<"],
    "unblock-errors": ["B: CLIENT UNBLOCK $A FOO", "B: CLIENT UNBLOCK abc",
                       "B: CLIENT UNBLOCK 999999", "B: CLIENT UNBLOCK", "B: CLIENT UNBLOCK $A",
                       "B: CLIENT UNBLOCK 1 TIMEOUT x"],
    "negative-tiny-timeout-waits-forever": ["A> BLPOP k -0.0001", "B: RPUSH k x", "A<",
                                            "A> BRPOP k -0.001", "B: RPUSH k y", "A<"],
    "huge-timeout-waits": ["A> BLPOP k 9223372036854775.807", "B: CLIENT UNBLOCK $A", "A<"],
    "timeouts": ["A: BLPOP k 0.01", "A: BRPOP k 0.001", "A: BLMOVE k d LEFT LEFT 0.01",
                 "A: BRPOPLPUSH k d 0.02", "A: BLMPOP 0.01 1 k LEFT", "A: BZPOPMIN k 0.01",
                 "A: BZMPOP 0.01 1 k MIN", "A: BLPOP k 0.0001", "A: BLPOP k 1e-300"],
    "timeouts-resp3": ["A: HELLO 3", "A: BLPOP k 0.01", "A: BLMOVE k d LEFT LEFT 0.01",
                       "A: BZPOPMAX k 0.01", "A: HELLO 2"],
    "pipelined-after-a-blocked-command": [
        "A> BLPOP k 0", "B: RPUSH k x", "A<", "A: PING"],
    "blocked-connection-closed": [
        "C> BLPOP k 0", "C!", "B: RPUSH k x", "B: LLEN k"],
    "stats-after-wakeups": [
        "A> BLPOP k 0", "B: RPUSH k x", "A<", "A> BLMOVE s d LEFT LEFT 0", "B: SET d str",
        "B: RPUSH s y", "A<", "A> BZPOPMIN z 0", "B: CLIENT UNBLOCK $A ERROR", "A<",
        "A> BLPOP q 0", "B: CLIENT UNBLOCK $A TIMEOUT", "A<", "A: BLPOP q 0.01"],
}


@pytest.mark.parametrize("name", list(SCRIPTS))
def test_blocking_scripts(pair, name):
    clients = Clients(pair, "ABC")
    clients.run(SCRIPTS[name], context=f"[{name}] ")
    # Every call, failed call and error counted alike (INFO commandstats,
    # errorstats, keyspace): the polling connection's CLIENT LIST/ID and INFO
    # calls are not the test's.
    assert_info_agrees(clients.side, ignore=("cmdstat_info", "cmdstat_client|list",
                                             "cmdstat_client|id"))


def test_pipeline_waits_behind_blocked_command(pair):
    """Commands pipelined after a blocking one run only after it is served."""
    clients = Clients(pair, "AB")
    a = clients.conns["A"]
    raw = b"*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\n0\r\n*2\r\n$4\r\nLLEN\r\n$1\r\nk\r\n" \
          b"*1\r\n$4\r\nPING\r\n"
    a.send_raw_both(raw)
    assert clients.settle("A") == (True, True)
    clients.run(["B: RPUSH k x y", "A<", "A<", "A<", "B: LLEN k"])


def test_client_list_and_info_while_blocked(pair):
    """flags=b and cmd= in CLIENT LIST; INFO blocked_clients and
    clients_in_timeout_table (a deadline puts the client in the table)."""
    clients = Clients(pair, "ABC")
    clients.run(["A> BLPOP k 0", "C> BZPOPMIN z 1000"])
    for server, side in ((0, clients.side.real), (1, clients.side.engine)):
        flags = client_flags(side)
        assert flags[clients.ids["A"][server]] == "b"
        assert flags[clients.ids["C"][server]] == "b"
        assert flags[clients.ids["B"][server]] == "N"
    real, eng = clients.side.both("INFO", "clients")
    r, e = info_map(real), info_map(eng)
    for field in ("blocked_clients", "clients_in_timeout_table"):
        assert r[field] == e[field], (field, r[field], e[field])
    assert (r["blocked_clients"], r["clients_in_timeout_table"]) == ("2", "1")
    lines = {}
    for server, side in ((0, clients.side.real), (1, clients.side.engine)):
        reply = side.call("CLIENT", "LIST", "ID", str(clients.ids["A"][server]))
        fields = dict(f.split("=", 1) for f in reply.value.decode().split() if "=" in f)
        lines[server] = (fields["flags"], fields["cmd"], fields["db"])
    assert lines[0] == lines[1] == ("b", "blpop", "0")
    clients.run(["B: CLIENT UNBLOCK $A", "A<", "B: CLIENT UNBLOCK $C", "C<"])


def test_blocked_in_other_database(pair):
    """A client blocks on its own database; SWAPDB brings data to it."""
    clients = Clients(pair, "AB")
    clients.run(["A: SELECT 3", "A> BLPOP k 0", "B: RPUSH k in-db-0", "A?",
                 "B: SWAPDB 0 3", "A<", "B: LRANGE k 0 -1", "B: SELECT 3", "B: EXISTS k",
                 "A: SELECT 0"])


# -- generated sequences ------------------------------------------------------------------

EXAMPLES = int(os.environ.get("BLOCKING_EXAMPLES", "150"))
DERANDOMIZE = os.environ.get("COMPAT_RANDOM", "") != "1"
STEPS = 20

KEYS = [b"l1", b"l2", b"z1"]
keys = st.sampled_from(KEYS)
key_lists = st.lists(keys, min_size=1, max_size=3)
sides = st.sampled_from([b"LEFT", b"RIGHT"])
counts = st.one_of(st.none(), st.sampled_from([b"1", b"2", b"5"]))
values = st.sampled_from([b"a", b"b", b"c", b"1", b"2"])


def blocking_commands():
    return st.one_of(
        st.tuples(st.sampled_from([b"BLPOP", b"BRPOP"]), key_lists).map(
            lambda t: (t[0], *t[1], b"0")),
        st.tuples(keys, keys, sides, sides).map(
            lambda t: (b"BLMOVE", t[0], t[1], t[2], t[3], b"0")),
        st.tuples(keys, keys).map(lambda t: (b"BRPOPLPUSH", t[0], t[1], b"0")),
        st.tuples(key_lists, sides, counts).map(
            lambda t: (b"BLMPOP", b"0", b"%d" % len(t[0]), *t[0], t[1],
                       *((b"COUNT", t[2]) if t[2] else ()))),
        st.tuples(st.sampled_from([b"BZPOPMIN", b"BZPOPMAX"]), key_lists).map(
            lambda t: (t[0], *t[1], b"0")),
        st.tuples(key_lists, st.sampled_from([b"MIN", b"MAX"]), counts).map(
            lambda t: (b"BZMPOP", b"0", b"%d" % len(t[0]), *t[0], t[1],
                       *((b"COUNT", t[2]) if t[2] else ()))),
    )


def writes():
    return st.one_of(
        st.tuples(st.sampled_from([b"RPUSH", b"LPUSH"]), keys,
                  st.lists(values, min_size=1, max_size=3)).map(lambda t: (t[0], t[1], *t[2])),
        st.tuples(keys, st.lists(st.tuples(st.integers(0, 9), values), min_size=1,
                                 max_size=3)).map(
            lambda t: (b"ZADD", t[0], *[x for sc, m in t[1] for x in (b"%d" % sc, m)])),
        st.tuples(keys, keys, sides, sides).map(lambda t: (b"LMOVE", *t)),
        keys.map(lambda k: (b"DEL", k)),
        keys.map(lambda k: (b"LPOP", k)),
        keys.map(lambda k: (b"ZPOPMIN", k)),
        keys.map(lambda k: (b"SET", k, b"str")),
    )


class BlockingSequences(RuleBasedStateMachine):
    """Clients A and C issue blocking pops (timeout 0); B writes. After each
    step every client's state (blocked or answered) and every reply must
    agree on both servers."""

    pair = None
    stats = {"sequences": 0, "steps": 0}

    def __init__(self):
        super().__init__()
        self.clients = Clients(self.pair, "ABC")
        for name in "ABC":
            for client in (self.clients.conns[name].real, self.clients.conns[name].engine):
                client.call("FLUSHALL")
        for server in (self.pair.real, self.pair.engine):
            server.call("CONFIG", "RESETSTAT")
        self.waiting = {"A": False, "C": False}
        BlockingSequences.stats["sequences"] += 1

    def _count(self):
        BlockingSequences.stats["steps"] += 1

    def _check_woken(self):
        """After B's command: read the replies of clients it served."""
        for name, waiting in self.waiting.items():
            if not waiting:
                continue
            state = self.clients.blocked(name)
            if state[0] != state[1]:
                raise Mismatch(f"{name} blocked on (redis-server, engine) = {state}")
            if not state[0]:
                self.clients.step(f"{name}<")
                self.waiting[name] = False
                BlockingSequences.stats["woken"] = BlockingSequences.stats.get("woken", 0) + 1

    @precondition(lambda self: not self.waiting["A"] or not self.waiting["C"])
    @rule(who=st.sampled_from(["A", "C"]), cmd=blocking_commands())
    def block(self, who, cmd):
        if self.waiting[who]:
            who = "C" if who == "A" else "A"
        self._count()
        conn = self.clients.conns[who]
        conn.real.send(*cmd)
        conn.engine.send(*cmd)
        state = self.clients.settle(who)
        if state[0] != state[1]:
            raise Mismatch(f"{cmd}: {who} blocked on (redis-server, engine) = {state}")
        if state[0]:
            self.waiting[who] = True
            BlockingSequences.stats["blocked"] = BlockingSequences.stats.get("blocked", 0) + 1
        else:
            real, eng = conn.real.read_reply(), conn.engine.read_reply()
            compare(cmd, real, eng)

    @rule(cmd=writes())
    def write(self, cmd):
        self._count()
        self.clients.step("B: " + " ".join(c.decode() for c in cmd))
        self._check_woken()

    @rule(cmds=st.lists(writes(), min_size=1, max_size=3))
    def transaction(self, cmds):
        self._count()
        self.clients.step("B: MULTI")
        for cmd in cmds:
            self.clients.step("B: " + " ".join(c.decode() for c in cmd))
        self.clients.step("B: EXEC")
        self._check_woken()

    @precondition(lambda self: self.waiting["A"] or self.waiting["C"])
    @rule(who=st.sampled_from(["A", "C"]), how=st.sampled_from(["TIMEOUT", "ERROR"]))
    def unblock(self, who, how):
        if not self.waiting[who]:
            who = "C" if who == "A" else "A"
        self._count()
        self.clients.step(f"B: CLIENT UNBLOCK ${who} {how}")
        self._check_woken()

    @rule(key=keys)
    def inspect(self, key):
        self._count()
        self.clients.step(f"B: TYPE {key.decode()}")
        self.clients.step(f"B: LRANGE {key.decode()} 0 -1")

    def teardown(self):
        for name in ("A", "C"):
            if self.waiting[name]:
                self.clients.step(f"B: CLIENT UNBLOCK ${name}")
                self._check_woken()
        assert_info_agrees(self.pair, ignore=("cmdstat_info", "cmdstat_client|list",
                                              "cmdstat_client|id", "cmdstat_flushall",
                                              "cmdstat_config|resetstat"))
        for conn in (self.clients.conns["B"], self.clients.conns["C"], self.clients.side):
            conn.close()


@pytest.mark.slow
def test_generated_blocking_sequences(pair):
    """EXAMPLES random three-client sequences; zero mismatches."""
    title = "generated blocking sequences"
    run_generated(BlockingSequences, pair, examples=EXAMPLES, steps=STEPS,
                  derandomize=DERANDOMIZE, title=title)
    stats = BlockingSequences.stats
    line = (f"clients blocked {stats.get('blocked', 0)} times, woken by a write or "
            f"CLIENT UNBLOCK {stats.get('woken', 0)} times (replies compared)")
    REPORT[title].append(line)
    print(line)
    assert stats.get("blocked", 0) > 0 and stats.get("woken", 0) > 0, stats
