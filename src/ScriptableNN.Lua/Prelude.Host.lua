-- ScriptableNN's Lua side, continued: host services (print, require, granted functions), then the sandbox.
-- Each part of the prelude is its own chunk (a Lua chunk holds at most 200 locals), run in
-- order after Prelude.lua under the same chunk name, [snn]; the locals the parts share travel in S.
local S = ...
local raw, ERR, sandbox, allowIO, grants, registry, error, type, select, pairs = S.raw, S.ERR, S.sandbox, S.allowIO, S.grants, S.registry, S.error, S.type, S.select, S.pairs
local ipairs, tostring, setmetatable, rawget, concat, tointeger, fail, wrap, wrap2, wrap0 = S.ipairs, S.tostring, S.setmetatable, S.rawget, S.concat, S.tointeger, S.fail, S.wrap, S.wrap2, S.wrap0
local C = S.C
---------------------------------------------------------------------------------------------
-- host services: print, require, granted functions; then the sandbox
---------------------------------------------------------------------------------------------
local H = raw.host
local hostprint = wrap0(H.print)
print = function(...)
  local n, parts = select("#", ...), {}
  for i = 1, n do parts[i] = tostring((select(i, ...))) end
  hostprint(concat(parts, "\t"))
end

local findModule, rawload = wrap2(H.findModule), load
local builtin = { nn = nn, optim = optim, torch = torch }
local loaded = {}
registry["snn.loaded"] = loaded      -- the spec runner's insulate puts it back, as busted does package.loaded
local baseRequire = require
if not sandbox and package then
  -- Trusted scripts (no sandbox) get Lua's own require and package table; the host's search
  -- paths come first on package.path, as ?.lua and ?/init.lua.
  package.path = wrap(H.searchPath)() .. package.path
  for name, m in pairs(builtin) do package.loaded[name] = m end
end
require = function(name)
  if type(name) ~= "string" then fail("bad argument #1 to 'require' (string expected, got " .. type(name) .. ")") end
  local b = builtin[name]
  if b then return b end
  if loaded[name] ~= nil then return loaded[name] end
  if baseRequire and not sandbox and package then return baseRequire(name) end
  local src, chunk = findModule(name)
  if not src then
    fail("module '" .. name .. "' not found: Lua files are searched on the host's search paths, and C modules cannot be loaded")
  end
  local f, err = rawload(src, chunk, "t")
  if not f then fail(err) end
  local r = f(name)
  if r == nil then r = true end
  loaded[name] = r
  return r
end

---------------------------------------------------------------------------------------------
-- string.find, match, gmatch, gsub: matched in C# (StringBindings), where budgets hold; Lua's
-- own matcher runs no instruction a hook could stop.
---------------------------------------------------------------------------------------------
do
  local S = raw.str
  local sfind, smatch, sgmatch, sgsubstring, sgsubstep = S.find, S.match, S.gmatchStep, S.gsubString, S.gsubStep
  local tointeger, mathtype, unpack, sub, tonumber = math.tointeger, math.type, table.unpack, string.sub, tonumber
  -- Lua's own functions stay in the registry, for the tests that compare the two.
  registry["snn.cstring"] = { find = string.find, match = string.match, gmatch = string.gmatch, gsub = string.gsub }
  local function results(a, ...)
    if a == ERR then fail((...)) end
    return a, ...
  end
  local function text(v, i, fn)
    local t = type(v)
    if t == "string" then return v end
    if t == "number" then return tostring(v) end
    fail("bad argument #" .. i .. " to '" .. fn .. "' (string expected, got " .. (v == nil and "no value" or t) .. ")")
  end
  local function integer(v, i, fn)
    if mathtype(v) == "integer" then return v end
    local n = type(v) == "number" and tointeger(v) or (type(v) == "string" and tointeger(tonumber(v)))
    if not n then fail("bad argument #" .. i .. " to '" .. fn .. "' (number has no integer representation)") end
    return n
  end
  string.find = function(s, p, init, plain) return results(sfind(s, p, init, plain)) end
  string.match = function(s, p, init) return results(smatch(s, p, init)) end
  string.gmatch = function(s, p, init)
    s, p = text(s, 1, "gmatch"), text(p, 2, "gmatch")
    local ls = #s
    local src, last = 0, -1
    if init ~= nil then
      init = integer(init, 3, "gmatch")
      if init > 0 then src = init - 1 elseif init == 0 or init < -ls then src = 0 else src = ls + init end
      if src > ls then src = ls + 1 end
    end
    local function step(nextsrc, ...)
      if nextsrc == ERR then fail((...)) end
      if nextsrc == nil then src = ls + 1; return nil end
      src, last = nextsrc, nextsrc
      return ...
    end
    return function() return step(sgmatch(s, p, src, last)) end
  end
  string.gsub = function(s, p, repl, n)
    s, p = text(s, 1, "gsub"), text(p, 2, "gsub")
    local max = n == nil and #s + 1 or integer(n, 4, "gsub")
    local tr = type(repl)
    if tr == "string" or tr == "number" then return results(sgsubstring(s, p, repl, max)) end
    if tr ~= "function" and tr ~= "table" then
      fail("bad argument #3 to 'gsub' (string/function/table expected, got " .. (repl == nil and "no value" or tr) .. ")")
    end
    local parts, np, src, last, count = {}, 0, 0, -1, 0
    local anchor = sub(p, 1, 1) == "^"
    while count < max do
      local r = { sgsubstep(s, p, src, last, anchor) }
      if r[1] == ERR then fail(r[2]) end
      local start, e = r[1], r[2]
      if start == nil then break end
      if start > src then np = np + 1; parts[np] = sub(s, src + 1, start) end
      count = count + 1
      local v
      if tr == "function" then v = repl(unpack(r, 3)) else v = repl[r[3]] end
      if not v then v = sub(s, start + 1, e)
      elseif type(v) ~= "string" and type(v) ~= "number" then fail("invalid replacement value (a " .. type(v) .. ")") end
      np = np + 1; parts[np] = v
      src, last = e, e
      if anchor then break end
    end
    if count == 0 then return s, 0 end
    np = np + 1; parts[np] = sub(s, src + 1)
    return concat(parts), count
  end
end

local grantcall = wrap(H.grant)
for i, name in ipairs(grants) do
  _G[name] = function(...) return grantcall(i, ...) end
end

-- The metatables of engine objects are out of a script's reach: a script that replaced their
-- __gc or __index would run its code inside the collector (where no budget can stop it) or
-- break the next script on the same host.
for name, shown in pairs({ ["snn.Tensor"] = "torch.FloatTensor", ["snn.Module"] = "nn.Module",
                           ["snn.Criterion"] = "nn.Criterion", ["snn.Optimizer"] = "optim.Optimizer",
                           ["snn.Trainer"] = "train.Trainer", ["snn.Compiled"] = "nn.Compiled",
                           ["snn.Environment"] = "rl.Environment", ["snn.Agent"] = "rl.Agent" }) do
  registry[name].__metatable = shown
end

-- Lua 5.1 habits that Torch7 scripts rely on (Torch7 ran on LuaJIT / Lua 5.1), as 5.1 defined
-- them: unpack, loadstring (text chunks only, through load), math.pow, table.getn.
unpack = unpack or table.unpack
loadstring = loadstring or function(s, chunkname) return load(s, chunkname, "t") end
math.pow = math.pow or function(x, y) return x ^ y end
table.getn = table.getn or function(t) return #t end

if sandbox then
  -- Lua runs __gc metamethods with hooks off, so no budget could stop one that loops; scripts
  -- release resources with to-be-closed variables (local x <close> = ...) instead.
  local rawsetmetatable = setmetatable
  _G.setmetatable = function(t, mt)
    if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
      error("setmetatable: __gc metamethods are not available in the sandbox (no budget can stop them); use a to-be-closed variable", 2)
    end
    return rawsetmetatable(t, mt)
  end
  -- After a budget stop, Lua code may only run where a hook can still stop it. An error raised
  -- from a hook leaves Lua's hooks off until the nearest pcall returns, so a message handler
  -- (called before the unwind) or a thread's __close handlers (run when a dead coroutine is
  -- closed) would run unstoppable. Here the handler runs after the unwind, and a stopped
  -- script's coroutines are not closed.
  local rawpcall, create, resume, close, status = pcall, coroutine.create, coroutine.resume, coroutine.close, coroutine.status
  local stopped = H.stopped
  local function handled(handler, ok, ...)
    if ok then return true, ... end
    if stopped() then error((...), 0) end
    return false, handler((...))
  end
  _G.xpcall = function(f, handler, ...)
    if type(handler) ~= "function" then error("bad argument #2 to 'xpcall' (function expected)", 2) end
    return handled(handler, rawpcall(f, ...))
  end
  local function wrapped(co, ok, ...)
    if ok then return ... end
    local err = ...
    if not stopped() then close(co) end
    error(err, type(err) == "string" and 2 or 0)
  end
  coroutine.wrap = function(f)
    local co = create(f)
    return function(...) return wrapped(co, resume(co, ...)) end
  end
  coroutine.close = function(co)
    if stopped() then error("script stopped", 0) end
    return close(co)
  end
  dofile, loadfile = nil, nil
  load = function(chunk, name, mode, env)
    if env == nil then return rawload(chunk, name, "t") end
    return rawload(chunk, name, "t", env)
  end
  string.dump = nil
  if not allowIO then
    local clock, time = os.clock, os.time
    os = { clock = clock, time = time }
  end
  debug = nil
  package = nil
end
