"""Lua scripting through redis-py in the same process (engine.connect()).

What a learner's notebook does: r.eval, r.evalsha, r.register_script (a
Script object: EVALSHA first, SCRIPT LOAD on NOSCRIPT), scripts inside a
pipeline and a transaction, reloading after SCRIPT FLUSH — and the sandbox
refusing what Redis refuses. (Exact reply bytes against redis-server are in
tests/compat/test_scripting.py.)
"""
from __future__ import annotations

import pytest
import redis

import engine

RATE_LIMIT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n <= tonumber(ARGV[2]) and 1 or 0
"""


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def r(request):
    return engine.connect(protocol=request.param)


def test_eval_keys_and_args(r):
    assert r.eval("return {KEYS[1], ARGV[1], #KEYS, #ARGV}", 1, "k", "v") == [b"k", b"v", 1, 1]


def test_eval_reads_and_writes_the_keyspace(r):
    r.set("greeting", "hello")
    assert r.eval("return redis.call('GET', KEYS[1])", 1, "greeting") == b"hello"
    assert r.eval("return redis.call('APPEND', KEYS[1], ARGV[1])", 1, "greeting", "!") == 6
    assert r.get("greeting") == b"hello!"


def test_register_script_reloads_after_flush(r):
    limiter = r.register_script(RATE_LIMIT)
    assert [limiter(keys=["rl"], args=[60, 2]) for _ in range(3)] == [1, 1, 0]
    assert r.script_exists(limiter.sha) == [True]
    r.script_flush()
    assert r.script_exists(limiter.sha) == [False]
    assert limiter(keys=["rl"], args=[60, 2]) == 0        # NOSCRIPT, then reloaded
    assert r.script_exists(limiter.sha) == [True]
    assert r.ttl("rl") == 60


def test_evalsha_unknown_script_is_noscript(r):
    with pytest.raises(redis.exceptions.NoScriptError):
        r.evalsha("0" * 40, 0)


def test_script_in_pipeline_and_transaction(r):
    incr = r.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])")
    for transaction in (False, True):
        pipe = r.pipeline(transaction=transaction)
        incr(keys=["c"], args=[5], client=pipe)
        pipe.get("c")
        incr(keys=["c"], args=[1], client=pipe)
        first = 5 if not transaction else 11
        assert pipe.execute() == [first, str(first).encode(), first + 1]


def test_script_errors_are_response_errors(r):
    with pytest.raises(redis.exceptions.ResponseError, match="nonexistent global variable 'x'"):
        r.eval("return x", 0)
    with pytest.raises(redis.exceptions.ResponseError, match="user_script:1: boom"):
        r.eval("error('boom')", 0)
    r.rpush("list", "a")
    with pytest.raises(redis.exceptions.ResponseError, match="WRONGTYPE"):
        r.eval("return redis.call('GET', KEYS[1])", 1, "list")
    # pcall hands the error to the script, which may inspect it...
    assert r.eval("return redis.pcall('GET', KEYS[1]).err", 1, "list").startswith(b"WRONGTYPE")
    # ...or return it, and then the client gets it as an error reply
    with pytest.raises(redis.exceptions.ResponseError, match="WRONGTYPE"):
        r.eval("return redis.pcall('GET', KEYS[1])", 1, "list")


@pytest.mark.parametrize("escape", [
    "return os.execute('true')", "return io.open('/etc/passwd')", "return loadfile('/etc/passwd')",
    "return dofile('/etc/passwd')", "return require('os')", "return debug.getinfo(1)",
    "return getfenv(0)", "return print('x')", "return package.loaded",
    "string.dump = nil", "rawset(_G, 'os', {})", "setmetatable(_G, {})",
    "return loadstring('return os')()", "getmetatable('').__index = {}", "x = 1",
])
def test_sandbox_escapes_are_refused(r, escape):
    with pytest.raises(redis.exceptions.ResponseError):
        r.eval(escape, 0)


def test_globals_stay_clean_between_scripts(r):
    with pytest.raises(redis.exceptions.ResponseError):
        r.eval("leak = 1", 0)
    with pytest.raises(redis.exceptions.ResponseError, match="nonexistent global variable 'leak'"):
        r.eval("return leak", 0)
    # a library cannot be changed for the next script either
    with pytest.raises(redis.exceptions.ResponseError, match="readonly table"):
        r.eval("string.upper = function() return 'hacked' end", 0)
    assert r.eval("return string.upper('ok')", 0) == b"OK"


def test_cjson_round_trip(r):
    doc = r.eval("return cjson.encode(cjson.decode(ARGV[1]))", 0, '{"a":[1,2,{"b":null}]}')
    assert doc == b'{"a":[1,2,{"b":null}]}'


def test_script_is_atomic_under_the_node_lock(r):
    """A script's commands run back to back: the counter and the log agree."""
    script = r.register_script("local n = redis.call('INCR', 'n') "
                               "redis.call('RPUSH', 'log', n) return n")
    import threading
    clients = [engine.connect(r.node) for _ in range(4)]

    def work(c):
        for _ in range(50):
            script(client=c)
    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert int(r.get("n")) == 200
    assert r.lrange("log", 0, -1) == [str(i).encode() for i in range(1, 201)]


def test_commandstats_count_inner_calls(r):
    r.config_resetstat()
    r.eval("redis.call('SET', 'a', 1) redis.call('GET', 'a') return 1", 0)
    stats = r.info("commandstats")
    assert stats["cmdstat_eval"]["calls"] == 1
    assert stats["cmdstat_set"]["calls"] == 1
    assert stats["cmdstat_get"]["calls"] == 1


def test_over_tcp():
    node = engine.Node(engine.WallClock())
    with engine.serve(node) as server:
        client = redis.Redis(port=server.port)
        script = client.register_script(RATE_LIMIT)
        assert [script(keys=["k"], args=[10, 1]) for _ in range(2)] == [1, 0]
        client.close()
