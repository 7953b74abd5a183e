"""engine.compare's probes against the embedded engine nodes (and fakeredis).

The probes must report what they *observe*: a command the engine build lacks is
"not in this build" when the real product has it, and "no" when the product family
lacks it. The engine gains commands over time, so the Redis-side expectations are
derived from the engine's own command table, not hard-coded.
"""
from __future__ import annotations

import pytest

import engine
from engine import compare
from engine.clock import WallClock
from engine.memcached import MemcachedNode, serve_memcached
from engine.version import REDIS_VERSION

MC_TYPES = ("hashes", "lists", "sets", "sorted_sets", "streams", "geospatial", "bitmaps",
            "hyperloglog")
REDIS_TYPE_COMMAND = {"hashes": "hset", "lists": "rpush", "sets": "sadd",
                      "sorted_sets": "zadd", "streams": "xadd", "geospatial": "geoadd",
                      "bitmaps": "setbit", "hyperloglog": "pfadd"}


@pytest.fixture
def lab():
    return engine.open_lab(backend="engine")


@pytest.fixture
def redis_probe(lab):
    return compare.probe_redis(lab.client)


@pytest.fixture(scope="module")
def mc_probe():
    return compare.probe_memcached(MemcachedNode())


def commands(lab) -> set:
    return {c.lower() for c in lab.client.command_list()}


def statuses(probe) -> dict:
    return {k: f["status"] for k, f in probe["features"].items()}


# -- shape ---------------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["redis", "memcached"])
def test_every_feature_is_probed_with_evidence(which, redis_probe, mc_probe):
    probe = redis_probe if which == "redis" else mc_probe
    assert probe["engine"] == which
    assert set(probe["features"]) == {f.key for f in compare.FEATURES}
    for key, finding in probe["features"].items():
        assert finding["status"] in compare.STATUSES, key
        assert finding["summary"] and finding["detail"], key
        for e in finding["evidence"]:
            assert set(e) == {"try", "reply"} and e["try"] and e["reply"], (key, e)
        if key != "restart":      # derived from the persistence finding
            assert finding["evidence"], f"{key} has no evidence"


def test_servers_identify_themselves(redis_probe, mc_probe):
    assert redis_probe["server"]["product"] == "Redis OSS"
    assert redis_probe["server"]["version"] == REDIS_VERSION
    assert redis_probe["server"]["build"] == "ElastiCache Lab engine"
    assert mc_probe["server"]["product"] == "Memcached"
    assert mc_probe["server"]["version"] == MemcachedNode.version
    assert mc_probe["server"]["build"] == "ElastiCache Lab engine"


# -- Redis side against the engine ------------------------------------------------------------
def test_redis_data_types_follow_the_engine_command_table(lab, redis_probe):
    have = commands(lab)
    assert redis_probe["features"]["strings"]["status"] == "yes"
    assert redis_probe["features"]["strings"]["value"] == {"type": "string"}
    for key, cmd in REDIS_TYPE_COMMAND.items():
        expected = "yes" if cmd in have else "not in this build"
        assert redis_probe["features"][key]["status"] == expected, key
        if expected == "not in this build":
            assert "unknown command" in redis_probe["features"][key]["evidence"][0]["reply"]


def test_redis_limits_and_multi_key(redis_probe):
    f = redis_probe["features"]
    assert f["item_size"]["value"] == {"limit": 512 * 1024 * 1024,
                                       "stored": compare.REDIS_PROBE_VALUE}
    assert f["key_size"]["status"] == "yes"
    assert f["ttl"]["value"] == {"unit": "ms", "pttl": 1500}    # virtual clock: exact
    for key in ("multi_get", "multi_set", "transactions", "optimistic_lock"):
        assert f[key]["status"] == "yes", key
    assert "aborted" in f["optimistic_lock"]["evidence"][0]["reply"]


def test_redis_persistence_replication_threads(lab, redis_probe):
    f = redis_probe["features"]
    have = commands(lab)
    assert f["persistence"]["status"] == ("off" if "lastsave" in have else "not in this build")
    assert f["persistence"]["value"]["save"] == ""
    assert f["restart"]["status"] == "lost"
    assert f["replication"]["status"] == ("yes" if "role" in have else "not in this build")
    assert f["threads"]["value"]["threads"] == 1
    for key in ("lua", "pub_sub"):
        cmd = {"lua": "eval", "pub_sub": "publish"}[key]
        assert f[key]["status"] == ("yes" if cmd in have else "not in this build")


def test_redis_probe_leaves_no_trace(lab):
    r = lab.client
    r.set("mine", "1")
    config = r.config_get("*")
    compare.probe_redis(r)
    assert r.keys("*") == ["mine"]
    assert r.config_get("*") == config
    assert r.ping()          # the connection is usable (no MULTI or WATCH left open)
    assert r.incr("counter") == 1


def test_redis_probe_with_raw_bytes_client(lab, redis_probe):
    raw = lab.client_for(decode_responses=False)
    assert statuses(compare.probe_redis(raw)) == statuses(redis_probe)


def test_redis_probe_is_deterministic_on_the_engine():
    a = compare.probe_redis(engine.open_lab(backend="engine").client)
    b = compare.probe_redis(engine.open_lab(backend="engine").client)
    assert a == b


def test_redis_probe_on_fakeredis_degrades_gracefully():
    lab = engine.open_lab(backend="fakeredis")
    probe = compare.probe_redis(lab.client)
    assert probe["server"]["product"] == "Redis-compatible"      # fakeredis has no INFO
    assert probe["features"]["strings"]["status"] == "yes"
    assert probe["features"]["threads"]["status"] == "unknown"
    assert lab.client.keys("*") == []


# -- memcached side ------------------------------------------------------------------------------
def test_memcached_lacks_every_redis_only_feature(mc_probe):
    f = mc_probe["features"]
    for key in MC_TYPES + ("multi_set", "transactions", "lua", "pub_sub", "replication",
                           "persistence"):
        assert f[key]["status"] == "no", key
    assert f["restart"]["status"] == "lost"
    for key in ("strings", "multi_get", "optimistic_lock", "key_size", "ttl", "item_size",
                "threads"):
        assert f[key]["status"] == "yes", key


def test_memcached_limits(mc_probe):
    f = mc_probe["features"]
    size = f["item_size"]["value"]
    assert size["limit"] == 1024 * 1024
    key = "lab01:probe:size"
    # The bisection's answer, checked directly: it fits, one byte more does not.
    node = MemcachedNode()
    assert node.set(key, b"x" * size["largest"]) == "STORED"
    assert node.set(key, b"x" * (size["largest"] + 1)) == "SERVER_ERROR object too large for cache"
    assert f["item_size"]["evidence"][-1]["reply"] == "SERVER_ERROR object too large for cache"
    assert f["key_size"]["value"] == {"longest": 250}
    assert f["ttl"]["value"] == {"unit": "s"}
    assert f["threads"]["value"] == {"threads": 4}


def test_memcached_item_limit_follows_the_setting():
    probe = compare.probe_memcached(MemcachedNode(item_size_max=2 * 1024 * 1024))
    value = probe["features"]["item_size"]["value"]
    assert value["limit"] == 2 * 1024 * 1024
    assert value["largest"] == value["limit"] - value["overhead"]
    assert value["overhead"] == 1024 * 1024 - compare.probe_memcached(
        MemcachedNode())["features"]["item_size"]["value"]["largest"]


def test_memcached_probe_leaves_no_items():
    node = MemcachedNode()
    node.set("mine", "1")
    compare.probe_memcached(node)
    assert node.keys() == [b"mine"]


def test_memcached_probe_over_tcp_matches_the_node(mc_probe):
    pymemcache = pytest.importorskip("pymemcache.client.base")
    server = serve_memcached(MemcachedNode(WallClock()))
    try:
        host, port = server.address
        targets = [f"{host}:{port}", (host, port), server,
                   pymemcache.Client((host, port))]
        for target in targets:
            probe = compare.probe_memcached(target)
            assert statuses(probe) == statuses(mc_probe), type(target).__name__
            assert probe["features"]["item_size"]["value"] == \
                mc_probe["features"]["item_size"]["value"]
            assert probe["server"]["build"] == "server"
        assert len(server.node) == 0
    finally:
        server.close()


@pytest.mark.parametrize("bad, error", [(42, TypeError), ("no-port", ValueError),
                                        ("host:abc", ValueError)])
def test_memcached_probe_rejects_bad_targets(bad, error):
    with pytest.raises(error):
        compare.probe_memcached(bad)


# -- the table -----------------------------------------------------------------------------
def test_feature_table_rows(redis_probe, mc_probe):
    rows = compare.feature_table(redis_probe, mc_probe)
    assert [r["key"] for r in rows] == [f.key for f in compare.FEATURES]
    for r in rows:
        assert r["source"].startswith("(source: ")
        assert r["redis_status"] in compare.STATUSES and r["memcached_status"] in compare.STATUSES
    with pytest.raises(ValueError, match="probe_redis first"):
        compare.feature_table(mc_probe, redis_probe)


def test_table_renderings(redis_probe, mc_probe):
    rows = compare.feature_table(redis_probe, mc_probe)
    md = compare.table_markdown(rows)
    assert md.count("\n") == len(rows) + 1
    assert all(f.label in md for f in compare.FEATURES)
    assert "| Real products | Source |" in compare.table_markdown(rows, details=True)
    html = compare.table_html(rows, redis_probe, mc_probe)
    assert html.count("<details>") == sum(bool(r["redis_evidence"]) + bool(r["memcached_evidence"])
                                          for r in rows)
    assert "Redis OSS 7.0.15" in html and "Memcached 1.6.18" in html


def test_table_html_escapes_replies(redis_probe, mc_probe):
    rows = compare.feature_table(redis_probe, mc_probe)
    rows[0]["redis_evidence"] = [{"try": "GET <b>", "reply": "<script>alert(1)</script>"}]
    html = compare.table_html(rows)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_evidence_text_and_facts_html(mc_probe):
    text = compare.evidence_text(mc_probe["features"]["hashes"])
    assert text == "hset lab01:probe:hash field value  →  ERROR"
    assert compare.evidence_text(mc_probe["features"]["restart"]).startswith("(derived")
    html = compare.facts_html(("a", "b"), [("x<y", "z")])
    assert "x&lt;y" in html and html.count("<tr") == 2


# -- restarts and targets ----------------------------------------------------------------------
def test_restart_memcached_keeps_settings_not_items():
    node = MemcachedNode(memory_limit_mb=8, item_size_max=2 * 1024 * 1024, growth_factor=1.5,
                         chunk_min=64, name="mc-1")
    node.set("k", "v")
    after = compare.restart_memcached(node)
    assert len(after) == 0 and after.get("k") is None
    assert after.stats("settings") == {**node.stats("settings")}
    assert after.clock is node.clock and after.name == "mc-1"


def test_restart_redis_keeps_config_not_data():
    node = engine.elasticache_node("64mb")
    r = engine.connect(node, decode_responses=True)
    r.set("k", "v")
    after = compare.restart_redis(node)
    r2 = engine.connect(after, decode_responses=True)
    assert r2.dbsize() == 0
    assert r2.config_get("*") == r.config_get("*")
    assert after.clock is node.clock


@pytest.mark.parametrize("fn, arg", [(compare.restart_redis, MemcachedNode()),
                                     (compare.restart_memcached, engine.Node())])
def test_restart_rejects_the_wrong_node(fn, arg):
    with pytest.raises(TypeError):
        fn(arg)


def test_memcached_target_from_environment():
    assert isinstance(compare.memcached_target({}), MemcachedNode)
    assert compare.memcached_target({"LAB_MEMCACHED_SERVER": " 10.0.0.5:11211 "}) == \
        "10.0.0.5:11211"
    with pytest.raises(ValueError):
        compare.memcached_target({"LAB_MEMCACHED_SERVER": "10.0.0.5"})
