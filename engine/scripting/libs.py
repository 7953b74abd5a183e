"""The extra libraries Redis 7.0 loads into its Lua state: bit, cjson (and the
names of struct and cmsgpack).

Redis links C libraries for these; lupa's Lua has none of them, so they are
rebuilt here. ``cjson`` is written in Lua (below), following lua-cjson 2.1.0
as Redis bundles it: same number format (``%.14g``), same escapes (``/``
becomes ``\\/``), same "excessively sparse array" rule, same error texts, and
objects encoded in Lua's own table order (``next``) — which is why it runs
inside Lua and not in Python. ``bit`` (LuaBitOp) checks its arguments in Lua
and computes in Python (:func:`bitop`), where 32-bit arithmetic is exact.

``struct`` and ``cmsgpack`` are NOT implemented yet: the tables exist (the
global names match Redis), but every function raises "… is not implemented
by the engine" (see :mod:`.packing`).

The chunk is compiled with the sandbox's chunk name, so errors raised here
point at the user's line, as a C library's ``luaL_error`` does.
"""
from __future__ import annotations

import math

LIBS = r"""
local py, user_error, arg_error, typename, newproxy = ...
local type, next, rawget, rawset, select, tostring, tonumber, error =
      type, next, rawget, rawset, select, tostring, tonumber, error
local sformat, sbyte, schar, ssub, sfind, sgsub, smatch =
      string.format, string.byte, string.char, string.sub, string.find, string.gsub, string.match
local tconcat, floor, huge = table.concat, math.floor, math.huge

-- bit (LuaBitOp 1.0) ------------------------------------------------------------
local bit = {}
local function number_arg(i, fname, n, v)
  local x = tonumber(v)
  if x == nil then arg_error(i, fname, "number expected, got " .. typename(i <= n and 1 or 0, v)) end
  return x
end
local function unary(name)
  bit[name] = function(...)
    local n, x = select("#", ...), ...
    return py.bitop(name, number_arg(1, name, n, x))
  end
end
local function binary(name)
  bit[name] = function(...)
    local n, x, s = select("#", ...), ...
    return py.bitop(name, number_arg(1, name, n, x), number_arg(2, name, n, s))
  end
end
local function variadic(name)
  bit[name] = function(...)
    local n = select("#", ...)
    local args = {number_arg(1, name, n, (...))}
    for i = 2, n do args[i] = number_arg(i, name, n, (select(i, ...))) end
    return py.bitop(name, unpack(args))
  end
end
unary("tobit"); unary("bnot"); unary("bswap")
variadic("band"); variadic("bor"); variadic("bxor")
binary("lshift"); binary("rshift"); binary("arshift"); binary("rol"); binary("ror")
bit.tohex = function(...)
  local n, x, d = select("#", ...), ...
  x = number_arg(1, "tohex", n, x)
  if d == nil then d = 8 else d = number_arg(2, "tohex", n, d) end
  return py.bitop("tohex", x, d)
end

-- cjson (lua-cjson 2.1.0) --------------------------------------------------------
local cjson = {_NAME = "cjson", _VERSION = "2.1.0"}
local null = newproxy(false)
cjson.null = null
local cfg = {sparse_convert = false, sparse_ratio = 2, sparse_safe = 10, encode_depth = 1000,
             decode_depth = 1000, precision = 14, encode_invalid = false,
             decode_invalid = true, keep_buffer = true}

local escapes = {['"'] = '\\"', ['\\'] = '\\\\', ['/'] = '\\/', ['\b'] = '\\b',
                 ['\f'] = '\\f', ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t'}
for c = 0, 31 do
  local ch = schar(c)
  if not escapes[ch] then escapes[ch] = sformat('\\u%04x', c) end
end
escapes[schar(127)] = '\\u007f'

local function enc_string(s) return '"' .. sgsub(s, '[%c"\\/]', escapes) .. '"' end

local function enc_number(x)
  if x ~= x or x == huge or x == -huge then
    if not cfg.encode_invalid then user_error("Cannot serialise number: must not be NaN or Inf") end
    if x ~= x then return "nan" end
    return x > 0 and "inf" or "-inf"
  end
  return sformat("%." .. cfg.precision .. "g", x)
end

local function array_length(t)
  local max, items = 0, 0
  for k in next, t do
    if type(k) == "number" and k ~= 0 and floor(k) == k and k >= 1 then
      if k > max then max = k end
      items = items + 1
    else
      return -1
    end
  end
  if cfg.sparse_ratio > 0 and max > items * cfg.sparse_ratio and max > cfg.sparse_safe then
    if not cfg.sparse_convert then user_error("Cannot serialise table: excessively sparse array") end
    return -1
  end
  return max
end

local encode_value
local function enc_table(t, depth)
  depth = depth + 1
  if depth > cfg.encode_depth then
    user_error(sformat("Cannot serialise, excessive nesting (%d)", depth))
  end
  local len = array_length(t)
  local out = {}
  if len > 0 then
    for i = 1, len do out[i] = encode_value(rawget(t, i), depth) end
    return "[" .. tconcat(out, ",") .. "]"
  end
  for k, v in next, t do
    local kt, key = type(k)
    if kt == "string" then key = enc_string(k)
    elseif kt == "number" then key = '"' .. enc_number(k) .. '"'
    else user_error(sformat("Cannot serialise %s: table key must be a number or string", kt)) end
    out[#out + 1] = key .. ":" .. encode_value(v, depth)
  end
  return "{" .. tconcat(out, ",") .. "}"
end

encode_value = function(v, depth)
  local t = type(v)
  if t == "string" then return enc_string(v)
  elseif t == "number" then return enc_number(v)
  elseif t == "boolean" then return v and "true" or "false"
  elseif t == "table" then return enc_table(v, depth)
  elseif t == "nil" or v == null then return "null" end
  user_error(sformat("Cannot serialise %s: type not supported", t))
end

cjson.encode = function(...)
  if select("#", ...) ~= 1 then arg_error(1, "encode", "expected 1 argument") end
  local json = encode_value((...), 0)
  return json
end

-- Decoding: a tokenizer with cjson's token names, then a recursive parser.
local function utf8(cp)
  if cp < 0x80 then return schar(cp) end
  if cp < 0x800 then return schar(0xC0 + floor(cp / 64), 0x80 + cp % 64) end
  if cp < 0x10000 then
    return schar(0xE0 + floor(cp / 4096), 0x80 + floor(cp / 64) % 64, 0x80 + cp % 64)
  end
  return schar(0xF0 + floor(cp / 262144), 0x80 + floor(cp / 4096) % 64,
               0x80 + floor(cp / 64) % 64, 0x80 + cp % 64)
end

local simple_escapes = {['"'] = '"', ['\\'] = '\\', ['/'] = '/', b = '\b', f = '\f',
                        n = '\n', r = '\r', t = '\t'}

local function next_token(s, pos)
  -- returns kind, value, start, next_pos
  pos = sfind(s, "[^ \t\n\r]", pos) or (#s + 1)
  local c = ssub(s, pos, pos)
  if c == "" then return "T_END", nil, pos, pos end
  if c == "{" then return "T_OBJ_BEGIN", nil, pos, pos + 1 end
  if c == "}" then return "T_OBJ_END", nil, pos, pos + 1 end
  if c == "[" then return "T_ARR_BEGIN", nil, pos, pos + 1 end
  if c == "]" then return "T_ARR_END", nil, pos, pos + 1 end
  if c == ":" then return "T_COLON", nil, pos, pos + 1 end
  if c == "," then return "T_COMMA", nil, pos, pos + 1 end
  if c == '"' then
    local out, i = {}, pos + 1
    while true do
      local ch = ssub(s, i, i)
      if ch == "" then return "T_ERROR", "unexpected end of string", i, i end
      if ch == '"' then return "T_STRING", tconcat(out), pos, i + 1 end
      if ch == "\\" then
        local e = ssub(s, i + 1, i + 1)
        if simple_escapes[e] then
          out[#out + 1] = simple_escapes[e]; i = i + 2
        elseif e == "u" then
          local hex = smatch(s, "^%x%x%x%x", i + 2)
          if not hex then return "T_ERROR", "invalid unicode escape code", i, i end
          local cp = tonumber(hex, 16)
          i = i + 6
          if cp >= 0xD800 and cp <= 0xDBFF then
            local low = smatch(s, "^\\u(%x%x%x%x)", i)
            local lo = low and tonumber(low, 16)
            if not lo or lo < 0xDC00 or lo > 0xDFFF then
              return "T_ERROR", "invalid unicode escape code", i - 6, i
            end
            cp = 0x10000 + (cp - 0xD800) * 1024 + (lo - 0xDC00)
            i = i + 6
          elseif cp >= 0xDC00 and cp <= 0xDFFF then
            return "T_ERROR", "invalid unicode escape code", i - 6, i
          end
          out[#out + 1] = utf8(cp)
        else
          return "T_ERROR", "invalid escape code", i, i
        end
      else
        local j = sfind(s, '["\\]', i) or (#s + 1)
        out[#out + 1] = ssub(s, i, j - 1)
        i = j
      end
    end
  end
  if ssub(s, pos, pos + 3) == "true" then return "T_BOOLEAN", true, pos, pos + 4 end
  if ssub(s, pos, pos + 4) == "false" then return "T_BOOLEAN", false, pos, pos + 5 end
  if ssub(s, pos, pos + 3) == "null" then return "T_NULL", null, pos, pos + 4 end
  if sfind(c, "[-0-9]") or (cfg.decode_invalid and sfind(c, "[+.iInN]")) then
    local text = smatch(s, "^[-+]?[0-9]*%.?[0-9]*[eE][-+]?[0-9]+", pos)
              or smatch(s, "^[-+]?0[xX]%x+", pos)
              or smatch(s, "^[-+]?[0-9]*%.?[0-9]*", pos)
    local num = text and text ~= "" and tonumber(text)
    if not num and cfg.decode_invalid then
      local word = smatch(s, "^[-+]?%a+", pos)
      local lw = word and string.lower(word)
      if lw == "inf" or lw == "+inf" or lw == "infinity" or lw == "+infinity" then num, text = huge, word
      elseif lw == "-inf" or lw == "-infinity" then num, text = -huge, word
      elseif lw == "nan" or lw == "-nan" or lw == "+nan" then num, text = 0/0, word end
    end
    if not num then return "T_ERROR", "invalid number", pos, pos end
    return "T_NUMBER", num, pos, pos + #text
  end
  return "T_ERROR", "invalid token", pos, pos
end

local function parse_error(expected, kind, value, at)
  local found = kind == "T_ERROR" and value or kind
  user_error(sformat("Expected %s but found %s at character %d", expected, found, at))
end

local parse_value
local function parse_object(s, pos, depth, at)
  depth = depth + 1
  if depth > cfg.decode_depth then
    user_error(sformat("Found too many nested data structures (%d) at character %d", depth, at))
  end
  local t = {}
  local kind, value, start, nxt = next_token(s, pos)
  if kind == "T_OBJ_END" then return t, nxt end
  while true do
    if kind ~= "T_STRING" then parse_error("object key string", kind, value, start) end
    local key = value
    kind, value, start, nxt = next_token(s, nxt)
    if kind ~= "T_COLON" then parse_error("colon", kind, value, start) end
    local v
    v, nxt = parse_value(s, nxt, depth)
    rawset(t, key, v)
    kind, value, start, nxt = next_token(s, nxt)
    if kind == "T_OBJ_END" then return t, nxt end
    if kind ~= "T_COMMA" then parse_error("comma or object end", kind, value, start) end
    kind, value, start, nxt = next_token(s, nxt)
  end
end

local function parse_array(s, pos, depth, at)
  depth = depth + 1
  if depth > cfg.decode_depth then
    user_error(sformat("Found too many nested data structures (%d) at character %d", depth, at))
  end
  local t, i = {}, 1
  local kind, value, start, nxt = next_token(s, pos)
  if kind == "T_ARR_END" then return t, nxt end
  while true do
    local v
    v, nxt = parse_value(s, start, depth)
    rawset(t, i, v)
    i = i + 1
    kind, value, start, nxt = next_token(s, nxt)
    if kind == "T_ARR_END" then return t, nxt end
    if kind ~= "T_COMMA" then parse_error("comma or array end", kind, value, start) end
    kind, value, start, nxt = next_token(s, nxt)
  end
end

parse_value = function(s, pos, depth)
  local kind, value, start, nxt = next_token(s, pos)
  if kind == "T_STRING" or kind == "T_NUMBER" or kind == "T_BOOLEAN" or kind == "T_NULL" then
    return value, nxt
  end
  if kind == "T_OBJ_BEGIN" then return parse_object(s, nxt, depth, start) end
  if kind == "T_ARR_BEGIN" then return parse_array(s, nxt, depth, start) end
  parse_error("value", kind, value, start)
end

cjson.decode = function(...)
  local n, s = select("#", ...), ...
  if n ~= 1 then arg_error(1, "decode", "expected 1 argument") end
  if type(s) == "number" then s = tostring(s) end
  if type(s) ~= "string" then arg_error(1, "decode", "string expected, got " .. typename(n, s)) end
  local value, nxt = parse_value(s, 1, 0)
  local kind, v, start = next_token(s, nxt)
  if kind ~= "T_END" then parse_error("the end", kind, v, start) end
  return value
end

local function setting(name, ...)
  local v = ...
  if select("#", ...) > 0 and v ~= nil then cfg[name] = v end
  return cfg[name]
end
cjson.encode_max_depth = function(...) return setting("encode_depth", ...) end
cjson.decode_max_depth = function(...) return setting("decode_depth", ...) end
cjson.encode_number_precision = function(...) return setting("precision", ...) end
cjson.encode_keep_buffer = function(...) return setting("keep_buffer", ...) end
cjson.encode_invalid_numbers = function(...) return setting("encode_invalid", ...) end
cjson.decode_invalid_numbers = function(...) return setting("decode_invalid", ...) end
cjson.encode_sparse_array = function(convert, ratio, safe)
  if convert ~= nil then cfg.sparse_convert = convert end
  if ratio ~= nil then cfg.sparse_ratio = ratio end
  if safe ~= nil then cfg.sparse_safe = safe end
  return cfg.sparse_convert, cfg.sparse_ratio, cfg.sparse_safe
end
cjson.new = function() return cjson end

local libs = {bit = bit, cjson = cjson}
for name, lib in next, py.packing(user_error, arg_error, typename) do libs[name] = lib end
return libs
"""


# -- bit: the arithmetic ----------------------------------------------------------

def _tobit(x: float) -> int:
    """LuaBitOp's normalisation: round to an integer (ties to even, as the FPU
    does), keep the low 32 bits, read them as a signed number."""
    if math.isnan(x) or math.isinf(x):
        return 0
    v = round(x) & 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def _signed(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def bitop(name, *args):
    """One LuaBitOp function on already-checked numbers."""
    name = name.decode() if isinstance(name, bytes) else name
    if name == "tohex":
        x, n = _tobit(args[0]) & 0xFFFFFFFF, _tobit(args[1])
        digits = "0123456789ABCDEF" if n < 0 else "0123456789abcdef"
        n = min(abs(n), 8)
        return "".join(digits[(x >> (4 * i)) & 15] for i in range(n - 1, -1, -1)).encode()
    v = [_tobit(a) for a in args]
    if name == "tobit":
        return v[0]
    if name == "bnot":
        return _signed(~v[0])
    if name == "bswap":
        x = v[0] & 0xFFFFFFFF
        return _signed(int.from_bytes(x.to_bytes(4, "little"), "big"))
    if name in ("band", "bor", "bxor"):
        acc = v[0]
        for other in v[1:]:
            acc = acc & other if name == "band" else acc | other if name == "bor" else acc ^ other
        return _signed(acc)
    x, s = v[0] & 0xFFFFFFFF, v[1] & 31
    if name == "lshift":
        return _signed(x << s)
    if name == "rshift":
        return _signed(x >> s)
    if name == "arshift":
        return _signed(_signed(x) >> s)
    if name == "rol":
        return _signed((x << s) | (x >> (32 - s)))
    if name == "ror":
        return _signed((x >> s) | (x << (32 - s)))
    raise ValueError(name)
