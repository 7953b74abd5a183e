"""Network isolation (VPC, subnets, security groups), TLS-only groups and
IAM authentication with 15-minute tokens and 12-hour connections."""
from __future__ import annotations

import pytest

from engine.security.network import Client
from engine.service.elasticache import ElastiCache
from engine.service.errors import ClientError
from engine.service.security_api import ConnectionRefused

PARAMS = dict(ReplicationGroupDescription="d", Engine="redis", CacheNodeType="cache.t3.micro",
              NumCacheClusters=1)


@pytest.fixture
def world():
    ec = ElastiCache(seed=3)
    net = ec.network
    vpc = net.create_vpc("10.0.0.0/16")
    app_subnet = net.create_subnet(vpc, "10.0.1.0/24", "us-east-1a")
    cache_subnet = net.create_subnet(vpc, "10.0.2.0/24", "us-east-1b")
    app_sg = net.create_security_group(vpc, "app")
    cache_sg = net.create_security_group(vpc, "cache")
    ec.create_cache_subnet_group(CacheSubnetGroupName="private", CacheSubnetGroupDescription="d",
                                 SubnetIds=[cache_subnet.id])
    ec.create_replication_group(ReplicationGroupId="shop", CacheSubnetGroupName="private",
                                SecurityGroupIds=[cache_sg.id], TransitEncryptionEnabled=True,
                                **PARAMS)
    app = Client(app_subnet.host(7), vpc.id, [app_sg.id], name="web")
    return ec, vpc, app_sg, cache_sg, app


def test_missing_rule_is_named(world):
    ec, vpc, app_sg, cache_sg, app = world
    verdict = ec.can_reach("shop", app)
    assert not verdict
    assert "TCP 6379" in verdict.reason and app.ip in verdict.reason
    assert app_sg.id in verdict.reason and cache_sg.id in verdict.reason


def test_source_group_rule_opens_the_port(world):
    ec, vpc, app_sg, cache_sg, app = world
    cache_sg.authorize(6379, source_group=app_sg.id)
    assert ec.can_reach("shop", app)
    outsider = Client("10.0.1.99", vpc.id, [])
    assert not ec.can_reach("shop", outsider)
    cache_sg.authorize(6379, cidr="10.0.1.0/24")
    assert ec.can_reach("shop", outsider)


def test_wrong_port_rule_does_not_help(world):
    ec, vpc, app_sg, cache_sg, app = world
    cache_sg.authorize(6380, source_group=app_sg.id)
    assert not ec.can_reach("shop", app)


def test_internet_and_other_vpcs(world):
    ec, vpc, app_sg, cache_sg, app = world
    cache_sg.authorize(6379, cidr="0.0.0.0/0")
    assert "no public IP" in ec.can_reach("shop", Client("203.0.113.5")).reason
    other = ec.network.create_vpc("192.168.0.0/16")
    elsewhere = Client("192.168.1.5", other.id)
    assert "peering" in ec.can_reach("shop", elsewhere).reason
    ec.network.peer(vpc, other)
    assert ec.can_reach("shop", elsewhere)


def test_endpoints_are_private(world):
    ec, *_ = world
    for endpoint in ec.endpoints("shop"):
        assert endpoint.ip.startswith("10.0.2.")


def test_tls_group_refuses_plaintext(world):
    ec, vpc, app_sg, cache_sg, app = world
    cache_sg.authorize(6379, source_group=app_sg.id)
    with pytest.raises(ConnectionRefused, match="only speaks TLS"):
        ec.connect("shop", app, tls=False)
    conn = ec.connect("shop", app, tls=True)
    assert conn.execute("PING") == b"PONG"


def test_unknown_security_group_refused(world):
    ec, *_ = world
    with pytest.raises(ClientError) as info:
        ec.create_replication_group(ReplicationGroupId="x", SecurityGroupIds=["sg-nope"], **PARAMS)
    assert info.value.code == "InvalidParameterValue"


@pytest.fixture
def iam():
    ec = ElastiCache(seed=5)
    ec.create_user(UserId="svc", UserName="svc", Engine="redis", AccessString="on ~* +@all",
                   AuthenticationMode={"Type": "iam"})
    ec.create_user_group(UserGroupId="g", Engine="redis", UserIds=["svc", "default"])
    ec.create_replication_group(ReplicationGroupId="shop", TransitEncryptionEnabled=True,
                                UserGroupIds=["g"], **PARAMS)
    node = ec._group("shop").cluster.primaries[0]
    return ec, node


def auth(node, session, user, token):
    return node.execute(session, [b"AUTH", user.encode(), token.encode()])


def test_iam_user_name_must_equal_id():
    ec = ElastiCache()
    with pytest.raises(ClientError):
        ec.create_user(UserId="svc-1", UserName="svc", Engine="redis", AccessString="on ~*",
                       AuthenticationMode={"Type": "iam"})


def test_iam_token_valid_for_15_minutes(iam):
    ec, node = iam
    token = ec.iam_auth_token(ReplicationGroupId="shop", UserId="svc")
    s = node.open_session()
    assert auth(node, s, "svc", token) == b"OK"
    ec.advance(16 * 60)
    s2 = node.open_session()
    assert auth(node, s2, "svc", token).message.startswith("WRONGPASS")
    assert auth(node, s2, "svc", token[:-1] + "0").message.startswith("WRONGPASS")


def test_iam_connection_dropped_after_12_hours(iam):
    ec, node = iam
    s = node.open_session()
    assert auth(node, s, "svc", ec.iam_auth_token(ReplicationGroupId="shop", UserId="svc")) == b"OK"
    ec.advance(11 * 3600)
    assert node.execute(s, [b"SET", b"k", b"v"]) == b"OK"
    # Re-authenticating restarts the 12 hours.
    assert auth(node, s, "svc", ec.iam_auth_token(ReplicationGroupId="shop", UserId="svc")) == b"OK"
    ec.advance(11 * 3600)
    assert node.execute(s, [b"GET", b"k"]) == b"v"
    ec.advance(2 * 3600)
    reply = node.execute(s, [b"GET", b"k"])
    assert "12 hours" in reply.message and s.close_after_reply
