"""In-transit encryption on the wire: a group created with
TransitEncryptionEnabled=True, served over TCP, speaks only TLS — rediss://
clients and redis-cli --tls --cacert get in, plaintext clients do not."""
from __future__ import annotations

import subprocess

import pytest
import redis

from engine.service import ElastiCache


def _create(ec, name, tls):
    ec.create_replication_group(
        ReplicationGroupId=name, ReplicationGroupDescription="t", Engine="valkey",
        CacheNodeType="cache.r7g.large", NumCacheClusters=2, AutomaticFailoverEnabled=True,
        TransitEncryptionEnabled=tls)
    ec.get_waiter("replication_group_available").wait(ReplicationGroupId=name)


def test_tls_group_refuses_plaintext_and_serves_tls(require_binary):
    ec = ElastiCache(seed=4)
    _create(ec, "secure", tls=True)
    with ec.serve("secure") as served:
        port = served.primary_ports[0]
        assert served.ca_path is not None
        with pytest.raises(redis.ConnectionError):
            redis.Redis(port=port, socket_timeout=5).ping()
        tls_client = redis.Redis(port=port, ssl=True, ssl_ca_certs=served.ca_path,
                                 socket_timeout=5)
        assert tls_client.set("k", "v") and tls_client.get("k") == b"v"
        tls_client.close()
        cli = require_binary("redis-cli")
        out = subprocess.run([cli, "--tls", "--cacert", served.ca_path, "-p", str(port), "GET", "k"],
                             capture_output=True, text=True, timeout=20)
        assert out.stdout.strip() == "v", out.stderr
        out = subprocess.run([cli, "-p", str(port), "PING"], capture_output=True, text=True,
                             timeout=20)
        assert "PONG" not in out.stdout


def test_plain_group_serves_plain_tcp():
    ec = ElastiCache(seed=5)
    _create(ec, "open", tls=False)
    with ec.serve("open") as served:
        assert served.ca_path is None
        client = redis.Redis(port=served.primary_ports[0], socket_timeout=5)
        assert client.ping() is True
        client.close()
