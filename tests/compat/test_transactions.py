"""MULTI / EXEC / DISCARD / WATCH / UNWATCH, differential against redis-server 7.0.

Single-connection cases are plain step lists; WATCH cases use a second pair of
connections (``other``) to change watched keys between WATCH and EXEC.
"""
from __future__ import annotations

import time

import pytest

from differential import ListKey, S, case, run_case



TX_CASES = [
    case("multi-exec", "MULTI", "SET a 1", "INCR a", "GET a", "MGET a b", "EXEC", "GET a"),
    case("multi-exec-empty", "MULTI", "EXEC"),
    case("multi-discard", "SET a 1", "MULTI", "SET a 2", "DISCARD", "GET a", "DISCARD"),
    case("exec-without-multi", "EXEC", "DISCARD"),
    case("multi-nested", "MULTI", "MULTI", "SET a 1", "EXEC", "GET a"),
    case("runtime-error-does-not-abort", "SET s abc", "MULTI", "INCR s", "SET t 1", "INCR t",
         "EXEC", "GET t"),
    case("queue-unknown-command-aborts", "MULTI", "SET a 1", "NOSUCH x", "SET b 2", "EXEC",
         "EXISTS a b"),
    case("queue-arity-error-aborts", "MULTI", "SET a 1", "GET", "EXEC", "EXISTS a"),
    case("queue-unknown-subcommand-aborts", "MULTI", "SET a 1", "CONFIG FOO", "EXEC", "EXISTS a"),
    case("syntax-error-inside-is-runtime", "MULTI", "SET a 1 EX 0", "SET b 2 FOO", "SET c 3",
         "EXEC", "EXISTS a b c"),
    case("watch-inside-multi", "MULTI", "WATCH a", "SET a 1", "EXEC", "GET a"),
    case("multi-select", "MULTI", "SELECT 2", "SET a db2", "SELECT 0", "GET a", "EXEC",
         "SELECT 2", "GET a"),
    case("multi-wrongtype", ListKey("l"), "MULTI", "GET l", "SET x 1", "EXEC"),
    case("multi-resp3", "HELLO 3", "MULTI", "GET nope", "SET a 1", "INCRBYFLOAT f 1.5",
         "CONFIG GET maxmemory", "LCS a a IDX", "EXEC", "MULTI", "EXEC"),
    case("exec-arity", "MULTI", "SET a 1", "EXEC x", "EXEC", "EXISTS a"),
    case("exec-arity-outside-multi", "EXEC x"),
    case("discard-arity", "DISCARD x", "MULTI", "DISCARD x", "EXEC"),
    case("multi-arity", "MULTI x", "DISCARD x", "UNWATCH x", "WATCH"),
    case("multi-discard-reset-queue", "MULTI", "SET a 1", "DISCARD", "MULTI", "SET b 2", "EXEC",
         "EXISTS a b"),
    case("exec-then-watch-cleared", "WATCH a", "MULTI", "SET a 1", "EXEC", "MULTI",
         "GET a", "EXEC"),
    case("multi-ping-echo-time", "MULTI", "PING", "ECHO x", "DBSIZE", "EXEC"),
    case("multi-expire-ttl", "MULTI", "SET a 1 EX 100000", "TTL a", "PERSIST a", "TTL a",
         "EXEC"),
    case("multi-flush", "SET a 1", "MULTI", "FLUSHALL", "DBSIZE", "EXEC"),
    case("multi-hello-auth-inside", "MULTI", "AUTH x", "EXEC"),
    case("unwatch", "WATCH a b", "UNWATCH", "UNWATCH", "MULTI", "EXEC"),
    case("watch-many-and-same", "WATCH a a b c", "WATCH a", "MULTI", "SET a 1", "EXEC"),
    case("multi-client-setname", "MULTI", "CLIENT SETNAME tx", "CLIENT GETNAME", "EXEC"),
    case("multi-queued-errors-count", "MULTI", "FOO", "BAR", "GET", "EXEC", "EXEC"),
]


@pytest.mark.parametrize("steps", TX_CASES)
def test_transactions(pair, steps):
    run_case(pair, steps)


WATCH_SCENARIOS = {
    # name: (setup on pair, action on other, expect EXEC to fail)
    "set-by-other": (["SET k 1", "WATCH k"], ["SET k 2"]),
    "same-value": (["SET k 1", "WATCH k"], ["SET k 1"]),
    "deleted-by-other": (["SET k 1", "WATCH k"], ["DEL k"]),
    "missing-created": (["WATCH k"], ["SET k 1"]),
    "missing-stays-missing": (["WATCH k"], ["DEL k"]),
    "other-key": (["SET k 1", "WATCH k"], ["SET other 1"]),
    "expire-set": (["SET k 1", "WATCH k"], ["EXPIRE k 100000"]),
    "persist-noop": (["SET k 1", "WATCH k"], ["PERSIST k"]),
    "incr": (["SET k 1", "WATCH k"], ["INCR k"]),
    "append": (["SET k 1", "WATCH k"], ["APPEND k x"]),
    "getset": (["SET k 1", "WATCH k"], ["GETSET k 2"]),
    "rename-away": (["SET k 1", "WATCH k"], ["RENAME k j"]),
    "rename-onto": (["SET j 1", "WATCH k"], ["RENAME j k"]),
    "flushall": (["SET k 1", "WATCH k"], ["FLUSHALL"]),
    "flushdb-other-db": (["SET k 1", "WATCH k"], ["SELECT 1", "FLUSHDB"]),
    "flushall-missing-key": (["WATCH k"], ["FLUSHALL"]),
    "swapdb": (["SET k 1", "WATCH k"], ["SWAPDB 0 1"]),
    "swapdb-missing-everywhere": (["WATCH k"], ["SET other 1", "SWAPDB 0 1"]),
    "swapdb-appears": (["SELECT 1", "SET k 1", "SELECT 0", "WATCH k"], ["SWAPDB 0 1"]),
    "swapdb-unrelated-dbs": (["SET k 1", "WATCH k"], ["SWAPDB 1 2"]),
    "flushdb-missing-key": (["SET other 1", "WATCH k"], ["FLUSHDB"]),
    "move-away": (["SET k 1", "WATCH k"], ["MOVE k 1"]),
    "other-db-same-name": (["SET k 1", "WATCH k"], ["SELECT 1", "SET k 2"]),
    "read-only": (["SET k 1", "WATCH k"], ["GET k", "TTL k", "EXISTS k"]),
    "setnx-fails": (["SET k 1", "WATCH k"], ["SETNX k 2"]),
    "set-nx-fails": (["SET k 1", "WATCH k"], ["SET k 2 NX"]),
    "copy-onto": (["SET j 1", "WATCH k"], ["COPY j k"]),
    "setrange": (["SET k abc", "WATCH k"], ["SETRANGE k 1 x"]),
    "getdel": (["SET k 1", "WATCH k"], ["GETDEL k"]),
    "getex-persist": (["SET k 1 EX 100000", "WATCH k"], ["GETEX k PERSIST"]),
    "del-missing": (["WATCH k"], ["DEL k"]),
    "unwatched": (["SET k 1", "WATCH k", "UNWATCH"], ["SET k 2"]),
}


@pytest.mark.parametrize("name", list(WATCH_SCENARIOS))
def test_watch(pair, name):
    """WATCH on one connection, a change on another, then MULTI/EXEC: EXEC
    answers nil exactly when redis-server's does."""
    setup, action = WATCH_SCENARIOS[name]
    other = pair.connect()
    steps = [S(x) for x in setup]
    run_case(pair, steps)
    run_case(other, [S(x) for x in action])
    run_case(pair, [S("MULTI"), S("SET k mine"), S("GET k"), S("EXEC"), S("GET k")])


def test_watch_expired_key(pair):
    """A watched key that expires between WATCH and EXEC fails the EXEC
    (isWatchedKeyExpired); one that was already expired when WATCHed does not."""
    S("SET k 1 PX 30").run(pair)
    S("WATCH k").run(pair)
    time.sleep(0.1)
    run_case(pair, [S("MULTI"), S("SET j 1"), S("EXEC")])
    S("SET gone 1 PX 1").run(pair)
    time.sleep(0.05)
    run_case(pair, [S("WATCH gone"), S("MULTI"), S("SET j 2"), S("EXEC")])


def test_watch_resp3_null(pair):
    """A failed EXEC is a null array in RESP2 (*-1) and a null (_) in RESP3."""
    other = pair.connect()
    for proto in ("2", "3"):
        run_case(pair, [S(f"HELLO {proto}"), S("WATCH k")])
        run_case(other, [S(f"SET k {proto}")])
        run_case(pair, [S("MULTI"), S("GET k"), S("EXEC")])


def test_exec_discard_inside_multi_from_other_connection(pair):
    """Another connection's MULTI state is independent."""
    other = pair.connect()
    run_case(pair, [S("MULTI"), S("SET a 1")])
    run_case(other, [S("GET a"), S("EXEC"), S("MULTI"), S("SET a 2")])
    run_case(pair, [S("EXEC")])
    run_case(other, [S("EXEC"), S("GET a")])
