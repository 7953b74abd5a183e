"""maxmemory and the eight eviction policies."""
import pytest
import redis

import engine

POLICIES = ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
            "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"]


def fill(r, n, ttl=None, size=100):
    with r.pipeline(transaction=False) as p:
        for i in range(n):
            p.set(f"k{i}", "x" * size, ex=ttl)
        p.execute()


@pytest.mark.parametrize("policy", [p for p in POLICIES if p.startswith("allkeys")])
def test_allkeys_policies_stay_under_the_limit(policy):
    node = engine.Node(maxmemory="1mb", maxmemory_policy=policy)
    r = engine.connect(node)
    fill(r, 3000)
    mem = r.info("memory")
    assert mem["used_memory"] <= mem["maxmemory"] == 1024 * 1024
    evicted = r.info("stats")["evicted_keys"]
    assert evicted > 0 and r.dbsize() + evicted == 3000
    events = [e for e in node.events if e.kind == "evicted"]
    assert len(events) == evicted and all(e.reason == policy for e in events)


def test_volatile_policy_without_ttl_keys_behaves_like_noeviction():
    r = engine.connect(engine.Node(maxmemory="1mb", maxmemory_policy="volatile-lru"))
    with pytest.raises(redis.exceptions.OutOfMemoryError):
        fill(r, 3000)
    assert r.info("stats")["evicted_keys"] == 0


def test_volatile_policies_only_evict_keys_with_a_ttl():
    for policy in ("volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"):
        node = engine.Node(maxmemory="1mb", maxmemory_policy=policy)
        r = engine.connect(node)
        for i in range(200):
            r.set(f"keep{i}", "x" * 100)
        for i in range(3000):
            r.set(f"temp{i}", "x" * 100, ex=3600 + i)
        assert all(r.exists(f"keep{i}") for i in range(200)), policy
        assert r.info("stats")["evicted_keys"] > 0


def test_volatile_ttl_evicts_the_soonest_deadlines_first():
    node = engine.Node(maxmemory="1mb", maxmemory_policy="volatile-ttl", seed=2)
    r = engine.connect(node)
    for i in range(4000):
        r.set(f"k{i}", "x" * 100, ex=100000 - i)   # later keys expire sooner
    evicted = [int(e.key[1:]) for e in node.events if e.kind == "evicted"]
    survivors = 4000 - len(evicted)
    # The evicted keys are mostly among the ones written last (shortest TTL).
    assert sum(k > survivors for k in evicted) / len(evicted) > 0.8


def test_lru_keeps_a_hot_key_and_lfu_counts_accesses():
    node = engine.Node(maxmemory="1mb", maxmemory_policy="allkeys-lru")
    r = engine.connect(node)
    for i in range(4000):
        r.set(f"k{i}", "x" * 100)
        r.get("k0")
        if i % 20 == 0:
            node.clock.advance(1)
    assert r.exists("k0")
    r.config_set("maxmemory-policy", "allkeys-lfu")
    r.set("hot", 1)
    for _ in range(1000):
        r.get("hot")
    assert r.object("freq", "hot") > r.object("freq", "k3999") >= 0
    with pytest.raises(redis.ResponseError, match="LFU maxmemory policy is selected, idle time not tracked"):
        r.object("idletime", "hot")


def test_lfu_counter_is_logarithmic():
    """With lfu-log-factor 10, ~100 hits reach about 10 and 1000 about 18
    (shared/reference/engine-facts.md)."""
    node = engine.Node(maxmemory_policy="allkeys-lfu", seed=5)
    r = engine.connect(node)
    r.set("a", 1)
    r.set("b", 1)
    for _ in range(100):
        r.get("a")
    for _ in range(1000):
        r.get("b")
    assert 7 <= r.object("freq", "a") <= 14
    assert 14 <= r.object("freq", "b") <= 22


def test_lfu_counter_decays_with_idle_time():
    node = engine.Node(maxmemory_policy="allkeys-lfu", seed=5)
    r = engine.connect(node)
    r.set("a", 1)
    for _ in range(1000):
        r.get("a")
    before = r.object("freq", "a")
    node.clock.advance(5 * 60)   # lfu-decay-time 1: one step per idle minute
    assert r.object("freq", "a") == before - 5


def test_shrinking_maxmemory_evicts_on_the_next_command():
    node = engine.Node(maxmemory_policy="allkeys-random")
    r = engine.connect(node)
    fill(r, 5000)
    r.config_set("maxmemory", "1mb")
    r.get("k1")                  # even a read triggers eviction, as in Redis
    assert r.info("memory")["used_memory"] <= 1024 * 1024


def test_elasticache_preset_uses_the_default_parameter_group():
    node = engine.elasticache_node("100mb")
    r = engine.connect(node, decode_responses=True)
    cfg = r.config_get("maxmemory*")
    assert cfg["maxmemory-policy"] == "volatile-lru"
    assert int(cfg["maxmemory"]) == 100 * 1024 * 1024 * 75 // 100


def test_bad_node_settings_say_what_is_wrong():
    with pytest.raises(ValueError, match="maxmemory='lots'"):
        engine.Node(maxmemory="lots")
    with pytest.raises(TypeError, match="unknown configuration parameter 'maxmem'"):
        engine.Node(maxmem="1mb")
    with pytest.raises(ValueError, match="'512mb' or '1gb'"):
        engine.elasticache_node("big")
