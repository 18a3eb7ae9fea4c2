-- A test runner in the style of busted: describe, it, before_each, after_each, pending and
-- the assert vocabulary Lua programmers know, plus assert.near for numbers and tensors.
-- As busted does, loading a spec file only registers its top-level blocks; each describe body
-- runs when the runner reaches it (after the tests before it and their hooks), registering its
-- own tests and hooks, which then run in order. The host takes one test at a time (runner.next).
local function newblock(name, mode)
  return { name = name, before = {}, after = {}, lazy_setup = {}, lazy_teardown = {}, strict_setup = {}, strict_teardown = {}, mode = mode }
end
local root = newblock(nil)
local queue = {}            -- what is left to run, in order: blocks, tests, pendings
local current = { root }    -- the blocks enclosing the code running now
local insertAt = nil        -- while a block's body runs: where its children go in the queue
-- debug.getinfo (scripts have no debug library) and the table where the host finds the runner:
-- the runner lives in the registry, out of a spec's reach, and keeps its own copies of the
-- functions it uses, so a spec that redefines pcall or ipairs cannot change its results.
local getinfo, runner, sandboxLoaded = ...
local pcall, ipairs, type, tostring, getmetatable, setmetatable, next = pcall, ipairs, type, tostring, getmetatable, setmetatable, next
local tinsert, tremove, concat = table.insert, table.remove, table.concat
local function where(level)
  if not getinfo then return "?" end
  local info = getinfo(level + 1, "Sl")
  return info and (info.short_src .. ":" .. (info.currentline or 0)) or "?"
end

local function add(item)
  item.ancestors = current
  if insertAt then tinsert(queue, insertAt, item); insertAt = insertAt + 1
  else queue[#queue + 1] = item end
end

local function fullname(item)
  local parts = {}
  for i = 2, #item.ancestors do parts[#parts + 1] = item.ancestors[i].name end
  parts[#parts + 1] = item.name
  return concat(parts, " ")
end

function describe(name, fn) add({ kind = "block", name = name, fn = fn, at = where(2) }) end
context = describe
-- insulate: the globals (and loaded modules) a block changes are put back when it ends, as
-- busted's insulate restores its environment; expose keeps them, as describe does here.
function insulate(name, fn) add({ kind = "block", name = name, fn = fn, at = where(2), mode = "insulate" }) end
function expose(name, fn) add({ kind = "block", name = name, fn = fn, at = where(2) }) end

function it(name, fn) add({ kind = "test", name = name, fn = fn, at = where(2) }) end
spec, test = it, it

-- busted's randomize([flag] [, seed]): the block being defined runs its children in an order
-- shuffled with the seed (--seed, or the run's own), as --shuffle does for every block.
function randomize(...)
  local b = current[#current]
  local on = select("#", ...) == 0 or (...)
  b.randomize = on and true or false
  if on then b.seed = tonumber((select(1, ...))) or tonumber((select(2, ...))) or b.seed end
end

-- busted attaches a hook to its block's children as it does a test, and shuffles them all; a
-- placeholder keeps the hook's place in the queue, so a shuffle draws busted's permutation.
-- The runner skips placeholders.
local function placeholder() add({ kind = "hook" }) end

function before_each(fn) local b = current[#current].before; b[#b + 1] = fn; placeholder() end
function after_each(fn) local a = current[#current].after; a[#a + 1] = fn; placeholder() end
-- busted 2: strict_setup runs when its block starts (after the block's body), strict_teardown
-- when it ends, whatever runs inside; lazy_setup runs before the first test that runs in the
-- block, lazy_teardown at the block's end if its lazy_setup ran. setup and teardown are the
-- strict ones. A failing setup skips the block's tests and is reported as a failure.
local function hook(list)
  return function(fn)
    local l = current[#current][list]
    l[#l + 1] = fn
    l.at = l.at or where(2)           -- a failure is reported where the hook was declared, as busted does
    placeholder()
  end
end
lazy_setup, lazy_teardown = hook("lazy_setup"), hook("lazy_teardown")
strict_setup, strict_teardown = hook("strict_setup"), hook("strict_teardown")
setup, teardown = strict_setup, strict_teardown
-- finally(fn) inside a test: runs after the test's body, pass or fail; its error fails the test.
local finallies = nil
function finally(fn)
  if not finallies then error("'finally' may only be called inside a test", 2) end
  finallies[#finallies + 1] = fn
end

-- The hooks of a test, from its enclosing blocks as they stand when it runs: before_each
-- outermost first, after_each innermost first (busted's order).
local function hooks(item)
  local before, after = {}, {}
  for i = 1, #item.ancestors do for _, f in ipairs(item.ancestors[i].before) do before[#before + 1] = f end end
  for i = #item.ancestors, 1, -1 do for _, f in ipairs(item.ancestors[i].after) do after[#after + 1] = f end end
  return before, after
end

-- pending("why") declares a pending test; called inside a running test, it ends that test as
-- pending (busted's behaviour), through an error object only the runner recognises.
local PENDING = {}
local running = false
function pending(name)
  if running then error(setmetatable({ message = name, at = where(2) }, PENDING), 2) end
  add({ kind = "pending", name = name, at = where(2) })
end

---------------------------------------------------------------------------------------------
-- A value in a failure message; tables to a few levels, a cycle shown as "...".
local function show(v, depth, seen)
  if type(v) == "string" then return string.format("%q", v) end
  if torch and torch.isTensor(v) then return "tensor " .. table.concat(v:size(), "x") end
  if type(v) == "table" then
    depth, seen = depth or 0, seen or {}
    if seen[v] or depth > 4 then return "{...}" end
    seen[v] = true
    local parts = {}
    for k, x in pairs(v) do parts[#parts + 1] = tostring(k) .. "=" .. show(x, depth + 1, seen) end
    seen[v] = nil
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  return tostring(v)
end

-- Tables by content (raw: a table's __eq is not asked, as luassert compares contents), pairs
-- already under comparison taken as equal so that cyclic tables end.
local function deepsame(a, b, seen)
  if rawequal(a, b) then return true end
  if type(a) ~= type(b) then return false end
  if type(a) == "table" then
    seen = seen or {}
    if seen[a] == b then return true end
    seen[a] = b
    for k, v in pairs(a) do if not deepsame(v, rawget(b, k), seen) then return false end end
    for k in pairs(b) do if rawget(a, k) == nil then return false end end
    return true
  end
  if torch and torch.isTensor(a) and torch.isTensor(b) then
    if a:nElement() ~= b:nElement() then return false end
    local fa, fb = a:view(-1), b:view(-1)
    for i = 1, fa:size(1) do if fa[i] ~= fb[i] then return false end end
    return true
  end
  return false
end

local function fail(msg, level) error(msg, (level or 1) + 2) end

local function near(a, b, tol, msg)
  tol = tol or 1e-6
  if type(a) == "number" and type(b) == "number" then
    if math.abs(a - b) > tol then fail(msg or ("expected " .. show(b) .. " within " .. tol .. ", got " .. show(a))) end
    return
  end
  if torch and torch.isTensor(a) and torch.isTensor(b) then
    if a:nElement() ~= b:nElement() then fail(msg or ("tensor sizes differ: " .. show(a) .. " vs " .. show(b))) end
    local fa, fb = a:view(-1), b:view(-1)
    for i = 1, fa:size(1) do
      if math.abs(fa[i] - fb[i]) > tol then
        fail(msg or ("tensors differ at element " .. i .. ": " .. fa[i] .. " vs " .. fb[i] .. " (tolerance " .. tol .. ")"))
      end
    end
    return
  end
  fail(msg or ("near: cannot compare " .. type(a) .. " and " .. type(b)))
end

local luaassert = assert

-- luassert's assertions, spelled as luassert reads them: a chain of words split on "_" and ".",
-- in any case (assert.are.equal, assert.is_equal, assert.Equals, assert.is.Nil); "is", "are",
-- "was", "has" and "does" read as nothing, "not" and "no" negate, and the last word that names
-- an assertion is the assertion. Past an assertion's own arguments comes the custom message,
-- which is put before the standard one.
-- Values in messages as luassert formats them: numbers to 20 significant digits (a float that
-- looks whole gets ".0"), strings quoted, tables by address with their sorted keys to three
-- levels, the path of the first difference (crumbs) marked with '*'.
-- luassert's state: parameters and formatters in a chain of snapshots; a name is looked up from
-- the newest snapshot back, and reverting a snapshot drops what was set or added since, and
-- reverts the spies made since.
local NIL = {}
local state = { parameters = { TableFormatLevel = 3, TableFormatShowRecursion = false,
  TableErrorHighlightCharacter = "*", TableErrorHighlightColor = "none" }, formatters = {}, spies = setmetatable({}, { __mode = "k" }) }
local function get_parameter(name)
  local s = state
  while s do
    local v = s.parameters[name]
    if v ~= nil then if v == NIL then return nil end return v end
    s = s.previous
  end
end
-- term.colors' names, as luassert's TableErrorHighlightColor reads them ("red", "bright.red").
local ansi = { reset = 0, clear = 0, default = 0, bright = 1, dim = 2, underscore = 4, blink = 5, reverse = 7, hidden = 8,
  black = 30, red = 31, green = 32, yellow = 33, blue = 34, magenta = 35, cyan = 36, white = 37,
  onblack = 40, onred = 41, ongreen = 42, onyellow = 43, onblue = 44, onmagenta = 45, oncyan = 46, onwhite = 47 }
local function colored(color, text)
  if color == nil or color == "none" then return text end
  for token in tostring(color):gmatch("[^%.]+") do
    local code = ansi[token]
    if not code then error("luassert: no colour named '" .. token .. "'", 0) end
    text = "\27[" .. code .. "m" .. text .. "\27[0m"
  end
  return text
end

local function tostr(v)
  if type(v) ~= "number" then return tostring(v) end
  if v ~= v then return "NaN" elseif v == 1 / 0 then return "Inf" elseif v == -1 / 0 then return "-Inf" end
  local text = string.format("%.20g", v)
  if math.type(v) == "float" and not text:find("[%.,]") then text = text:gsub("%d+", "%0.0", 1) end
  return text
end

local key_rank = { number = 1, boolean = 2, string = 3, table = 4, ["function"] = 5, userdata = 6, thread = 7 }
local function sorted_keys(t)
  local keys, length = {}, #t
  for k in next, t do keys[#keys + 1] = k end
  local function rank(k)
    if type(k) == "number" and k >= 1 and k <= length and math.floor(k) == k then return 0 end
    return key_rank[type(k)] or 8
  end
  table.sort(keys, function(a, b)
    local ra, rb = rank(a), rank(b)
    if ra ~= rb then return ra < rb end
    local ta = type(a)
    if ta == "string" or ta == "number" then return a < b end
    if ta == "boolean" then return a end
    return false
  end)
  return keys
end

local function format_table(t, crumbs)
  local header
  local mt = getmetatable(t)
  if mt == nil then header = "(" .. tostring(t) .. ") "
  elseif type(mt) ~= "table" or not pcall(setmetatable, t, mt) then header = "(table) "
  else setmetatable(t, nil); header = "(" .. tostring(t) .. ") "; setmetatable(t, mt) end
  local tmax, showrec = get_parameter("TableFormatLevel"), get_parameter("TableFormatShowRecursion")
  local errchar, errcolor = get_parameter("TableErrorHighlightCharacter") or "", get_parameter("TableErrorHighlightColor")
  local open = {}
  local function body(x, level, marked)
    if showrec and open[x] then return "{ ... recursive }" end
    if next(x) == nil then return "{ }" end
    if tmax >= 0 and level > tmax then return "{ ... more }" end
    local out = { "{" }
    local crumb = crumbs[#crumbs - level + 1]
    open[x] = true
    for _, k in ipairs(sorted_keys(x)) do
      local v = x[k]
      local hit = marked and k == crumb
      if type(v) == "table" then v = body(v, level + 1, hit)
      elseif type(v) == "string" then v = "'" .. v .. "'" end
      local ch = hit and errchar or ""
      out[#out + 1] = "\n" .. string.rep(" ", level * 2 - #ch) .. (#ch > 0 and colored(errcolor, ch) or "") .. "[" .. tostr(k) .. "] = " .. tostr(v)
    end
    open[x] = nil
    return concat(out) .. " }"
  end
  return header .. body(t, 1, true)
end

local function describe_value(v, crumbs)
  -- the formatters added with assert:add_formatter come first, newest first, as in luassert
  local snap = state
  while snap do
    for _, f in ipairs(snap.formatters) do
      local text = f(v, { crumbs = crumbs })
      if text ~= nil then return text end
    end
    snap = snap.previous
  end
  local t = type(v)
  if t == "string" then return "(string) '" .. v .. "'" end
  if torch and torch.isTensor(v) then return "(tensor) " .. table.concat(v:size(), "x") end
  if t == "number" then return "(number) " .. tostr(v) end
  if t == "boolean" then return "(boolean) " .. tostring(v) end
  if t == "nil" then return "(nil)" end
  if t == "table" then return format_table(v, crumbs or {}) end
  if t == "function" then
    local info = getinfo and getinfo(v, "S")
    return string.format("%s @ line %s in %s", tostring(v), tostring(info and info.linedefined), tostring(info and info.source))
  end
  return "(" .. t .. ") '" .. tostring(v) .. "'"
end

-- luassert's deepcompare: the same contents (a shared __eq decides below the top), and where not,
-- the path to the first difference, innermost key first.
local function deepcompare(t1, t2, ignore_mt, seen)
  if type(t1) ~= "table" or type(t2) ~= "table" then return t1 == t2 end
  local mt1, mt2 = getmetatable(t1), getmetatable(t2)
  if mt1 and mt1 == mt2 and type(mt1) == "table" and mt1.__eq then
    if not ignore_mt then return t1 == t2 end
  elseif rawequal(t1, t2) then return true end
  seen = seen or {}
  if seen[t1] == t2 then return true end
  seen[t1] = t2
  for k1, v1 in next, t1 do
    local v2 = t2[k1]
    if v2 == nil then return false, { k1 } end
    local same, crumbs = deepcompare(v1, v2, nil, seen)
    if not same then
      crumbs = crumbs or {}
      crumbs[#crumbs + 1] = k1
      return false, crumbs
    end
  end
  for k2 in next, t2 do
    if t1[k2] == nil then return false, { k2 } end
  end
  return true
end

local function strip_position(err)
  if type(err) == "string" then return (err:gsub("^.-:%d+: ", "", 1)) end
  return err
end

-- busted raises a failed assertion as an object, {message = "file:line: text"}, that prints as
-- its message (busted/core.lua's failure metatable): a spec that pcalls an assertion gets that
-- object, as under busted, and the runner tells failures from errors by it.
local FAILURE = { __index = {}, __tostring = function(e) return tostring(e.message) end }
-- level 1 is the code that called the function that calls raise_failure
local function raise_failure(text, level)
  local _, positioned = pcall(error, text, level + 3)
  error(setmetatable({ message = positioned }, FAILURE))
end
-- busted's API (require "busted", not globals): fail(message [, level]) raises a failure from
-- the spec's own code; gettime() and monotime() give seconds.
local function busted_fail(msg, level) raise_failure(msg, level or 1) end
local function gettime() return torch and torch.tic and torch.tic() or os.clock() end
local function has_tostring(v)
  local mt = getmetatable(v)
  return type(v) == "string" or (type(mt) == "table" and type(rawget(mt, "__tostring")) == "function")
end

local function unique_values(list, deep)
  for k, v in pairs(list) do
    for k2, v2 in pairs(list) do
      if k ~= k2 and ((deep and deepsame(v, v2)) or (not deep and v == v2)) then return false end
    end
  end
  return true
end

-- name = { arity, check(args) -> ok, positive message, negative message }
local assertions = {}
local function register(names, arity, check)
  for _, n in ipairs(names) do assertions[n] = { arity = arity, check = check } end
end
local function typecheck(t)
  return function(a) return type(a[1]) == t, "Expected object to be a " .. t .. ", but it was a " .. type(a[1]) .. ".", "Expected object to not be a " .. t .. "." end
end
register({ "equal", "equals" }, 2, function(a)
  return a[1] == a[2], "Expected objects to be equal.\nPassed in:\n" .. describe_value(a[2]) .. "\nExpected:\n" .. describe_value(a[1]),
         "Expected objects to not be equal.\nPassed in:\n" .. describe_value(a[2]) .. "\nDid not expect:\n" .. describe_value(a[1])
end)
register({ "same" }, 2, function(a)
  local ok, crumbs
  if type(a[1]) == "table" and type(a[2]) == "table" then ok, crumbs = deepcompare(a[1], a[2], true)
  elseif torch and torch.isTensor(a[1]) and torch.isTensor(a[2]) then ok = deepsame(a[1], a[2]) else ok = a[1] == a[2] end
  return ok, "Expected objects to be the same.\nPassed in:\n" .. describe_value(a[2], crumbs) .. "\nExpected:\n" .. describe_value(a[1], crumbs),
         "Expected objects to not be the same.\nPassed in:\n" .. describe_value(a[2], crumbs) .. "\nDid not expect:\n" .. describe_value(a[1], crumbs)
end)
register({ "near" }, 3, function(a)
  local ok, err = pcall(near, a[2], a[1], a[3])
  return ok, ok and "" or tostring(strip_position(err)), "Expected values to not be near (tolerance " .. tostring(a[3]) .. ")."
end)
register({ "truthy" }, 1, function(a) return a[1] ~= nil and a[1] ~= false, "Expected to be truthy, but value was:\n" .. describe_value(a[1]), "Expected to not be truthy, but value was:\n" .. describe_value(a[1]) end)
register({ "falsy" }, 1, function(a) return a[1] == nil or a[1] == false, "Expected to be falsy, but value was:\n" .. describe_value(a[1]), "Expected to not be falsy, but value was:\n" .. describe_value(a[1]) end)
register({ "true" }, 1, function(a) return a[1] == true, "Expected objects to be the same.\nPassed in:\n" .. describe_value(a[1]) .. "\nExpected:\n(boolean) true", "Expected objects to not be the same.\nPassed in:\n(boolean) true" end)
register({ "false" }, 1, function(a) return a[1] == false, "Expected objects to be the same.\nPassed in:\n" .. describe_value(a[1]) .. "\nExpected:\n(boolean) false", "Expected objects to not be the same.\nPassed in:\n(boolean) false" end)
for _, t in ipairs({ "nil", "boolean", "number", "string", "table", "function", "userdata", "thread" }) do register({ t }, 1, typecheck(t)) end
register({ "unique" }, 2, function(a) return unique_values(a[1], a[2]), "Expected object to be unique:\n" .. describe_value(a[1]), "Expected object to not be unique:\n" .. describe_value(a[1]) end)
register({ "matches", "match" }, 4, function(a)
  local s = a[2]
  -- luassert: a number or an object that prints (a failed assertion) is matched by its text
  if type(s) == "number" or has_tostring(s) then s = tostring(s) end
  local ok = type(s) == "string" and s:find(a[1], a[3], a[4]) ~= nil
  return ok, "Expected strings to match.\nPassed in:\n" .. describe_value(a[2]) .. "\nExpected:\n" .. describe_value(a[1]),
         "Expected strings not to match.\nPassed in:\n" .. describe_value(a[2]) .. "\nDid not expect:\n" .. describe_value(a[1])
end)
local function call_for_error(fn)
  if type(fn) ~= "function" then error("bad argument #1 to 'error' (function expected, got " .. type(fn) .. ")", 4) end
  local ok, err = pcall(fn)
  return ok, err
end
register({ "error", "errors" }, 2, function(a)
  local ok, err = call_for_error(a[1])
  local matched = not ok
  if matched and a.n >= 2 and a[2] ~= nil then
    local actual = strip_position(err)
    -- luassert: an error object that prints (a failure) is compared by its text, position and all
    if type(a[2]) == "string" and has_tostring(actual) then actual = tostring(actual) end
    matched = (type(a[2]) == "table" and type(actual) == "table") and deepsame(a[2], actual) or a[2] == actual
  end
  return matched, ok and "Expected a different error.\nCaught:\n(nil)\nExpected:\n" .. describe_value(a[2]) or
         ("Expected a different error.\nCaught:\n" .. describe_value(strip_position(err)) .. "\nExpected:\n" .. describe_value(a[2])),
         "Expected no error, but caught:\n" .. describe_value(strip_position(err))
end)
register({ "error_matches", "error_match", "matches_error", "match_error" }, 4, function(a)
  local ok, err = call_for_error(a[1])
  local actual = strip_position(err)
  if has_tostring(actual) or type(actual) == "number" or type(actual) == "boolean" then actual = tostring(actual) end
  local matched = not ok and type(actual) == "string" and actual:find(a[2], a[3], a[4]) ~= nil
  return matched, "Expected an error matching:\n" .. describe_value(a[2]) .. "\nCaught:\n" .. describe_value(actual),
         "Expected no error matching:\n" .. describe_value(a[2]) .. "\nCaught:\n" .. describe_value(actual)
end)

local ignored_words = { is = true, are = true, was = true, has = true, does = true }
-- match (luassert.match): argument matchers for called_with and returned_with. match._ is
-- any value; match.is_string(), match.equals(v), match.same(v), match.matches(p),
-- match.is_ref(t), match.is_truthy()... and match.all_of / any_of / none_of; "not" negates.
local MATCHER = {}
local function matcher(name, fn) return setmetatable({ name = name, fn = fn }, MATCHER) end
local function is_matcher(v) return getmetatable(v) == MATCHER end
local matchers = {
  truthy = function() return function(v) return v ~= nil and v ~= false end end,
  falsy = function() return function(v) return v == nil or v == false end end,
  ["true"] = function() return function(v) return v == true end end,
  ["false"] = function() return function(v) return v == false end end,
  equals = function(x) return function(v) return v == x end end,
  same = function(x) return function(v) return deepsame(v, x) end end,
  matches = function(p, i, plain) return function(v) return type(v) == "string" and v:find(p, i, plain) ~= nil end end,
  near = function(x, tol) return function(v) return type(v) == "number" and math.abs(v - x) <= tol end end,
  ref = function(x) return function(v) return rawequal(v, x) end end,
  unique = function(deep) return function(v) return type(v) == "table" and unique_values(v, deep) end end,
}
matchers.equal, matchers.match = matchers.equals, matchers.matches
for _, t in ipairs({ "nil", "boolean", "number", "string", "table", "function", "userdata", "thread" }) do
  matchers[t] = function() return function(v) return type(v) == t end end
end
local function argmatch(expected, actual)
  if is_matcher(expected) then return expected.fn(actual) end
  return deepsame(expected, actual)
end
local function combine(name, test)
  return function(...)
    local ms = table.pack(...)
    return matcher(name, function(v)
      local hits = 0
      for i = 1, ms.n do if argmatch(ms[i], v) then hits = hits + 1 end end
      return test(hits, ms.n)
    end)
  end
end
match = setmetatable({
  _ = matcher("_", function() return true end),
  all_of = combine("all_of", function(h, n) return h == n end),
  any_of = combine("any_of", function(h) return h > 0 end),
  none_of = combine("none_of", function(h) return h == 0 end),
  is_matcher = is_matcher,
}, {
  __index = function(_, key)
    local negate, name = false, nil
    for token in tostring(key):lower():gmatch("[^_]+") do
      if token == "not" or token == "no" then negate = not negate
      elseif not ignored_words[token] then name = name and (name .. "_" .. token) or token end
    end
    local make = name and matchers[name]
    if not make then error("luassert: no matcher named '" .. tostring(key) .. "'", 2) end
    return function(...)
      local f = make(...)
      return matcher(key, function(v) return (f(v) and true or false) ~= negate end)
    end
  end,
})

-- spy (luassert.spy): a callable that records each call's arguments and results.
local SPY = {}
local spies = setmetatable({}, { __mode = "k" })
local function pack_copy(...)
  local t = table.pack(...)
  local c = { n = t.n }
  for i = 1, t.n do c[i] = t[i] end
  return c
end
SPY.__call = function(self, ...)
  self.calls[#self.calls + 1] = pack_copy(...)
  local results = table.pack(self.callback(...))
  self.returnvals[#self.returnvals + 1] = results
  return table.unpack(results, 1, results.n)
end
SPY.__index = {
  revert = function(self)
    if not self.reverted and self.target_table then rawset(self.target_table, self.target_key, self.original) end
    self.reverted = true
    return self.original
  end,
  clear = function(self) self.calls, self.returnvals = {}, {}; return self end,
  called = function(self, times) if times then return #self.calls == times, #self.calls end return #self.calls > 0, #self.calls end,
  called_with = function(self, ...)
    local want = table.pack(...)
    for _, call in ipairs(self.calls) do
      local ok = call.n == want.n
      for i = 1, want.n do if ok and not argmatch(want[i], call[i]) then ok = false end end
      if ok then return true end
    end
    return false
  end,
  returned_with = function(self, ...)
    local want = table.pack(...)
    for _, r in ipairs(self.returnvals) do
      local ok = r.n == want.n
      for i = 1, want.n do if ok and not argmatch(want[i], r[i]) then ok = false end end
      if ok then return true end
    end
    return false
  end,
}
local function callable(f) return type(f) == "function" or (getmetatable(f) and getmetatable(f).__call ~= nil) end
local function newspy(callback)
  if not callable(callback) then error("Cannot spy on type '" .. type(callback) .. "', only on functions or callable elements", 2) end
  local s = setmetatable({ calls = {}, returnvals = {}, callback = callback, original = callback }, SPY)
  spies[s] = true
  state.spies[s] = true
  return s
end
spy = setmetatable({
  new = newspy,
  on = function(t, key)
    local s = newspy(t[key])
    s.target_table, s.target_key = t, key
    rawset(t, key, s)
    return s
  end,
  is_spy = function(v) return getmetatable(v) == SPY end,
  _ = match._,
}, { __call = function(_, f) return newspy(f) end })

-- stub (luassert.stub): a spy that replaces a function and returns what it is told to.
local function newstub(t, key, ...)
  local values = table.pack(...)
  local callback = function() return table.unpack(values, 1, values.n) end
  local s = newspy(function(...) return callback(...) end)
  if t ~= nil then
    s.original = t[key]
    s.target_table, s.target_key = t, key
    rawset(t, key, s)
  end
  s.returns = function(...) local v = table.pack(...); callback = function() return table.unpack(v, 1, v.n) end; return s end
  s.invokes = function(f) callback = f; return s end
  return s
end
stub = setmetatable({ new = newstub, is_stub = function(v) return getmetatable(v) == SPY end },
  { __call = function(_, ...) return newstub(...) end })

-- mock (luassert.mock): every function of a table (and of its tables) spied on, or stubbed.
local function mockify(t, dostub, seen)
  seen = seen or {}
  if seen[t] then return t end
  seen[t] = true
  for k, v in pairs(t) do
    if type(v) == "function" or spy.is_spy(v) then
      if dostub then newstub(t, k) else spy.on(t, k) end
    elseif type(v) == "table" then mockify(v, dostub, seen)
    end
  end
  return t
end
mock = setmetatable({
  new = mockify,
  revert = function(t, seen)
    seen = seen or {}
    if seen[t] then return t end
    seen[t] = true
    for k, v in pairs(t) do
      if spy.is_spy(v) then v:revert() elseif type(v) == "table" then mock.revert(v, seen) end
    end
    return t
  end,
}, { __call = function(_, t, dostub) return mockify(t, dostub) end })

-- The spy assertions: assert.spy(s).was.called(n), .called_with(...), .returned_with(...),
-- called_at_least / at_most / more_than / less_than (luassert's texts).
local function spyof(a)
  local s = a.payload
  if type(s) == "function" then error("When calling 'spy(aspy)', 'aspy' must not be the original function, but the spy function replacing the original", 4) end
  if not spy.is_spy(s) then error("'called' must be chained after 'spy(aspy)'", 4) end
  return s
end
local function count_check(cmp, word)
  return function(a)
    local s = spyof(a)
    local n = #s.calls
    local want = a[1]
    local ok
    if want == nil then ok = n > 0 else ok = cmp(n, want) end
    return ok, "Expected to be called " .. word .. (want ~= nil and tostring(want) or ">0") .. " time(s), but was called " .. n .. " time(s)",
               "Expected not to be called " .. word .. (want ~= nil and tostring(want) or "") .. " time(s), but was called " .. n .. " time(s)"
  end
end
register({ "called" }, 1, count_check(function(n, w) return n == w end, ""))
register({ "called_at_least" }, 1, count_check(function(n, w) return n >= w end, "at least "))
register({ "called_at_most" }, 1, count_check(function(n, w) return n <= w end, "at most "))
register({ "called_more_than" }, 1, count_check(function(n, w) return n > w end, "more than "))
register({ "called_less_than" }, 1, count_check(function(n, w) return n < w end, "less than "))
local function args_text(t) local p = {}; for i = 1, t.n do p[i] = describe_value(t[i]) end; return table.concat(p, ", ") end
register({ "called_with" }, math.huge, function(a)
  local s = spyof(a)
  local last = s.calls[#s.calls]
  return s:called_with(table.unpack(a, 1, a.n)), "Function was never called with matching arguments.\nCalled with (last call if any):\n" .. (last and args_text(last) or "(none)") .. "\nExpected:\n" .. args_text(a),
         "Function was called with matching arguments at least once.\nCalled with (last call if any):\n" .. (last and args_text(last) or "(none)") .. "\nDid not expect:\n" .. args_text(a)
end)
register({ "returned_with" }, math.huge, function(a)
  local s = spyof(a)
  local last = s.returnvals[#s.returnvals]
  return s:returned_with(table.unpack(a, 1, a.n)), "Function never returned matching arguments.\nReturned (last call if any):\n" .. (last and args_text(last) or "(none)") .. "\nExpected:\n" .. args_text(a),
         "Function returned matching arguments at least once.\nReturned (last call if any):\n" .. (last and args_text(last) or "(none)") .. "\nDid not expect:\n" .. args_text(a)
end)
local modifiers = { spy = true, stub = true }

local chain_mt = {}
chain_mt.__index = function(chain, key)
  local tokens = {}
  for i = 1, #chain.tokens do tokens[i] = chain.tokens[i] end
  for token in tostring(key):lower():gmatch("[^_]+") do tokens[#tokens + 1] = token end
  return setmetatable({ tokens = tokens, payload = rawget(chain, "payload") }, chain_mt)
end
chain_mt.__call = function(chain, ...)
  -- From the last word back, words join into the longest registered name (error_matches is one
  -- assertion, not "error" then "matches"); the last assertion named is the one checked.
  local name, negate, tokens = nil, false, chain.tokens
  -- assert.spy(s), assert.stub(s): the object the words that follow are about
  if #tokens > 0 and modifiers[tokens[#tokens]] then
    local rest = {}
    for k = 1, #tokens - 1 do rest[k] = tokens[k] end
    return setmetatable({ tokens = rest, payload = (...) }, chain_mt)
  end
  local i = #tokens
  while i > 0 do
    -- the longest registered name ending at this word (called_at_least is three words)
    local key = tokens[i]
    for back = math.min(3, i - 1), 1, -1 do
      local joined = table.concat(tokens, "_", i - back, i)
      if assertions[joined] then key = joined; i = i - back; break end
    end
    if key == "not" or key == "no" then negate = not negate
    elseif assertions[key] then name = name or key
    elseif not ignored_words[key] then error("luassert: unknown assertion word '" .. key .. "' in assert." .. table.concat(tokens, "."), 2) end
    i = i - 1
  end
  if not name then error("luassert: no assertion named in assert." .. table.concat(chain.tokens, "."), 2) end
  local def = assertions[name]
  local args = table.pack(...)
  args.payload = rawget(chain, "payload")
  local ok, positive, negative = def.check(args)
  if (not ok) ~= negate then
    local message = negate and negative or positive
    local custom = args.n > def.arity and args[def.arity + 1] or nil
    -- luassert: the custom message, then the assertion's own (either may be missing)
    if custom ~= nil then message = message and (tostring(custom) .. "\n" .. message) or tostring(custom) end
    raise_failure(message or "assertion failed!", 1)
  end
  return ...
end

local A = setmetatable({ tokens = {} }, chain_mt)
-- say (Olivine Labs' say 1.3, which luassert reads its messages from): strings by key in
-- namespaces, the current one first, then the fallback ("en"); s(key, vars) formats the string
-- with the tostring of each of vars[1..n] (n = max(vars.n, #vars)), or gives nil for an unknown
-- key; s._registry and s[namespace] are the tables of strings.
local sayRegistry, sayCurrent, sayFallback = {}, nil, nil
say = setmetatable({
  _VERSION = "Say 1.3",
  set_namespace = function(_, namespace)
    sayCurrent = namespace
    sayRegistry[namespace] = sayRegistry[namespace] or {}
  end,
  set_fallback = function(_, namespace)
    sayFallback = namespace
    sayRegistry[namespace] = sayRegistry[namespace] or {}
  end,
  set = function(_, key, value) sayRegistry[sayCurrent][key] = value end,
  _registry = sayRegistry,
}, {
  __call = function(_, key, vars)
    if vars ~= nil and type(vars) ~= "table" then
      error(("expected parameter table to be a table, got '%s'"):format(type(vars)), 2)
    end
    vars = vars or {}
    vars.n = math.max(vars.n or 0, #vars)
    local text = sayRegistry[sayCurrent][key]
    if text == nil then text = sayRegistry[sayFallback][key] end
    if text == nil then return nil end
    text = tostring(text)
    local strings = {}
    for i = 1, vars.n do strings[#strings + 1] = tostring(vars[i]) end
    if #strings == 0 then return text end
    return text:format(table.unpack(strings))
  end,
  __index = function(_, namespace) return sayRegistry[namespace] end,
})
say:set_fallback("en")
say:set_namespace("en")

-- assert:register("assertion", name, fn, positive key, negative key): a custom assertion in
-- luassert's form, fn(state, arguments) -> boolean; its messages come from say.
local function register_custom(_, kind, name, fn, positive, negative)
  if kind == "modifier" then modifiers[name] = true; return end
  if kind ~= "assertion" then error("luassert: cannot register a " .. tostring(kind), 2) end
  register({ name:lower() }, math.huge, function(a)
    local shown = {}
    for i = 1, a.n do shown[i] = describe_value(a[i]) end
    local ok = fn({ payload = a.payload }, a)
    shown.n = a.n
    return ok, say(positive, shown), say(negative, shown)
  end)
end

-- assert's own methods, called as assert:name(...) (luassert.assert's table).
local snapshot_mt = {}
local function revert(snap)
  if getmetatable(snap) ~= snapshot_mt then error("Value provided is not a valid snapshot", 2) end
  if snap.next then revert(snap.next) end
  snap.formatters, snap.parameters = {}, {}
  for s in pairs(snap.spies) do snap.spies[s] = nil; s:revert() end
  setmetatable(snap, nil)
  state = snap.previous
  state.next = nil
end
snapshot_mt.__call = revert
local methods = {
  register = register_custom,
  set_parameter = function(_, name, value) if value == nil then value = NIL end state.parameters[name] = value end,
  get_parameter = function(_, name) return get_parameter(name) end,
  add_formatter = function(_, f) table.insert(state.formatters, 1, f) end,
  remove_formatter = function(_, f)
    local snap = state
    while snap do
      for i, g in ipairs(snap.formatters) do if g == f then table.remove(snap.formatters, i) break end end
      snap = snap.previous
    end
  end,
  format = function(_, args)
    local nofmt, fmtargs = args.nofmt or {}, args.fmtargs or {}
    for i = 1, args.n or #args do
      if not nofmt[i] then args[i] = describe_value(args[i], fmtargs[i] and fmtargs[i].crumbs) end
    end
    return args
  end,
  add_spy = function(_, s) state.spies[s] = true end,
  snapshot = function()
    local snap = setmetatable({ formatters = {}, parameters = {}, spies = setmetatable({}, { __mode = "k" }), previous = state, revert = revert }, snapshot_mt)
    state.next = snap
    state = snap
    return snap
  end,
}

assert = setmetatable({}, {
  __index = function(_, key)
    local m = methods[key]
    if m then return m end
    return A[key]
  end,
  __call = function(_, v, message, ...)
    if not v then raise_failure(message or "assertion failed!", 1) end
    return v, message, ...
  end,
})

local function message(err)
  if type(err) == "string" then return err end
  if getmetatable(err) == FAILURE then return tostring(err.message) end
  return "(error object is a " .. type(err) .. " value)"
end

-- The host takes one result at a time, each call under its own budget, so a test that times
-- out, yields or errors fails alone: runner.next() -> status, name, message, position, or
-- nothing when all has run; runner.current() names what the last call was running.
local item_running
local function runhooks(list)
  for _, f in ipairs(list) do
    local ok, err = pcall(f)
    if not ok then return false, err end
  end
  return true
end

local function runtest(item)
  local name = fullname(item)
  -- the lazy setups of the enclosing blocks, outermost first, each once
  for i = 1, #item.ancestors do
    local b = item.ancestors[i]
    if b.lazyState == nil and #b.lazy_setup > 0 then
      local ok, err = runhooks(b.lazy_setup)
      b.lazyState, b.lazyError = ok, err
    end
    if b.lazyState == false then return "failed", name, "lazy_setup failed: " .. message(b.lazyError), item.at, "hook" end
  end
  local before, after = hooks(item)
  local ok, err = true, nil
  running = true
  finallies = {}
  for _, b in ipairs(before) do
    if ok then ok, err = pcall(b) end
  end
  if ok then ok, err = pcall(item.fn) end
  local fins = finallies
  finallies = nil
  for _, f in ipairs(fins) do
    local fok, ferr = pcall(f)
    if ok and not fok then ok, err = false, ferr end
  end
  for _, a in ipairs(after) do
    local aok, aerr = pcall(a)
    if ok and not aok then ok, err = false, aerr end
  end
  running = false
  if not ok and getmetatable(err) == PENDING then return "pending", name, tostring(err.message or ""), err.at or item.at, nil, item.name end
  if ok then return "passed", name, "", item.at, nil, item.name end
  local text = message(err)
  local kind = getmetatable(err) == FAILURE and "failure" or "error"
  -- busted reports the seed of a failure's shuffled block with it, so the order can be replayed.
  return "failed", name, text, item.at, kind, item.name, item.ancestors[#item.ancestors].randomseed
end

-- insulate: the globals, and the modules loaded (the sandbox's table, and package.loaded for
-- trusted specs), as they were when the block started.
local function copyOf(t)
  local copy = {}
  if type(t) == "table" then for k, v in next, t do copy[k] = v end end
  return copy
end

local function putBack(t, copy)
  if type(t) ~= "table" then return end
  local now = {}
  for k in next, t do now[#now + 1] = k end
  for _, k in ipairs(now) do if copy[k] == nil then rawset(t, k, nil) end end
  for k, v in next, copy do if rawget(t, k) ~= v then rawset(t, k, v) end end
end

local function packageLoaded()
  local p = rawget(_G, "package")
  return type(p) == "table" and rawget(p, "loaded") or nil
end

local function snapshot()
  return { globals = copyOf(_G), loaded = copyOf(sandboxLoaded), package = packageLoaded(), packageLoaded = copyOf(packageLoaded()) }
end

local function restore(copy)
  putBack(_G, copy.globals)
  putBack(sandboxLoaded, copy.loaded)
  putBack(copy.package, copy.packageLoaded)
end

-- A block's end: its lazy teardown (if its lazy setup ran), its strict teardown, its insulation.
local function endblock(block)
  local ok, err = true, nil
  if block.lazyState ~= nil then ok, err = runhooks(block.lazy_teardown) end
  local sok, serr = runhooks(block.strict_teardown)
  if ok and not sok then ok, err = false, serr end
  if block.saved then restore(block.saved) end
  return ok, err
end

local rootStarted, rootEnded = false, false

-- --shuffle: every block's children in an order drawn as busted draws it (busted.utils.shuffle,
-- Fisher-Yates from the end with math.random after math.randomseed(seed)), so a seed gives the
-- order busted gives.
local order = { shuffle = false, seed = os and os.time and os.time() or 0 }
-- busted's utfTerminal with colours marks the first difference in red (luassert's
-- TableErrorHighlightColor); other outputs leave it plain.
function runner.colors(on)
  state.parameters.TableErrorHighlightColor = on and "red" or "none"
end
function runner.order(shuffle, seed)
  order.shuffle = shuffle and true or false
  if seed then order.seed = seed end
end
local random, randomseed = math.random, math.randomseed
local function shuffleQueue(first, last, seed)
  randomseed(seed)
  local n = last - first + 1
  while n >= 2 do
    local k = random(n)
    queue[first + n - 1], queue[first + k - 1] = queue[first + k - 1], queue[first + n - 1]
    n = n - 1
  end
end
local function shuffles(block)
  if block.randomize == nil then return order.shuffle end
  return block.randomize
end

-- busted's selection: --tags runs tests whose full name holds one of "#tag", --exclude-tags skips
-- them, --filter keeps names matching one of the Lua patterns, --filter-out drops them.
local selection = { tags = {}, exclude = {}, filter = {}, filterOut = {} }
local function split(csv)
  local list = {}
  for part in tostring(csv or ""):gmatch("[^,]+") do list[#list + 1] = part end
  return list
end
function runner.select(tags, exclude, filter, filterOut)
  selection = { tags = split(tags), exclude = split(exclude), filter = split(filter), filterOut = split(filterOut) }
end
local function any(list, name, prefix)
  for _, p in ipairs(list) do if name:find(prefix .. p) then return true end end
  return false
end
local function selected(name)
  if #selection.tags > 0 and not any(selection.tags, name, "#") then return false end
  if any(selection.exclude, name, "#") then return false end
  if #selection.filter > 0 and not any(selection.filter, name, "") then return false end
  if any(selection.filterOut, name, "") then return false end
  return true
end

function runner.next()
  current, insertAt, running = { root }, nil, false     -- a stop may have left a block's context behind
  if not rootStarted then
    rootStarted = true
    if shuffles(root) then root.randomseed = root.seed or order.seed; shuffleQueue(1, #queue, root.randomseed) end
    local ok, err = runhooks(root.strict_setup)
    if not ok then
      for i = #queue, 1, -1 do queue[i] = nil end
      rootEnded = true
      endblock(root)
      return "failed", "setup", message(err), "?", "hook"
    end
  end
  while #queue > 0 do
    local item = tremove(queue, 1)
    item_running = item
    if item.kind == "hook" then
      -- a hook's place among its block's children (see placeholder): nothing to run
    elseif item.kind == "test" then
      if selected(fullname(item)) then return runtest(item) end
    elseif item.kind == "pending" then
      if selected(fullname(item)) then return "pending", fullname(item), "", item.at, nil, item.name end
    elseif item.kind == "end" then
      local ok, err = endblock(item.block)
      if not ok then return "failed", fullname(item) .. " teardown", message(err), item.at, "hook", nil, item.ancestors[#item.ancestors].randomseed end
    else
      -- a block: its body registers its children just ahead of its later siblings, then its end
      local block = newblock(item.name, item.mode)
      if item.mode == "insulate" then block.saved = snapshot() end
      local enclosing = {}
      for i = 1, #item.ancestors do enclosing[i] = item.ancestors[i] end
      enclosing[#enclosing + 1] = block
      current, insertAt = enclosing, 1
      local ok, err = pcall(item.fn)
      local last = insertAt
      if ok and shuffles(block) then block.randomseed = block.seed or order.seed; shuffleQueue(1, last - 1, block.randomseed) end
      tinsert(queue, last, { kind = "end", block = block, name = item.name, at = item.at, ancestors = item.ancestors })
      current, insertAt = { root }, nil
      -- busted names the failed block by its full name, as it would a test
      if not ok then return "failed", fullname(item), message(err), item.at, "error", nil, item.ancestors[#item.ancestors].randomseed end
      local sok, serr = runhooks(block.strict_setup)
      if not sok then
        for _ = 1, last - 1 do tremove(queue, 1) end          -- its children do not run
        return "failed", fullname(item) .. " setup", message(serr), block.strict_setup.at or item.at, "hook", nil, item.ancestors[#item.ancestors].randomseed
      end
    end
  end
  if not rootEnded then
    rootEnded = true
    local ok, err = endblock(root)
    if not ok then return "failed", "teardown", message(err), "?", "hook" end
  end
  return nil
end

function runner.current()
  if not item_running then return nil end
  return fullname(item_running), item_running.at
end

-- require "busted", "luassert", "luassert.spy", ... and "say" give the runner's own, as busted's
-- environment does.
do
  local builtins = {
    busted = { describe = describe, it = it, pending = pending, before_each = before_each, after_each = after_each,
               setup = setup, teardown = teardown, lazy_setup = lazy_setup, lazy_teardown = lazy_teardown,
               strict_setup = strict_setup, strict_teardown = strict_teardown, insulate = insulate, expose = expose,
               finally = finally, spy = spy, stub = stub, mock = mock, match = match, assert = assert, randomize = randomize,
               fail = busted_fail, gettime = gettime, monotime = gettime },
    luassert = assert, ["luassert.spy"] = spy, ["luassert.stub"] = stub, ["luassert.mock"] = mock,
    ["luassert.match"] = match, ["luassert.say"] = say, say = say,
  }
  local base = require
  require = function(name)
    local b = builtins[name]
    if b ~= nil then return b end
    return base(name)
  end
end
