"""The emulated ElastiCache security API: RBAC users and user groups, AUTH
token rules and ROTATE/SET rotation, enforced by the group's engine nodes."""
from __future__ import annotations

import pytest

from engine.service.elasticache import ElastiCache
from engine.service.errors import ClientError

PW_APP = "app-password-0001"
TOKEN_1 = "first-token-123456"
TOKEN_2 = "second-token-12345"


def code(call, **kwargs):
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    return info.value.code


def group_params(**extra):
    base = dict(ReplicationGroupId="shop", ReplicationGroupDescription="shop", Engine="redis",
                CacheNodeType="cache.t3.micro", NumCacheClusters=2)
    base.update(extra)
    return base


def nodes(ec, name):
    group = ec._group(name)
    return [n for shard in group.cluster.shards for n in shard.nodes]


def auth(node, user, password):
    s = node.open_session()
    reply = node.execute(s, [b"AUTH", user.encode(), password.encode()])
    return s, reply


@pytest.fixture
def ec():
    service = ElastiCache(seed=7)
    service.create_user(UserId="app", UserName="app", Engine="redis",
                        AccessString="on ~app:* +@read +@write -@dangerous", Passwords=[PW_APP])
    service.create_user(UserId="analyst", UserName="analyst", Engine="redis",
                        AccessString="on ~* -@all +@read", Passwords=["analyst-password-01"])
    service.create_user(UserId="no-default", UserName="default", Engine="redis",
                        AccessString="off ~* +@all", NoPasswordRequired=True)
    return service


@pytest.mark.parametrize("access", ["on >secret ~* +@all", "on nopass ~*", "reset on ~*",
                                    "on #" + "a" * 64, "on ~* +nosuchcommand", "on bogus"])
def test_access_strings_refused(ec, access):
    assert code(ec.create_user, UserId="x", UserName="x", Engine="redis",
                AccessString=access, Passwords=["x" * 16]) == "InvalidParameterValue"


def test_user_without_on_is_off(ec):
    ec.create_user(UserId="quiet", UserName="quiet", Engine="redis", AccessString="~* +@all",
                   Passwords=["quiet-password-0001"])
    ec.create_user_group(UserGroupId="g", Engine="redis", UserIds=["quiet", "default"])
    ec.create_replication_group(**group_params(TransitEncryptionEnabled=True, UserGroupIds=["g"]))
    _, reply = auth(nodes(ec, "shop")[0], "quiet", "quiet-password-0001")
    assert reply.message.startswith("WRONGPASS")


@pytest.mark.parametrize("passwords", [["short"], ["x" * 129], ["a" * 16] * 3])
def test_password_rules(ec, passwords):
    assert code(ec.create_user, UserId="p", UserName="p", Engine="redis",
                AccessString="on ~*", Passwords=passwords) == "InvalidParameterValue"


def test_user_group_needs_a_default_user(ec):
    assert code(ec.create_user_group, UserGroupId="g", Engine="redis",
                UserIds=["app"]) == "DefaultUserRequired"
    assert code(ec.create_user_group, UserGroupId="g", Engine="redis",
                UserIds=["default", "no-default"]) == "DuplicateUserName"


def test_rbac_enforced_on_every_node(ec):
    ec.create_user_group(UserGroupId="g", Engine="redis", UserIds=["app", "analyst", "default"])
    ec.create_replication_group(**group_params(TransitEncryptionEnabled=True, UserGroupIds=["g"]))
    for node in nodes(ec, "shop"):
        s, reply = auth(node, "app", PW_APP)
        assert reply == b"OK"
        assert node.execute(s, [b"GET", b"app:1"]) in (None, b"v")
        assert node.execute(s, [b"GET", b"hr:salaries"]).message.startswith("NOPERM")
        assert node.execute(s, [b"FLUSHALL"]).message.startswith("NOPERM")
        s, reply = auth(node, "analyst", "analyst-password-01")
        assert node.execute(s, [b"GET", b"hr:salaries"]) is None
        assert node.execute(s, [b"SET", b"app:1", b"v"]).message.startswith("NOPERM")
    primary = ec._group("shop").cluster.primaries[0]
    s, _ = auth(primary, "app", PW_APP)
    assert primary.execute(s, [b"SET", b"app:1", b"v"]) == b"OK"


def test_user_group_requires_tls(ec):
    ec.create_user_group(UserGroupId="g", Engine="redis", UserIds=["default"])
    assert code(ec.create_replication_group, **group_params(UserGroupIds=["g"])) == \
        "InvalidParameterCombination"


def test_modify_user_group_changes_nodes(ec):
    ec.create_user_group(UserGroupId="g", Engine="redis", UserIds=["default"])
    ec.create_replication_group(**group_params(TransitEncryptionEnabled=True, UserGroupIds=["g"]))
    node = nodes(ec, "shop")[0]
    assert auth(node, "app", PW_APP)[1].message.startswith("WRONGPASS")
    ec.modify_user_group(UserGroupId="g", UserIdsToAdd=["app"])
    assert auth(node, "app", PW_APP)[1] == b"OK"
    assert code(ec.modify_user_group, UserGroupId="g", UserIdsToRemove=["default"]) == \
        "DefaultUserRequired"


@pytest.mark.parametrize("token", ["too-short", "x" * 129, "has space in it 123",
                                   "quote'is-not-allowed", "at@sign-not-allowed!"])
def test_auth_token_rules(ec, token):
    assert code(ec.create_replication_group,
                **group_params(TransitEncryptionEnabled=True, AuthToken=token)) == \
        "InvalidParameterValue"


def test_auth_token_requires_tls(ec):
    assert code(ec.create_replication_group, **group_params(AuthToken=TOKEN_1)) == \
        "InvalidParameterValue"


def test_token_rotation_has_no_failed_request(ec):
    """ROTATE: old and new tokens both work; clients switch; SET: only the new."""
    ec.create_replication_group(**group_params(TransitEncryptionEnabled=True, AuthToken=TOKEN_1))
    node = nodes(ec, "shop")[0]
    assert auth(node, "default", "wrong-token-123456")[1].message.startswith("WRONGPASS")
    failures = 0
    current = TOKEN_1
    for step in range(6):
        if step == 2:
            ec.modify_replication_group(ReplicationGroupId="shop", AuthToken=TOKEN_2,
                                        AuthTokenUpdateStrategy="ROTATE", ApplyImmediately=True)
            assert sorted(ec.auth_tokens("shop")) == sorted([TOKEN_1, TOKEN_2])
        if step == 3:
            current = TOKEN_2           # the application picks up the new secret
        if step == 4:
            ec.modify_replication_group(ReplicationGroupId="shop", AuthToken=TOKEN_2,
                                        AuthTokenUpdateStrategy="SET", ApplyImmediately=True)
        _, reply = auth(node, "default", current)
        failures += reply != b"OK"
    assert failures == 0
    assert auth(node, "default", TOKEN_1)[1].message.startswith("WRONGPASS")


def test_rotate_keeps_at_most_two(ec):
    ec.create_replication_group(**group_params(TransitEncryptionEnabled=True, AuthToken=TOKEN_1))
    for token in (TOKEN_2, "third-token-123456"):
        ec.modify_replication_group(ReplicationGroupId="shop", AuthToken=token,
                                    AuthTokenUpdateStrategy="ROTATE", ApplyImmediately=True)
    assert ec.auth_tokens("shop") == [TOKEN_2, "third-token-123456"]


def test_auth_token_and_user_groups_exclusive(ec):
    ec.create_user_group(UserGroupId="g", Engine="redis", UserIds=["default"])
    assert code(ec.create_replication_group, **group_params(
        TransitEncryptionEnabled=True, AuthToken=TOKEN_1, UserGroupIds=["g"])) == \
        "InvalidParameterCombination"


def test_builtin_default_user_is_fixed(ec):
    assert code(ec.modify_user, UserId="default", AccessString="off") == "InvalidParameterValue"
    assert code(ec.delete_user, UserId="default") == "InvalidParameterValue"


def test_describe_follows_token_changes(ec):
    ec.create_replication_group(**group_params(TransitEncryptionEnabled=True, AuthToken=TOKEN_1))
    out = ec.modify_replication_group(ReplicationGroupId="shop", AuthTokenUpdateStrategy="DELETE",
                                      ApplyImmediately=True)
    assert out["ReplicationGroup"]["AuthTokenEnabled"] is False
    s, reply = auth(nodes(ec, "shop")[0], "default", "anything-at-all-1")
    assert reply == b"OK"          # no token any more: the default user is nopass again
