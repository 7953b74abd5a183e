"""ACLs, differential against redis-server 7.0: the same rules and the same
commands must give the same allow/deny decisions and the same texts.

Hand-written cases cover the rule grammar and its error texts, what ACL
LIST / GETUSER / DRYRUN / WHOAMI / CAT answer, AUTH and WRONGPASS, and the
NOPERM texts a connection logged in as a restricted user receives — at top
level, inside MULTI, from Lua and for pub/sub channels.

The generated test draws random rule sets (key patterns with %R~/%W~,
channels, commands, categories, first-args, selectors) and random commands
over the engine's whole command table, and compares ACL SETUSER, ACL DRYRUN
(the decision and its text, naming the refused key or channel) and the keys
and channels of ACL GETUSER.

Normalisation, where Redis itself is unordered: ACL LIST / GETUSER list the
single commands of a rule description in hash-table order (different on every
redis-server start), so those words are compared as a sorted list; ACL CAT
<category> is compared as a set restricted to the commands the engine
implements. The *category* words of a description are only compared for rule
sets without categories: Redis picks them by counting commands per category,
and the engine does not implement every command (e.g. DEBUG, MODULE).
"""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from differential import REPORT, S, TEST_PASSWORD, case, compare, hello, run_case

from engine.commands import registry

SECRET_HASH = "2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b"  # sha256("secret")


def words_sorted(reply):
    """ACL LIST lines / a description: every word, sorted (hash order)."""
    def norm(v):
        if isinstance(v, bytes):
            return sorted(v.split())
        if isinstance(v, list):
            return [norm(x) for x in v]
        return v
    return norm(reply.py())


def acl_case(name, *steps):
    """A case whose ACL LIST / GETUSER steps compare words sorted (hash order)."""
    def step(line):
        if isinstance(line, str) and line.upper().startswith(("ACL GETUSER", "ACL LIST")):
            return S(line, words_sorted)
        return line
    return case(name, *[step(line) for line in steps])


SETUSER_CASES = [
    acl_case("new-user", "ACL SETUSER alice", "ACL LIST", "ACL GETUSER alice", "ACL USERS"),
    acl_case("syntax-error", "ACL SETUSER alice badrule", "ACL SETUSER alice on badrule",
         "ACL USERS"),
    acl_case("errors-leave-user-unchanged", "ACL SETUSER a on >pw ~k*",
         "ACL SETUSER a off ~x* +nosuch", "ACL GETUSER a"),
    acl_case("key-after-allkeys", "ACL SETUSER a ~* ~a", "ACL SETUSER a allkeys %R~a",
         "ACL SETUSER a resetkeys ~a ~b ~a", "ACL GETUSER a"),
    acl_case("channel-after-allchannels", "ACL SETUSER a &* &x", "ACL SETUSER a allchannels &y",
         "ACL SETUSER a resetchannels &x &y &x", "ACL GETUSER a"),
    acl_case("passwords", "ACL SETUSER a >secret >other >secret", "ACL GETUSER a",
         "ACL SETUSER a <nope", "ACL SETUSER a <other", "ACL GETUSER a",
         f"ACL SETUSER a !{SECRET_HASH}", "ACL GETUSER a", "ACL SETUSER a #abc",
         f"ACL SETUSER a #{SECRET_HASH.upper()}", f"ACL SETUSER a #{SECRET_HASH}",
         "ACL GETUSER a", "ACL SETUSER a nopass", "ACL GETUSER a", "ACL SETUSER a resetpass",
         "ACL LIST"),
    acl_case("percent-rules", "ACL SETUSER a %R~r* %W~w* %RW~b* %WR~c* %r~lower",
         "ACL SETUSER a %X~bad", "ACL SETUSER a %RR~x", "ACL SETUSER a %R", "ACL SETUSER a %R~r*",
         "ACL SETUSER a %W~r*", "ACL GETUSER a", "ACL LIST"),
    acl_case("commands-simple", "ACL SETUSER a +get +set", "ACL GETUSER a", "ACL SETUSER a -get",
         "ACL GETUSER a", "ACL SETUSER a +GET", "ACL GETUSER a", "ACL SETUSER a allcommands",
         "ACL GETUSER a", "ACL SETUSER a -set -get", "ACL GETUSER a",
         "ACL SETUSER a nocommands", "ACL GETUSER a"),
    acl_case("command-errors", "ACL SETUSER a +nosuch", "ACL SETUSER a -nosuch",
         "ACL SETUSER a +@nosuch", "ACL SETUSER a -@nosuch", "ACL SETUSER a +client|nosuch",
         "ACL SETUSER a +client|id|x", "ACL SETUSER a +get|", "ACL SETUSER a +get|a|b",
         "ACL SETUSER a -get|x", "ACL SETUSER a -client|id", "ACL SETUSER a -client|nosuch",
         "ACL SETUSER a nosuchrule", "ACL SETUSER a @read", "ACL GETUSER a"),
    acl_case("subcommands-and-firstargs", "ACL SETUSER a +client|id +select|0 +select|1 +select|0",
         "ACL GETUSER a", "ACL SETUSER a +select", "ACL GETUSER a",
         "ACL SETUSER a -select +select|2", "ACL GETUSER a", "ACL SETUSER a -@all +client",
         "ACL GETUSER a", "ACL SETUSER a -client|kill", "ACL GETUSER a"),
    acl_case("reset", "ACL SETUSER a on >pw ~* &* +@all", "ACL SETUSER a reset", "ACL GETUSER a",
         "ACL LIST"),
    acl_case("selectors", "ACL SETUSER a on nopass +get ~a* (+set ~b*) (%R~c* +@read)",
         "ACL GETUSER a", "ACL SETUSER a clearselectors", "ACL GETUSER a",
         "ACL SETUSER a (~x", "ACL SETUSER a (badrule)", "ACL SETUSER a '(+get ~x)'",
         "ACL GETUSER a"),
    acl_case("usernames", "ACL SETUSER 'a b'", "ACL GETUSER nosuch", "ACL DELUSER nosuch",
         "ACL DELUSER default", "ACL SETUSER x", "ACL SETUSER y", "ACL DELUSER x y z",
         "ACL USERS"),
    acl_case("sanitize-payload", "ACL SETUSER a skip-sanitize-payload", "ACL GETUSER a",
         "ACL SETUSER a sanitize-payload", "ACL GETUSER a"),
    acl_case("whoami-genpass-help", "ACL WHOAMI", "ACL GENPASS 0", "ACL GENPASS 4097",
         "ACL GENPASS abc", "ACL GENPASS 1 2", "ACL HELP", "ACL LOAD", "ACL SAVE", "ACL NOSUCH",
         "ACL", "ACL CAT", "ACL CAT nosuch", "ACL CAT a b", "ACL LOG 1 2", "ACL LOG abc",
         "ACL LOG RESET"),
    acl_case("dryrun", "ACL SETUSER a on nopass ~k* &ch* +get +publish +client|id +select|0",
         "ACL DRYRUN a get k1", "ACL DRYRUN a get x", "ACL DRYRUN a set k1 v",
         "ACL DRYRUN a publish ch1 m", "ACL DRYRUN a publish zz m", "ACL DRYRUN a client id",
         "ACL DRYRUN a client kill 1", "ACL DRYRUN a select 0", "ACL DRYRUN a select 1",
         "ACL DRYRUN a get", "ACL DRYRUN a nosuch", "ACL DRYRUN a client nosuch",
         "ACL DRYRUN nosuch get k", "ACL DRYRUN a auth x"),
    acl_case("key-permissions", "ACL SETUSER a on nopass %R~r* %W~w* ~b* +@all",
         "ACL DRYRUN a get r1", "ACL DRYRUN a get w1", "ACL DRYRUN a set w1 v",
         "ACL DRYRUN a set r1 v", "ACL DRYRUN a set w1 v GET", "ACL DRYRUN a incr w1",
         "ACL DRYRUN a del w1", "ACL DRYRUN a del r1", "ACL DRYRUN a exists r1",
         "ACL DRYRUN a exists w1", "ACL DRYRUN a exists zz", "ACL DRYRUN a copy r1 w1",
         "ACL DRYRUN a copy w1 r1", "ACL DRYRUN a lmove b1 w1 left right",
         "ACL DRYRUN a lmove w1 b1 left right", "ACL DRYRUN a sinterstore w1 r1 r2",
         "ACL DRYRUN a sinterstore w1 r1 x", "ACL DRYRUN a mget r1 b1 w1",
         "ACL DRYRUN a bitfield r1 GET u8 0", "ACL DRYRUN a bitfield r1 SET u8 0 1",
         "ACL DRYRUN a rename b1 w1", "ACL DRYRUN a eval 'return 1' 1 r1",
         "ACL DRYRUN a eval 'return 1' x r1"),
    acl_case("channel-permissions", "ACL SETUSER a on nopass resetchannels &news.* &lit +@all",
         "ACL DRYRUN a publish news.1 m", "ACL DRYRUN a publish other m",
         "ACL DRYRUN a subscribe news.1 other", "ACL DRYRUN a psubscribe news.*",
         "ACL DRYRUN a psubscribe news.1", "ACL DRYRUN a psubscribe lit",
         "ACL DRYRUN a spublish news.2 m", "ACL DRYRUN a ssubscribe x",
         "ACL DRYRUN a unsubscribe other", "ACL DRYRUN a pubsub numsub other"),
    acl_case("categories-in-description", "ACL SETUSER a +@read", "ACL DRYRUN a get k",
         "ACL DRYRUN a set k v", "ACL SETUSER b +@all -@dangerous", "ACL DRYRUN b flushall",
         "ACL DRYRUN b get k", "ACL DRYRUN b client kill 1", "ACL DRYRUN b client id",
         "ACL SETUSER c +@all -@slow", "ACL DRYRUN c client id", "ACL DRYRUN c client list",
         "ACL DRYRUN c get k"),
]


@pytest.mark.parametrize("steps", SETUSER_CASES)
def test_acl_commands(pair, steps):
    run_case(pair, steps)


def test_acl_list_after_categories(pair):
    """Single-command words in hash order: compared sorted."""
    pair.assert_same("ACL", "SETUSER", "a", "on", ">pw", "~k*", "+get", "+set", "+client|id",
                     "+select|0", "-get")
    pair.assert_same("ACL", "LIST", normalize=words_sorted)
    pair.assert_same("ACL", "SETUSER", "b", "+@all", "-get", "-set", "-client")
    pair.assert_same("ACL", "LIST", normalize=words_sorted)


def test_acl_cat_category_members(pair):
    """ACL CAT <category>: every command the engine lists, redis-server lists too
    (the engine implements a subset of the table); containers included."""
    known = {c.name.encode() for c in registry.TABLE.values()} | {
        s.name.encode() for c in registry.TABLE.values() for s in c.subcommands.values()}
    for category in registry.CATEGORY_ORDER:
        real, eng = pair.both("ACL", "CAT", category)
        real_all = {r.value for r in real.value}
        real_names = real_all & known
        eng_names = {r.value for r in eng.value} & real_all | (
            {r.value for r in eng.value} & known - _not_in_redis(pair))
        assert real_names == eng_names, (category, real_names ^ eng_names)


_REDIS_COMMANDS = []


def _not_in_redis(pair) -> set:
    """Engine commands a real 7.0 server does not have (module-style ones
    such as BF.* / FT.* that other parts of the lab add)."""
    if not _REDIS_COMMANDS:
        conn = pair.connect()
        names = set()
        for entry in conn.real.call("COMMAND").py():
            names.add(entry[0])
            for sub in entry[9]:
                names.add(sub[0])
        _REDIS_COMMANDS.append(names)
    known = {c.name.encode() for c in registry.TABLE.values()} | {
        s.name.encode() for c in registry.TABLE.values() for s in c.subcommands.values()}
    return known - _REDIS_COMMANDS[0]


def _user(pair, name="u", *rules):
    pair.assert_same("ACL", "SETUSER", name, "on", ">pw", *rules)
    conn = pair.connect()
    conn.assert_same("AUTH", name, "pw")
    return conn


def test_auth_and_wrongpass(pair):
    pair.assert_same("ACL", "SETUSER", "alice", "on", ">pw", "+@all", "~*")
    u = pair.connect()
    u.assert_same("AUTH", "alice", "nope")
    u.assert_same("AUTH", "nobody", "pw")
    u.assert_same("AUTH", "alice", "pw")
    u.assert_same("ACL", "WHOAMI")
    u.assert_same("HELLO", "2", "AUTH", "alice", "bad")
    u.assert_same("HELLO", "2", "AUTH", "default", "anything", normalize=hello)
    u.assert_same("ACL", "WHOAMI")
    pair.assert_same("ACL", "SETUSER", "alice", "off")
    v = pair.connect()
    v.assert_same("AUTH", "alice", "pw")
    v.assert_same("AUTH", "pw")     # default user has no password: a special error
    pair.assert_same("ACL", "SETUSER", "alice", "on", "nopass")
    v.assert_same("AUTH", "alice", "whatever")
    v.assert_same("ACL", "WHOAMI")


def test_requirepass_is_the_default_users_password(pair):
    pair.assert_same("CONFIG", "SET", "requirepass", TEST_PASSWORD)
    pair.assert_same("ACL", "GETUSER", "default")
    u = pair.connect()
    u.assert_same("GET", "k")
    u.assert_same("AUTH", "wrong")
    u.assert_same("AUTH", TEST_PASSWORD)
    u.assert_same("ACL", "WHOAMI")
    pair.assert_same("CONFIG", "SET", "requirepass", "")
    pair.assert_same("ACL", "GETUSER", "default")


def test_noperm_texts_top_level(pair):
    u = _user(pair, "u", "~k*", "&ch*", "+get", "+set", "+publish", "+client|id", "+select|0",
              "+acl|whoami", "+multi", "+exec", "+subscribe", "+psubscribe")
    run_case(u, [S(line) for line in (
        "GET k1", "GET x", "SET k1 v", "SET x v", "DEL k1", "CLIENT GETNAME", "CLIENT LIST",
        "SELECT 0", "SELECT 1", "PUBLISH ch1 m", "PUBLISH zz m", "ACL WHOAMI", "ACL LIST",
        "CONFIG GET maxmemory", "FLUSHALL", "PING",
        # Unknown commands and wrong arity are answered before the ACL check.
        "NOSUCHCMD x", "CLIENT NOSUCH", "GET", "SET x", "CONFIG")])


def test_noperm_inside_multi(pair):
    u = _user(pair, "u", "~k*", "+get", "+set", "+multi", "+exec", "+discard")
    run_case(u, [S(line) for line in (
        "MULTI", "SET k1 v", "SET x v", "GET k1", "EXEC", "GET k1",
        "MULTI", "DEL k1", "EXEC", "MULTI", "GET k1", "DISCARD", "EXEC")])


def test_noperm_from_lua(pair):
    u = _user(pair, "u", "~a*", "&c", "+eval", "+get", "+evalsha")
    for script in ("return redis.call('set','a','1')", "return redis.call('get','b')",
                   "return redis.pcall('get','b')", "return redis.call('get','a')",
                   "return redis.call('publish','zz','x')",
                   "return redis.acl_check_cmd('get','b')",
                   "return redis.acl_check_cmd('get','a')",
                   "return redis.acl_check_cmd('set','a','1')",
                   "return redis.acl_check_cmd('nosuch','a')",
                   "return redis.call('acl','whoami')"):
        u.assert_same("EVAL", script, "0")
    u.assert_same("EVAL", "return redis.call('get', KEYS[1])", "1", "b")


def test_pubsub_channel_permissions(pair):
    u = _user(pair, "u", "resetchannels", "&news.*", "&lit", "+@pubsub", "+ping")
    u.assert_same("PUBLISH", "news.1", "m")
    u.assert_same("PUBLISH", "other", "m")
    u.assert_same("SUBSCRIBE", "other")
    u.assert_same("PSUBSCRIBE", "news.1")
    u.assert_same("SUBSCRIBE", "news.1", "other")
    u.assert_same("PSUBSCRIBE", "lit")


def test_acl_log_entries(pair):
    u = _user(pair, "u", "~k*", "+get")
    u.assert_same("GET", "x")
    u.assert_same("GET", "x")
    u.assert_same("SET", "k", "v")
    bad = pair.connect()
    bad.assert_same("AUTH", "u", "wrong")

    def fields(reply):
        out = []
        for entry in reply.py():
            d = dict(zip(entry[::2], entry[1::2]))
            out.append((d[b"count"], d[b"reason"], d[b"context"], d[b"object"],
                        d[b"username"]))
        return out
    pair.assert_same("ACL", "LOG", normalize=fields)
    pair.assert_same("ACL", "LOG", "2", normalize=fields)
    pair.assert_same("ACL", "LOG", "RESET")
    pair.assert_same("ACL", "LOG")


def test_deleted_user_is_disconnected(pair):
    u = _user(pair, "u", "~*", "+@all")
    pair.assert_same("ACL", "DELUSER", "u")
    from resp_client import ConnectionClosed
    for side in (u.real, u.engine):
        with pytest.raises((ConnectionClosed, ConnectionError, OSError)):
            side.call("PING")


# -- generated: random rule sets × random commands ----------------------------------

EXAMPLES = int(os.environ.get("ACL_EXAMPLES", "300"))
DERANDOMIZE = os.environ.get("COMPAT_RANDOM", "") != "1"
NAMES = [b"a1", b"r1", b"w1", b"k1", b"zz", b"ch1", b"news.x", b"0", b"1"]


def _commands():
    out = []
    for cmd in registry.TABLE.values():
        if cmd.subcommands:
            out.extend(cmd.subcommands.values())
        if cmd.handler is not None:
            out.append(cmd)
    # Module-style commands (BF.ADD, FT.SEARCH: dotted names) do not exist in a
    # plain redis-server 7.0. DRYRUN runs nothing, so any command is safe here.
    return sorted((c for c in out if "." not in c.name), key=lambda c: c.name)


COMMANDS = _commands()
CATEGORIES = list(registry.CATEGORY_ORDER)
rule = st.one_of(
    st.sampled_from(["~a*", "%R~r*", "%W~w*", "%RW~k?", "~*", "allkeys", "resetkeys", "&ch*",
                     "&news.*", "&*", "allchannels", "resetchannels", "+@all", "-@all",
                     "nocommands", "allcommands", "+select|0", "+client|id", "-client|kill",
                     "+config|get", "(~s* +get +set)", "(%R~w* +@read)", "(&zz +publish)",
                     "clearselectors", "~r*", "%W~a*", "%R~*", "%W~*"]),
    st.sampled_from(CATEGORIES).map(lambda c: "+@" + c),
    st.sampled_from(CATEGORIES).map(lambda c: "-@" + c),
    st.sampled_from(COMMANDS).map(lambda c: "+" + c.name),
    st.sampled_from(COMMANDS).map(lambda c: "-" + c.name),
)


@st.composite
def command_line(draw):
    cmd = draw(st.sampled_from(COMMANDS))
    head = [p.encode() for p in cmd.name.split("|")]
    fixed = len(head)
    if cmd.arity > 0:
        n_args = max(cmd.arity - fixed, 0)
    else:
        n_args = max(-cmd.arity - fixed, 0) + draw(st.integers(0, 3))
    return head + [draw(st.sampled_from(NAMES)) for _ in range(n_args)]


STATS = {"rule_sets": 0, "setuser": 0, "dryrun": 0, "denied": 0, "getuser": 0}


@settings(max_examples=EXAMPLES, deadline=None, derandomize=DERANDOMIZE, database=None,
          suppress_health_check=list(HealthCheck))
@given(base=st.sampled_from([[], ["+@all"], ["+@all", "~*"], ["+@all", "~a*", "%R~r*", "&*"],
                             ["+@read", "+@write", "%W~w*", "~k*"], ["%R~*", "+@all"]]),
       rules=st.lists(rule, min_size=1, max_size=8),
       lines=st.lists(command_line(), min_size=4, max_size=8))
def test_generated_rules_and_commands(pair, base, rules, lines):
    pair.assert_same("ACL", "DELUSER", "g")
    rules = base + rules
    real, eng = pair.both("ACL", "SETUSER", "g", "on", "nopass", *rules)
    compare(("ACL SETUSER g",) + tuple(rules), real, eng)
    STATS["rule_sets"] += 1
    STATS["setuser"] += 1
    for argv in lines:
        reply = pair.assert_same("ACL", "DRYRUN", "g", *argv)
        STATS["dryrun"] += 1
        if reply.kind != "+":
            STATS["denied"] += 1

    def keys_channels(reply):
        d = reply.py()
        if d is None:
            return None
        d = dict(zip(d[::2], d[1::2]))
        return (d[b"flags"], d[b"keys"], d[b"channels"], len(d[b"selectors"]))
    pair.assert_same("ACL", "GETUSER", "g", normalize=keys_channels)
    STATS["getuser"] += 1
    REPORT["ACL generated differential"] = [
        f"{STATS['rule_sets']} rule sets, {STATS['dryrun']} DRYRUN decisions compared "
        f"({STATS['denied']} denied), {STATS['getuser']} GETUSER compared, 0 mismatches"]


def test_revoked_channels_disconnect_subscribers(pair):
    """ACL SETUSER that removes a subscriber's channel closes its connection
    (ACLKillPubsubClientsIfNeeded); an unrelated change does not."""
    from resp_client import ConnectionClosed
    u = _user(pair, "u", "resetchannels", "&ch1", "&ch2", "+@all")
    u.assert_same("SUBSCRIBE", "ch1")
    pair.assert_same("ACL", "SETUSER", "u", "&ch3")          # wider: stays connected
    u.assert_same("PING")
    pair.assert_same("ACL", "SETUSER", "u", "resetchannels", "&ch2")
    for side in (u.real, u.engine):
        with pytest.raises((ConnectionClosed, ConnectionError, OSError)):
            side.call("PING")


def test_exec_rechecks_rules_changed_after_queueing(pair):
    """EXEC checks each queued command again: a command the rules stopped
    allowing while it sat in the queue gets NOPERM in its slot of the EXEC
    reply, the others still run, and the ACL LOG says context multi."""
    admin = pair.connect()
    try:
        admin.assert_same("ACL", "SETUSER", "alice", "on", "nopass", "~*", "+@all")
        pair.assert_same("AUTH", "alice", "x")
        for step in (("MULTI",), ("SET", "k", "v"), ("GET", "k")):
            pair.assert_same(*step)
        admin.assert_same("ACL", "SETUSER", "alice", "-set")
        pair.assert_same("EXEC")
        for step in (("MULTI",), ("GET", "k")):
            pair.assert_same(*step)
        admin.assert_same("ACL", "SETUSER", "alice", "resetkeys", "~other*")
        pair.assert_same("EXEC")
        log = admin.both("ACL", "LOG")
        for reply in log:
            entries = reply.py()
            assert [(e[3], e[5], e[7]) for e in entries] == [
                (b"key", b"multi", b"k"), (b"command", b"multi", b"set")]
    finally:
        admin.close()
