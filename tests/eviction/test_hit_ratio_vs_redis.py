"""Eviction quality, measured against a real redis-server.

Eviction under allkeys-lru / allkeys-lfu is randomised (sampling), so replies
cannot be compared one by one. What must match is the *outcome*: on the same
Zipf workload, with room for the same number of keys, the engine's hit ratio
must be within 3 points of redis-server's.

Both servers get a memory limit that holds CAPACITY keys, calibrated on each
server separately (their byte counts differ slightly). The LRU run is paced on
the wall clock at the same request rate for both, because both servers' LRU
clocks tick once per second of real time.
"""
import threading

import pytest
import redis

import engine
from engine.workload import cache_aside, zipf_keys

VALUE = b"v" * 1000
N_KEYS = 5000
CAPACITY = 500
REQUESTS = 20000
WARMUP = 5000


@pytest.fixture(scope="module")
def real_redis(redis_server_factory):
    return redis.Redis(port=redis_server_factory().port)


@pytest.fixture(scope="module")
def engine_server():
    with engine.serve() as server:
        yield redis.Redis(port=server.port)


def limit_to(client, n_keys: int) -> None:
    """Set maxmemory so that ``n_keys`` workload-sized keys fit."""
    client.config_set("maxmemory", 0)
    client.flushall()
    base = client.info("memory")["used_memory"]
    with client.pipeline(transaction=False) as p:
        for i in range(2000):
            p.set(f"key:{i}", VALUE)
        p.execute()
    per_key = (client.info("memory")["used_memory"] - base) / 2000
    client.flushall()
    base = client.info("memory")["used_memory"]
    client.config_set("maxmemory", int(base + n_keys * per_key))


def run(client, policy: str, keys, rate, out: dict, name: str) -> None:
    limit_to(client, CAPACITY)
    client.config_set("maxmemory-policy", policy)
    result = cache_aside(client, keys, value=VALUE, warmup=WARMUP, rate=rate)
    out[name] = result.hit_ratio
    out[name + "_keys"] = client.dbsize()
    client.config_set("maxmemory", 0)
    client.flushall()


@pytest.mark.slow
@pytest.mark.parametrize("policy,rate", [("allkeys-lru", 2000), ("allkeys-lfu", None)])
def test_hit_ratio_matches_real_redis(real_redis, engine_server, policy, rate):
    keys = zipf_keys(N_KEYS, REQUESTS, s=1.0, seed=42)
    out = {}
    threads = [threading.Thread(target=run, args=(c, policy, keys, rate, out, name))
               for c, name in ((real_redis, "redis"), (engine_server, "engine"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"\n{policy}: hit ratio redis-server {out['redis']:.3f}, engine {out['engine']:.3f}; "
          f"keys held {out['redis_keys']} vs {out['engine_keys']}")
    # Both held about CAPACITY keys, so the comparison is like for like.
    assert abs(out["redis_keys"] - out["engine_keys"]) <= CAPACITY * 0.05
    assert abs(out["redis"] - out["engine"]) <= 0.03
