"""Serverless caches: API shape, ECPU rules, throttling, fixed settings, GB-hours."""
from __future__ import annotations

import pytest

from engine.protocol.replies import ReplyError
from engine.service import ClientError, ElastiCache
from engine.service import serverless as sl
from engine.service.serverless import ecpus_for, vcpu_multiple


# -- the documented ECPU examples (DG:WhatIs.corecomponents, fact sheet §4) -----------

def test_a_get_of_up_to_1_kb_is_1_ecpu():
    assert ecpus_for([b"GET", b"k"], b"x" * 1000) == 1.0
    assert ecpus_for([b"GET", b"missing"], None) == 1.0


def test_a_set_costs_1_ecpu_per_kb_transferred():
    # key (1 byte) + value (3,581) + reply "OK" (2) = 3,584 bytes = 3.5 KB
    assert ecpus_for([b"SET", b"k", b"x" * 3581], b"OK") == 3.5
    # 3.2 KB, the doc's example: 3,276.8 bytes is not whole; 3,277 - 3 = value bytes
    assert ecpus_for([b"SET", b"k", b"x" * (3277 - 3)], b"OK") == pytest.approx(3277 / 1024)


def test_vcpu_heavy_commands_pay_the_higher_of_vcpu_and_kb():
    small = [b"a" * 600] * 3                          # 1,800 bytes back ≈ 1.8 KB
    assert ecpus_for([b"HMGET", b"h", b"f1", b"f2", b"f3"], small) == 3.0
    big = [b"a" * 1100] * 3                           # 3,300 + 7 bytes ≈ 3.23 KB
    assert ecpus_for([b"HMGET", b"h", b"f1", b"f2", b"f3"], big) == pytest.approx(3307 / 1024)


def test_vcpu_multiple_model():
    assert vcpu_multiple([b"MGET", b"a", b"b", b"c"]) == 3
    assert vcpu_multiple([b"MSET", b"a", b"1", b"b", b"2"]) == 2
    assert vcpu_multiple([b"LRANGE", b"l", b"0", b"-1"], [b"x"] * 10) == 10
    assert vcpu_multiple([b"GET", b"a"], b"x") == 1


# -- the API ------------------------------------------------------------------------

def make(ec=None, name="sess", **extra):
    ec = ec or ElastiCache(seed=5)
    out = ec.create_serverless_cache(ServerlessCacheName=name, Engine="valkey", **extra)
    return ec, out["ServerlessCache"]


def test_create_and_describe_shape():
    ec, cache = make()
    assert cache["Status"] == "creating"
    assert cache["Endpoint"]["Port"] == 6379
    assert cache["ReaderEndpoint"]["Port"] == 6380
    assert cache["Endpoint"]["Address"] == cache["ReaderEndpoint"]["Address"]
    assert ".serverless.use1.cache.amazonaws.com" in cache["Endpoint"]["Address"]
    ec.advance(60)
    (desc,) = ec.describe_serverless_caches(ServerlessCacheName="sess")["ServerlessCaches"]
    assert desc["Status"] == "available"
    assert desc["ARN"].endswith(":serverlesscache:sess")


def test_refusals():
    ec, _ = make()
    with pytest.raises(ClientError) as err:
        make(ec)
    assert err.value.code == "ServerlessCacheAlreadyExistsFault"
    with pytest.raises(ClientError) as err:
        ec.describe_serverless_caches(ServerlessCacheName="nope")
    assert err.value.code == "ServerlessCacheNotFoundFault"
    with pytest.raises(ClientError) as err:
        make(ec, name="big", CacheUsageLimits={"DataStorage": {"Maximum": 6000, "Unit": "GB"}})
    assert err.value.code == "InvalidParameterValue"
    with pytest.raises(ClientError) as err:
        make(ec, name="fast", CacheUsageLimits={"ECPUPerSecond": {"Maximum": 20_000_000}})
    assert err.value.code == "InvalidParameterValue"
    with pytest.raises(ClientError) as err:
        ec.create_serverless_cache(ServerlessCacheName="x", Engine="mysql")
    assert err.value.code == "InvalidParameterValue"


def test_region_quota_of_40():
    ec = ElastiCache(seed=1)
    for i in range(sl.SERVERLESS_CACHES_PER_REGION):
        ec.create_serverless_cache(ServerlessCacheName=f"c{i}", Engine="valkey")
    with pytest.raises(ClientError) as err:
        ec.create_serverless_cache(ServerlessCacheName="one-more", Engine="valkey")
    assert err.value.code == "ServerlessCacheQuotaForCustomerExceededFault"


def test_delete():
    ec, _ = make()
    ec.advance(60)
    assert ec.delete_serverless_cache(ServerlessCacheName="sess")["ServerlessCache"]["Status"] == "deleting"
    ec.advance(120)
    assert ec.describe_serverless_caches()["ServerlessCaches"] == []


def test_fixed_settings_cluster_mode_and_volatile_lru():
    ec, _ = make()
    cache = ec.serverless_cache("sess")
    assert dict(cache.execute("CONFIG", "GET", "maxmemory-policy")) == {b"maxmemory-policy": b"volatile-lru"}
    assert cache.execute("CLUSTER", "INFO").startswith(b"cluster_state:ok")
    assert sl.FIXED_SETTINGS["transit_encryption"].startswith("required")


def test_metering_counts_ecpus_per_request():
    ec, _ = make()
    cache = ec.serverless_cache("sess")
    cache.execute("SET", "k", b"x" * 3581)
    cache.execute("GET", "k")                          # 1 + 3,581 bytes = 3.5 KB
    cache.execute("GET", "nothing")
    assert cache.ecpus_total == pytest.approx(3.5 + 3582 / 1024 + 1)


def test_reader_port_reads_from_replicas():
    ec, _ = make()
    cache = ec.serverless_cache("sess")
    cache.execute("SET", "k", "v")
    assert cache.execute("GET", "k", read_only=True) == b"v"
    replicas = cache.cluster.shards[0].replicas
    assert sum(n.stats.keyspace_hits for n in replicas) == 1


def test_ecpu_maximum_throttles():
    ec, _ = make(CacheUsageLimits={"ECPUPerSecond": {"Maximum": 10}})
    cache = ec.serverless_cache("sess")
    replies = [cache.execute("GET", f"k{i}") for i in range(15)]
    throttled = [r for r in replies if isinstance(r, ReplyError)]
    assert len(throttled) == 5 and cache.throttled_total == 5
    ec.advance(1)                                     # a new second: capacity again
    assert not isinstance(cache.execute("GET", "k"), ReplyError)
    ec.advance(60)
    pts = ec.cloudwatch.series("ThrottledCmds", {"clusterId": "sess"})
    assert sum(v for _, v in pts) == 5


def test_storage_maximum_evicts_keys_with_ttl_first():
    ec, _ = make(CacheUsageLimits={"DataStorage": {"Maximum": 0.002, "Unit": "GB"}})   # 2 MB
    cache = ec.serverless_cache("sess")
    cache.execute("SET", "keep", "forever")
    for i in range(300):
        cache.execute("SET", f"t{i}", b"x" * 10_000, "EX", 3600)
    assert cache.execute("GET", "keep") == b"forever"
    assert cache.cluster.shards[0].primary.stats.evicted_keys > 0
    # with only keys without a TTL left to take, writes fail with OOM
    for i in range(300):
        reply = cache.execute("SET", f"p{i}", b"x" * 10_000)
        if isinstance(reply, ReplyError):
            break
    assert isinstance(reply, ReplyError) and str(reply).startswith("OOM")


def test_key_size_limit():
    ec, _ = make()
    cache = ec.serverless_cache("sess")
    assert isinstance(cache.execute("SET", b"k" * 5000, "v"), ReplyError)


def test_gb_hours_are_hourly_averages_of_samples():
    ec, _ = make(memory_scale=1e6)                    # each byte stands for 1 MB
    cache = ec.serverless_cache("sess")
    start = ec.clock.now_ms()
    ec.advance(3600 - (start % 3_600_000) / 1000)      # to the top of the hour
    cache.execute("SET", "k", b"x" * 1000)
    gb = cache.data_gb()
    assert gb > 0
    ec.advance(1800)                                  # half an hour with data
    cache.execute("DEL", "k")
    ec.advance(1800)                                  # half an hour empty
    hours = dict(cache.gb_hours())
    hour = (start // 3_600_000 + 1) * 3_600_000
    assert hours[hour] == pytest.approx(gb / 2, rel=0.02)
    assert sl.STORAGE_SAMPLES_PER_MINUTE >= 2        # "several times a minute"


def test_capacity_doubles_under_sustained_demand_and_throttles_meanwhile():
    cap = sl.Capacity()
    demand = 40_000.0
    served_total = throttled_total = 0.0
    now = 0
    for _ in range(20):                               # 20 minutes, one minute at a time
        now += 60_000
        served, throttled = cap.serve(demand, 60, now)
        served_total += served
        throttled_total += throttled
    assert cap.current >= demand
    assert throttled_total > 0
    steps = [c for _, c in cap.changes]
    assert steps == sorted(steps) and steps[0] == 2 * sl.INITIAL_ECPU_PER_SECOND


def test_a_hot_slot_is_throttled_at_30k_ecpu_per_second_90k_on_the_reader_port():
    ec, _ = make(CacheUsageLimits={"ECPUPerSecond": {"Minimum": 1_000_000}})
    cache = ec.serverless_cache("sess")
    cache.execute("SET", "hot", "v")
    cache.request_scale = 1000              # each request stands for 1,000 (1,000 ECPUs)
    ec.advance(1)
    writes = [cache.execute("GET", "hot") for _ in range(40)]
    assert sum(isinstance(r, ReplyError) for r in writes) == 40 - 30
    ec.advance(1)
    reads = [cache.execute("GET", "hot", read_only=True) for _ in range(100)]
    assert sum(isinstance(r, ReplyError) for r in reads) == 100 - 90
    ec.advance(1)                            # other slots are not held back
    assert not isinstance(cache.execute("GET", "cold"), ReplyError)


def test_redis_py_client_is_metered_like_execute():
    ec, _ = make()
    cache = ec.serverless_cache("sess")
    r = cache.client(decode_responses=True)
    assert r.set("k", "x" * 3581) is True
    assert cache.ecpus_total == pytest.approx(3.5)
    r.hset("h", mapping={"a": "1", "b": "2", "c": "3"})          # 3 fields: 3 ECPUs
    assert r.hmget("h", "a", "b", "c") == ["1", "2", "3"]          # 3 ECPUs
    assert cache.ecpus_total == pytest.approx(3.5 + 3 + 3)


def test_reader_port_client_reads_replicas_and_redirects_writes():
    import redis
    ec, _ = make()
    cache = ec.serverless_cache("sess")
    cache.client().set("k", "v")
    reader = cache.client(read_only=True)
    assert reader.get("k") == b"v"
    assert cache.cluster.shards[0].replicas[0].stats.keyspace_hits == 1
    with pytest.raises(redis.exceptions.MovedError):
        reader.set("k", "w")


def test_client_is_throttled_by_the_ecpu_maximum():
    import redis
    ec, _ = make(CacheUsageLimits={"ECPUPerSecond": {"Maximum": 5}})
    r = ec.serverless_cache("sess").client()
    for _ in range(5):
        r.get("x")
    with pytest.raises(redis.exceptions.ResponseError, match="throttled"):
        r.get("x")


def test_alarms_at_75_percent_of_the_maximums():
    ec, _ = make(CacheUsageLimits={"ECPUPerSecond": {"Maximum": 10},
                                   "DataStorage": {"Maximum": 1, "Unit": "GB"}})
    cache = ec.serverless_cache("sess")
    alarms = sl.maximum_alarms(cache)
    assert [a["Threshold"] for a in alarms] == [0.75 * 10 * 60, 0.75 * 1e9]
    for a in alarms:
        ec.cloudwatch.put_metric_alarm(**a)
    ec.advance(60 - ec.clock.now_ms() % 60_000 / 1000)   # to the top of a minute
    cache.request_scale = 100                             # 100 ECPUs a request
    for _ in range(6):                                    # 600 ECPUs in the minute > 450
        assert not isinstance(cache.execute("GET", "k"), ReplyError)
        ec.advance(1)
    ec.advance(60 - ec.clock.now_ms() % 60_000 / 1000)
    states = {a["AlarmName"]: a["StateValue"] for a in ec.cloudwatch.describe_alarms()["MetricAlarms"]}
    assert states == {"sess-ecpu-75pct": "ALARM", "sess-storage-75pct": "OK"}
    assert sl.maximum_alarms(ec.serverless_cache("sess")) and not sl.maximum_alarms(
        ec.serverless_cache(make(ec, name="free")[1]["ServerlessCacheName"]))


def test_memcached_serverless_is_billing_only():
    ec = ElastiCache(seed=1)
    ec.create_serverless_cache(ServerlessCacheName="mc", Engine="memcached")
    cache = ec.serverless_cache("mc")
    assert isinstance(cache.execute("GET", "k"), ReplyError)
    with pytest.raises(ValueError, match="no emulated data plane"):
        cache.client()
    assert sl.memcached_ecpus_for([100, 100, 100]) == 3.0     # the doc's multiget example
    assert sl.memcached_ecpus_for([4096]) == 4.0


@pytest.mark.parametrize("limits", ["x", {"DataStorage": 5}, {"ECPUPerSecond": [1]},
                                    {"ECPUPerSecond": {"Maximum": "10"}},
                                    {"ECPUPerSecond": {"Minimum": 10, "Maximum": 5}}])
def test_bad_usage_limits_are_refused(limits):
    ec = ElastiCache(seed=1)
    with pytest.raises(ClientError) as err:
        ec.create_serverless_cache(ServerlessCacheName="x", Engine="valkey",
                                   CacheUsageLimits=limits)
    assert err.value.code in ("InvalidParameterValue", "InvalidParameterCombination")
