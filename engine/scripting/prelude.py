"""The Lua side of the sandbox, run once when a node's Lua state is created.

Redis 7.0 patches its Lua with *read-only tables*: after start-up the global
table, every library table (``string``, ``redis``, ``cjson`` …) and their
metatables are frozen, so ``x = 1``, ``string.upper = nil`` or
``rawset(_G, "x", 1)`` all fail with "Attempt to modify a readonly table",
and reading a global that does not exist fails with "Script attempted to
access nonexistent global variable 'x'". Stock Lua 5.1 (what lupa embeds)
has no read-only flag, so the prelude builds the same behaviour from plain
Lua: each protected table is an empty *proxy* whose metatable forwards reads
to the real table and refuses writes, and the few functions that bypass
metatables (``rawset``, ``rawget``, ``next``, ``pairs``, ``setmetatable``,
``table.insert`` …) are wrapped so they see through — or refuse — a proxy.
Functions made by ``loadstring``/``load`` inside a script get the proxy as
their environment, so they are sandboxed too.

Errors raised by the sandbox's own Lua functions must point at the *user's*
line, as Redis's C functions do; every frame of this chunk (source
``=[redis]``) is skipped when a position is computed (``user_error`` and the
error handler below).

The chunk receives a table ``py`` of Python callbacks (see runtime.py) and
returns the entry points Python calls: ``compile``, ``run``, ``has``, ``rawget``.
"""

PRELUDE = r"""
local py, REDIS_VERSION, REDIS_VERSION_NUM, libs_chunk = ...
local unwrap = py.unwrap
local INTERNAL = "=[redis]"

-- Everything the sandbox needs is captured as a local before the globals
-- are replaced: user code can never reach these originals.
local rawget, rawset, next, type, error, tostring, tonumber, select, pcall, xpcall =
      rawget, rawset, next, type, error, tostring, tonumber, select, pcall, xpcall
local setmetatable, getmetatable, loadstring, load, setfenv, unpack, newproxy =
      setmetatable, getmetatable, loadstring, load, setfenv, unpack, newproxy
local getinfo, dgetmetatable = debug.getinfo, debug.getmetatable
local sformat, sbyte, schar, ssub, sfind, sgsub, slen, srep =
      string.format, string.byte, string.char, string.sub, string.find, string.gsub,
      string.len, string.rep
local tconcat, floor, huge = table.concat, math.floor, math.huge
local insert, remove, sort = table.insert, table.remove, table.sort

local function copy(t)
  local c = {}
  for k, v in next, t do c[k] = v end
  return c
end

-- Library functions written in Lua are handed to scripts as Python
-- callables (see `as_c` below): to the Lua VM they are C functions, so a
-- script's `return cjson.decode(x)` is not a tail call that would erase the
-- script's frame (and with it the line an error must report). The callable
-- runs the Lua function through `trampoline`.
local trampoline = function(f, ...) return pcall(f, ...) end

-- Raise `msg` at the caller's position, as a C function's luaL_error does:
-- skip this chunk's frames (and C frames between them); past a trampoline,
-- skip the Python call's C frame too, and report whoever called it.
local function user_error(msg)
  local level = 2
  while true do
    local info = getinfo(level, "Sf")
    if not info then break end
    if info.func == trampoline then level = level + 2 break end
    if info.source ~= INTERNAL and info.what ~= "C" and info.what ~= "tail" then break end
    level = level + 1
  end
  error(msg, level)
end

local function typename(n, v)
  if n == 0 then return "no value" end
  return type(v)
end

local function arg_error(i, fname, extra)
  user_error(sformat("bad argument #%d to '%s' (%s)", i, fname, extra))
end

local function check_table(fname, n, t)
  if type(t) ~= "table" then
    arg_error(1, fname, "table expected, got " .. typename(n, t))
  end
end

-- Read-only proxies --------------------------------------------------------
local READONLY = "Attempt to modify a readonly table"
local real_of = setmetatable({}, {__mode = "k"})   -- proxy -> the real table

local function deny()
  user_error(READONLY)
end

local function freeze(real, index)
  local proxy = {}
  real_of[proxy] = real
  -- What getmetatable(proxy) shows: a frozen view that leads back to the
  -- proxy, never to the real (writable) table.
  local shown_real = {__index = index or proxy, __newindex = deny}
  local shown = setmetatable({}, {__index = shown_real, __newindex = deny, __metatable = false})
  real_of[shown] = shown_real
  return setmetatable(proxy, {__index = index or real, __newindex = deny, __metatable = shown})
end

-- The real global table: only the names Redis 7.0 leaves to scripts.
local G = {}
for _, name in next, {"assert", "collectgarbage", "error", "gcinfo", "getmetatable",
                      "ipairs", "rawequal", "select", "tonumber",
                      "tostring", "type", "unpack", "xpcall", "_VERSION"} do
  G[name] = _G[name]
end

local function missing_global(_, name)
  local v = G[name]
  if v == nil then
    user_error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'")
  end
  return v
end
local GP = freeze(G, missing_global)
G._G = GP

-- Functions that bypass metatables see through (or refuse) a proxy.
local function proxy_next(...)
  local n, t, k = select("#", ...), ...
  check_table("next", n, t)
  return next(real_of[t] or t, k)
end
G.next = proxy_next
G.pairs = function(...)
  local n, t = select("#", ...), ...
  check_table("pairs", n, t)
  if real_of[t] then return proxy_next, t, nil end
  return next, t, nil
end
G.rawget = function(...)
  local n, t, k = select("#", ...), ...
  check_table("rawget", n, t)
  if n < 2 then arg_error(2, "rawget", "value expected") end
  return rawget(real_of[t] or t, k)
end
G.rawset = function(...)
  local n, t, k, v = select("#", ...), ...
  check_table("rawset", n, t)
  if n < 2 then arg_error(2, "rawset", "value expected") end
  if n < 3 then arg_error(3, "rawset", "value expected") end
  if real_of[t] then error(READONLY, 0) end
  return rawset(t, k, v)
end
G.setmetatable = function(...)
  local n, t, mt = select("#", ...), ...
  check_table("setmetatable", n, t)
  if mt ~= nil and type(mt) ~= "table" then arg_error(2, "setmetatable", "nil or table expected") end
  if real_of[t] then error(READONLY, 0) end
  local current = dgetmetatable(t)
  if current and rawget(current, "__metatable") ~= nil then
    user_error("cannot change a protected metatable")
  end
  return setmetatable(t, mt)
end

-- Redis 7.0's pcall: an error table ({err=...}) comes back as its message.
local function pcall_result(ok, ...)
  if ok then return true, ... end
  local e = ...
  if type(e) == "userdata" then e = unwrap(e) end
  if type(e) == "table" then
    local m = e.err
    if type(m) == "string" or type(m) == "number" then e = m end
  end
  return false, e
end
G.pcall = function(...) return pcall_result(pcall(...)) end

-- Libraries ------------------------------------------------------------------
local function guarded_writer(fname, f)
  return function(...)
    local n, t = select("#", ...), ...
    check_table(fname, n, t)
    if real_of[t] then error(READONLY, 0) end
    return f(...)
  end
end
local tablelib = copy(table)
tablelib.insert = guarded_writer("insert", insert)
tablelib.remove = guarded_writer("remove", remove)
tablelib.sort = guarded_writer("sort", sort)

local mathlib = copy(math)
local function checkint(i, fname, n, v)
  local x = tonumber(v)
  if x == nil then arg_error(i, fname, "number expected, got " .. typename(n, v)) end
  if x >= 0 then return floor(x) end
  return -floor(-x)
end
-- math.random uses Redis's own lrand48 (the same sequence on every platform).
mathlib.random = function(...)
  local n, a, b = select("#", ...), ...
  local r = py.rand()
  if n == 0 then return r end
  if n == 1 then
    local u = checkint(1, "random", n, a)
    if not (1 <= u) then arg_error(1, "random", "interval is empty") end
    return floor(r * u) + 1
  end
  if n == 2 then
    local l = checkint(1, "random", n, a)
    local u = checkint(2, "random", n, b)
    if not (l <= u) then arg_error(2, "random", "interval is empty") end
    return floor(r * (u - l + 1)) + l
  end
  user_error("wrong number of arguments")
end
mathlib.randomseed = function(...)
  local n, s = select("#", ...), ...
  py.randomseed(checkint(1, "randomseed", n, s))
end

local stringlib = copy(string)
local coroutinelib = copy(coroutine)

-- redis.* ----------------------------------------------------------------------
-- luaPushErrorBuff: "-CODE message" keeps its code, anything else gets ERR.
local function error_table(buf)
  local code, msg
  if ssub(buf, 1, 1) == "-" then
    local sp = sfind(buf, " ", 1, true)
    if sp then code, msg = ssub(buf, 2, sp - 1), ssub(buf, sp + 1)
    else code, msg = "ERR", ssub(buf, 2) end
  else
    code, msg = "ERR", buf
  end
  msg = sgsub(sgsub(msg, "^[\r\n]+", ""), "[\r\n]+$", "")
  return {err = code .. " " .. msg}
end

local function lib_error(msg) error(error_table(msg)) end

-- redis.call and redis.pcall are Python callables (runtime.py). To Lua they
-- are C functions, like Redis's own: `return redis.call(...)` keeps the
-- caller's frame, so an error still reports the script's line. An error
-- they raise arrives as a userdata wrapping the Python exception;
-- `unwrap` (py.unwrap) turns it back into the {err=...} table.
local redis = {}
redis.call = py.redis_call
redis.pcall = py.redis_pcall
redis.sha1hex = function(...)
  if select("#", ...) ~= 1 then lib_error("wrong number of arguments") end
  local s = ...
  if type(s) == "number" then s = tostring(s) elseif type(s) ~= "string" then s = "" end
  return py.sha1hex(s)
end
redis.error_reply = function(...)
  local s = ...
  if select("#", ...) ~= 1 or type(s) ~= "string" then
    return error_table("wrong number or type of arguments")
  end
  if ssub(s, 1, 1) ~= "-" then s = "-" .. s end
  return error_table(s)
end
redis.status_reply = function(...)
  local s = ...
  if select("#", ...) ~= 1 or type(s) ~= "string" then
    return error_table("wrong number or type of arguments")
  end
  return {ok = s}
end
redis.log = function(...)
  local n, level = select("#", ...), ...
  if n < 2 then lib_error("redis.log() requires two arguments or more.") end
  if tonumber(level) == nil then lib_error("First argument must be a number (log level).") end
  level = checkint(1, "log", n, level)
  if level < 0 or level > 3 then lib_error("Invalid debug level.") end
  local parts = {}
  for i = 2, n do
    local v = select(i, ...)
    if type(v) == "string" or type(v) == "number" then parts[#parts + 1] = tostring(v) end
  end
  py.log(level, tconcat(parts, " "))
end
redis.setresp = function(...)
  local n, v = select("#", ...), ...
  if n ~= 1 then lib_error("redis.setresp() requires one argument.") end
  local resp = tonumber(v) or 0
  if resp ~= 2 and resp ~= 3 then lib_error("RESP version must be 2 or 3.") end
  py.setresp(resp)
end
redis.set_repl = function(...)
  local n, v = select("#", ...), ...
  if n ~= 1 then lib_error("redis.set_repl() requires two arguments.") end
  local flags = tonumber(v) or 0
  if flags < 0 or flags > 3 or flags ~= floor(flags) then
    lib_error("Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.")
  end
end
redis.replicate_commands = function() return true end
redis.breakpoint = function() return false end
redis.debug = function() end
redis.acl_check_cmd = py.acl_check
redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING = 0, 1, 2, 3
redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL = 0, 1, 2, 2, 3
redis.REDIS_VERSION, redis.REDIS_VERSION_NUM = REDIS_VERSION, REDIS_VERSION_NUM

-- The error handler (Redis: __redis__err__handler): turn any error into a
-- table {err=..., source=..., line=...}; the position is the first frame
-- outside this chunk, or the one after it when that frame is a C function.
local function err_handler(err)
  local frames, level = {}, 2
  while #frames < 2 do
    local info = getinfo(level, "nSl")
    if not info then break end
    if info.source ~= INTERNAL then frames[#frames + 1] = info end
    level = level + 1
  end
  local i = frames[1]
  if i and i.what == "C" then i = frames[2] end
  if type(err) == "userdata" then err = unwrap(err) end
  if type(err) ~= "table" then
    err = {err = "ERR " .. tostring(err)}
  end
  if i then
    err.source = i.source
    err.line = i.currentline
  end
  return err
end
G.__redis__err__handler = err_handler

local libs = libs_chunk(py, user_error, arg_error, typename, newproxy)
local protected = {string = stringlib, table = tablelib, math = mathlib,
                   coroutine = coroutinelib, redis = redis}
for name, lib in next, libs do protected[name] = lib end

local function as_c(t)
  for k, v in next, t do
    if type(v) == "function" then
      local info = getinfo(v, "S")
      if info.what == "Lua" and info.source == INTERNAL then
        t[k] = py.c_function(trampoline, v)
      end
    end
  end
end
for _, lib in next, protected do as_c(lib) end
for name, lib in next, protected do G[name] = freeze(lib) end

-- Strings index the frozen string library, and their metatable is frozen too.
local string_mt = dgetmetatable("")
string_mt.__index = G.string
string_mt.__metatable = freeze(copy(string_mt))

-- Code compiled inside a script runs in the sandbox too. (The thread's own
-- global table stays lupa's: lupa itself looks things up there.)
local function sandboxed(f, e)
  if f then setfenv(f, GP) end
  return f, e
end
G.loadstring = function(...)
  local n, s, name = select("#", ...), ...
  if type(s) ~= "string" and type(s) ~= "number" then
    arg_error(1, "loadstring", "string expected, got " .. typename(n, s))
  end
  return sandboxed(loadstring(s, name))
end
G.load = function(...)
  local n, f, name = select("#", ...), ...
  if type(f) ~= "function" then arg_error(1, "load", "function expected, got " .. typename(n, f)) end
  return sandboxed(load(f, name))
end
local pcall_wrapper = G.pcall
G.pcall = nil
as_c(G)
G.pcall = pcall_wrapper

-- Entry points for Python ---------------------------------------------------
local scripts = {}
local api = {}

function api.compile(sha, body)
  local f, err = loadstring(body, "@user_script")
  if not f then return "compile", err end
  setfenv(f, GP)
  scripts[sha] = f
  return nil
end

function api.has(sha) return scripts[sha] ~= nil end

function api.run(sha, keys, argv)
  rawset(G, "KEYS", keys)
  rawset(G, "ARGV", argv)
  return xpcall(scripts[sha], err_handler)
end

api.rawget = rawget
api.trampoline = trampoline
api.lua_tostring = function(v) return tostring(v) end
return api
"""
