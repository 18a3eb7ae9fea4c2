-- A test runner in the style of busted: describe, it, before_each, after_each, pending and
-- the assert vocabulary Lua programmers know, plus assert.near for numbers and tensors.
-- Loading a spec file only collects its tests; the host then runs them one by one (runner.one).
local tests, blocks = {}, { { name = nil, before = {}, after = {} } }
-- debug.getinfo (scripts have no debug library) and the table where the host finds the runner:
-- the runner lives in the registry, out of a spec's reach, and keeps its own copies of the
-- functions it uses, so a spec that redefines pcall or ipairs cannot change its results.
local getinfo, runner = ...
local pcall, ipairs, type, tostring = pcall, ipairs, type, tostring

local function where(level)
  if not getinfo then return "?" end
  local info = getinfo(level + 1, "Sl")
  return info and (info.short_src .. ":" .. (info.currentline or 0)) or "?"
end

local function path(name)
  local parts = {}
  for i = 2, #blocks do parts[#parts + 1] = blocks[i].name end
  parts[#parts + 1] = name
  return table.concat(parts, " ")
end

function describe(name, fn)
  blocks[#blocks + 1] = { name = name, before = {}, after = {} }
  fn()
  blocks[#blocks] = nil
end
context = describe

local function chain(kind)
  local fns = {}
  for i = 1, #blocks do for _, f in ipairs(blocks[i][kind]) do fns[#fns + 1] = f end end
  return fns
end

function it(name, fn)
  tests[#tests + 1] = { name = path(name), fn = fn, before = chain("before"), after = chain("after"), at = where(2) }
end

function pending(name)
  tests[#tests + 1] = { name = path(name), pending = true, at = where(2) }
end

function before_each(fn) local b = blocks[#blocks].before; b[#b + 1] = fn end
function after_each(fn) local a = blocks[#blocks].after; a[#a + 1] = fn end

---------------------------------------------------------------------------------------------
local function show(v)
  if type(v) == "string" then return string.format("%q", v) end
  if torch and torch.isTensor(v) then return "tensor " .. table.concat(v:size(), "x") end
  if type(v) == "table" then
    local parts = {}
    for k, x in pairs(v) do parts[#parts + 1] = tostring(k) .. "=" .. show(x) end
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  return tostring(v)
end

local function deepsame(a, b)
  if a == b then return true end
  if type(a) ~= type(b) then return false end
  if type(a) == "table" then
    for k, v in pairs(a) do if not deepsame(v, b[k]) then return false end end
    for k in pairs(b) do if a[k] == nil then return false end end
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
local A = {}
A.equal = function(expected, actual, msg)
  if expected ~= actual then fail(msg or ("expected " .. show(expected) .. ", got " .. show(actual))) end
end
A.same = function(expected, actual, msg)
  if not deepsame(expected, actual) then fail(msg or ("expected same as " .. show(expected) .. ", got " .. show(actual))) end
end
A.is_true = function(v, msg) if v ~= true then fail(msg or ("expected true, got " .. show(v))) end end
A.is_false = function(v, msg) if v ~= false then fail(msg or ("expected false, got " .. show(v))) end end
A.truthy = function(v, msg) if not v then fail(msg or ("expected a truthy value, got " .. show(v))) end end
A.falsy = function(v, msg) if v then fail(msg or ("expected a falsy value, got " .. show(v))) end end
A.is_nil = function(v, msg) if v ~= nil then fail(msg or ("expected nil, got " .. show(v))) end end
A.is_not_nil = function(v, msg) if v == nil then fail(msg or "expected a value, got nil") end end
A.has_error = function(fn, expected, msg)
  local ok, err = pcall(fn)
  if ok then fail(msg or "expected an error, got none") end
  if expected ~= nil and not tostring(err):find(expected, 1, true) then
    fail(msg or ("expected an error containing " .. show(expected) .. ", got " .. show(err)))
  end
end
A.has_no_error = function(fn, msg)
  local ok, err = pcall(fn)
  if not ok then fail(msg or ("expected no error, got " .. show(err))) end
end
A.near = near
A.are = { equal = A.equal, same = A.same, near = near }
A.are_not = {
  equal = function(a, b, msg) if a == b then fail(msg or ("expected values to differ, both " .. show(a))) end end,
  same = function(a, b, msg) if deepsame(a, b) then fail(msg or ("expected different, both " .. show(a))) end end,
}
A.is = { ["true"] = A.is_true, ["false"] = A.is_false, ["nil"] = A.is_nil, truthy = A.truthy, falsy = A.falsy }
A.is_not = { ["nil"] = A.is_not_nil }
A.has = { error = A.has_error, no_error = A.has_no_error }
A.has_no = { error = A.has_no_error, errors = A.has_no_error }
A.errors = A.has_error
assert = setmetatable(A, { __call = function(_, ...) return luaassert(...) end })

local function message(err)
  if type(err) == "string" then return err end
  return "(error object is a " .. type(err) .. " value)"
end

-- The host runs the collected tests one at a time, each with its own budget, so a test that
-- times out, yields or errors fails alone: runner.count() tests, runner.one(i) -> status, name,
-- message, position.
function runner.count() return #tests end

function runner.one(i)
  local t = tests[i]
  if t.pending then return "pending", t.name, "", t.at end
  local ok, err = true, nil
  for _, b in ipairs(t.before) do
    if ok then ok, err = pcall(b) end
  end
  if ok then ok, err = pcall(t.fn) end
  for _, a in ipairs(t.after) do
    local aok, aerr = pcall(a)
    if ok and not aok then ok, err = false, aerr end
  end
  return ok and "passed" or "failed", t.name, ok and "" or message(err), t.at
end

function runner.name(i) return tests[i].name, tests[i].at end
