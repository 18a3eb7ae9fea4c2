-- A test runner in the style of busted: describe, it, before_each, after_each, pending and
-- the assert vocabulary Lua programmers know, plus assert.near for numbers and tensors.
-- As busted does, loading a spec file only registers its top-level blocks; each describe body
-- runs when the runner reaches it (after the tests before it and their hooks), registering its
-- own tests and hooks, which then run in order. The host takes one test at a time (runner.next).
local root = { name = nil, before = {}, after = {} }
local queue = {}            -- what is left to run, in order: blocks, tests, pendings
local current = { root }    -- the blocks enclosing the code running now
local insertAt = nil        -- while a block's body runs: where its children go in the queue
-- debug.getinfo (scripts have no debug library) and the table where the host finds the runner:
-- the runner lives in the registry, out of a spec's reach, and keeps its own copies of the
-- functions it uses, so a spec that redefines pcall or ipairs cannot change its results.
local getinfo, runner = ...
local pcall, ipairs, type, tostring, getmetatable, setmetatable = pcall, ipairs, type, tostring, getmetatable, setmetatable
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

function it(name, fn) add({ kind = "test", name = name, fn = fn, at = where(2) }) end

function before_each(fn) local b = current[#current].before; b[#b + 1] = fn end
function after_each(fn) local a = current[#current].after; a[#a + 1] = fn end

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
  if running then error(setmetatable({ message = name }, PENDING), 2) end
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
local function describe_value(v)
  if type(v) == "string" then return "(string) '" .. v .. "'" end
  if torch and torch.isTensor(v) then return "(tensor) " .. table.concat(v:size(), "x") end
  return "(" .. type(v) .. ") " .. show(v)
end

local function strip_position(err)
  if type(err) == "string" then return (err:gsub("^.-:%d+: ", "", 1)) end
  return err
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
  local ok
  if type(a[1]) == "table" and type(a[2]) == "table" then ok = deepsame(a[1], a[2]) elseif torch and torch.isTensor(a[1]) and torch.isTensor(a[2]) then ok = deepsame(a[1], a[2]) else ok = a[1] == a[2] end
  return ok, "Expected objects to be the same.\nPassed in:\n" .. describe_value(a[2]) .. "\nExpected:\n" .. describe_value(a[1]),
         "Expected objects to not be the same.\nPassed in:\n" .. describe_value(a[2]) .. "\nDid not expect:\n" .. describe_value(a[1])
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
  if type(s) == "number" then s = tostring(s) end
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
    matched = (type(a[2]) == "table" and type(actual) == "table") and deepsame(a[2], actual) or a[2] == actual
  end
  return matched, ok and "Expected a different error.\nCaught:\n(nil)\nExpected:\n" .. describe_value(a[2]) or
         ("Expected a different error.\nCaught:\n" .. describe_value(strip_position(err)) .. "\nExpected:\n" .. describe_value(a[2])),
         "Expected no error, but caught:\n" .. describe_value(strip_position(err))
end)
register({ "error_matches", "error_match", "matches_error", "match_error" }, 4, function(a)
  local ok, err = call_for_error(a[1])
  local actual = strip_position(err)
  local matched = not ok and type(actual) == "string" and actual:find(a[2], a[3], a[4]) ~= nil
  return matched, "Expected an error matching:\n" .. describe_value(a[2]) .. "\nCaught:\n" .. describe_value(actual),
         "Expected no error matching:\n" .. describe_value(a[2]) .. "\nCaught:\n" .. describe_value(actual)
end)

local ignored = { is = true, are = true, was = true, has = true, does = true }
local chain_mt = {}
chain_mt.__index = function(chain, key)
  local tokens = {}
  for i = 1, #chain.tokens do tokens[i] = chain.tokens[i] end
  for token in tostring(key):lower():gmatch("[^_]+") do tokens[#tokens + 1] = token end
  return setmetatable({ tokens = tokens }, chain_mt)
end
chain_mt.__call = function(chain, ...)
  -- From the last word back, words join into the longest registered name (error_matches is one
  -- assertion, not "error" then "matches"); the last assertion named is the one checked.
  local name, negate, tokens = nil, false, chain.tokens
  local i = #tokens
  while i > 0 do
    local key = tokens[i]
    while i > 1 and assertions[tokens[i - 1] .. "_" .. key] do key = tokens[i - 1] .. "_" .. key; i = i - 1 end
    if key == "not" or key == "no" then negate = not negate
    elseif assertions[key] then name = name or key
    elseif not ignored[key] then error("luassert: unknown assertion word '" .. key .. "' in assert." .. table.concat(tokens, "."), 2) end
    i = i - 1
  end
  if not name then error("luassert: no assertion named in assert." .. table.concat(chain.tokens, "."), 2) end
  local def = assertions[name]
  local args = table.pack(...)
  local ok, positive, negative = def.check(args)
  if (not ok) ~= negate then
    local message = negate and negative or positive
    local custom = args.n > def.arity and args[def.arity + 1] or nil
    if custom ~= nil then message = tostring(custom) .. "\n" .. message end
    error(message, 2)
  end
  return ...
end

local A = setmetatable({ tokens = {} }, chain_mt)
assert = setmetatable({}, {
  __index = function(_, key) return A[key] end,
  __call = function(_, v, message, ...)
    if not v then error(message or "assertion failed!", 2) end
    return v, message, ...
  end,
})

local function message(err)
  if type(err) == "string" then return err end
  return "(error object is a " .. type(err) .. " value)"
end

-- The host takes one result at a time, each call under its own budget, so a test that times
-- out, yields or errors fails alone: runner.next() -> status, name, message, position, or
-- nothing when all has run; runner.current() names what the last call was running.
local item_running
local function runtest(item)
  local before, after = hooks(item)
  local ok, err = true, nil
  running = true
  for _, b in ipairs(before) do
    if ok then ok, err = pcall(b) end
  end
  if ok then ok, err = pcall(item.fn) end
  for _, a in ipairs(after) do
    local aok, aerr = pcall(a)
    if ok and not aok then ok, err = false, aerr end
  end
  running = false
  local name = fullname(item)
  if not ok and getmetatable(err) == PENDING then return "pending", name, tostring(err.message or ""), item.at end
  return ok and "passed" or "failed", name, ok and "" or message(err), item.at
end

function runner.next()
  current, insertAt, running = { root }, nil, false     -- a stop may have left a block's context behind
  while #queue > 0 do
    local item = tremove(queue, 1)
    item_running = item
    if item.kind == "test" then return runtest(item) end
    if item.kind == "pending" then return "pending", fullname(item), "", item.at end
    -- a block: its body registers its children just ahead of its later siblings
    local block = { name = item.name, before = {}, after = {} }
    local enclosing = {}
    for i = 1, #item.ancestors do enclosing[i] = item.ancestors[i] end
    enclosing[#enclosing + 1] = block
    current, insertAt = enclosing, 1
    local ok, err = pcall(item.fn)
    current, insertAt = { root }, nil
    if not ok then return "failed", fullname(item) .. " (describe)", message(err), item.at end
  end
  return nil
end

function runner.current()
  if not item_running then return nil end
  return fullname(item_running), item_running.at
end
