"""The probes against a real redis-server 7.0 and a real memcached 1.6.

The memcached probe must find exactly what it finds on the engine's memcached node
(the engine matches memcached 1.6 byte for byte); the Redis probe must find every
feature of the real product, with nothing "not in this build".
"""
from __future__ import annotations

import pytest
import redis

from engine import compare
from engine.memcached import MemcachedNode

pytestmark = pytest.mark.realserver


@pytest.fixture(scope="module")
def real_probes(real_redis, real_memcached):
    return compare.probe_redis(real_redis), compare.probe_memcached(real_memcached)


def test_real_redis_has_every_redis_feature(real_probes):
    redis_probe, _ = real_probes
    f = redis_probe["features"]
    assert redis_probe["server"]["product"] == "Redis OSS"
    for feature in compare.FEATURES:
        if feature.key in ("persistence", "restart"):
            continue
        assert f[feature.key]["status"] == "yes", feature.key
    assert f["persistence"]["status"] == "off"          # started with --save '' --appendonly no
    assert f["restart"]["status"] == "lost"
    assert f["replication"]["value"] == {"role": "master", "replicas": 0}
    assert f["item_size"]["value"]["limit"] == 512 * 1024 * 1024
    assert f["ttl"]["value"]["unit"] == "ms"
    assert f["hashes"]["value"] == {"type": "hash"}
    assert f["geospatial"]["value"] == {"type": "zset"}   # geo indexes are sorted sets


def test_real_redis_probe_leaves_no_keys(real_redis, real_probes):
    assert real_redis.keys("lab01:*") == []


def test_real_memcached_matches_the_engine(real_probes):
    _, real = real_probes
    embedded = compare.probe_memcached(MemcachedNode())
    for key, finding in embedded["features"].items():
        assert real["features"][key]["status"] == finding["status"], key
    for key in ("item_size", "key_size", "ttl", "threads"):
        assert real["features"][key]["value"] == embedded["features"][key]["value"], key
    assert real["server"]["version"].startswith("1.6")


def test_real_memcached_probe_leaves_no_items(real_memcached, real_probes):
    host, port = real_memcached.split(":")
    pymemcache = pytest.importorskip("pymemcache.client.base")
    client = pymemcache.Client((host, int(port)))
    names = ["string", "size", "a", "b", "ttl", "cas", "K" * (250 - len("lab01:probe:"))]
    assert client.get_many([f"lab01:probe:{n}" for n in names]) == {}
    client.close()


def test_table_from_real_servers_has_no_build_gaps(real_probes):
    rows = compare.feature_table(*real_probes)
    assert all(r["redis_status"] != "not in this build" for r in rows)
    assert all(r["memcached_status"] != "not in this build" for r in rows)


def test_a_refusal_by_acl_is_not_a_missing_feature(real_redis):
    """A user without +eval gets NOPERM: the probe says "unknown", not "no"."""
    port = real_redis.connection_pool.connection_kwargs["port"]
    real_redis.acl_setuser("lab01-probe", enabled=True, passwords=["+pw"], keys=["*"],
                           channels=["*"], commands=["+@all", "-eval"])
    try:
        limited = redis.Redis(port=port, username="lab01-probe", password="pw",
                              decode_responses=True)
        probe = compare.probe_redis(limited)
        limited.close()
    finally:
        real_redis.acl_deluser("lab01-probe")
    assert probe["features"]["lua"]["status"] == "unknown"
    assert probe["features"]["lua"]["summary"] == "denied (ACL)"
    assert "NOPERM" in probe["features"]["lua"]["evidence"][0]["reply"]
    assert probe["features"]["hashes"]["status"] == "yes"
