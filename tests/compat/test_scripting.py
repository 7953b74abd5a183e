"""EVAL / EVALSHA / EVAL_RO / EVALSHA_RO / SCRIPT, differential against redis-server 7.0.

Every case sends the same scripts to both servers and compares the replies byte
for byte: the conversions in both directions (RESP2, and RESP3 through HELLO 3
and redis.setresp(3)), every family of script error with its exact text (the
SHA1 and line in "script: …, on @user_script:1." included), the sandbox
(read-only globals and libraries, missing globals, no os/io/loadfile), the
redis.* helpers, cjson and bit, shebang flags, the SCRIPT subcommands, and
scripts that implement a rate limiter, a token bucket and a lock release.
Statistics are compared too: a script's inner commands show up in INFO
commandstats and errorstats exactly as redis-server counts them.

Not compared: math.random without randomseed (its sequence depends on every
script the server ran before), and the RESP3 big number type (see the report
in engine/scripting/convert.py: the engine sends it as a bulk string).
"""
from __future__ import annotations

import pytest

from differential import S, assert_info_agrees, assert_same_command_info, case, run_case


def E(script: str, *rest, cmd: str = "EVAL"):
    """An EVAL step: ``E("return KEYS[1]", "1", "k")``."""
    if not rest:
        rest = ("0",)
    return S([cmd, script, *rest])


def cases(prefix, scripts, setup=()):
    """One case per script (each script run with numkeys 0)."""
    return [case(f"{prefix}-{i}", *setup, E(src)) for i, src in enumerate(scripts)]


LUA_TO_REDIS = [
    "return 1", "return 3.99", "return -0.5", "return -3.99", "return 1e20", "return -1e20",
    "return 0/0", "return 1/0", "return 2^53", "return 'str'", "return ''", "return 'a\\0b'",
    "return true", "return false", "return nil", "return", "return 1, 2",
    "return {1,2,{3,'x'},nil,4}", "return {1.9,-1.9,true,false}", "return {}", "return {{}}",
    "return {a=1,b=2}", "return {1, {2, {3, {4, {5}}}}}", "return {ok='fine'}",
    "return {ok='a\\r\\nb'}", "return {ok='a\\0b'}", "return {err='bad thing'}",
    "return {err='-BAD thing'}", "return {err='nospace'}", "return {err=1}", "return {ok=1}",
    "return {err='E x', ok='y'}", "return {double=1.5}", "return {double=0.1}",
    "return {double=1/0}", "return {double='1.5'}", "return {map={a=1}}",
    "return {map={}}", "return {set={a=true}}", "return {set={}}",
    "return {verbatim_string={format='txt', string='hi'}}", "return {verbatim_string={}}",
    "return {map={a=1}, ok='x'}", "return function() end", "return coroutine.create(print or type)",
    "return cjson.null", "return {1, cjson.null, 3}",
    "return redis.error_reply('MY err')", "return redis.error_reply('-MY err')",
    "return redis.error_reply('x')", "return redis.status_reply('yes')",
    "return redis.error_reply()", "return redis.error_reply(1)", "return redis.status_reply(1)",
    "return redis.status_reply('a', 'b')",
]

RESP3_RETURNS = [
    "return true", "return false", "return {true, false, nil, 1}", "return {map={a=1}}",
    "return {set={a=true}}", "return {double=1.5}", "return {double=-1/0}", "return nil",
    "return {verbatim_string={format='txt', string='hi'}}",
    "redis.setresp(3) return {true, false}", "redis.setresp(3) return true",
    "return {err='E x'}", "return {ok='fine'}",
]

REDIS_TO_LUA = [
    "redis.call('set','k','v') return redis.call('get','k')",
    "return redis.call('get','nokey')", "return {redis.call('get','nokey')}",
    "return type(redis.call('get','nokey'))", "return redis.call('ping')",
    "local r = redis.call('ping') return r.ok", "return redis.call('type','nokey')",
    "return redis.call('incr','n')", "return redis.call('incrbyfloat','f','1.5')",
    "redis.call('rpush','l','a','b') return redis.call('lrange','l',0,-1)",
    "return redis.call('lrange','nolist',0,-1)",
    "redis.call('hset','h','f','v','g','w') return redis.call('hgetall','h')",
    "redis.call('sadd','s','a','b','c') return #redis.call('smembers','s')",
    "redis.call('zadd','z',1.5,'a',2,'b') return redis.call('zrange','z',0,-1,'WITHSCORES')",
    "redis.call('zadd','z',1.5,'a') return redis.call('zscore','z','a')",
    "return redis.call('mget','a','b')", "return redis.call('exists','a')",
    "return redis.call('set','k','v','GET')", "return redis.call('echo', 0.1)",
    "return redis.call('echo', 1e100)", "return redis.call('echo', 100)",
    "return redis.call('echo', 2^63)",
    "return redis.call('echo', 1/3)", "return redis.call('echo', '')",
    "redis.call('set','n',10) return redis.call('incrby','n',2.0)",
    "return redis.call('config','get','maxmemory')",
    "redis.call('select', 3) redis.call('set','x','db3') return redis.call('dbsize')",
]

REDIS_TO_LUA_RESP3 = [
    "redis.setresp(3) redis.call('hset','h','f','v') local r = redis.call('hgetall','h') "
    "return {type(r), type(r.map), r.map.f}",
    "redis.setresp(3) redis.call('hset','h','f','v') return redis.call('hgetall','h')",
    "redis.setresp(3) return redis.call('get','nokey')",
    "redis.setresp(3) return {type(redis.call('get','nokey'))}",
    "redis.setresp(3) redis.call('sadd','s','a') return redis.call('smembers','s')",
    "redis.setresp(3) redis.call('sadd','s','a') local r = redis.call('smembers','s') "
    "return {type(r.set), r.set.a}",
    "redis.setresp(3) redis.call('zadd','z',1.5,'a') return redis.call('zscore','z','a')",
    "redis.setresp(3) redis.call('zadd','z',1.5,'a') return redis.call('zscore','z','a').double",
    "redis.setresp(3) return redis.call('ping')",
    "redis.setresp(3) return redis.call('config','get','maxmemory')",
    "redis.setresp(3) redis.setresp(2) return redis.call('get','nokey')",
]

ERRORS = [
    "return x", "x = 1", "return redis.call('get')", "return redis.call('nosuch')",
    "return redis.call()", "return redis.call({})", "return redis.call('get', nil)",
    "return redis.call('get', true)", "return redis.call('multi')",
    "return redis.call('exec')", "return redis.call('hello', 3)",
    "return redis.call('config')", "return redis.call('config', 'nosuch')",
    "return redis.call('eval', 'return 1', 0)", "return redis.call('script', 'load', 'return 1')",
    "return redis.call('watch', 'a')", "return redis.call('auth', 'x')",
    "redis.call('set','s','x') return redis.call('incr','s')",
    "redis.call('set','s','x') return redis.pcall('incr','s')",
    "redis.call('rpush','l','a') return redis.call('get','l')",
    "return redis.call('incrby','a',1.5)", "return redis.call('set','a',1.5)",
    "return redis.pcall('nosuch')", "return redis.pcall('get')", "return redis.pcall()",
    "error('boom')", "error({err='boom'})", "error({err='CODE boom'})", "error()", "error(12)",
    "error('x', 0)", "error({err='X'}, 0)", "return pcall(error)",
    "local ok, e = pcall(error, 'boom') return e",
    "local ok, e = pcall(error, {err='X y'}) return e",
    "local ok, e = pcall(function() local x = nosuch end) return e",
    "return {pcall(redis.call, 'nosuch')}",
    "local ok, e = pcall(redis.call, 'incr', 'nokey'); return type(e)",
    "local ok, e = pcall(redis.call, 'get'); return e",
    "redis.call('set','s','x') local ok, e = pcall(redis.call, 'incr', 's') return e",
    "local e = redis.pcall('nosuch') return e.err",
    "redis.call('set','s','x') local e = redis.pcall('incr','s') error(e)",
    "redis.call('set','s','x') local e = redis.pcall('incr','s') return {err=e.err}",
    "local t = nil return t.x", "return 1 + {}", "return #nil", "local a = 'x' .. {}",
    "local function f() error('deep') end f()",
    "local function f() error('deep', 2) end f()",
    "return redis.sha1hex()", "return redis.setresp(4)", "return redis.setresp()",
    "return redis.log(1)", "return redis.log('x', 'y')", "return redis.log(9, 'y')",
    "return redis.set_repl(9)", "return redis.set_repl()", "return redis.set_repl(-1)",
    "return redis.acl_check_cmd('nosuch')",
]

COMPILE_ERRORS = [
    "return +", "retur 1", "return 'abc", "for i=1 do end", "return (", "end",
    "local x = [[abc", "return 1 end", "\nreturn +",
]

SANDBOX = [
    "string.foo = 1", "string.upper = nil", "rawset(_G, 'x', 1)", "return os",
    "return loadfile", "return type(print)", "return io", "return debug", "return getfenv",
    "return setfenv", "return newproxy", "return dofile", "return require", "return module",
    "setmetatable(_G, nil)", "getmetatable('').__index = nil", "table.insert(string, 1)",
    "local f = loadstring('y = 1') return f()", "local f = loadstring('return 1+1') return f()",
    "return type(getmetatable(_G))", "return ('x'):upper()", "KEYS[1] = 'x' return KEYS[1]",
    "redis.call = nil", "_G._G = 1", "return _G.nosuch", "return rawget(_G, 'nosuch')",
    "return rawget(_G, 'redis') ~= nil", "return next({})", "math.pi = 3",
    "cjson.encode = nil", "bit.band = nil", "redis.REDIS_VERSION = 'x'",
    "local t = {} for k,v in pairs(_G) do table.insert(t,k) end table.sort(t) return t",
    "local t = {} for k,v in pairs(redis) do table.insert(t,k) end table.sort(t) return t",
    "local t = {} for k,v in pairs(string) do table.insert(t,k) end table.sort(t) return t",
    "local t = {} for k,v in pairs(math) do table.insert(t,k) end table.sort(t) return t",
    "local t = {} for k,v in pairs(table) do table.insert(t,k) end table.sort(t) return t",
    "local t = {} for k,v in pairs(cjson) do table.insert(t,k) end table.sort(t) return t",
    "local t = {} for k,v in pairs(bit) do table.insert(t,k) end table.sort(t) return t",
    "local t = {} table.insert(t, 1) table.sort(t) return t",
    "return _VERSION", "return type(_G)", "return _G == _G._G",
    "local x = 1 return x", "local t = {} t.x = 1 return t.x",
    "return tostring(1e100) .. ' ' .. tostring(0.1) .. ' ' .. 2^53",
    "return string.format('%5.2f', 3.14159)", "return select('#', 1, 2, 3)",
    "return {string.byte('abc', 1, -1)}", "return string.rep('ab', 3)",
    "return tonumber('0x10')", "return {unpack({1, 2, 3})}",
    "local co = coroutine.create(function(a) coroutine.yield(a + 1) return 9 end) "
    "local _, x = coroutine.resume(co, 1) local _, y = coroutine.resume(co) return {x, y}",
]

REDIS_LIB = [
    "return redis.REDIS_VERSION .. ' ' .. redis.REDIS_VERSION_NUM",
    "return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING, "
    "redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL}",
    "return redis.sha1hex('')", "return redis.sha1hex(1)", "return redis.sha1hex('abc')",
    "return redis.log(redis.LOG_WARNING, 'hi', 1, {})", "return redis.set_repl(redis.REPL_ALL)",
    "return {redis.breakpoint(), redis.debug('x')}", "return redis.replicate_commands()",
    "return redis.acl_check_cmd('get', 'x')", "return redis.setresp(2)",
    "math.randomseed(42) return {math.random(1000), math.random(5, 10)}",
    "math.randomseed(7) return tostring(math.random())",
]

CJSON = [
    "return cjson.encode({1,2,{a=1}})", "return cjson.encode({a={b=true,c=cjson.null}})",
    "return cjson.encode({})", "return cjson.encode('a/b\"c\\\\d\\n\\t\\1\\127')",
    "return cjson.encode(0.1)", "return cjson.encode(1e100)", "return cjson.encode(-1.5)",
    "return cjson.encode({[1]=1,[2]=2,[4]=4})", "return cjson.encode({[1]=1,[20]=2})",
    "return cjson.encode({[1]=1, x=2})", "return cjson.encode({[1.5]=1})",
    "return cjson.encode({[true]=1})", "return cjson.encode(function() end)",
    "return cjson.encode(0/0)", "return cjson.encode()", "return cjson.encode(1, 2)",
    "return cjson.encode({x={y={z={1,2,'three'}}}})", "return cjson.encode(true)",
    "return cjson.encode(nil)", "return cjson.encode({'a', {}, {b={}}})",
    "return cjson.decode('[1,2.5,\"x\",null,true,{\"a\":[]}]')[2]",
    "local t = cjson.decode('{\"a\":1,\"b\":[1,2,3],\"c\":{\"d\":\"e\"}}') "
    "return {t.a, #t.b, t.c.d}",
    "return cjson.decode('\"\\\\u00e9\\\\n\\\\/\"')", "return cjson.decode('12.5e1')",
    "return cjson.decode('')", "return cjson.decode('[1,2')", "return cjson.decode('{1:2}')",
    "return cjson.decode('[1] x')", "return cjson.decode('tru')", "return cjson.decode('\"abc')",
    "return cjson.decode('{\"a\" 1}')", "return cjson.decode('[1,]')",
    "return cjson.decode('\"\\\\q\"')", "return cjson.decode()", "return cjson.decode({})",
    "return type(cjson.decode('null'))", "return cjson.decode('null') == cjson.null",
    "return cjson.encode(cjson.decode('{\"k\":[1,{\"x\":null}],\"z\":\"\\\\u0041\"}'))",
    "return cjson.decode(cjson.encode({1,2,3}))",
    "return cjson.decode(' [ 1 , 2 ] ')[2]",
]

BIT = [
    "return bit.band(0xff, 0x0f) .. bit.tohex(255) .. bit.bxor(1, 3)",
    "return {bit.tobit(2^32 + 5), bit.tobit(-1), bit.bnot(0), bit.bor(1, 2, 4, 8)}",
    "return {bit.lshift(1, 31), bit.rshift(-1, 28), bit.arshift(-256, 4), bit.rol(1, 33)}",
    "return {bit.ror(1, 1), bit.bswap(0x12345678), bit.tohex(-1, -4), bit.tohex(1, 0)}",
    "return bit.tohex(0x1234, 2)", "return bit.band()", "return bit.band('x')",
    "return bit.band('12', 4)",
]

SHEBANG = [
    "#!lua flags=no-writes,allow-oom,allow-stale,no-cluster,allow-cross-slot-keys\nreturn 1",
    "#!lua flags=bogus\nreturn 1", "#!luax\nreturn 1", "#!lua foo=bar\nreturn 1",
    "#!lua\nreturn redis.call('set','a','b')",
    "#!lua flags=no-writes\nreturn redis.call('set','a','b')",
    "#!lua flags=no-writes\nreturn redis.call('get','a')", "#!lua", "#!lua\nreturn +",
    "#!lua flags=\nreturn 2", "#!lua  flags=no-writes \nreturn 3", "#! lua\nreturn 1",
    "#!lua flags=no-writes,\nreturn 4", "#!lua\nreturn x", "#!lua\n\nerror('line3')",
]


@pytest.mark.parametrize("steps", cases("lua-to-redis", LUA_TO_REDIS))
def test_lua_to_redis(pair, steps):
    run_case(pair, steps)


@pytest.mark.parametrize("steps", cases("resp3-return", RESP3_RETURNS, setup=("HELLO 3",)))
def test_lua_to_redis_resp3(pair, steps):
    run_case(pair, steps)


@pytest.mark.parametrize("steps", cases("redis-to-lua", REDIS_TO_LUA))
def test_redis_to_lua(pair, steps):
    run_case(pair, steps + [S("GET x"), S("SELECT 3"), S("GET x")])


@pytest.mark.parametrize("steps", cases("redis-to-lua-resp3", REDIS_TO_LUA_RESP3))
def test_redis_to_lua_resp3(pair, steps):
    run_case(pair, steps)
    run_case(pair, [S("HELLO 3")] + steps)


@pytest.mark.parametrize("steps", cases("error", ERRORS) + cases("compile", COMPILE_ERRORS))
def test_script_errors(pair, steps):
    run_case(pair, steps)


@pytest.mark.parametrize("steps", cases("sandbox", SANDBOX))
def test_sandbox(pair, steps):
    run_case(pair, [E("return 1")] + steps)   # KEYS/ARGV exist once a script ran


@pytest.mark.parametrize("steps", cases("redis-lib", REDIS_LIB) + cases("cjson", CJSON)
                         + cases("bit", BIT) + cases("shebang", SHEBANG))
def test_libraries_and_flags(pair, steps):
    run_case(pair, steps)


ARGUMENT_CASES = [
    case("keys-argv", E("return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], #KEYS, #ARGV}",
                        "2", "a", "b", "c", "d")),
    case("keys-only", E("return KEYS", "3", "a", "b", "c")),
    case("argv-only", E("return ARGV", "0", "a", "b")),
    case("keys-reset-between-runs", E("return #KEYS", "2", "a", "b"), E("return #KEYS")),
    case("numkeys-not-integer", E("return 1", "x"), E("return 1", "1.5"), E("return 1", "")),
    case("numkeys-negative", E("return 1", "-1")),
    case("numkeys-too-many", E("return 1", "2", "a")),
    case("numkeys-checked-before-compile", E("return +", "2", "a"), E("return +", "x")),
    case("eval-arity", S("EVAL"), S("EVAL 'return 1'"), S("EVALSHA abc"), S("EVAL_RO x")),
    case("evalsha-short", S("EVALSHA abc 0"), S("EVALSHA abc x")),
    case("evalsha-noscript", S("SCRIPT FLUSH"),
         S("EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff8db 0"),
         S("EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff8db x"),
         S("EVALSHA_RO e0e1f9fabfc9d4800c877a703b823ac0578ff8db 0")),
    case("evalsha-after-eval", S("SCRIPT FLUSH"), E("return 1"),
         S("EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff8db 0"),
         S("EVALSHA E0E1F9FABFC9D4800C877A703B823AC0578FF8DB 0"),
         S("EVALSHA_RO e0e1f9fabfc9d4800c877a703b823ac0578ff8db 0"),
         S("EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff8db 2 a")),
    case("eval-ro", E("return redis.call('set','a','1')", cmd="EVAL_RO"),
         E("return redis.call('get','a')", cmd="EVAL_RO"),
         E("return redis.pcall('del','a')", cmd="EVAL_RO"),
         E("#!lua\nreturn 1", cmd="EVAL_RO"), E("#!lua flags=no-writes\nreturn 1", cmd="EVAL_RO"),
         S("EXISTS a")),
    case("evalsha-ro", S(["SCRIPT", "LOAD", "return redis.call('set','a','1')"]),
         S("EVALSHA_RO 8cb1b1f0c1a64b3fc5a6e64f79e0a5ac4de8f3d5 0"),
         S(["SCRIPT", "LOAD", "return redis.call('incr','n')"])),
]


@pytest.mark.parametrize("steps", ARGUMENT_CASES)
def test_arguments(pair, steps):
    run_case(pair, steps)


SCRIPT_CASES = [
    case("load-exists-flush", S("SCRIPT FLUSH"), S(["SCRIPT", "LOAD", "return 1"]),
         S("SCRIPT EXISTS e0e1f9fabfc9d4800c877a703b823ac0578ff8db abc "
           "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB"),
         S("SCRIPT FLUSH"), S("SCRIPT EXISTS e0e1f9fabfc9d4800c877a703b823ac0578ff8db")),
    case("load-compile-error", S(["SCRIPT", "LOAD", "return +"]),
         S(["SCRIPT", "LOAD", "#!lua flags=bogus\nreturn 1"])),
    case("load-does-not-run", S(["SCRIPT", "LOAD", "redis.call('set','ran','1')"]),
         S("EXISTS ran")),
    case("flush-modes", S("SCRIPT FLUSH x"), S("SCRIPT FLUSH ASYNC"), S("SCRIPT FLUSH sync"),
         S("SCRIPT FLUSH"), S("SCRIPT FLUSH SYNC ASYNC")),
    case("kill-notbusy", S("SCRIPT KILL"), S("SCRIPT KILL x")),
    case("help", S("SCRIPT HELP"), S("SCRIPT HELP x")),
    case("debug-bad-mode", S("SCRIPT DEBUG maybe"), S("SCRIPT DEBUG NO")),
    case("unknown-and-arity", S("SCRIPT FOO"), S("SCRIPT LOAD"), S("SCRIPT EXISTS"), S("SCRIPT")),
    case("flush-resets-state", S("SCRIPT FLUSH"), E("return 1"), S("SCRIPT FLUSH"),
         E("local t = {} for k,v in pairs(_G) do table.insert(t,k) end table.sort(t) return t")),
]


@pytest.mark.parametrize("steps", SCRIPT_CASES)
def test_script_command(pair, steps):
    run_case(pair, steps)


RATE_LIMITER = ("local n = redis.call('INCR', KEYS[1]) "
                "if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end "
                "if n > tonumber(ARGV[2]) then return 0 end return 1")
TOKEN_BUCKET = (
    "local cap, rate, now, want = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), "
    "tonumber(ARGV[4]) "
    "local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts') "
    "local tokens, ts = tonumber(b[1]) or cap, tonumber(b[2]) or now "
    "tokens = math.min(cap, tokens + (now - ts) * rate) "
    "local ok = 0 if tokens >= want then tokens = tokens - want ok = 1 end "
    "redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now) "
    "redis.call('EXPIRE', KEYS[1], 3600) return {ok, tostring(tokens)}")
LOCK_RELEASE = ("if redis.call('GET', KEYS[1]) == ARGV[1] then "
                "return redis.call('DEL', KEYS[1]) else return 0 end")


def test_rate_limiter(pair):
    steps = [E(RATE_LIMITER, "1", "rl:user1", "60", "3") for _ in range(5)]
    run_case(pair, steps + [S("TTL rl:user1"), S("GET rl:user1"),
                            E(RATE_LIMITER, "1", "rl:user2", "60", "3")])
    assert_info_agrees(pair)


def test_token_bucket(pair):
    steps = [E(TOKEN_BUCKET, "1", "tb", "5", "0.5", str(1000 + t), want)
             for t, want in ((0, "3"), (1, "3"), (2, "1"), (10, "5"), (10, "1"))]
    run_case(pair, steps + [S("HGETALL tb"), S("TTL tb")])
    assert_info_agrees(pair)


def test_lock_release(pair):
    run_case(pair, [S("SET lock tok-1 NX PX 100000"), E(LOCK_RELEASE, "1", "lock", "tok-2"),
                    S("GET lock"), E(LOCK_RELEASE, "1", "lock", "tok-1"), S("EXISTS lock"),
                    E(LOCK_RELEASE, "1", "lock", "tok-1")])
    assert_info_agrees(pair)


def test_script_inside_multi(pair):
    """A script queued in MULTI runs inside EXEC; its writes are atomic with the rest."""
    run_case(pair, [S("MULTI"), E("redis.call('set','a','1') return redis.call('incr','a')"),
                    S("INCR a"), E("return redis.call('get','a')"),
                    E("return redis.call('nosuch')"), S("EXEC"), S("GET a")])
    assert_info_agrees(pair)


def test_script_writes_dirty_watch(pair):
    """A script's write is a write: another client's WATCH sees it."""
    other = pair.connect()
    run_case(pair, [S("SET k 1"), S("WATCH k")])
    run_case(other, [E("return redis.call('incr', KEYS[1])", "1", "k")])
    run_case(pair, [S("MULTI"), S("GET k"), S("EXEC")])
    run_case(pair, [S("WATCH k")])
    run_case(other, [E("return redis.call('get', KEYS[1])", "1", "k")])
    run_case(pair, [S("MULTI"), S("GET k"), S("EXEC")])


def test_select_inside_script_stays_inside(pair):
    run_case(pair, [S("SELECT 2"), E("redis.call('select', 5) redis.call('set','a','x') "
                                     "return redis.call('get','a')"),
                    S("GET a"), E("return redis.call('get','a')"), S("SELECT 5"), S("GET a")])


def test_commandstats_after_scripts(pair):
    """Inner commands are counted in commandstats; errors are counted once
    (the inner command's failure, or the script's own error), and a script
    that returns an error counts as a failed EVAL."""
    scripts = [
        "return redis.call('nosuch')", "return redis.call('get')",
        "redis.call('set','s','x') return redis.call('incr','s')",
        "return redis.pcall('incr','s')", "error('x')", "return {err='FOO bar'}",
        "return redis.error_reply('FOO bar')", "return redis.pcall('nosuch')",
        "return redis.call('multi')", "return x", "return +",
        "redis.pcall('incr','s') return 1",
        "redis.pcall('incr','s') redis.pcall('nosuch') return redis.pcall('get')",
        "local e = redis.pcall('incr','s') return e",
        "local e = redis.pcall('incr','s') return {err=e.err}",
        "local e = redis.pcall('incr','s') error(e)", "return pcall(redis.call, 'nosuch')",
        "local ok, e = pcall(error, {err='X y'}) return e",
        "return redis.call('set','a',{})", "return redis.pcall()",
        "return redis.call('rpush','l','a','b')",
        "return redis.call('hset','h','a','1')", "return redis.call('get','nokey')",
        "local e = redis.pcall('incr','s') return {e, e, 1}",
        "return {{err='x'}, {err='Y z'}, {ok='k'}}", "return {1, redis.pcall('nosuch')}",
        "return {err='nospace'}", "return {err='averyveryverylongcodewithoutanyspace x'}",
    ]
    for src in scripts:
        E(src).run(pair)
    run_case(pair, [S(["SCRIPT", "LOAD", "return 1"]),
                    S("EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff8db 0"),
                    S("EVALSHA 0000000000000000000000000000000000000000 0"),
                    E("return redis.call('get','a')", cmd="EVAL_RO"),
                    E("return redis.call('set','a','1')", cmd="EVAL_RO")])
    assert_info_agrees(pair, counters=("keyspace_hits", "keyspace_misses", "expired_keys",
                                       "total_error_replies"))


def test_scripting_command_info(pair):
    assert_same_command_info(pair, "eval", "evalsha", "eval_ro", "evalsha_ro", "script",
                             "script|load", "script|exists", "script|flush", "script|kill",
                             "script|help", "script|debug")
    run_case(pair, [S("COMMAND GETKEYS EVAL x 2 a b c"), S("COMMAND GETKEYS EVAL_RO x 1 a")])


def test_expiry_inside_script(pair):
    """A key with a TTL is alive for the whole script."""
    run_case(pair, [S("SET k v EX 100000"),
                    E("return {redis.call('ttl', KEYS[1]), redis.call('get', KEYS[1])}",
                      "1", "k"),
                    E("redis.call('expire', KEYS[1], 0) return redis.call('exists', KEYS[1])",
                      "1", "k")])
