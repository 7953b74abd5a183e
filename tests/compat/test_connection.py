"""Connection commands, differential: PING ECHO SELECT SWAPDB HELLO AUTH CLIENT QUIT RESET.

Values that are per-server counters or depend on the moment are normalized,
and only those: HELLO's ``id``, CLIENT ID (compared as "an integer"), CLIENT
LIST / CLIENT INFO (field names and order, not values).
"""
from __future__ import annotations

import pytest

from differential import TEST_PASSWORD, ListKey, S, case, client_fields, compare, hello, run_case

PING_CASES = [
    case("ping", "PING", "PING hello", ("PING", b""), ("PING", b"\x00\xff"), "ping"),
    case("ping-arity", "PING a b"),
    case("echo", "ECHO hi", ("ECHO", b""), ("ECHO", b"a\r\nb"), "echo x"),
    case("echo-arity", "ECHO", "ECHO a b"),
]

SELECT_CASES = [
    case("select", "SET k db0", "SELECT 1", "GET k", "SET k db1", "SELECT 15", "DBSIZE",
         "SELECT 0", "GET k", "SELECT 1", "GET k"),
    case("select-errors", "SELECT 16", "SELECT -1", "SELECT abc", "SELECT 1.0", "SELECT ''",
         "SELECT 99999999999999999999", "select 2147483648", "SELECT -2147483649"),
    case("select-arity", "SELECT", "SELECT 1 2"),
    case("swapdb", "SET a zero", "SELECT 1", "SET a one", "SET b only1", "SELECT 0",
         "SWAPDB 0 1", "GET a", "GET b", "DBSIZE", "SELECT 1", "GET a", "DBSIZE"),
    case("swapdb-ttl", "SET a v EX 100000", "SWAPDB 0 3", "EXISTS a", "SELECT 3", "TTL a"),
    case("swapdb-same", "SET a 1", "SWAPDB 0 0", "GET a"),
    case("swapdb-errors", "SWAPDB 0 16", "SWAPDB 16 0", "SWAPDB a 0", "SWAPDB 0 b",
         "SWAPDB a b", "SWAPDB -1 0", "SWAPDB 0 -1", "SWAPDB 1.5 0",
         "SWAPDB 2147483648 0", "SWAPDB 0 2147483648"),
    case("swapdb-arity", "SWAPDB 0", "SWAPDB 0 1 2"),
    case("swapdb-list", ListKey("l"), "SWAPDB 0 9", "SELECT 9", "TYPE l"),
]

HELLO_CASES = [
    case("hello-plain", S("HELLO", hello), S("HELLO 2", hello), "GET nope"),
    case("hello-3", S("HELLO 3", hello), "GET nope", "SET k v", "GET k", "PING",
         "MGET k nope", "INCR n", "INCRBYFLOAT f 1.5", "LCS k k IDX", "CONFIG GET maxmemory",
         "EXPIRE k 10 NX XX", "DEL k", S("HELLO 2", hello), "GET nope"),
    case("hello-3-setname", S("HELLO 3 SETNAME myname", hello), "CLIENT GETNAME"),
    case("hello-errors", "HELLO 4", "HELLO 1", "HELLO abc", "HELLO -1", "HELLO 3 FOO",
         "HELLO 3 AUTH default", "HELLO 3 SETNAME", "HELLO 3 SETNAME 'a b'",
         "HELLO 2 AUTH", "HELLO 3.0"),
    case("hello-auth-no-password", S("HELLO 3 AUTH default anything", hello),
         "HELLO 3 AUTH nobody pass"),
    case("hello-lowercase", S("hello 3 setname x", hello), "client getname"),
    case("hello-noproto-keeps-state", "HELLO 5", "GET nope"),
]

CLIENT_CASES = [
    case("client-setname-getname", "CLIENT GETNAME", "CLIENT SETNAME conn-1",
         "CLIENT GETNAME", "CLIENT SETNAME ''", "CLIENT GETNAME"),
    case("client-setname-invalid", "CLIENT SETNAME 'a b'", ("CLIENT", "SETNAME", b"a\nb"),
         ("CLIENT", "SETNAME", b"\xff"), "CLIENT GETNAME"),
    case("client-arity", "CLIENT", "CLIENT SETNAME", "CLIENT GETNAME x", "CLIENT ID x",
         "CLIENT SETNAME a b", "CLIENT INFO x", "CLIENT KILL"),
    case("client-unknown-subcommand", "CLIENT FOO", "CLIENT FOO bar baz", "client nosuch"),
    case("client-list", S("CLIENT LIST", client_fields), S("CLIENT INFO", client_fields),
         S("CLIENT LIST TYPE normal", client_fields), S("CLIENT LIST TYPE pubsub", client_fields),
         S("CLIENT LIST TYPE master", client_fields), "CLIENT LIST TYPE foo",
         "CLIENT LIST TYPE", "CLIENT LIST FOO", "CLIENT LIST ID abc", S("CLIENT LIST ID 0", client_fields),
         S("CLIENT LIST ID 999999", client_fields), S("CLIENT LIST ID -5 0", client_fields)),
    case("client-list-resp3", S("HELLO 3", hello), S("CLIENT LIST", client_fields),
         S("CLIENT INFO", client_fields)),
    case("client-kill-errors", "CLIENT KILL 1.2.3.4:5", "CLIENT KILL ID abc",
         "CLIENT KILL ID 0", "CLIENT KILL ID -1", "CLIENT KILL ID", "CLIENT KILL FOO bar",
         "CLIENT KILL SKIPME maybe", "CLIENT KILL TYPE foo", "CLIENT KILL ID 99999999",
         "CLIENT KILL ADDR 1.2.3.4:5", "CLIENT KILL USER nobody", "CLIENT KILL TYPE pubsub",
         "CLIENT KILL ID 1 ID", "CLIENT KILL USER default SKIPME yes",
         "CLIENT KILL ID 99999999 ID 99999998", "CLIENT KILL a b c"),
]

AUTH_CASES = [
    case("auth-without-password", "AUTH foo", "AUTH default foo", "AUTH nobody foo",
         "AUTH a b c", "AUTH"),
]


@pytest.mark.parametrize("steps", PING_CASES)
def test_ping_echo(pair, steps):
    run_case(pair, steps)


@pytest.mark.parametrize("steps", SELECT_CASES)
def test_select_swapdb(pair, steps):
    run_case(pair, steps)


@pytest.mark.parametrize("steps", HELLO_CASES)
def test_hello(pair, steps):
    run_case(pair, steps)


@pytest.mark.parametrize("steps", CLIENT_CASES)
def test_client(pair, steps):
    run_case(pair, steps)


@pytest.mark.parametrize("steps", AUTH_CASES)
def test_auth_cases(pair, steps):
    run_case(pair, steps)


def _is_int(reply) -> bool:
    return reply.kind == ":" and reply.value > 0


def test_client_id_is_an_integer_and_stable(pair):
    real, eng = pair.both("CLIENT", "ID")
    assert _is_int(real) and _is_int(eng), (real, eng)
    real2, eng2 = pair.both("CLIENT", "ID")
    assert (real2.value, eng2.value) == (real.value, eng.value)
    other = pair.connect()
    r3, e3 = other.both("CLIENT", "ID")
    assert r3.value > real.value and e3.value > eng.value


def test_client_list_shows_names_and_ids(pair):
    """CLIENT LIST has one line per connection; name= and id= are right."""
    other = pair.connect()
    other.assert_same("CLIENT", "SETNAME", "second")
    for client, other_client in ((pair.real, other.real), (pair.engine, other.engine)):
        my_id = client.call("CLIENT", "ID").value
        their_id = other_client.call("CLIENT", "ID").value
        text = client.call("CLIENT", "LIST").value.decode()
        lines = [ln for ln in text.split("\n") if ln]
        by_id = {int(ln.split(" ")[0][3:]): ln for ln in lines}
        assert my_id in by_id and their_id in by_id, text
        assert " name=second " in by_id[their_id], by_id[their_id]
        assert " cmd=client|list " in by_id[my_id], by_id[my_id]
        info = client.call("CLIENT", "INFO").value.decode()
        assert info.startswith(f"id={my_id} ") and info.endswith("\n"), info
        listed = client.call("CLIENT", "LIST", "ID", str(their_id)).value.decode()
        assert listed.startswith(f"id={their_id} ") and listed.count("\n") == 1, listed


def test_client_kill_by_id_and_addr(pair):
    """CLIENT KILL closes the other connection; the killer keeps working."""
    for kill_by in ("ID", "ADDR", "old-form"):
        victim = pair.connect()
        replies = {}
        for name, killer, target in (("real", pair.real, victim.real),
                                     ("engine", pair.engine, victim.engine)):
            if kill_by == "ID":
                vid = target.call("CLIENT", "ID").value
                reply = killer.call("CLIENT", "KILL", "ID", str(vid))
            else:
                info = target.call("CLIENT", "INFO").value.decode()
                addr = info.split(" addr=")[1].split(" ")[0]
                args = ("ADDR", addr) if kill_by == "ADDR" else (addr,)
                reply = killer.call("CLIENT", "KILL", *args)
            replies[name] = reply
            assert target.closed_by_peer(2), f"{name}: victim still connected ({kill_by})"
        compare(("CLIENT", "KILL", kill_by), replies["real"], replies["engine"])
        pair.assert_same("PING")


def test_client_kill_self(pair):
    """CLIENT KILL ... SKIPME no on oneself: the reply arrives, then the close."""
    for client in (pair.real, pair.engine):
        cid = client.call("CLIENT", "ID").value
        assert client.call("CLIENT", "KILL", "ID", str(cid), "SKIPME", "no").raw == b":1\r\n"
        assert client.closed_by_peer(2)


def test_quit(pair):
    real, eng = pair.both("QUIT")
    compare(("QUIT",), real, eng)
    assert pair.real.closed_by_peer(2) and pair.engine.closed_by_peer(2)


def test_quit_with_arguments_and_in_multi(pair):
    other = pair.connect()
    other.assert_same("MULTI")
    other.assert_same("SET", "k", "v")
    other.assert_same("QUIT", "now", "please")
    assert other.real.closed_by_peer(2) and other.engine.closed_by_peer(2)
    pair.assert_same("EXISTS", "k")


def test_reset(pair):
    """RESET: back to db 0, RESP2, no name, no MULTI/WATCH."""
    for line in ("SELECT 3", "SET k v", "CLIENT SETNAME someone", "WATCH k", "HELLO 3",
                 "MULTI", "SET k w"):
        S(line, hello if line.startswith("HELLO") else None).run(pair)
    pair.assert_same("RESET")
    for line in ("GET k", "CLIENT GETNAME", "EXEC", "DISCARD", "SELECT 3", "GET k",
                 "RESET", "RESET"):
        S(line).run(pair)
    S("RESET x").run(pair)
    S("HELLO", hello).run(pair)


def test_requirepass(pair):
    """With requirepass: NOAUTH before AUTH, WRONGPASS for a bad password,
    HELLO AUTH, RESET de-authenticating, and unknown commands still first."""
    pair.assert_same("CONFIG", "SET", "requirepass", TEST_PASSWORD)
    new = pair.connect()
    for line in ("PING", "GET k", "SET k v", "FOOBAR x", "GET", "CLIENT ID", "MULTI",
                 "AUTH wrong", "AUTH default wrong", "AUTH nobody wrong",
                 "HELLO 3", "HELLO 2 AUTH default wrong", "ECHO still-no"):
        S(line).run(new)
    S(f"AUTH {TEST_PASSWORD}").run(new)
    S("PING").run(new)
    S("RESET").run(new)
    S("PING").run(new)
    S(f"HELLO 3 AUTH default {TEST_PASSWORD}", hello).run(new)
    S("GET nope").run(new)
    S("RESET").run(new)
    S(f"AUTH default {TEST_PASSWORD}").run(new)
    S("AUTH a b c").run(new)
    third = pair.connect()
    S("QUIT").run(third)
    assert third.real.closed_by_peer(2) and third.engine.closed_by_peer(2)
    # the connection that set the password stays authenticated
    S("PING").run(pair)
    S("CONFIG GET requirepass").run(pair)
    pair.assert_same("CONFIG", "SET", "requirepass", "")
    S("AUTH x").run(new)


def test_requirepass_hello_setname(pair):
    pair.assert_same("CONFIG", "SET", "requirepass", TEST_PASSWORD)
    new = pair.connect()
    S(f"HELLO 2 AUTH default {TEST_PASSWORD} SETNAME named", hello).run(new)
    S("CLIENT GETNAME").run(new)
    pair.assert_same("CONFIG", "SET", "requirepass", "")
