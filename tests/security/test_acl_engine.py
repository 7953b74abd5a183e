"""The engine's ACLs on every path: in-process sessions, MULTI, Lua, pub/sub,
redis-py over the in-process client, cluster nodes, and the ACL log.
(The texts themselves are compared with redis-server in tests/compat/test_acl.py.)"""
from __future__ import annotations

import pytest

import engine
from engine.node.node import Node
from engine.protocol.replies import ReplyError
from engine.security import acl as rules
from engine.security.access import NOPERM_KEY


def run(node, session, *args):
    return node.execute(session, [a if isinstance(a, bytes) else str(a).encode() for a in args])


@pytest.fixture
def node():
    n = Node()
    admin = n.open_session()
    run(n, admin, "ACL", "SETUSER", "app", "on", ">app-password", "~app:*", "&orders",
        "+@read", "+@write", "-@dangerous", "+multi", "+exec", "+eval", "+subscribe",
        "+publish")
    run(n, admin, "ACL", "SETUSER", "analyst", "on", ">read-only-pass", "%R~*", "+@read")
    return n


def login(node, user, password):
    s = node.open_session()
    assert run(node, s, "AUTH", user, password) == b"OK"
    return s


def test_key_patterns_and_categories(node):
    s = login(node, "app", "app-password")
    assert run(node, s, "SET", "app:1", "v") == b"OK"
    assert run(node, s, "GET", "app:1") == b"v"
    refused = run(node, s, "GET", "secret")
    assert isinstance(refused, ReplyError) and refused.message == NOPERM_KEY
    assert run(node, s, "FLUSHALL").message == (
        "NOPERM this user has no permissions to run the 'flushall' command")


def test_read_only_analyst_cannot_write(node):
    s = login(node, "analyst", "read-only-pass")
    assert run(node, s, "GET", "anything") is None
    assert run(node, s, "SET", "x", "1").message.startswith("NOPERM")
    # %R~* grants reading keys, not writing them, even with the command allowed.
    run(node, node.open_session(), "ACL", "SETUSER", "analyst", "+set")
    assert run(node, s, "SET", "x", "1").message == NOPERM_KEY


def test_wrongpass_and_disabled_users(node):
    s = node.open_session()
    assert run(node, s, "AUTH", "app", "nope").message == (
        "WRONGPASS invalid username-password pair or user is disabled.")
    run(node, s, "ACL", "SETUSER", "app", "off")
    assert run(node, s, "AUTH", "app", "app-password").message.startswith("WRONGPASS")
    entries = node.acl.log_entries()
    assert [e["reason"] for e in entries[:2]] == ["auth", "auth"] or entries[0]["count"] == 2


def test_requirepass_sets_default_password():
    n = Node(requirepass="s3cret-pass")
    s = n.open_session()
    assert run(n, s, "GET", "k").message.startswith("NOAUTH")
    assert run(n, s, "AUTH", "s3cret-pass") == b"OK"
    assert run(n, s, "ACL", "WHOAMI") == b"default"
    digest = rules.hash_password(b"s3cret-pass")
    assert run(n, s, "ACL", "GETUSER", "default")[b"passwords"] == [digest.encode()]


def test_multi_refuses_at_queue_time(node):
    s = login(node, "app", "app-password")
    assert run(node, s, "MULTI") == b"OK"
    assert run(node, s, "GET", "secret").message == NOPERM_KEY
    assert run(node, s, "SET", "app:1", "v") == b"QUEUED"
    assert run(node, s, "EXEC").message.startswith("EXECABORT")
    assert node.acl.log[0].context == "multi"


def test_lua_redis_call_is_checked(node):
    s = login(node, "app", "app-password")
    reply = run(node, s, "EVAL", "return redis.call('get', 'secret')", "0")
    assert reply.message.startswith("ERR The user executing the script can't access at least "
                                    "one of the keys mentioned in the command arguments")
    assert run(node, s, "EVAL", "return redis.acl_check_cmd('get', 'secret')", "0") is None
    assert run(node, s, "EVAL", "return redis.acl_check_cmd('get', 'app:1')", "0") == 1
    assert node.acl.log[0].context == "lua"


def test_pubsub_channels(node):
    s = login(node, "app", "app-password")
    assert run(node, s, "PUBLISH", "orders", "m") == 0
    assert run(node, s, "PUBLISH", "payroll", "m").message.startswith(
        "NOPERM this user has no permissions to access one of the channels")
    assert run(node, s, "SUBSCRIBE", "payroll").message.startswith("NOPERM")


def test_deluser_drops_connections(node):
    s = login(node, "app", "app-password")
    run(node, node.open_session(), "ACL", "DELUSER", "app")
    assert s.id not in node.sessions


def test_redis_py_in_process_client():
    n = Node()
    admin = n.open_session()
    run(n, admin, "ACL", "SETUSER", "app", "on", ">app-password", "~app:*", "+@all")
    r = engine.connect(n, username="app", password="app-password")
    r.set("app:x", "1")
    with pytest.raises(Exception) as info:
        r.get("other")
    assert "no permissions" in str(info.value)


def test_every_cluster_node_enforces():
    from engine.cluster.topology import Cluster
    cluster = Cluster(shards=2, replicas=0)
    for node in cluster.primaries:
        run(node, node.open_session(), "ACL", "SETUSER", "ro", "on", "nopass", "~*", "+@read")
        s = login(node, "ro", "x")
        assert run(node, s, "SET", "k", "v").message.startswith("NOPERM")


def test_rule_errors_leave_user_untouched(node):
    admin = node.open_session()
    before = run(node, admin, "ACL", "GETUSER", "analyst")
    reply = run(node, admin, "ACL", "SETUSER", "analyst", "+get", "bogus")
    assert reply.message == "ERR Error in ACL SETUSER modifier 'bogus': Syntax error"
    assert run(node, admin, "ACL", "GETUSER", "analyst") == before


def test_selectors_widen_permissions():
    u = rules.User("u")
    for r in ("on", "nopass", "~a*", "+get", "(~b* +set)"):
        u.apply(r)
    from engine.commands.registry import lookup
    get, set_ = lookup([b"get"]), lookup([b"set"])
    assert u.check(get, [b"get", b"a1"])[0] == rules.OK
    assert u.check(set_, [b"set", b"b1", b"v"])[0] == rules.OK
    assert u.check(set_, [b"set", b"a1", b"v"])[0] == rules.DENIED_KEY
    assert u.describe() == "on nopass ~a* resetchannels -@all +get (~b* resetchannels -@all +set)"


def test_acl_checked_before_cluster_redirection():
    """processCommand order: NOPERM wins over MOVED for a key on another shard."""
    from engine.cluster.topology import Cluster
    cluster = Cluster(shards=2, replicas=0)
    first = cluster.primaries[0]
    run(first, first.open_session(), "ACL", "SETUSER", "u", "on", "nopass", "~mine:*", "+@all")
    s = login(first, "u", "x")
    moved = [k for k in (f"mine:{i}" for i in range(50))
             if isinstance(run(first, s, "GET", k), ReplyError)]
    assert moved and run(first, s, "GET", moved[0]).message.startswith("MOVED")
    admin = first.open_session()
    foreign = next(k for k in (f"other:{i}" for i in range(50))
                   if isinstance(run(first, admin, "GET", k), ReplyError))   # MOVED for admin
    assert run(first, s, "GET", foreign).message == NOPERM_KEY
