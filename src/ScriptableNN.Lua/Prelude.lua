-- ScriptableNN's Lua side: the Torch7-style API (torch, nn, optim) over the C# bindings, and
-- the sandbox. Bindings never raise: on failure they return ERR and a message, and the thin
-- wrappers here raise it with error() at the first frame of the user's script.
local raw, ERR, sandbox, allowIO, grants = ...
local getinfo = debug.getinfo
local registry = debug.getregistry()
registry["snn.getinfo"] = getinfo      -- for the spec runner, which reports file and line
local error, type, select, pairs, ipairs, tostring, setmetatable, rawget, rawset =
      error, type, select, pairs, ipairs, tostring, setmetatable, rawget, rawset
local concat = table.concat
local tointeger = math.tointeger

-- The error level of the first frame outside this prelude, seen from fail(); 0 (no position,
-- as Lua gives for a C function) when a tail call (`return f(x)`) left no such frame.
local function userlevel()
  local level = 3
  while true do
    local info = getinfo(level, "S")
    if not info then return 0 end
    if info.source ~= "=[snn]" and info.what ~= "C" then return level - 1 end
    level = level + 1
  end
end

local function fail(msg) error(msg, userlevel()) end

local function wrap(f)            -- one result
  return function(...)
    local a, b = f(...)
    if a == ERR then fail(b) end
    return a
  end
end

local function wrap2(f)           -- two results
  return function(...)
    local a, b = f(...)
    if a == ERR then fail(b) end
    return a, b
  end
end

local function wrap0(f)           -- no result
  return function(...)
    local a, b = f(...)
    if a == ERR then fail(b) end
  end
end

local function wrapall(t, two, none)
  local out = {}
  for name, f in pairs(t) do
    if two and two[name] then out[name] = wrap2(f)
    elseif none and none[name] then out[name] = wrap0(f)
    else out[name] = wrap(f) end
  end
  return out
end

local function set(...) local s = {}; for _, k in ipairs({...}) do s[k] = true end; return s end

-- Hot methods take at most two arguments: a wrapper without varargs saves a third of a call.
local function wrapfixed(f)
  return function(x, y)
    local a, b = f(x, y)
    if a == ERR then fail(b) end
    return a
  end
end

---------------------------------------------------------------------------------------------
-- torch and Tensor
---------------------------------------------------------------------------------------------
local T = raw.Tensor
local kinds = setmetatable({}, { __mode = "k" })   -- tensors of an integer type; comparisons' masks are torch.ByteTensor
local TM = wrapall(T, set("max", "min"), set("set", "free"))
for _, name in ipairs({ "size", "dim", "nElement", "get", "fill", "zero", "copy", "clone", "sum", "mean", "tostring", "grad" }) do
  TM[name] = wrapfixed(T[name])
end
local tget, tset, binary, unary, inplace, unaryInPlace = T.get, T.set, raw.torch.binary, raw.torch.unary, TM.inplace, TM.unaryInPlace
local F = wrapall(raw.torch, nil, set("manualSeed", "backward"))
local tbinary = F.binary

torch = {}
torch.Tensor = F.new
torch.FloatTensor, torch.DoubleTensor, torch.tensor = F.new, F.new, F.new
torch.zeros, torch.ones, torch.rand, torch.randn = F.zeros, F.ones, F.rand, F.randn
torch.manualSeed, torch.manual_seed = F.manualSeed, F.manualSeed
torch.isTensor = F.isTensor
torch.mm, torch.matmul = F.mm, F.mm
-- torch.exp(x) and every other registered element-wise function; sum and mean reduce.
local pointwise = F.functions()
for _, name in ipairs(pointwise) do
  torch[name] = function(x) return F.unary(name, x) end
end
for _, name in ipairs({ "sum", "mean" }) do
  torch[name] = function(x) return F.unary(name, x) end
end
torch.pow = function(x, p) return F.unary("pow", x, p) end
torch.cmul = function(x, y) return tbinary("cmul", x, y) end
-- torch.CmdLine as Torch7 has it (torch7/CmdLine.lua): options with defaults and types,
-- positional arguments, -h/--help, string() for run names. Torch7 exits the process on help or
-- a bad argument; here help is printed and the script stops with an error (exit code 1 in snn),
-- as a script cannot end the host. log() writes through io, so it needs --allow-io.
do
  local CmdLineMT = {}
  CmdLineMT.__index = CmdLineMT
  local function strip(s) return (s:match("%-*(.*)")) end
  local function pad(s, n) return s .. string.rep(" ", n - #s) end
  torch.CmdLine = function(argseparator, keyseparator)
    return setmetatable({ argseparator = argseparator or ",", keyseparator = keyseparator or "=",
                          options = {}, arguments = {}, helplines = {}, silentio = false }, CmdLineMT)
  end
  function CmdLineMT:silent() self.silentio = true end
  function CmdLineMT:addTime(name, format)
    format = format or "%Y-%m-%d %H:%M:%S"
    if type(format) ~= "string" then fail("Argument has to be string") end
    self.dateformat = format .. (name ~= nil and ("[" .. name .. "]: ") or "")
  end
  function CmdLineMT:argument(key, help, kind)
    self.arguments[#self.arguments + 1] = { key = key, help = help, type = kind }
    self.helplines[#self.helplines + 1] = self.arguments[#self.arguments]
  end
  function CmdLineMT:option(key, default, help, kind)
    if default == nil then fail("option " .. key .. " has no default value") end
    kind = kind or type(default)
    if type(default) ~= kind then fail("option " .. key .. " has wrong default type value") end
    self.options[key] = { key = key, default = default, help = help, type = kind }
    self.helplines[#self.helplines + 1] = self.options[key]
  end
  function CmdLineMT:text(txt)
    txt = txt or ""
    if type(txt) ~= "string" then fail("CmdLine:text: a string expected") end
    self.helplines[#self.helplines + 1] = txt
  end
  function CmdLineMT:default()
    local params = {}
    for key, o in pairs(self.options) do params[strip(key)] = o.default end
    return params
  end
  function CmdLineMT:help(arg)
    local head = { "Usage: " }
    if arg and arg[0] then head[#head + 1] = arg[0] .. " " end
    head[#head + 1] = "[options] "
    for _, a in ipairs(self.arguments) do head[#head + 1] = "<" .. strip(a.key) .. ">" end
    print(table.concat(head))
    local width = 0
    for _, o in ipairs(self.helplines) do
      if type(o) == "table" then
        width = math.max(width, o.default ~= nil and #o.key or #strip(o.key) + 2)
      end
    end
    for _, o in ipairs(self.helplines) do
      if type(o) == "table" then
        local line = "  " .. (o.default ~= nil and pad(o.key, width) or pad("<" .. strip(o.key) .. ">", width))
        if o.help then line = line .. " " .. o.help end
        if o.default ~= nil then line = line .. " [" .. tostring(o.default) .. "]" end
        print(line)
      else
        print(o)
      end
    end
  end
  function CmdLineMT:error(msg)
    print("")
    self:help()
    fail(msg)
  end
  function CmdLineMT:parse(arg)
    arg = arg or {}
    local params, i, n = self:default(), 1, 0
    while i <= #arg do
      local a = arg[i]
      if a == "-help" or a == "-h" or a == "--help" then
        self:help(arg)
        fail("CmdLine: help printed")
      end
      local o = self.options[a]
      if o then
        if o.type == "boolean" then
          params[strip(a)] = not o.default
          i = i + 1
        else
          local v = arg[i + 1]
          if v == nil then self:error("missing argument for option " .. a) end
          if o.type == "number" then v = tonumber(v)
          elseif o.type ~= "string" then self:error("unknown required option type " .. o.type) end
          if v == nil then self:error("invalid type for option " .. a .. " (should be " .. o.type .. ")") end
          params[strip(a)] = v
          i = i + 2
        end
      else
        n = n + 1
        local argument = self.arguments[n]
        if not argument then self:error("invalid argument: " .. tostring(a)) end
        if argument.type and type(a) ~= argument.type then
          self:error("invalid argument type for argument " .. argument.key .. " (should be " .. argument.type .. ")")
        end
        params[strip(argument.key)] = a
        i = i + 1
      end
    end
    if n ~= #self.arguments then self:error("not enough arguments") end
    return params
  end
  function CmdLineMT:string(prefix, params, ignore)
    ignore = ignore or {}
    local arguments, options = {}, {}
    prefix = prefix or ""
    for k, v in pairs(params) do
      local o = self.options["-" .. k]
      if ignore[k] then
        print("-- ignore option " .. k)
      elseif o then
        if v ~= o.default or ignore[k] == false then
          if type(v) == "boolean" then v = v and "t" or "f" end
          options[#options + 1] = k .. self.keyseparator .. tostring(v)
        end
      else
        for j, a in ipairs(self.arguments) do
          if strip(a.key) == k then arguments[j] = k .. self.keyseparator .. tostring(v) end
        end
      end
    end
    table.sort(options)
    local str = table.concat(arguments, self.argseparator)
    if str == "" then str = table.concat(options, self.argseparator)
    elseif #options > 0 then str = str .. self.argseparator .. table.concat(options, self.argseparator) end
    if str == "" then return prefix end
    return prefix .. self.argseparator .. str
  end
  function CmdLineMT:log(file, params)
    if not io or not io.open then fail("CmdLine:log writes a file through io: run with --allow-io") end
    local f = io.open(file, "w")
    local oprint, me = print, self
    print = function(...)
      if not me.silentio then oprint(...) end
      local parts = {}
      if me.dateformat then parts[#parts + 1] = os.date(me.dateformat) end
      for k = 1, select("#", ...) do parts[#parts + 1] = tostring((select(k, ...))) end
      parts[#parts + 1] = "\n"
      f:write(table.concat(parts, " "))
      f:flush()
    end
    print("[program started on " .. os.date() .. "]")
    print("[command line arguments]")
    if params then for k, v in pairs(params) do print(k, v) end end
    print("[----------------------]")
  end
end

-- Torch7's constructors from doc/maths.md: range(x, y [, step]) has floor((y - x) / step) + 1
-- values from x; linspace(x1, x2 [, n = 100]) n equally spaced points; eye(n [, m]) the identity;
-- randperm(n) a permutation of 1..n drawn from torch's generator.
torch.range = function(x, y, step)
  step = step or 1
  if step == 0 then fail("torch.range: step must not be zero") end
  local n = math.floor((y - x) / step) + 1
  if n < 1 then fail("torch.range: no values from " .. x .. " to " .. y .. " by " .. step) end
  local v = {}
  for i = 1, n do v[i] = x + (i - 1) * step end
  return F.new(v)
end
torch.linspace = function(a, b, n)
  n = n or 100
  if n < 1 or (n == 1 and a ~= b) then fail("torch.linspace: invalid number of points " .. tostring(n)) end
  local v = {}
  for i = 1, n do v[i] = n == 1 and a or a + (b - a) * (i - 1) / (n - 1) end
  return F.new(v)
end
torch.eye = function(n, m)
  m = m or n
  local t = F.zeros(n, m)
  for i = 1, math.min(n, m) do t[i][i] = 1 end
  return t
end
torch.randperm = function(n)
  local r, p = F.rand(n), {}
  for i = 1, n do p[i] = i end
  for i = n, 2, -1 do
    local j = math.min(i, math.floor(r[i] * i) + 1)
    p[i], p[j] = p[j], p[i]
  end
  return F.new(p)
end
torch.type = function(x)
  if F.isTensor(x) then return kinds[x] or "torch.FloatTensor" end
  return type(x)
end
torch.typename = function(x) if F.isTensor(x) then return "torch.FloatTensor" end return nil end

-- Torch7's in-place methods: change the tensor and return it.
for _, op in ipairs({ "mul", "div", "cmul", "cdiv" }) do
  TM[op] = function(t, a, b) return inplace(t, op, a, b) end
end
-- Torch7's add: t:add(v), t:add(y), t:add(v, y) change t; t:add(x, y) puts x + y in t and
-- t:add(x, v, y) puts x + v * y in t (the result goes through a new tensor, so t may alias x or y).
TM.add = function(t, a, b, c)
  if c ~= nil then return TM.copy(t, tbinary("+", a, tbinary("*", c, b))) end
  if b ~= nil and type(a) == "userdata" then return TM.copy(t, tbinary("+", a, b)) end
  return inplace(t, "add", a, b)
end
-- Torch7's csub is the in-place subtraction (t:csub(v), t:csub(y), t:csub(v, y)); sub is a view.
TM.csub = function(t, a, b)
  if b ~= nil then return inplace(t, "add", -a, b) end
  return inplace(t, "sub", a)
end
-- Torch7's t:addcmul([v,] a, b) and t:addcdiv([v,] a, b): t += v * a .* b (or a ./ b), v default 1.
TM.addcmul = function(t, v, a, b)
  if b == nil then v, a, b = 1, v, a end
  return TM.add(t, v, tbinary("cmul", a, b))
end
TM.addcdiv = function(t, v, a, b)
  if b == nil then v, a, b = 1, v, a end
  return TM.add(t, v, tbinary("cdiv", a, b))
end
-- Torch7's t:dot(u): the sum of the element-wise products, a number.
TM.dot = function(t, u)
  if not F.isTensor(u) or u:nElement() ~= t:nElement() then fail("dot: expected a tensor of " .. t:nElement() .. " elements") end
  return tbinary("cmul", t:view(-1), u:view(-1)):sum()
end
-- Torch7's comparisons (doc/maths.md, Logical Operations): torch.gt(a, b), a:gt(b) with b a tensor
-- or a number give 1 where the comparison holds and 0 elsewhere. Torch7 returns a ByteTensor;
-- this engine holds floats, so the result is a float tensor marked as a mask: torch.type says
-- torch.ByteTensor, and t[mask] / t[mask] = v select and fill as Torch7's byte masks do.
local compare = TM.compare
for _, op in ipairs({ "lt", "le", "gt", "ge", "eq", "ne" }) do
  local f = function(a, b)
    local m = compare(op, a, b)
    kinds[m] = "torch.ByteTensor"
    return m
  end
  TM[op] = f
  torch[op] = f
end
torch.all = function(t) return t:nElement() == 0 or tbinary("cmul", t, t):view(-1):min() ~= 0 end
torch.any = function(t) return t:nElement() > 0 and tbinary("cmul", t, t):view(-1):max() ~= 0 end
TM.all, TM.any = torch.all, torch.any
TM.compare = nil
-- t:apply(f), t:map(u, f), t:map2(u, v, f) (tensor.md): f on every element (with the elements of
-- u and v at the same position, sizes free as long as the counts match); a number it returns is
-- stored in t. Elements go in row-major order.
local function foreach(t, others, f, who)
  local n = t:nElement()
  for _, o in ipairs(others) do
    if not F.isTensor(o) or o:nElement() ~= n then fail(who .. ": the tensors must have " .. n .. " elements each") end
  end
  local flat = t:view(-1)
  local mine = flat:totable()
  local theirs = {}
  for i, o in ipairs(others) do theirs[i] = o:view(-1):totable() end
  local changed = false
  for i = 1, n do
    local r
    if #theirs == 0 then r = f(mine[i])
    elseif #theirs == 1 then r = f(mine[i], theirs[1][i])
    else r = f(mine[i], theirs[1][i], theirs[2][i]) end
    if type(r) == "number" then mine[i] = r; changed = true end
  end
  if changed then flat:copy(torch.Tensor(mine)) end
  return t
end
TM.apply = function(t, f) return foreach(t, {}, f, "apply") end
TM.map = function(t, u, f) return foreach(t, { u }, f, "map") end
TM.map2 = function(t, u, v, f) return foreach(t, { u, v }, f, "map2") end
-- In-place random fills from torch's generator (torch.manualSeed): uniform([a, b]) on [a, b),
-- default [0, 1); normal([mean, std]), default (0, 1); bernoulli([p]) 1 with probability p (0.5).
TM.uniform = function(t, a, b)
  a, b = a or 0, b or 1
  return t:copy(torch.rand(t:nElement()):mul(b - a):add(a):view(table.unpack(t:size():totable())))
end
TM.normal = function(t, mean, std)
  mean, std = mean or 0, std or 1
  return t:copy(torch.randn(t:nElement()):mul(std):add(mean):view(table.unpack(t:size():totable())))
end
TM.bernoulli = function(t, p)
  p = p or 0.5
  return t:copy(compare("lt", torch.rand(t:nElement()), p):view(table.unpack(t:size():totable())))
end
-- floor, ceil, round (half away from zero, as C's round), sign (0 at 0), in place; torch.floor(x)...
-- give new tensors.
local rounding = {
  floor = math.floor, ceil = math.ceil,
  round = function(x) if x >= 0 then return math.floor(x + 0.5) end return -math.floor(-x + 0.5) end,
  sign = function(x) if x > 0 then return 1 elseif x < 0 then return -1 end return 0 end,
}
for name, f in pairs(rounding) do
  if TM[name] == nil then
    TM[name] = function(t) return TM.apply(t, f) end
    torch[name] = function(t) return TM.apply(t:clone(), f) end
  end
end
-- The lines of t along dimension d: visit(line, o, i, n, inner) for each, line the n values along
-- d at outer position o and inner position i. Returns t's sizes.
local function eachLine(t, d, visit)
  local sizes = t:size():totable()
  if type(d) ~= "number" or d < 1 or d > #sizes then fail("dimension " .. tostring(d) .. " outside 1.." .. #sizes) end
  local inner = 1
  for k = d + 1, #sizes do inner = inner * sizes[k] end
  local n = sizes[d]
  local flat = t:view(-1):totable()
  for o = 0, #flat // (n * inner) - 1 do
    for i = 1, inner do
      local line = {}
      for k = 0, n - 1 do line[k + 1] = flat[o * n * inner + k * inner + i] end
      visit(line, o, i, n, inner)
    end
  end
  return sizes
end
-- Along dimension d: fn(line) gives new values (and indices) for each line; tensors shaped as t.
local function alongDim(t, d, fn)
  local vals, inds = {}, {}
  local sizes = eachLine(t, d, function(line, o, i, n, inner)
    local v, ix = fn(line)
    for k = 0, n - 1 do
      vals[o * n * inner + k * inner + i] = v[k + 1]
      inds[o * n * inner + k * inner + i] = ix and ix[k + 1] or 0
    end
  end)
  return torch.Tensor(vals):view(table.unpack(sizes)), torch.Tensor(inds):view(table.unpack(sizes))
end
-- torch.sort(x [, d] [, descending]) (maths.md): values sorted along d (default the last
-- dimension), ascending unless the flag, and the indices (1-based) they came from.
torch.sort = function(x, d, descending)
  if type(d) == "boolean" then d, descending = nil, d end
  d = d or x:dim()
  return alongDim(x, d, function(line)
    local order = {}
    for k = 1, #line do order[k] = k end
    table.sort(order, function(a, b)
      if line[a] == line[b] then return a < b end
      if descending then return line[a] > line[b] end
      return line[a] < line[b]
    end)
    local v = {}
    for k, j in ipairs(order) do v[k] = line[j] end
    return v, order
  end)
end
TM.sort = function(x, d, descending) return torch.sort(x, d, descending) end
-- Along dimension d, fn(line) gives one value (and index) per line: tensors sized as t with
-- dimension d of 1.
local function reduceDim(t, d, fn)
  local vals, inds = {}, {}
  local sizes = eachLine(t, d, function(line, o, i, _, inner)
    local v, ix = fn(line)
    vals[o * inner + i], inds[o * inner + i] = v, ix or 0
  end)
  local out = {}
  for k = 1, #sizes do out[k] = sizes[k] end
  out[d] = 1
  return torch.Tensor(vals):view(table.unpack(out)), torch.Tensor(inds):view(table.unpack(out))
end
-- torch.cumsum(x [, d]) and torch.cumprod(x [, d]) (maths.md; the first dimension by default, as
-- the documents' examples run); x:cumsum(d), x:cumprod(d) put the result in x.
local function cumulative(op)
  return function(x, d)
    return (alongDim(x, d or 1, function(line)
      local acc, out = nil, {}
      for k, v in ipairs(line) do acc = acc == nil and v or op(acc, v); out[k] = acc end
      return out
    end))
  end
end
torch.cumsum = cumulative(function(a, b) return a + b end)
torch.cumprod = cumulative(function(a, b) return a * b end)
TM.cumsum = function(x, d) return x:copy(torch.cumsum(x, d)) end
TM.cumprod = function(x, d) return x:copy(torch.cumprod(x, d)) end
-- torch.prod(x) (a number) and torch.prod(x, d) (dimension d of size 1).
torch.prod = function(x, d)
  if d == nil then
    local p = 1
    for _, v in ipairs(x:view(-1):totable()) do p = p * v end
    return p
  end
  return (reduceDim(x, d, function(line) local p = 1; for _, v in ipairs(line) do p = p * v end; return p end))
end
TM.prod = torch.prod
-- torch.var / torch.std (x [, d] [, flag]): normalised by n - 1, or by n when flag is true; a
-- number over all elements without d.
local function variance(line, biased)
  local n, m = #line, 0
  for _, v in ipairs(line) do m = m + v end
  m = m / n
  local ss = 0
  for _, v in ipairs(line) do ss = ss + (v - m) ^ 2 end
  return ss / (biased and n or n - 1)
end
torch.var = function(x, d, flag)
  if d == nil or type(d) == "boolean" then return variance(x:view(-1):totable(), d == true) end
  return (reduceDim(x, d, function(line) return variance(line, flag) end))
end
torch.std = function(x, d, flag)
  if d == nil or type(d) == "boolean" then return math.sqrt(variance(x:view(-1):totable(), d == true)) end
  return (reduceDim(x, d, function(line) return math.sqrt(variance(line, flag)) end))
end
TM.var, TM.std = torch.var, torch.std
-- torch.kthvalue(x, k [, d]) and torch.median(x [, d]) (the one before the middle for an even
-- count): values and 1-based indices, over the last dimension by default.
torch.kthvalue = function(x, k, d)
  return reduceDim(x, d or x:dim(), function(line)
    if k < 1 or k > #line then fail("kthvalue: k = " .. tostring(k) .. " outside 1.." .. #line) end
    local order = {}
    for i = 1, #line do order[i] = i end
    table.sort(order, function(a, b) if line[a] == line[b] then return a < b end return line[a] < line[b] end)
    return line[order[k]], order[k]
  end)
end
torch.median = function(x, d)
  local n = x:size(d or x:dim())
  return torch.kthvalue(x, (n + 1) // 2, d)
end
TM.kthvalue, TM.median = torch.kthvalue, torch.median
-- torch.cmax(a, b or v), torch.cmin (maths.md): element-wise maximum and minimum in a new tensor;
-- a:cmax(b or v) stores it in a, c:cmax(a, b) in c.
for name, pick in pairs({ cmax = function(p, q) return p >= q and p or q end, cmin = function(p, q) return p <= q and p or q end }) do
  local function new(a, b)
    if not F.isTensor(a) then fail("torch." .. name .. ": expected a tensor first") end
    if type(b) == "number" then return TM.apply(a:clone(), function(v) return pick(v, b) end) end
    return TM.map(a:clone(), b, pick)
  end
  torch[name] = new
  TM[name] = function(t, a, b)
    if b ~= nil then return t:copy(new(a, b)) end
    return t:copy(new(t, a))
  end
end
-- Torch7's BLAS forms (maths.md): torch.mv(mat, vec), torch.ger(vec1, vec2), and the
-- accumulating addmv / addmm / addr: res = beta res + v1 term + v2 (product). The last two tensors
-- are the product's operands, a tensor before them the added term (the tensor itself in the method
-- form when absent); a number just before the operands is v2, one before the term v1, one before
-- that beta. torch.addX(term, a, b) gives a new tensor; torch.addX(res, term, a, b) and the
-- methods write into res.
local function outer(u, v) return tbinary("*", u:view(u:nElement(), 1), v:view(1, v:nElement())) end
local products = {
  mv = function(a, b) return tbinary("*", a, b) end,
  mm = function(a, b) return tbinary("*", a, b) end,
  r = outer,
}
local function accumulate(kind, self, ...)
  local args = table.pack(...)
  local tensors, numbers = {}, {}
  for i = 1, args.n do
    local v = args[i]
    if F.isTensor(v) then tensors[#tensors + 1] = i
    elseif type(v) == "number" then numbers[#numbers + 1] = i
    else fail("torch.add" .. kind .. ": expected numbers and tensors, got a " .. type(v)) end
  end
  if #tensors < 2 then fail("torch.add" .. kind .. ": expected the two tensors of the product") end
  local ia, ib = tensors[#tensors - 1], tensors[#tensors]
  local a, b = args[ia], args[ib]
  local res, term, iterm = self, nil, nil
  if #tensors >= 3 then iterm = tensors[#tensors - 2]; term = args[iterm] end
  if #tensors >= 4 and self == nil then res = args[tensors[1]] end
  if term == nil then term = self end
  if term == nil then fail("torch.add" .. kind .. ": expected the tensor to add the product to") end
  local function before(i) local v = args[i - 1]; if i > 1 and type(v) == "number" then return v end end
  local v2 = before(ia) or 1
  local v1 = iterm and before(iterm) or (not iterm and type(args[ia - 2]) == "number" and args[ia - 2]) or 1
  local beta = iterm and iterm > 2 and type(args[iterm - 2]) == "number" and args[iterm - 2] or nil
  local product = products[kind](a, b)
  local value = tbinary("+", tbinary("*", v1, term), tbinary("*", v2, product))
  if res == nil then return value end
  if value:nElement() ~= res:nElement() then fail("torch.add" .. kind .. ": the result has " .. value:nElement() .. " elements, the tensor it goes into " .. res:nElement()) end
  if beta and res ~= term then value = tbinary("+", value, tbinary("*", beta, res)) end
  return res:copy(value:view(table.unpack(res:size():totable())))
end
for _, kind in ipairs({ "mv", "mm", "r" }) do
  torch["add" .. kind] = function(...) return accumulate(kind, nil, ...) end
  TM["add" .. kind] = function(t, ...) return accumulate(kind, t, ...) end
end
torch.mv = function(a, b, c)
  if c ~= nil then return a:copy(tbinary("*", b, c)) end
  return tbinary("*", a, b)
end
torch.ger = function(a, b, c)
  if c ~= nil then return a:copy(outer(b, c)) end
  return outer(a, b)
end
TM.mv = function(t, a, b) return t:copy(tbinary("*", a, b)) end
TM.ger = function(t, a, b) return t:copy(outer(a, b)) end
torch.split = function(t, size, d) return TM.split(t, size, d) end
torch.chunk = function(t, n, d) return TM.chunk(t, n, d) end
-- torch.repeatTensor(x, sizes...) (tensor.md): a new tensor with x repeated sizes[k] times along
-- dimension k; x counts as having leading dimensions of size 1 when sizes has more.
torch.repeatTensor = function(x, ...)
  local reps = { ... }
  if #reps == 1 and type(reps[1]) == "table" then reps = reps[1] end
  local xs = x:size():totable()
  if #reps < #xs then fail("repeatTensor: " .. #reps .. " repetitions for a " .. #xs .. "-dimensional tensor") end
  local src = {}
  for k = 1, #reps - #xs do src[k] = 1 end
  for _, n in ipairs(xs) do src[#src + 1] = n end
  local out, total = {}, 1
  for k, r in ipairs(reps) do
    if type(r) ~= "number" or r < 1 or r ~= r // 1 then fail("repeatTensor: repetition " .. k .. " must be a whole number of at least 1") end
    out[k] = src[k] * r; total = total * out[k]
  end
  local flat, values = x:view(-1):totable(), {}
  local dims = #out
  local idx = {}
  for k = 1, dims do idx[k] = 0 end
  for p = 1, total do
    -- the source element of output position idx: each coordinate modulo the source size
    local s = 0
    for k = 1, dims do s = s * src[k] + idx[k] % src[k] end
    values[p] = flat[s + 1]
    for k = dims, 1, -1 do
      idx[k] = idx[k] + 1
      if idx[k] < out[k] then break end
      idx[k] = 0
    end
  end
  return torch.Tensor(values):view(table.unpack(out))
end
TM.repeatTensor = function(x, ...) return torch.repeatTensor(x, ...) end
-- torch.cat(x1, x2 [, d]) and torch.cat({x1, x2, ...} [, d]) (maths.md): a new tensor joining
-- them along d, by default the last dimension; the other sizes must agree.
local cat
-- torch.cat([res,] ...): with a result tensor first, res is resized to the result and filled.
torch.cat = function(a, b, c, e)
  if F.isTensor(a) and (F.isTensor(c) or (type(b) == "table" and not F.isTensor(b))) then
    local r = cat(b, c, e)
    return a:resizeAs(r):copy(r)
  end
  return cat(a, b, c)
end
cat = function(a, b, c)
  local list, d
  if type(a) == "table" and not F.isTensor(a) then list, d = a, b
  elseif F.isTensor(a) and F.isTensor(b) then
    list, d = { a, b }, c
  else fail("torch.cat: expected two tensors or a list of tensors, and optionally a dimension") end
  if #list == 0 then fail("torch.cat: nothing to join") end
  local first = list[1]:size():totable()
  d = d or #first
  if d < 1 or d > #first then fail("torch.cat: dimension " .. tostring(d) .. " outside 1.." .. #first) end
  local total, outer, inner = 0, 1, 1
  for k = 1, d - 1 do outer = outer * first[k] end
  for k = d + 1, #first do inner = inner * first[k] end
  local rows = {}
  for o = 1, outer do rows[o] = {} end
  for i, x in ipairs(list) do
    if not F.isTensor(x) then fail("torch.cat: item " .. i .. " is not a tensor") end
    local sz = x:size():totable()
    if #sz ~= #first then fail("torch.cat: item " .. i .. " has " .. #sz .. " dimensions, the first " .. #first) end
    for k = 1, #sz do
      if k ~= d and sz[k] ~= first[k] then fail("torch.cat: item " .. i .. " has size " .. sz[k] .. " in dimension " .. k .. ", the first " .. first[k]) end
    end
    total = total + sz[d]
    local flat, width = x:view(-1):totable(), sz[d] * inner
    for o = 1, outer do
      local row = rows[o]
      for k = 1, width do row[#row + 1] = flat[(o - 1) * width + k] end
    end
  end
  local out = {}
  for o = 1, outer do for _, v in ipairs(rows[o]) do out[#out + 1] = v end end
  local sizes = {}
  for k = 1, #first do sizes[k] = first[k] end
  sizes[d] = total
  return torch.Tensor(out):view(table.unpack(sizes))
end
TM.clamp = function(t, lo, hi) return inplace(t, "clamp", lo, hi) end
TM.pow = function(t, p) return inplace(t, "pow", p) end
-- Torch7's t:norm([p]): the p-norm (default 2) of all elements, a number.
TM.norm = function(t, p)
  p = p or 2
  if p == 1 then return t:clone():abs():sum() end
  return t:clone():abs():pow(p):sum() ^ (1 / p)
end
-- Torch7's in-place x:exp(), x:tanh()... for every registered element-wise function.
for _, op in ipairs(pointwise) do
  if TM[op] == nil then TM[op] = function(t) return unaryInPlace(t, op) end end
end
-- t:size() without a dimension is Torch7's LongStorage: an array of the sizes that prints as
-- Torch7 prints it, with #s, s[i], s:size() and s:totable().
local SizeMT = {}
SizeMT.__index = {
  size = function(s) return #s end,
  totable = function(s) local c = {}; for i = 1, #s do c[i] = s[i] end; return c end,
}
SizeMT.__tostring = function(s)
  local out = {}
  for i = 1, #s do out[i] = string.format("%d", s[i]) end
  return (#s > 0 and " " .. table.concat(out, "\n ") .. "\n" or "") .. "[torch.LongStorage of size " .. #s .. "]\n"
end
SizeMT.__name = "torch.LongStorage"
do
  -- torch.Tensor(t:size()) makes a tensor of that size, as with a LongStorage in Torch7.
  local new = torch.Tensor
  local function sized(...)
    local a = ...
    if select("#", ...) == 1 and getmetatable(a) == SizeMT then return new(table.unpack(a)) end
    return new(...)
  end
  torch.Tensor, torch.FloatTensor, torch.DoubleTensor, torch.tensor = sized, sized, sized, sized
end
do
  -- one wrapper over the raw binding, as hot as the plain one: t:size(1) is in every loop
  local rawsize = T.size
  TM.size = function(t, d)
    local a, b = rawsize(t, d)
    if a == ERR then fail(b) end
    if d == nil then return setmetatable(a, SizeMT) end
    return a
  end
end

-- Without a dimension, max and min return the one number (so table.insert(list, t:max())
-- works); along a dimension, the values and their 1-based indices.
do
  local tmax, tmin = TM.max, TM.min
  TM.max = function(t, d) if d == nil then return (tmax(t)) end return tmax(t, d) end
  TM.min = function(t, d) if d == nil then return (tmin(t)) end return tmin(t, d) end
end
TM.matmul = TM.mm
TM.numel = TM.nElement
-- Torch7: t:type() names the type; t:type(name) converts (here every tensor is float32, so a
-- float or double name returns the tensor itself, and an integer type is refused clearly).
local function convert(x, name, what)
  if name == nil then return nil end
  if name == "torch.FloatTensor" or name == "torch.DoubleTensor" or name == "torch.CudaTensor" then return x end
  fail(what .. ":type('" .. tostring(name) .. "'): tensors here are float32; torch.FloatTensor and torch.DoubleTensor are the types it can honour")
end
TM.item = function(t) return t:get(1) end

-- Torch7's integer tensor types (tensor.md): torch.LongTensor, IntTensor, ShortTensor, CharTensor
-- and ByteTensor, their constructors, t:long(), t:int(), t:short(), t:char(), t:byte(),
-- t:float(), t:double() and t:type(name). Storage here is float32, which holds every integer up
-- to 2^24 exactly: an integer tensor is a float tensor marked with its type, its values cut
-- toward zero as C casts them (bytes, chars and shorts wrap around as their C types do), and a
-- long or int value beyond 2^24 is refused rather than rounded. The mark follows the tensor
-- through clone and views; arithmetic that makes a new tensor gives a float one.
local integerTypes = { ["torch.LongTensor"] = true, ["torch.IntTensor"] = true, ["torch.ShortTensor"] = true,
  ["torch.CharTensor"] = true, ["torch.ByteTensor"] = true }
local floatTypes = { ["torch.FloatTensor"] = true, ["torch.DoubleTensor"] = true, ["torch.CudaTensor"] = true }
local rawcast = wrap(T.cast)
local function castInPlace(t, name)
  rawcast(t, name)
  kinds[t] = name
  return t
end
local function typeOf(t) return kinds[t] or "torch.FloatTensor" end
local function convertTensor(t, name)
  if name == typeOf(t) or (floatTypes[name] and kinds[t] == nil) then return t end
  if integerTypes[name] then return castInPlace(t:clone(), name) end
  if floatTypes[name] then local c = t:clone(); kinds[c] = nil; return c end
  fail("tensor:type('" .. tostring(name) .. "'): not a tensor type here (torch.FloatTensor, torch.DoubleTensor, torch.LongTensor, torch.IntTensor, torch.ShortTensor, torch.CharTensor, torch.ByteTensor)")
end
TM.type = function(t, name)
  if name == nil then return typeOf(t) end
  return convertTensor(t, name)
end
for method, name in pairs({ float = "torch.FloatTensor", double = "torch.DoubleTensor", long = "torch.LongTensor",
                            int = "torch.IntTensor", short = "torch.ShortTensor", char = "torch.CharTensor", byte = "torch.ByteTensor" }) do
  TM[method] = function(t) return convertTensor(t, name) end
end
for name in pairs(integerTypes) do
  torch[name:sub(7)] = function(...) return castInPlace(F.new(...), name) end
end
torch.type = function(x)
  if F.isTensor(x) then return typeOf(x) end
  return type(x)
end
torch.typename = function(x) if F.isTensor(x) then return typeOf(x) end return nil end
-- The default type: float and double both name this engine's float32 tensors.
local defaultType = "torch.DoubleTensor"
torch.setdefaulttensortype = function(name)
  if not floatTypes[name] or name == "torch.CudaTensor" then
    fail("torch.setdefaulttensortype: '" .. tostring(name) .. "' cannot be the default here; torch.FloatTensor or torch.DoubleTensor")
  end
  defaultType = name
end
torch.getdefaulttensortype = function() return defaultType end
-- A view or copy of an integer tensor keeps its type.
for _, name in ipairs({ "clone", "view", "viewAs", "narrow", "select", "sub", "reshape", "squeeze", "unsqueeze", "resize", "resizeAs" }) do
  local base = TM[name]
  if base ~= nil then
    TM[name] = function(t, ...)
      local r = base(t, ...)
      local k = kinds[t]
      if k ~= nil and r ~= t and F.isTensor(r) then kinds[r] = k end
      return r
    end
  end
end
-- Indices come back as Torch7's LongTensor.
local function longIndices(v, ...)
  local i = ...
  if F.isTensor(i) then kinds[i] = "torch.LongTensor" end
  return v, ...
end
for _, name in ipairs({ "max", "min", "sort", "kthvalue", "median" }) do
  local tm, tf = TM[name], torch[name]
  if tm ~= nil then TM[name] = function(...) return longIndices(tm(...)) end end
  if tf ~= nil then torch[name] = function(...) return longIndices(tf(...)) end end
end

-- Along dimension d, fn(line) gives k values (and indices) per line: tensors sized as t with
-- dimension d of k.
local function pickAlong(t, d, k, fn)
  local vals, inds = {}, {}
  local sizes = eachLine(t, d, function(line, o, i, _, inner)
    local v, ix = fn(line)
    for j = 1, k do
      vals[o * k * inner + (j - 1) * inner + i] = v[j]
      inds[o * k * inner + (j - 1) * inner + i] = ix[j]
    end
  end)
  local out = {}
  for j = 1, #sizes do out[j] = sizes[j] end
  out[d] = k
  local idx = torch.Tensor(inds):view(table.unpack(out))
  kinds[idx] = "torch.LongTensor"
  return torch.Tensor(vals):view(table.unpack(out)), idx
end
-- torch.topk(x, k [, dim] [, dir] [, sort]) (maths.md): the k smallest values along dim (the
-- last by default), or the k largest with dir true, and their indices. Torch7 may leave them in
-- any order unless sort is given; here they are always in order (smallest first, or largest
-- first with dir), which is one of the orders Torch7 allows.
torch.topk = function(x, k, d, dir, sorted)
  d = d or x:dim()
  if type(d) ~= "number" or d < 1 or d > x:dim() then fail("topk: dimension " .. tostring(d) .. " outside 1.." .. x:dim()) end
  local n = x:size(d)
  if type(k) ~= "number" or k < 1 or k > n or k ~= k // 1 then fail("topk: k = " .. tostring(k) .. " outside 1.." .. n .. " (the size of dimension " .. d .. ")") end
  return pickAlong(x, d, k, function(line)
    local order = {}
    for i = 1, #line do order[i] = i end
    table.sort(order, function(a, b)
      if line[a] == line[b] then return a < b end
      if dir then return line[a] > line[b] end
      return line[a] < line[b]
    end)
    local v, ix = {}, {}
    for j = 1, k do v[j], ix[j] = line[order[j]], order[j] end
    return v, ix
  end)
end
TM.topk = torch.topk
-- torch.mode(x [, dim]) (maths.md; TH's THTensor_(mode)): the most frequent value along dim
-- (the last by default), the smallest of equally frequent ones, and where it occurs.
torch.mode = function(x, d)
  return longIndices(pickAlong(x, d or x:dim(), 1, function(line)
    local order = {}
    for i = 1, #line do order[i] = i end
    table.sort(order, function(a, b) if line[a] == line[b] then return a < b end return line[a] < line[b] end)
    local best, bestAt, bestCount, count = nil, nil, 0, 0
    for j = 1, #order do
      count = count + 1
      if j == #order or line[order[j]] ~= line[order[j + 1]] then
        if count > bestCount then best, bestAt, bestCount = line[order[j]], order[j], count end
        count = 0
      end
    end
    return { best }, { bestAt }
  end))
end
TM.mode = torch.mode
-- torch.nonzero(t) (tensor.md): an n x dim LongTensor of the subscripts of t's non-zero elements
-- in row-major order.
torch.nonzero = function(t)
  local sizes, flat, rows = t:size():totable(), t:view(-1):totable(), {}
  local dims = #sizes
  for p = 1, #flat do
    if flat[p] ~= 0 then
      local rest, sub = p - 1, {}
      for d = dims, 1, -1 do sub[d] = rest % sizes[d] + 1; rest = rest // sizes[d] end
      rows[#rows + 1] = sub
    end
  end
  if #rows == 0 then fail("nonzero: the tensor has no non-zero element (an empty result cannot be made here)") end
  local r = torch.Tensor(rows)
  kinds[r] = "torch.LongTensor"
  return r
end
TM.nonzero = torch.nonzero
-- index(dim, idx), indexCopy(dim, idx, src), indexAdd(dim, idx, src), indexFill(dim, idx, v)
-- (tensor.md) along any dimension: the slices of t at the given 1-based positions.
local function positions(t, d, idx, who)
  if type(d) ~= "number" or d < 1 or d > t:dim() then fail(who .. ": dimension " .. tostring(d) .. " outside 1.." .. t:dim()) end
  local list = F.isTensor(idx) and idx:view(-1):totable() or idx
  if type(list) ~= "table" then fail(who .. ": expected a LongTensor of indices") end
  local n = t:size(d)
  for j, i in ipairs(list) do
    if type(i) ~= "number" or i ~= i // 1 or i < 1 or i > n then
      local shown = (type(i) == "number" and i == i // 1) and string.format("%d", i) or tostring(i)
      fail(who .. ": index " .. shown .. " (position " .. j .. ") outside 1.." .. n .. " of dimension " .. d)
    end
  end
  return list
end
-- The flat positions of t's slice s along d, in row-major order.
local function sliceCells(sizes, d, s, visit)
  local inner = 1
  for k = d + 1, #sizes do inner = inner * sizes[k] end
  local outer = 1
  for k = 1, d - 1 do outer = outer * sizes[k] end
  local pos = 0
  for o = 0, outer - 1 do
    for i = 1, inner do
      pos = pos + 1
      visit(o * sizes[d] * inner + (s - 1) * inner + i, pos)
    end
  end
end
local function indexInto(t, d, idx)
  local list = positions(t, d, idx, "index")
  local sizes = t:size():totable()
  local out = {}
  for k = 1, #sizes do out[k] = sizes[k] end
  out[d] = #list
  local flat, res = t:view(-1):totable(), {}
  local inner = 1
  for k = d + 1, #sizes do inner = inner * sizes[k] end
  local outer = #flat // (sizes[d] * inner)
  for o = 0, outer - 1 do
    for j, s in ipairs(list) do
      for i = 1, inner do res[o * #list * inner + (j - 1) * inner + i] = flat[o * sizes[d] * inner + (s - 1) * inner + i] end
    end
  end
  local r = torch.Tensor(res):view(table.unpack(out))
  kinds[r] = kinds[t]
  return r
end
-- t:index(dim, idx) gives a new tensor; res:index(src, dim, idx) puts it in res.
TM.index = function(t, a, b, c)
  if F.isTensor(a) then
    local r = indexInto(a, b, c)
    return t:resizeAs(r):copy(r)
  end
  return indexInto(t, a, b)
end
torch.index = function(t, d, idx) return indexInto(t, d, idx) end
local function writeSlices(t, d, idx, src, who, combine)
  local list = positions(t, d, idx, who)
  local sizes = t:size():totable()
  local flat = t:view(-1):totable()
  local per = #flat // sizes[d]
  local values
  if src ~= nil and type(src) ~= "number" then
    if not F.isTensor(src) or src:nElement() ~= per * #list then
      fail(who .. ": the source must hold " .. #list .. " slices of " .. per .. " elements (" .. (F.isTensor(src) and src:nElement() or type(src)) .. " given)")
    end
    values = src:view(-1):totable()
  end
  -- the source's slices run along the same dimension as t's
  local srcSizes = {}
  for k = 1, #sizes do srcSizes[k] = sizes[k] end
  srcSizes[d] = #list
  for j, s in ipairs(list) do
    local cells = {}
    sliceCells(srcSizes, d, j, function(p, pos) cells[pos] = p end)
    sliceCells(sizes, d, s, function(p, pos)
      local v = values and values[cells[pos]] or src
      flat[p] = combine(flat[p], v)
    end)
  end
  return t:copy(torch.Tensor(flat):view(table.unpack(sizes)))
end
TM.indexCopy = function(t, d, idx, src) return writeSlices(t, d, idx, src, "indexCopy", function(_, v) return v end) end
TM.indexAdd = function(t, d, idx, src) return writeSlices(t, d, idx, src, "indexAdd", function(old, v) return old + v end) end
TM.indexFill = function(t, d, idx, v)
  if type(v) ~= "number" then fail("indexFill: the value must be a number") end
  return writeSlices(t, d, idx, v, "indexFill", function(_, x) return x end)
end
TM.backward = function(t, g) F.backward(t, g) end

-- The pieces of Torch7's paths package that scripts call at the top (torch/paths' paths.c, its
-- Unix branch): basename(path [, suffix]), dirname(path), extname(path), concat(...) from the
-- current directory, cwd(), and filep/dirp, which answer for paths the script may read and
-- refuse the others (a sandbox cannot honestly say false for a file it may not look at).
do
  local cwd, fileKind = wrap(raw.host.cwd), wrap(raw.host.fileKind)
  local function str(s, who) if type(s) ~= "string" then fail("paths." .. who .. ": expected a string, got " .. type(s)) end return s end
  paths = {}
  function paths.basename(path, suffix)
    str(path, "basename")
    -- the last component after the last slash that is followed by something other than a slash
    local start = 1
    for i = 1, #path - 1 do
      if path:sub(i, i) == "/" and path:sub(i + 1, i + 1) ~= "/" then start = i + 1 end
    end
    local name = path:sub(start):match("^[^/]*")
    if suffix == nil or suffix == "" then return name end
    suffix = suffix:gsub("^%.", "")
    if suffix ~= "" and #name > #suffix and name:sub(-#suffix - 1) == "." .. suffix then name = name:sub(1, -#suffix - 2) end
    return name
  end
  function paths.dirname(path)
    str(path, "dirname")
    local cut
    for i = 1, #path - 1 do
      if path:sub(i, i) == "/" and path:sub(i + 1, i + 1) ~= "/" then cut = i end
    end
    if cut == nil then return path:sub(1, 1) == "/" and path or "." end
    if cut == 1 then return "/" end
    return path:sub(1, cut - 1)
  end
  function paths.extname(path)
    local ext = paths.basename(str(path, "extname")):match("%.([^%.]+)$")
    return ext
  end
  local function join(from, name)
    local parts = {}
    local out = name:sub(1, 1) == "/" and "" or from
    for piece in name:gmatch("[^/]+") do parts[#parts + 1] = piece end
    for _, piece in ipairs(parts) do
      if piece == ".." then out = out:gsub("/*[^/]*$", "")
      elseif piece ~= "." then out = out:gsub("/*$", "") .. "/" .. piece end
    end
    if out == "" then out = "/" end
    return out
  end
  function paths.concat(...)
    local out = cwd()
    for i = 1, select("#", ...) do out = join(out, str(select(i, ...), "concat")) end
    return out
  end
  paths.cwd = function() return cwd() end
  paths.filep = function(path) return fileKind(str(path, "filep")) == "file" end
  paths.dirp = function(path) return fileKind(str(path, "dirp")) == "dir" end
end

-- torch.Timer, as in Torch7: timer:time().real is the wall-clock seconds since creation or reset.
local now = wrap(raw.host.now)
local TimerMT = {}
TimerMT.__index = TimerMT
function TimerMT:reset() self.start = now(); return self end
function TimerMT:time() local r = now() - self.start; return { real = r, user = r, sys = 0 } end
torch.Timer = function() return setmetatable({ start = now() }, TimerMT) end
-- torch.tic() and torch.toc(t): a time in seconds and the seconds since it (Torch7's).
torch.tic = function() return now() end
torch.toc = function(t)
  if type(t) ~= "number" then fail("torch.toc: give the value torch.tic() returned") end
  return now() - t
end
-- torch.setnumthreads(n) / torch.getnumthreads(): how many threads one matrix product or
-- element-wise pass may use (at most the machine's cores; this is the engine's own setting).
local threads = wrap(raw.host.threads)
torch.setnumthreads = function(n)
  if type(n) ~= "number" or n < 1 or n ~= n // 1 then fail("torch.setnumthreads: expected a whole number of threads, got " .. tostring(n)) end
  threads(n)
end
torch.getnumthreads = function() return threads() end

TM.grad = nil
local tgrad = wrap(T.grad)

local TensorMT = registry["snn.Tensor"]
-- Torch7's t[{...}]: per dimension a number (select), {} (all), {i} or {first, last}
-- (1-based, inclusive, negative from the end); dimensions left out are taken whole.
local function slicespec(t, spec)
  local dims, out = t:dim(), {}
  if #spec > dims then fail("tensor index: " .. #spec .. " indices for a " .. dims .. "-dimensional tensor") end
  for d = 1, dims do
    local size, k = t:size(d), spec[d]
    local function bound(i)
      if type(i) ~= "number" then fail("tensor index: dimension " .. d .. " takes numbers") end
      if i < 0 then i = size + i + 1 end
      if i < 1 or i > size then fail("tensor index " .. tostring(i) .. " outside 1.." .. size .. " (dimension " .. d .. ")") end
      return i
    end
    if k == nil then out[d] = { 1, size, false }
    elseif type(k) == "number" then local i = bound(k); out[d] = { i, i, true }
    elseif type(k) == "table" then
      local first = k[1] == nil and 1 or bound(k[1])
      local last = k[2] == nil and (k[1] == nil and size or first) or bound(k[2])
      if last < first then fail("tensor index: range " .. first .. ".." .. last .. " is empty (dimension " .. d .. ")") end
      out[d] = { first, last, false }
    else fail("tensor index: dimension " .. d .. " takes a number or a table, got " .. type(k)) end
  end
  return out
end

-- A view when the region is contiguous here: selects on leading dimensions, then at most one
-- range, then whole dimensions. Anything else (a column, say) would need a strided view.
local function sliceview(t, spec)
  local r, view = slicespec(t, spec), t
  local d, dims = 1, #r
  while d <= dims and r[d][3] do view = view[r[d][1]]; d = d + 1 end      -- selects: row views
  if d > dims then return view, r end
  local first, last = r[d][1], r[d][2]
  for e = d + 1, dims do
    if r[e][3] or r[e][1] ~= 1 or r[e][2] ~= t:size(e) then return nil, r end
  end
  if first ~= 1 or last ~= t:size(d) then view = view:narrow(1, first, last - first + 1) end
  return view, r
end

local tat, tsetAt, tdim = T.at, T.setAt, TM.dim
TM.at, TM.setAt = nil, nil
local function allNumbers(k)
  for i = 1, #k do if type(k[i]) ~= "number" then return false end end
  return true
end
-- Any other region is a strided view (defined with the views below); x.new likewise.
local regionRead, regionWrite, newOf

TensorMT.__index = function(t, k)
  local m = TM[k]
  if m ~= nil then return m end
  if type(k) == "number" then
    local v, e = tget(t, k)
    if v == ERR then fail(e) end
    if type(v) == "number" and kinds[t] ~= nil then return tointeger(v) or v end   -- an integer tensor's element is a Lua integer
    return v
  end
  if kinds[k] == "torch.ByteTensor" then return TM.maskedSelect(t, k) end
  if type(k) == "table" then
    if type(k[1]) == "number" and #k == tdim(t) and allNumbers(k) then   -- one element: no views on the way
      local v, e = tat(t, k)
      if v == ERR then fail(e) end
      if kinds[t] ~= nil then return tointeger(v) or v end
      return v
    end
    local view, r = sliceview(t, k)
    if view ~= nil then
      local all = true
      for d = 1, #r do if not r[d][3] then all = false end end
      if all and torch.isTensor(view) then return view[1] end
      return view
    end
    return regionRead(t, k)
  end
  if k == "grad" then return tgrad(t) end
  if k == "new" then return newOf(t) end
  return nil
end
TensorMT.__newindex = function(t, k, v)
  if kinds[k] == "torch.ByteTensor" then
    if type(v) == "number" then TM.maskedFill(t, k, v) else TM.maskedCopy(t, k, v) end
    return
  end
  if type(k) == "number" then
    if kinds[t] ~= nil then return regionWrite(t, { k }, v) end   -- cut to the integer type
    local r, e = tset(t, k, v)
    if r == ERR then fail(e) end
  elseif type(k) == "table" then
    if type(v) == "number" and type(k[1]) == "number" and #k == tdim(t) and allNumbers(k) and kinds[t] == nil then
      local r, e = tsetAt(t, v, k)
      if r == ERR then fail(e) end
      return
    end
    -- t[{...}] = number fills the region; = tensor copies into it, element for element.
    regionWrite(t, k, v)
  elseif k == "requiresGrad" or k == "requires_grad" then
    TM.requiresGrad(t, v)
  else
    fail("cannot set field '" .. tostring(k) .. "' of a tensor")
  end
end
TensorMT.__add = function(a, b) return tbinary("+", a, b) end
TensorMT.__sub = function(a, b) return tbinary("-", a, b) end
TensorMT.__mul = function(a, b) return tbinary("*", a, b) end
TensorMT.__div = function(a, b) return tbinary("/", a, b) end
TensorMT.__unm = function(a) return tbinary("-", 0, a) end
-- Torch7: #t is the size (a LongStorage), so (#t)[1] is the first dimension.
TensorMT.__len = function(t) return t:size() end
-- Printing as Torch7 prints (torch/Tensor.lua): one format for the whole tensor, chosen from
-- its values: whole numbers as integers, a common power-of-ten factor ("1e-03 *") when the
-- magnitudes allow, %.4e when they span more than four decades; one element per line for a
-- vector, rows for a matrix (split into "Columns a to b" past 80 characters), "(i,.,.) ="
-- slices beyond two dimensions, then the type and size.
local floor, abs, huge = math.floor, math.abs, math.huge
-- floor(log10(x)), exact at powers of ten (Lua 5.4 has no math.log10, and log(1000, 10) is 2.999...)
local function ilog10(x)
  local e = floor(math.log(x, 10))
  if 10 ^ (e + 1) <= x then e = e + 1 elseif 10 ^ e > x then e = e - 1 end
  return e
end
local function printformat(values)
  local n = #values
  if n == 0 then return "", nil, 0 end
  local intMode, lo, hi = true, huge, 0
  for i = 1, n do
    local v = values[i]
    if v ~= math.ceil(v) then intMode = false end
    local a = abs(v)
    if a < lo then lo = a end
    if a > hi then hi = a end
  end
  if hi ~= hi or hi == huge then return "%f", nil, 9 end        -- NaN or infinity: plain %f
  local expMin = lo ~= 0 and ilog10(lo) + 1 or 1
  local expMax = hi ~= 0 and ilog10(hi) + 1 or 1
  local format, scale, sz
  if intMode then
    if expMax > 9 then format, sz = "%11.4e", 11 else sz = expMax + 1; format = "%" .. sz .. "d" end
  elseif expMax - expMin > 4 then
    sz = (abs(expMax) > 99 or abs(expMin) > 99) and 12 or 11
    format = "%" .. sz .. ".4e"
  elseif expMax > 5 or expMax < 0 then
    sz, scale = 7, 10 ^ (expMax - 1)
    format = "%7.4f"
  else
    sz = expMax == 0 and 7 or expMax + 6
    format = "%" .. sz .. ".4f"
  end
  if scale == 1 then scale = nil end
  return format, scale, sz
end

local function fmt(format, v) return (string.format(format, format:sub(-1) == "d" and floor(v) or v)) end

local function printmatrix(rows, format, scale, sz, indent, out)
  scale = scale or 1
  local ncols = #rows[1]
  local perLine = floor((80 - #indent) / (sz + 1))
  out[#out + 1] = indent
  local first = 1
  while first <= ncols do
    local last = math.min(first + perLine - 1, ncols)
    if perLine < ncols then
      if first ~= 1 then out[#out + 1] = "\n" end
      out[#out + 1] = "Columns " .. first .. " to " .. last .. "\n" .. indent
    end
    if scale ~= 1 then out[#out + 1] = string.format("%g", scale) .. " *\n " .. indent end
    for r = 1, #rows do
      local row = rows[r]
      for c = first, last do
        out[#out + 1] = fmt(format, row[c] / scale)
        if c == last then
          out[#out + 1] = "\n"
          if r ~= #rows then out[#out + 1] = scale ~= 1 and indent .. " " or indent end
        else
          out[#out + 1] = " "
        end
      end
    end
    first = last + 1
  end
end

TensorMT.__tostring = function(t)
  local n, dims = t:nElement(), t:dim()
  if n == 0 then return "[torch.FloatTensor with no dimension]\n" end
  local flat = t:view(n):totable()
  local format, scale, sz = printformat(flat)
  local out, sizes = {}, {}
  for d = 1, dims do sizes[d] = t:size(d) end
  if dims == 1 then
    if scale then out[#out + 1] = string.format("%g", scale) .. " *\n" end
    for i = 1, n do out[#out + 1] = fmt(format, flat[i] / (scale or 1)) .. "\n" end
  elseif dims == 2 then
    printmatrix(t:totable(), format, scale, sz, "", out)
  else
    -- every (i, j, .., .) slice, the last two dimensions printed as a matrix
    local r, c = sizes[dims - 1], sizes[dims]
    local lead, count = {}, n // (r * c)
    for k = 0, count - 1 do
      local rest, idx = k, {}
      for d = dims - 2, 1, -1 do idx[d] = rest % sizes[d] + 1; rest = rest // sizes[d] end
      if k > 0 then out[#out + 1] = "\n" end
      out[#out + 1] = "(" .. table.concat(idx, ",") .. ",.,.) = \n"
      local rows = {}
      for i = 1, r do
        local row = {}
        for j = 1, c do row[j] = flat[k * r * c + (i - 1) * c + j] end
        rows[i] = row
      end
      printmatrix(rows, format, scale, sz, " ", out)
    end
  end
  out[#out + 1] = "[" .. (kinds[t] or "torch.FloatTensor") .. " of size " .. table.concat(sizes, "x") .. "]\n"
  return table.concat(out)
end
TensorMT.__close = function(t) T.free(t) end
TensorMT.__gc = function(t) T.free(t) end
TensorMT.__name = "torch.FloatTensor"
TM.cast = nil
-- An integer tensor's totable gives Lua integers (3, not 3.0), as its elements do.
do
  local totable = TM.totable
  local function integral(x)
    if type(x) == "number" then return tointeger(x) or x end
    for i = 1, #x do x[i] = integral(x[i]) end
    return x
  end
  TM.totable = function(t)
    local r = totable(t)
    if kinds[t] ~= nil then return integral(r) end
    return r
  end
end

-- Integer tensors in arithmetic, as Torch7's C functions for an integer type run: a number
-- argument is that type's value (cut toward zero: l:mul(1.5) multiplies by 1), and what a
-- method writes into an integer tensor is cut to the type (l:div(2) divides as C's integer
-- division does); operators with an integer tensor give a tensor of its type. The random
-- fills keep their real parameters, as Torch7's do, and cast what they store.
do
  local function trunc(x)
    if type(x) ~= "number" then return x end
    if x >= 0 then return math.floor(x) end
    return math.ceil(x)
  end
  local realArgs = set("uniform", "normal", "bernoulli", "apply", "map", "map2")
  local writers = { "add", "csub", "mul", "div", "cmul", "cdiv", "fill", "copy", "addcmul", "addcdiv", "cmax", "cmin",
    "pow", "clamp", "maskedFill", "maskedCopy", "indexFill", "indexCopy", "indexAdd", "addmm", "addmv", "addr", "mv",
    "ger", "uniform", "normal", "bernoulli", "apply", "map", "map2", "cumsum", "cumprod", "exp", "log", "abs", "sqrt",
    "tanh", "sigmoid", "neg" }
  for _, name in ipairs(writers) do
    local m = TM[name]
    if m ~= nil then
      local cutArgs = not realArgs[name]
      TM[name] = function(t, ...)
        local k = kinds[t]
        if k == nil or not integerTypes[k] then return m(t, ...) end
        local r
        if cutArgs then
          local args, n = { ... }, select("#", ...)
          for i = 1, n do args[i] = trunc(args[i]) end
          r = m(t, table.unpack(args, 1, n))
        else
          r = m(t, ...)
        end
        castInPlace(t, k)
        return r
      end
    end
  end
  for _, mm in ipairs({ "__add", "__sub", "__mul", "__div" }) do
    local f = TensorMT[mm]
    TensorMT[mm] = function(a, b)
      local k = kinds[a]
      if k == nil then k = kinds[b] end
      if k == nil or not integerTypes[k] then return f(a, b) end
      return castInPlace(f(trunc(a), trunc(b)), k)
    end
  end
  local unm = TensorMT.__unm
  TensorMT.__unm = function(a)
    local k = kinds[a]
    if k == nil or not integerTypes[k] then return unm(a) end
    return castInPlace(unm(a), k)
  end
end

---------------------------------------------------------------------------------------------
-- Strided views (tensor.md): t:t(), t:transpose(d1, d2), narrow/select/sub/split/chunk along
-- any dimension, t[{...}] over any region, expand/expandAs, as Torch7 gives them: views that
-- read and write the tensor they come from. The engine computes on contiguous tensors, so a
-- view that is not contiguous is a separate kind (StridedView in C#): a method called on it
-- runs on a copy of its elements, and anything the method may have changed is written back
-- through the strides. Views of views compose: the geometry always points at the original
-- tensor. A region that happens to be contiguous is an ordinary tensor sharing storage.
---------------------------------------------------------------------------------------------
do   -- the views block keeps its locals to itself (the prelude is near Lua's 200-local limit)
local V = raw.View
local ViewMT = registry["snn.TensorView"]
local getmt = getmetatable
local vmake, vgather, vscatter, vget, vset = wrap(V.make), wrap(V.gather), wrap0(V.scatter), wrap(V.get), wrap0(V.set)
local vinfo = V.info
local cnarrow = TM.narrow
local function isview(x) return rawequal(getmt(x), ViewMT) end
-- base, offset (0-based), sizes, strides of a tensor or a view
local function geometry(t)
  local b, off, sizes, strides = vinfo(t)
  if b == ERR then fail(off) end
  return b, off, sizes, strides
end
local function newview(t, b, off, sizes, strides)
  local r = vmake(b, off, sizes, strides)
  local k = kinds[t]
  if k ~= nil then kinds[r] = k end
  return r
end
local function whole(who, x, lo, hi, what)
  if type(x) == "string" then x = tonumber(x) or x end      -- a numeric string, as Torch7's C functions take it
  if type(x) ~= "number" or x ~= x // 1 or x < lo or x > hi then
    fail(who .. ": " .. what .. " " .. tostring(x) .. " outside " .. lo .. ".." .. hi)
  end
  return x
end

TM.narrow = function(t, d, first, n)
  if d == 1 and not isview(t) then return cnarrow(t, d, first, n) end
  local b, off, sizes, strides = geometry(t)
  d = whole("narrow", d, 1, #sizes, "dimension")
  first = whole("narrow", first, 1, sizes[d], "first index")
  n = whole("narrow", n, 1, sizes[d] - first + 1, "length")
  sizes[d] = n
  return newview(t, b, off + (first - 1) * strides[d], sizes, strides)
end
-- t:select(d, i): the slice at index i of dimension d, one dimension less.
TM.select = function(t, d, i)
  local dims = t:dim()
  if dims < 2 then fail("select: a " .. dims .. "-dimensional tensor has no slices; index the element with t[i]") end
  d = whole("select", d, 1, dims, "dimension")
  i = whole("select", i, 1, t:size(d), "index")
  if d == 1 and not isview(t) then
    local r = t[i]
    local k = kinds[t]
    if k ~= nil then kinds[r] = k end
    return r
  end
  local b, off, sizes, strides = geometry(t)
  off = off + (i - 1) * strides[d]
  table.remove(sizes, d); table.remove(strides, d)
  return newview(t, b, off, sizes, strides)
end
-- t:transpose(d1, d2) and t:t() (a matrix's transpose): the same elements, two dimensions swapped.
TM.transpose = function(t, d1, d2)
  local b, off, sizes, strides = geometry(t)
  d1 = whole("transpose", d1, 1, #sizes, "dimension")
  d2 = whole("transpose", d2, 1, #sizes, "dimension")
  sizes[d1], sizes[d2] = sizes[d2], sizes[d1]
  strides[d1], strides[d2] = strides[d2], strides[d1]
  return newview(t, b, off, sizes, strides)
end
TM.t = function(t)
  if t:dim() ~= 2 then fail("t: needs a 2D tensor, got " .. t:dim() .. "D (use transpose(d1, d2))") end
  return TM.transpose(t, 1, 2)
end
torch.transpose = function(t, d1, d2) return TM.transpose(t, d1, d2) end
torch.t = function(t) return TM.t(t) end
-- t:sub(d1s, d1e [, d2s, d2e ...]): a narrow per dimension given (1-based, inclusive, negative
-- counting from the end).
TM.sub = function(t, ...)
  local n = select("#", ...)
  if n == 0 or n % 2 == 1 or n // 2 > t:dim() then fail("sub: give a first and last index per dimension (Torch7's t:sub(d1s, d1e, ...)), at most " .. t:dim() .. " pairs") end
  local r = t
  for d = 1, n // 2 do
    local size = t:size(d)
    local first, last = select(2 * d - 1, ...), select(2 * d, ...)
    if type(first) ~= "number" or type(last) ~= "number" then fail("sub: indices must be numbers") end
    if first < 0 then first = size + first + 1 end
    if last < 0 then last = size + last + 1 end
    first = whole("sub", first, 1, size, "index")
    last = whole("sub", last, first, size, "last index")
    if first ~= 1 or last ~= size then r = TM.narrow(r, d, first, last - first + 1) end
  end
  return r
end
-- t:expand(sizes...) / t:expandAs(u): dimensions of size 1 repeated without copying (stride 0);
-- leading dimensions may be added. Writing into an expanded view writes the shared element.
TM.expand = function(t, ...)
  local want = { ... }
  if #want == 1 and type(want[1]) == "table" then want = want[1] end
  if getmt(want) == SizeMT then want = want:totable() end
  local b, off, sizes, strides = geometry(t)
  if #want < #sizes then fail("expand: " .. #want .. " sizes for a " .. #sizes .. "-dimensional tensor") end
  local lead = #want - #sizes
  local ns, nst = {}, {}
  for d = 1, #want do
    local w = want[d]
    if type(w) ~= "number" or w < 1 or w ~= w // 1 then fail("expand: size " .. tostring(w) .. " at dimension " .. d .. " is not a whole number of at least 1") end
    local s, st = 1, 0
    if d > lead then s, st = sizes[d - lead], strides[d - lead] end
    if s == w then ns[d], nst[d] = w, st
    elseif s == 1 then ns[d], nst[d] = w, 0
    else fail("expand: dimension " .. d .. " has size " .. s .. ", which cannot be expanded to " .. w .. " (only size 1 can)") end
  end
  return newview(t, b, off, ns, nst)
end
TM.expandAs = function(t, u) return TM.expand(t, u:size():totable()) end
torch.expand = function(t, ...) return TM.expand(t, ...) end
torch.expandAs = function(t, u) return TM.expandAs(t, u) end
-- t:unfold(d, size, step): every slice of size elements along d, step apart, as a new last
-- dimension (no copy; the slices overlap when step < size).
TM.unfold = function(t, d, size, step)
  local b, off, sizes, strides = geometry(t)
  d = whole("unfold", d, 1, #sizes, "dimension")
  size = whole("unfold", size, 1, sizes[d], "size")
  step = whole("unfold", step, 1, math.huge, "step")
  if #sizes == 4 then fail("unfold: a 4-dimensional tensor cannot gain a fifth dimension here") end
  local n = sizes[d]
  sizes[d] = (n - size) // step + 1
  sizes[#sizes + 1] = size
  strides[#strides + 1] = strides[d]
  strides[d] = strides[d] * step
  return newview(t, b, off, sizes, strides)
end
-- t:squeeze([d]) without the dimensions of size 1 (or only d, if its size is 1), and
-- t:unsqueeze(d) with a dimension of size 1 inserted at d: views, of views too.
TM.squeeze = function(t, d)
  local b, off, sizes, strides = geometry(t)
  if d ~= nil then d = whole("squeeze", d, 1, #sizes, "dimension") end
  local ns, nst = {}, {}
  for k = 1, #sizes do
    if sizes[k] ~= 1 or (d ~= nil and k ~= d) then ns[#ns + 1] = sizes[k]; nst[#nst + 1] = strides[k] end
  end
  if #ns == 0 then ns[1], nst[1] = 1, 1 end
  return newview(t, b, off, ns, nst)
end
TM.unsqueeze = function(t, d)
  local b, off, sizes, strides = geometry(t)
  d = whole("unsqueeze", d, 1, #sizes + 1, "position")
  if #sizes == 4 then fail("unsqueeze: a 4-dimensional tensor cannot gain a fifth dimension here") end
  table.insert(sizes, d, 1)
  table.insert(strides, d, d <= #strides and strides[d] * sizes[d + 1] or 1)
  return newview(t, b, off, sizes, strides)
end
torch.squeeze = function(t, d) return TM.squeeze(t, d) end
torch.unsqueeze = function(t, d) return TM.unsqueeze(t, d) end
-- t:viewAs(u) (contiguous t only, as view) and torch.reshape(x, sizes...) / x:reshape(...),
-- which in Torch7 copies (maths.md).
TM.viewAs = function(t, u) return t:view(table.unpack(u:size():totable())) end
TM.reshape = function(t, ...)
  local sizes = { ... }
  if #sizes == 1 and type(sizes[1]) == "table" then sizes = sizes[1] end
  if getmt(sizes) == SizeMT then sizes = sizes:totable() end
  return t:clone():view(table.unpack(sizes))
end
torch.reshape = function(t, ...) return TM.reshape(t, ...) end
-- t:resize(sizes...) / t:resizeAs(u) (tensor.md, "Resizing"): t takes the new size in place,
-- its first elements kept; growing moves it to a new storage, so views taken before no longer
-- share it (Torch7 says the content after a resize is undetermined). torch.Tensor():resizeAs(x)
-- is how Torch7 modules size their outputs.
TM.resizeAs = function(t, u) return TM.resize(t, u:size()) end
-- x.new(...) / x:new(): a new tensor of x's type (Torch7's constructor reached through a tensor).
function newOf(t)
  local kind = kinds[t]
  return function(first, ...)
    local r
    if first == nil or rawequal(first, t) then r = torch.Tensor(...) else r = torch.Tensor(first, ...) end
    if kind ~= nil then castInPlace(r, kind) end
    return r
  end
end
-- t:stride([d]) and t:isContiguous(), t:contiguous() (itself, or a contiguous copy of a view).
TM.stride = function(t, d)
  local _, _, sizes, strides = geometry(t)
  if d == nil then return setmetatable(strides, SizeMT) end
  d = whole("stride", d, 1, #sizes, "dimension")
  return strides[d]
end
TM.isContiguous = function(t) return not isview(t) end
TM.contiguous = function(t)
  if not isview(t) then return t end
  local c = vgather(t)
  local k = kinds[t]
  if k ~= nil then kinds[c] = k end
  return c
end
-- split/chunk along any dimension: lists of narrowed views.
TM.split = function(t, size, d)
  d = d or 1
  d = whole("split", d, 1, t:dim(), "dimension")
  if type(size) ~= "number" or size < 1 or size ~= size // 1 then fail("split: size must be a whole number of at least 1, got " .. tostring(size)) end
  local parts, n = {}, t:size(d)
  for first = 1, n, size do parts[#parts + 1] = TM.narrow(t, d, first, math.min(size, n - first + 1)) end
  return parts
end
TM.chunk = function(t, count, d)
  d = d or 1
  d = whole("chunk", d, 1, t:dim(), "dimension")
  if type(count) ~= "number" or count < 1 or count ~= count // 1 then fail("chunk: n must be a whole number of at least 1, got " .. tostring(count)) end
  return TM.split(t, math.ceil(t:size(d) / count), d)
end

-- t[{...}] over any region: a view, or a number when every dimension is a single index.
local function region(t, spec)
  local r = slicespec(t, spec)
  local b, off, sizes, strides = geometry(t)
  local ns, nst = {}, {}
  for d = 1, #r do
    off = off + (r[d][1] - 1) * strides[d]
    if not r[d][3] then ns[#ns + 1] = r[d][2] - r[d][1] + 1; nst[#nst + 1] = strides[d] end
  end
  if #ns == 0 then return nil, b, off end
  return newview(t, b, off, ns, nst)
end
local function element(b, off) return vmake(b, off, { 1 }, { 1 }) end
function regionRead(t, spec)
  local v, b, off = region(t, spec)
  if v == nil then return element(b, off)[1] end
  return v
end
function regionWrite(t, spec, value)
  local v, b, off = region(t, spec)
  if v == nil then
    v = element(b, off)
    local k = kinds[t]
    if k ~= nil then kinds[v] = k end       -- an integer tensor's element is cut to its type
  end
  if type(value) == "number" then v:fill(value)
  elseif F.isTensor(value) then
    if value:nElement() ~= v:nElement() then fail("tensor index: the region holds " .. v:nElement() .. " elements, the value " .. value:nElement()) end
    v:copy(value)
  else fail("tensor index: assign a number or a tensor, got " .. type(value)) end
end

-- Methods of a view: the geometric ones above work on it directly; any other runs on a copy
-- and writes the copy back (skipped for methods known only to read), a result that is the
-- copy itself being returned as the view.
local readsOnly = set("clone", "sum", "mean", "max", "min", "totable", "tostring", "dot", "norm", "dist", "std", "var",
                      "prod", "median", "mode", "kthvalue", "sort", "topk", "nonzero", "all", "any", "argmax",
                      "lt", "le", "gt", "ge", "eq", "ne", "float", "double", "long", "int", "short", "char", "byte",
                      "type", "totable", "numpy", "maskedSelect", "index", "equal")
local viewOnly = {
  narrow = TM.narrow, select = TM.select,
  transpose = TM.transpose, t = TM.t, sub = TM.sub, expand = TM.expand, expandAs = TM.expandAs,
  stride = TM.stride, isContiguous = TM.isContiguous, contiguous = TM.contiguous, split = TM.split, chunk = TM.chunk,
  unfold = TM.unfold, squeeze = TM.squeeze, unsqueeze = TM.unsqueeze,
  resize = function() fail("resize: a strided view (a transpose, column or expanded view) cannot be resized; resize the tensor it views, or a contiguous copy") end,
  resizeAs = function() fail("resizeAs: a strided view (a transpose, column or expanded view) cannot be resized; resize the tensor it views, or a contiguous copy") end,
  view = function() fail("view: the tensor is not contiguous (a transpose, column or expanded view); call :contiguous() first, as Torch7 requires") end,
  viewAs = function() fail("viewAs: the tensor is not contiguous; call :contiguous() first, as Torch7 requires") end,
}
do
  viewOnly.dim = function(v) local _, _, s = geometry(v); return #s end
  viewOnly.nElement = function(v) local _, _, s = geometry(v); local n = 1; for i = 1, #s do n = n * s[i] end; return n end
  viewOnly.size = function(v, d)
    local _, _, s = geometry(v)
    if d == nil then return setmetatable(s, SizeMT) end
    d = whole("size", d, 1, #s, "dimension")
    return s[d]
  end
end
local viewMethods = {}
local function viewMethod(name)
  local m = TM[name]
  if m == nil then return nil end
  local writes = not readsOnly[name]
  local f = function(v, ...)
    if not isview(v) then return m(v, ...) end
    local copy = vgather(v)
    local k = kinds[v]
    if k ~= nil then kinds[copy] = k end
    local r = table.pack(m(copy, ...))
    if writes then vscatter(v, copy) end
    for i = 1, r.n do if rawequal(r[i], copy) then r[i] = v end end
    return table.unpack(r, 1, r.n)
  end
  viewMethods[name] = f
  return f
end
ViewMT.__index = function(v, k)
  local g = viewOnly[k]
  if g ~= nil then return g end
  if type(k) == "number" then
    if viewOnly.dim(v) == 1 then return vget(v, k) end
    return TM.select(v, 1, k)
  end
  if type(k) == "table" then
    if kinds[k] == "torch.ByteTensor" then return TM.maskedSelect(vgather(v), k) end
    return regionRead(v, k)
  end
  return viewMethods[k] or viewMethod(k)
end
ViewMT.__newindex = function(v, k, value)
  if type(k) == "number" then
    if viewOnly.dim(v) == 1 then
      if type(value) ~= "number" then fail("tensor index: assign a number to an element, got " .. type(value)) end
      return vset(v, k, value)
    end
    return regionWrite(v, { k }, value)
  elseif type(k) == "table" then
    if kinds[k] == "torch.ByteTensor" then
      local copy = vgather(v)
      copy[k] = value
      return vscatter(v, copy)
    end
    return regionWrite(v, k, value)
  end
  fail("cannot set field '" .. tostring(k) .. "' of a tensor view")
end
for _, mm in ipairs({ "__add", "__sub", "__mul", "__div", "__unm", "__len" }) do ViewMT[mm] = TensorMT[mm] end
ViewMT.__tostring = function(v)
  local copy = vgather(v)
  local k = kinds[v]
  if k ~= nil then kinds[copy] = k end
  return TensorMT.__tostring(copy)
end
ViewMT.__close = function(v) T.free(v) end
ViewMT.__gc = function(v) T.free(v) end
ViewMT.__name = "torch.FloatTensor"
end


---------------------------------------------------------------------------------------------
-- nn: modules and criterions
---------------------------------------------------------------------------------------------
local M = raw.Module
local MM = wrapall(M, set("parameters", "getParameters"), set("zeroGradParameters", "updateParameters", "accGradParameters", "exportOnnx"))
local mfield = wrap(M.field)
MM.updateOutput = MM.forward
MM.float = function(m) return m end
MM.double = function(m) return m end
-- Torch7: module:type() is the tensor type its parameters use; module:type(name) converts.
MM.type = function(m, name)
  if name == nil then return "torch.FloatTensor" end
  return convert(m, name, "module")
end
MM.predict = function(m, x)
  local was = mfield(m, "train")
  m:evaluate()
  local y = m:forward(x)
  if was then m:training() end
  return y
end
local extra = setmetatable({}, { __mode = "k" })   -- fields a script sets on a module

local ModuleMT = registry["snn.Module"]
ModuleMT.__index = function(m, k)
  local f = MM[k]
  if f ~= nil then return f end
  local e = extra[m]
  if e and e[k] ~= nil then return e[k] end
  if type(k) == "string" then return mfield(m, k) end
  return nil
end
ModuleMT.__newindex = function(m, k, v)
  local e = extra[m]
  if not e then e = {}; extra[m] = e end
  e[k] = v
end
ModuleMT.__tostring = MM.tostring
ModuleMT.__gc = function(m) T.free(m) end
ModuleMT.__name = "nn.Module"

-- A compiled network (model:compile()): inference only; forward(x), run(x, y) with no allocation,
-- refresh() to take the source network's new weights.
local CN = wrapall(raw.Compiled, nil, set("refresh"))
local CompiledMT = registry["snn.Compiled"]
local training = set("backward", "updateGradInput", "accGradParameters", "parameters", "getParameters", "zeroGradParameters", "updateParameters")
CompiledMT.__index = function(c, k)
  local f = CN[k]
  if f ~= nil then return f end
  if training[k] then
    return function() fail("nn.Compiled is for inference only: train the network it was compiled from, then call refresh()") end
  end
  return nil
end
CompiledMT.__tostring = CN.tostring
CompiledMT.__gc = function(c) T.free(c) end
CompiledMT.__name = "nn.Compiled"

local C = raw.Criterion
local CM = wrapall(C, set("parameters"))
local lastLoss = setmetatable({}, { __mode = "k" })
local cforward = CM.forward
CM.forward = function(c, input, target)
  local l = cforward(c, input, target)
  lastLoss[c] = l
  return l
end
CM.updateOutput = CM.forward
CM.updateGradInput = CM.backward
local CriterionMT = registry["snn.Criterion"]
local criterionFields = setmetatable({}, { __mode = "k" })   -- fields a script sets on a criterion
local sizeAverageOf, setSizeAverage = CM.sizeAverage, CM.setSizeAverage
CM.sizeAverage, CM.setSizeAverage = nil, nil
CriterionMT.__index = function(c, k)
  if k == "sizeAverage" then return sizeAverageOf(c) end
  local f = CM[k]
  if f ~= nil then return f end
  if k == "output" then return lastLoss[c] end
  if k == "gradInput" then return CM.gradInput(c) end
  local e = criterionFields[c]
  return e and e[k]
end
-- Torch7's criterion.sizeAverage = false sums instead of averaging; other fields are kept.
CriterionMT.__newindex = function(c, k, v)
  if k == "sizeAverage" then setSizeAverage(c, v and true or false); return end
  local e = criterionFields[c]
  if not e then e = {}; criterionFields[c] = e end
  e[k] = v
end
CriterionMT.__tostring = CM.tostring
CriterionMT.__gc = function(c) T.free(c) end
CriterionMT.__name = "nn.Criterion"

local newmodule, newcriterion = wrap(raw.nn.module), wrap(raw.nn.criterion)
nn = {}
-- Every registered module and criterion, under its Torch7 name and its aliases (PyTorch's).
local moduleNames, criterionNames = wrap2(raw.nn.names)()
local function constructors(names, new)
  local made = {}
  for name, torchName in pairs(names) do
    made[torchName] = made[torchName] or function(...) return new(torchName, ...) end
    nn[name] = made[torchName]
  end
end
constructors(moduleNames, newmodule)
constructors(criterionNames, newcriterion)
nn.isModule = wrap(raw.nn.isModule)
-- nn.loadOnnx(path): an ONNX chain (Gemm/MatMul and the element-wise units) as an nn.Sequential.
nn.loadOnnx = wrap(raw.nn.loadOnnx)

---------------------------------------------------------------------------------------------
-- Lua-defined classes and modules (Torch7's torch.class, nn.Module, nn.Container), the table
-- containers of nn's table.md, and nn.Sequential holding them.
---------------------------------------------------------------------------------------------
-- torch.class(name [, parent]): a class whose methods a script defines (function C:m() ... end)
-- and whose instances name(...) makes, calling __init; the name's dotted path gets the
-- constructor (nn.MyLayer), as torch/init.lua does. torch.typename(obj) gives the name.
local luaClasses, luaClassNames = {}, setmetatable({}, { __mode = "k" })
local getmt = debug.getmetatable
local function luaClassOf(v) local mt = type(v) == "table" and getmetatable(v) or nil; return mt and luaClassNames[mt] and mt or nil end
torch.class = function(name, parentName, module)
  -- torch7's forms: (name), (name, parent), (name, module table), (name, parent, module table)
  if type(parentName) == "table" then parentName, module = nil, parentName end
  if type(name) ~= "string" or name == "" then fail("torch.class: <class name> [<parent class name>] [<module table>] expected") end
  if luaClasses[name] then fail("torch.class: class " .. name .. " already exists") end
  local parent
  if parentName ~= nil then
    parent = luaClasses[parentName]
    if not parent then fail("torch.class: parent class " .. tostring(parentName) .. " does not exist") end
  end
  local class = {}
  class.__index = class
  class.__typename = name
  class.__tostring = function(self)
    local f = self.__tostring__
    if f then return f(self) end
    return name
  end
  local function construct(...)
    local obj = setmetatable({}, class)
    local init = class.__init
    if init then init(obj, ...) end
    return obj
  end
  -- the class itself is callable too, so `local C = torch.class("C") ... C()` makes one
  setmetatable(class, { __index = parent, __call = function(_, ...) return construct(...) end })
  luaClasses[name], luaClassNames[class] = class, name
  local ctor = setmetatable({}, { __index = class, __newindex = class, __call = function(_, ...) return construct(...) end })
  -- the constructor goes at the name's dotted path (nn.MyLayer), or into the module table given
  local scope, last = module or _G, nil
  for part in name:gmatch("[^%.]+") do
    if last then
      if rawget(scope, last) == nil then rawset(scope, last, {}) end
      scope = rawget(scope, last)
    end
    last = part
  end
  rawset(scope, last, ctor)
  return class, parent
end
local baseTypename = torch.typename
torch.typename = function(x)
  local c = luaClassOf(x)
  if c then return luaClassNames[c] end
  return baseTypename(x)
end
torch.isTypeOf = function(x, name)
  local c = luaClassOf(x)
  while c do
    if luaClassNames[c] == name then return true end
    local up = getmetatable(c)
    c = up and up.__index or nil
  end
  return torch.type(x) == name
end
local baseTorchType = torch.type
torch.type = function(x)
  local c = luaClassOf(x)
  if c then return luaClassNames[c] end
  return baseTorchType(x)
end

-- A module is either one of this engine's (userdata) or a Lua object of class nn.Module.
local mixed = setmetatable({}, { __mode = "k" })     -- nn.Sequential userdata now run from Lua: its children
local function isEngineModule(m) return type(m) == "userdata" and getmt(m) == ModuleMT end
local function isLuaModule(m) return (luaClassOf(m) ~= nil and torch.isTypeOf(m, "nn.Module")) or (isEngineModule(m) and mixed[m] ~= nil) end
local function isModule(m) return isEngineModule(m) or isLuaModule(m) end

-- nn.Module, Torch7's base class (nn/Module.lua): output and gradInput, train; forward is
-- updateOutput, backward is updateGradInput then accGradParameters; parameters() finds weight
-- and bias with their gradients.
local LuaModule = torch.class("nn.Module")
function LuaModule:__init()
  self.gradInput = torch.Tensor()
  self.output = torch.Tensor()
  self.train = true
end
function LuaModule:parameters()
  if self.weight and self.bias then return { self.weight, self.bias }, { self.gradWeight, self.gradBias } end
  if self.weight then return { self.weight }, { self.gradWeight } end
  if self.bias then return { self.bias }, { self.gradBias } end
end
function LuaModule:updateOutput(input) return self.output end
function LuaModule:forward(input) return self:updateOutput(input) end
function LuaModule:updateGradInput(input, gradOutput) return self.gradInput end
function LuaModule:accGradParameters(input, gradOutput, scale) end
function LuaModule:backward(input, gradOutput, scale)
  scale = scale or 1
  self:updateGradInput(input, gradOutput)
  self:accGradParameters(input, gradOutput, scale)
  return self.gradInput
end
function LuaModule:zeroGradParameters()
  local _, grads = self:parameters()
  if grads then for _, g in ipairs(grads) do g:zero() end end
end
function LuaModule:updateParameters(learningRate)
  local params, grads = self:parameters()
  if params then for i, p in ipairs(params) do p:add(-learningRate, grads[i]) end end
end
function LuaModule:training() self.train = true end
function LuaModule:evaluate() self.train = false end
function LuaModule:type(name) if name == nil then return "torch.FloatTensor" end return self end
function LuaModule:float() return self end
function LuaModule:double() return self end
function LuaModule:clearState() return self end
function LuaModule:reset() return self end
function LuaModule:__call__(input, gradOutput)
  self:forward(input)
  if gradOutput then self:backward(input, gradOutput) end
  return self.output, self.gradInput
end
-- The leaves of a module tree, in the order their parameters are listed.
local function leaves(m, out)
  if isEngineModule(m) and not mixed[m] then out[#out + 1] = m; return out end
  local children = isEngineModule(m) and mixed[m] or (type(m) == "table" and m.modules)
  if children then for _, c in ipairs(children) do leaves(c, out) end
  else out[#out + 1] = m end
  return out
end
-- getParameters: every parameter and gradient of the tree moved into two flat vectors, the
-- modules' tensors replaced by views of them (Torch7 re-points storages; here the Lua modules'
-- fields get the views and the engine's modules move their parameters), so an optimizer
-- stepping the flat vector trains the modules. A second call gives the same two vectors.
local function flatParameters(root)
  local cached = rawget(type(root) == "table" and root or {}, "_flat") or (extra[root] and extra[root]._flat)
  if cached then return cached[1], cached[2] end
  local list, total = leaves(root, {}), 0
  for _, leaf in ipairs(list) do
    local ps = leaf:parameters()
    if ps then for _, p in ipairs(ps) do total = total + p:nElement() end end
  end
  local flatP, flatG = torch.zeros(math.max(total, 1)), torch.zeros(math.max(total, 1))
  if total == 0 then flatP, flatG = torch.Tensor(), torch.Tensor() end
  local offset = 0
  for _, leaf in ipairs(list) do
    if isEngineModule(leaf) then
      offset = MM.flattenInto(leaf, flatP, flatG, offset)
    else
      local ps, gs = leaf:parameters()
      for i, p in ipairs(ps or {}) do
        local n = p:nElement()
        local pv = flatP:narrow(1, offset + 1, n):view(table.unpack(p:size():totable()))
        local gv = flatG:narrow(1, offset + 1, n):view(table.unpack(p:size():totable()))
        pv:copy(p)
        gv:copy(gs[i])
        for k, v in pairs(leaf) do
          if rawequal(v, p) then leaf[k] = pv elseif rawequal(v, gs[i]) then leaf[k] = gv end
        end
        offset = offset + n
      end
    end
  end
  if type(root) == "table" then rawset(root, "_flat", { flatP, flatG })
  else extra[root] = extra[root] or {}; extra[root]._flat = { flatP, flatG } end
  return flatP, flatG
end
function LuaModule:getParameters() return flatParameters(self) end

-- nn.Criterion, Torch7's base class for criteria written in Lua.
local LuaCriterion = torch.class("nn.Criterion")
function LuaCriterion:__init() self.gradInput = torch.Tensor(); self.output = 0; self.sizeAverage = true end
function LuaCriterion:updateOutput(input, target) return self.output end
function LuaCriterion:forward(input, target) return self:updateOutput(input, target) end
function LuaCriterion:updateGradInput(input, target) return self.gradInput end
function LuaCriterion:backward(input, target) return self:updateGradInput(input, target) end
function LuaCriterion:type() return self end
function LuaCriterion:float() return self end
function LuaCriterion:double() return self end
function LuaCriterion:__call__(input, target)
  self.output = self:forward(input, target)
  self.gradInput = self:backward(input, target)
  return self.output, self.gradInput
end

-- Children's parameters, one list after another.
local function childParameters(children)
  local ps, gs = {}, {}
  for _, c in ipairs(children) do
    local p, g = c:parameters()
    if p then for i = 1, #p do ps[#ps + 1] = p[i]; gs[#gs + 1] = g[i] end end
  end
  return ps, gs
end
local function checkChild(who, m)
  if not isModule(m) then fail(who .. ":add: expected a module, got " .. (torch.typename(m) or type(m))) end
  return m
end

-- nn.Container (nn/Container.lua): modules, add, get, size, and what is done to every child.
local LuaContainer = torch.class("nn.Container", "nn.Module")
function LuaContainer:__init(...)
  LuaModule.__init(self, ...)
  self.modules = {}
end
function LuaContainer:add(m) self.modules[#self.modules + 1] = checkChild(torch.typename(self), m); return self end
function LuaContainer:get(i) return self.modules[i] end
function LuaContainer:size() return #self.modules end
function LuaContainer:parameters() local ps, gs = childParameters(self.modules); if #ps > 0 then return ps, gs end end
function LuaContainer:zeroGradParameters() for _, c in ipairs(self.modules) do c:zeroGradParameters() end end
function LuaContainer:updateParameters(lr) for _, c in ipairs(self.modules) do c:updateParameters(lr) end end
function LuaContainer:training() self.train = true; for _, c in ipairs(self.modules) do c:training() end end
function LuaContainer:evaluate() self.train = false; for _, c in ipairs(self.modules) do c:evaluate() end end
local function indent(text) return (tostring(text):gsub("\n", "\n  ")) end

-- (A block of its own: the prelude's main chunk is near Lua's limit of 200 locals.)
do
-- The table containers (nn/doc/table.md).
-- ConcatTable: each child on the same input, the outputs as a table; gradInput the sum.
local ConcatTable = torch.class("nn.ConcatTable", "nn.Container")
local function addInto(acc, g)
  if torch.isTensor(g) then
    if acc == nil then return g:clone() end
    return acc:add(g)
  end
  acc = acc or {}
  for i, v in ipairs(g) do acc[i] = addInto(acc[i], v) end
  return acc
end
function ConcatTable:updateOutput(input)
  local out = {}
  for i, c in ipairs(self.modules) do out[i] = c:forward(input) end
  self.output = out
  return out
end
function ConcatTable:backward(input, gradOutput, scale)
  local sum
  for i, c in ipairs(self.modules) do sum = addInto(sum, c:backward(input, gradOutput[i], scale)) end
  self.gradInput = sum
  return sum
end
function ConcatTable:updateGradInput(input, gradOutput)
  local sum
  for i, c in ipairs(self.modules) do sum = addInto(sum, c:updateGradInput(input, gradOutput[i])) end
  self.gradInput = sum
  return sum
end
function ConcatTable:accGradParameters(input, gradOutput, scale)
  for i, c in ipairs(self.modules) do c:accGradParameters(input, gradOutput[i], scale) end
end
function ConcatTable:__tostring__()
  local lines = { "nn.ConcatTable {", "  input" }
  for i, c in ipairs(self.modules) do lines[#lines + 1] = "  |`-> (" .. i .. "): " .. indent(c) end
  lines[#lines + 1] = "   ... -> output"
  lines[#lines + 1] = "}"
  return table.concat(lines, "\n")
end

-- ParallelTable: child i on input[i], the outputs as a table.
local ParallelTable = torch.class("nn.ParallelTable", "nn.Container")
function ParallelTable:updateOutput(input)
  local out = {}
  for i, c in ipairs(self.modules) do out[i] = c:forward(input[i]) end
  self.output = out
  return out
end
function ParallelTable:backward(input, gradOutput, scale)
  local g = {}
  for i, c in ipairs(self.modules) do g[i] = c:backward(input[i], gradOutput[i], scale) end
  self.gradInput = g
  return g
end
function ParallelTable:updateGradInput(input, gradOutput)
  local g = {}
  for i, c in ipairs(self.modules) do g[i] = c:updateGradInput(input[i], gradOutput[i]) end
  self.gradInput = g
  return g
end
function ParallelTable:accGradParameters(input, gradOutput, scale)
  for i, c in ipairs(self.modules) do c:accGradParameters(input[i], gradOutput[i], scale) end
end
function ParallelTable:__tostring__()
  local lines = { "nn.ParallelTable {", "  input" }
  for i, c in ipairs(self.modules) do lines[#lines + 1] = "  |`-> (" .. i .. "): " .. indent(c) end
  lines[#lines + 1] = "   ... -> output"
  lines[#lines + 1] = "}"
  return table.concat(lines, "\n")
end

-- The dimension a table module works on: with nInputDims, a batch (one dimension more) shifts it.
local function tableDim(dim, nInputDims, t)
  if nInputDims and t:dim() == nInputDims + 1 then return dim + 1 end
  return dim
end
-- JoinTable(dim [, nInputDims]): the inputs joined along dim.
local JoinTable = torch.class("nn.JoinTable", "nn.Module")
function JoinTable:__init(dimension, nInputDims)
  LuaModule.__init(self)
  if type(dimension) ~= "number" then fail("nn.JoinTable: expected a dimension") end
  self.dimension, self.nInputDims = dimension, nInputDims
end
function JoinTable:updateOutput(input)
  local d = tableDim(self.dimension, self.nInputDims, input[1])
  self.output = torch.cat(input, d)
  return self.output
end
function JoinTable:updateGradInput(input, gradOutput)
  local d = tableDim(self.dimension, self.nInputDims, input[1])
  local g, offset = {}, 0
  for i, x in ipairs(input) do
    local n = x:size(d)
    local idx = {}
    for j = 1, n do idx[j] = offset + j end
    g[i] = gradOutput:index(d, torch.LongTensor(idx)):view(table.unpack(x:size():totable()))
    offset = offset + n
  end
  self.gradInput = g
  return g
end
function JoinTable:__tostring__() return "nn.JoinTable" end

-- SplitTable(dim [, nInputDims]): the slices along dim as a table.
local SplitTable = torch.class("nn.SplitTable", "nn.Module")
function SplitTable:__init(dimension, nInputDims)
  LuaModule.__init(self)
  if type(dimension) ~= "number" then fail("nn.SplitTable: expected a dimension") end
  self.dimension, self.nInputDims = dimension, nInputDims
end
local function sliceOf(x, d, i)
  local sizes = x:size():totable()
  local s = x:index(d, torch.LongTensor({ i }))
  table.remove(sizes, d)
  if #sizes == 0 then return s:view(1) end
  return s:view(table.unpack(sizes))
end
function SplitTable:updateOutput(input)
  local d = tableDim(self.dimension, self.nInputDims, input)
  local out = {}
  for i = 1, input:size(d) do out[i] = sliceOf(input, d, i) end
  self.output = out
  return out
end
function SplitTable:updateGradInput(input, gradOutput)
  local d = tableDim(self.dimension, self.nInputDims, input)
  local g = torch.zeros(table.unpack(input:size():totable()))
  for i, go in ipairs(gradOutput) do g:indexCopy(d, torch.LongTensor({ i }), go) end
  self.gradInput = g
  return g
end
function SplitTable:__tostring__() return "nn.SplitTable" end

-- CAddTable: the element-wise sum of the inputs; CMulTable: the product.
local CAddTable = torch.class("nn.CAddTable", "nn.Module")
function CAddTable:updateOutput(input)
  local out = input[1]:clone()
  for i = 2, #input do out:add(input[i]) end
  self.output = out
  return out
end
function CAddTable:updateGradInput(input, gradOutput)
  local g = {}
  for i = 1, #input do g[i] = gradOutput:clone() end
  self.gradInput = g
  return g
end
function CAddTable:__tostring__() return "nn.CAddTable" end
local CMulTable = torch.class("nn.CMulTable", "nn.Module")
function CMulTable:updateOutput(input)
  local out = input[1]:clone()
  for i = 2, #input do out:cmul(input[i]) end
  self.output = out
  return out
end
function CMulTable:updateGradInput(input, gradOutput)
  local g = {}
  for i = 1, #input do
    local p = gradOutput:clone()
    for j = 1, #input do if j ~= i then p:cmul(input[j]) end end
    g[i] = p
  end
  self.gradInput = g
  return g
end
function CMulTable:__tostring__() return "nn.CMulTable" end
-- SelectTable(i): element i of the input table (negative from the end); the others' gradients are zeros.
local SelectTable = torch.class("nn.SelectTable", "nn.Module")
function SelectTable:__init(index) LuaModule.__init(self); self.index = index end
local function zerosLike(v)
  if torch.isTensor(v) then return torch.zeros(table.unpack(v:size():totable())) end
  local z = {}
  for k, x in ipairs(v) do z[k] = zerosLike(x) end
  return z
end
function SelectTable:updateOutput(input)
  local i = self.index < 0 and #input + self.index + 1 or self.index
  if input[i] == nil then fail("nn.SelectTable: index " .. self.index .. " outside a table of " .. #input) end
  self.output = input[i]
  return self.output
end
function SelectTable:updateGradInput(input, gradOutput)
  local i = self.index < 0 and #input + self.index + 1 or self.index
  local g = {}
  for k, v in ipairs(input) do g[k] = k == i and gradOutput or zerosLike(v) end
  self.gradInput = g
  return g
end
function SelectTable:__tostring__() return "nn.SelectTable(" .. self.index .. ")" end

-- Torch7's simple shape and reduction modules (nn doc/simple.md), written as Lua modules. The
-- dimension they work on shifts by one for a batch when nInputDims is given, as in nn.
local function batchDim(dim, nInputDims, x)
  if dim < 0 then dim = x:dim() + dim + 1
  elseif nInputDims and x:dim() > nInputDims then dim = dim + 1 end
  if dim < 1 or dim > x:dim() then fail("dimension " .. dim .. " outside 1.." .. x:dim() .. " of the input") end
  return dim
end
local function without(sizes, d)
  local out = {}
  for k, n in ipairs(sizes) do if k ~= d then out[#out + 1] = n end end
  if #out == 0 then out[1] = 1 end
  return out
end
-- A reduction along d: fn(line) gives the value and the 1-based position that made it (max, min).
local function reduceAlong(x, d, fn)
  local vals, where = {}, {}
  local sizes = eachLine(x, d, function(line, o, i, _, inner)
    local v, at = fn(line)
    vals[o * inner + i], where[o * inner + i] = v, at
  end)
  return torch.Tensor(vals):view(table.unpack(without(sizes, d))), where
end
-- The gradient of a reduction: g(k, line position) for every element of x.
local function spreadAlong(x, d, gradOutput, g)
  local flatG, out = gradOutput:view(-1):totable(), {}
  local sizes = x:size():totable()
  local inner = 1
  for k = d + 1, #sizes do inner = inner * sizes[k] end
  local n = sizes[d]
  for p = 0, x:nElement() - 1 do
    local i, k, o = p % inner, (p // inner) % n, p // (inner * n)
    out[p + 1] = g(o * inner + i + 1, k + 1, flatG[o * inner + i + 1])
  end
  return torch.Tensor(out):view(table.unpack(sizes))
end

local Sum = torch.class("nn.Sum", "nn.Module")
function Sum:__init(dimension, nInputDims, sizeAverage)
  LuaModule.__init(self)
  self.dimension, self.nInputDims, self.sizeAverage = dimension or 1, nInputDims, sizeAverage or false
end
function Sum:updateOutput(input)
  local d = batchDim(self.dimension, self.nInputDims, input)
  local n = input:size(d)
  self.output = reduceAlong(input, d, function(line)
    local s = 0
    for _, v in ipairs(line) do s = s + v end
    return self.sizeAverage and s / n or s
  end)
  return self.output
end
function Sum:updateGradInput(input, gradOutput)
  local d = batchDim(self.dimension, self.nInputDims, input)
  local n = input:size(d)
  self.gradInput = spreadAlong(input, d, gradOutput, function(_, _, g) return self.sizeAverage and g / n or g end)
  return self.gradInput
end
function Sum:__tostring__() return "nn.Sum" end
local Mean = torch.class("nn.Mean", "nn.Sum")
function Mean:__init(dimension, nInputDims) Sum.__init(self, dimension, nInputDims, true) end
function Mean:__tostring__() return "nn.Mean" end
-- Max and Min: the gradient goes to the element that was picked (the first of equal ones).
for name, better in pairs({ Max = function(a, b) return a > b end, Min = function(a, b) return a < b end }) do
  local C = torch.class("nn." .. name, "nn.Module")
  function C:__init(dimension, nInputDims)
    LuaModule.__init(self)
    self.dimension, self.nInputDims = dimension or 1, nInputDims
  end
  function C:updateOutput(input)
    local d = batchDim(self.dimension, self.nInputDims, input)
    self.output, self._picked = reduceAlong(input, d, function(line)
      local best, at = line[1], 1
      for k = 2, #line do if better(line[k], best) then best, at = line[k], k end end
      return best, at
    end)
    return self.output
  end
  function C:updateGradInput(input, gradOutput)
    local d = batchDim(self.dimension, self.nInputDims, input)
    local picked = self._picked
    self.gradInput = spreadAlong(input, d, gradOutput, function(line, k, g) return picked[line] == k and g or 0 end)
    return self.gradInput
  end
  function C:__tostring__() return "nn." .. name end
end

-- Narrow(dimension, offset, length): a negative length counts from the end (nn's rule: the size
-- minus offset plus length plus 2).
local Narrow = torch.class("nn.Narrow", "nn.Module")
function Narrow:__init(dimension, offset, length)
  LuaModule.__init(self)
  if type(offset) ~= "number" or offset < 1 then fail("nn.Narrow: the offset must be a positive number (a negative one is not supported here)") end
  self.dimension, self.index, self.length = dimension, offset, length or 1
end
local function narrowPositions(self, input)
  local d = batchDim(self.dimension, nil, input)
  local size = input:size(d)
  local length = self.length < 0 and size - self.index + self.length + 2 or self.length
  if self.index + length - 1 > size or length < 1 then
    fail("nn.Narrow: offset " .. self.index .. " and length " .. self.length .. " do not fit dimension " .. d .. " of size " .. size)
  end
  local idx = {}
  for k = 1, length do idx[k] = self.index + k - 1 end
  return d, torch.LongTensor(idx)
end
function Narrow:updateOutput(input)
  local d, idx = narrowPositions(self, input)
  self.output = input:index(d, idx)
  return self.output
end
function Narrow:updateGradInput(input, gradOutput)
  local d, idx = narrowPositions(self, input)
  self.gradInput = torch.zeros(table.unpack(input:size():totable())):indexCopy(d, idx, gradOutput)
  return self.gradInput
end
function Narrow:__tostring__() return "nn.Narrow" end

-- Replicate(nFeature [, dim, ndim]): the input repeated nFeature times along a new dimension dim.
-- Torch7's output is a stride-0 view of the input; here it is a copy, so a later write to the
-- input does not show in an output already made.
local Replicate = torch.class("nn.Replicate", "nn.Module")
function Replicate:__init(nFeature, dim, ndim)
  LuaModule.__init(self)
  self.nfeatures, self.dim, self.ndim = nFeature, dim or 1, ndim
end
function Replicate:updateOutput(input)
  local d = self.dim
  if self.ndim and input:dim() > self.ndim then d = d + 1 end
  local sizes = input:size():totable()
  local reps = {}
  for k = 1, #sizes + 1 do reps[k] = 1 end
  reps[d] = self.nfeatures
  local shaped = {}
  for k = 1, #sizes + 1 do shaped[k] = k < d and sizes[k] or (k == d and 1 or sizes[k - 1]) end
  self.output = torch.repeatTensor(input:view(table.unpack(shaped)), table.unpack(reps))
  return self.output
end
function Replicate:updateGradInput(input, gradOutput)
  local d = self.dim
  if self.ndim and input:dim() > self.ndim then d = d + 1 end
  self.gradInput = reduceAlong(gradOutput, d, function(line)
    local s = 0
    for _, v in ipairs(line) do s = s + v end
    return s
  end):view(table.unpack(input:size():totable()))
  return self.gradInput
end
function Replicate:__tostring__() return "nn.Replicate" end

-- View(sizes...) with setNumInputDims(n); Unsqueeze(pos [, numInputDims]); Squeeze([dim [, numInputDims]]).
local View = torch.class("nn.View", "nn.Module")
function View:__init(...)
  LuaModule.__init(self)
  local sizes = { ... }
  if #sizes == 1 and type(sizes[1]) ~= "number" then sizes = sizes[1]:totable() end
  self.size = sizes
  local n = 1
  for _, s in ipairs(sizes) do if s > 0 then n = n * s end end
  self.numElements = n
end
function View:setNumInputDims(n) self.numInputDims = n; return self end
function View:updateOutput(input)
  local sizes = {}
  for k, s in ipairs(self.size) do sizes[k] = s end
  -- a batch: the dimensions before the last numInputDims stay
  if self.numInputDims and input:dim() > self.numInputDims then
    local lead = {}
    for k = 1, input:dim() - self.numInputDims do lead[k] = input:size(k) end
    for k = #lead, 1, -1 do table.insert(sizes, 1, lead[k]) end
  elseif not self.numInputDims and input:nElement() ~= self.numElements and input:nElement() % self.numElements == 0 then
    local hasInfer = false
    for _, s in ipairs(self.size) do if s == -1 then hasInfer = true end end
    if not hasInfer then table.insert(sizes, 1, input:nElement() // self.numElements) end
  end
  self.output = input:view(table.unpack(sizes))
  return self.output
end
function View:updateGradInput(input, gradOutput)
  self.gradInput = gradOutput:view(table.unpack(input:size():totable()))
  return self.gradInput
end
function View:__tostring__() return "nn.View(" .. table.concat(self.size, "x") .. ")" end
local Unsqueeze = torch.class("nn.Unsqueeze", "nn.Module")
function Unsqueeze:__init(pos, numInputDims) LuaModule.__init(self); self.pos, self.numInputDims = pos, numInputDims end
function Unsqueeze:updateOutput(input)
  local pos = self.pos
  if self.numInputDims and input:dim() > self.numInputDims then pos = pos + 1 end
  local sizes = input:size():totable()
  if pos < 1 or pos > #sizes + 1 then fail("nn.Unsqueeze: position " .. pos .. " outside 1.." .. (#sizes + 1)) end
  table.insert(sizes, pos, 1)
  self.output = input:view(table.unpack(sizes))
  return self.output
end
function Unsqueeze:updateGradInput(input, gradOutput)
  self.gradInput = gradOutput:view(table.unpack(input:size():totable()))
  return self.gradInput
end
function Unsqueeze:__tostring__() return "nn.Unsqueeze(" .. self.pos .. ")" end
local Squeeze = torch.class("nn.Squeeze", "nn.Module")
function Squeeze:__init(dim, numInputDims) LuaModule.__init(self); self.dim, self.numInputDims = dim, numInputDims end
function Squeeze:updateOutput(input)
  local d = self.dim
  if d and self.numInputDims and input:dim() > self.numInputDims then d = d + 1 end
  self.output = input:squeeze(d)
  return self.output
end
function Squeeze:updateGradInput(input, gradOutput)
  self.gradInput = gradOutput:view(table.unpack(input:size():totable()))
  return self.gradInput
end
function Squeeze:__tostring__() return "nn.Squeeze" end

-- MM(transA, transB): the product of a table of two matrices, either transposed first.
local MMod = torch.class("nn.MM", "nn.Module")
function MMod:__init(transA, transB) LuaModule.__init(self); self.transA, self.transB = transA or false, transB or false end
function MMod:updateOutput(input)
  local a, b = input[1], input[2]
  if not (torch.isTensor(a) and torch.isTensor(b)) or a:dim() ~= 2 or b:dim() ~= 2 then
    fail("nn.MM: expects a table of two matrices (batches of matrices are not supported here)")
  end
  if self.transA then a = a:t() end
  if self.transB then b = b:t() end
  self.output = torch.mm(a, b)
  return self.output
end
function MMod:updateGradInput(input, gradOutput)
  local a, b = input[1], input[2]
  local ga, gb
  if self.transA then ga = torch.mm(self.transB and b:t() or b, gradOutput:t()) else ga = torch.mm(gradOutput, self.transB and b or b:t()) end
  if self.transB then gb = torch.mm(gradOutput:t(), self.transA and a:t() or a) else gb = torch.mm(self.transA and a or a:t(), gradOutput) end
  self.gradInput = { ga, gb }
  return self.gradInput
end
function MMod:__tostring__() return "nn.MM" end

-- Concat(dimension): each child on the same input, the outputs joined along the dimension.
local Concat = torch.class("nn.Concat", "nn.Container")
function Concat:__init(dimension)
  LuaContainer.__init(self)
  if type(dimension) ~= "number" then fail("nn.Concat: expected a dimension") end
  self.dimension = dimension
end
function Concat:updateOutput(input)
  local outs = {}
  for i, c in ipairs(self.modules) do outs[i] = c:forward(input) end
  self._sizes = {}
  for i, o in ipairs(outs) do self._sizes[i] = o:size(self.dimension) end
  self.output = torch.cat(outs, self.dimension)
  return self.output
end
local function concatSlice(self, gradOutput, i)
  local offset = 0
  for k = 1, i - 1 do offset = offset + self._sizes[k] end
  local idx = {}
  for k = 1, self._sizes[i] do idx[k] = offset + k end
  return gradOutput:index(self.dimension, torch.LongTensor(idx))
end
function Concat:backward(input, gradOutput, scale)
  local sum
  for i, c in ipairs(self.modules) do
    local g = c:backward(input, concatSlice(self, gradOutput, i), scale)
    sum = sum and sum:add(g) or g:clone()
  end
  self.gradInput = sum
  return sum
end
function Concat:updateGradInput(input, gradOutput)
  local sum
  for i, c in ipairs(self.modules) do
    local g = c:updateGradInput(input, concatSlice(self, gradOutput, i))
    sum = sum and sum:add(g) or g:clone()
  end
  self.gradInput = sum
  return sum
end
function Concat:accGradParameters(input, gradOutput, scale)
  for i, c in ipairs(self.modules) do c:accGradParameters(input, concatSlice(self, gradOutput, i), scale) end
end
function Concat:__tostring__()
  local lines = { "nn.Concat {", "  input" }
  for i, c in ipairs(self.modules) do lines[#lines + 1] = "  |`-> (" .. i .. "): " .. indent(c) end
  lines[#lines + 1] = "   ... -> output"
  lines[#lines + 1] = "}"
  return table.concat(lines, "\n")
end
-- simple.md's Add, Mul, CAdd and CMul: a learned bias or scale, whole (Add(n), CAdd(sizes)),
-- shared (Add(n, true), Mul()), broadcast along the dimensions of size 1 of CAdd/CMul's sizes.
-- A batch is a leading dimension the parameter does not have.
-- The parameter index of each element of one sample (dimensions of size 1 broadcast).
local function broadcastIndex(sampleSizes, paramSizes)
  local n = 1
  for _, s in ipairs(sampleSizes) do n = n * s end
  local map = {}
  for p = 0, n - 1 do
    local rest, index, stride = p, 0, 1
    local coords = {}
    for d = #sampleSizes, 1, -1 do coords[d] = rest % sampleSizes[d]; rest = rest // sampleSizes[d] end
    for d = #paramSizes, 1, -1 do
      local c = paramSizes[d] == 1 and 0 or coords[d + #sampleSizes - #paramSizes]
      index = index + c * stride
      stride = stride * paramSizes[d]
    end
    map[p + 1] = index + 1
  end
  return map, n
end
local function sampleView(self, input, param)
  local psizes = param:size():totable()
  local nsample = param:nElement()
  local sizes = input:size():totable()
  -- a batch: one more leading dimension than the parameter's shape implies
  local sampleSizes, batch = sizes, 1
  local count = 1
  for _, s in ipairs(psizes) do count = count * s end
  if #sizes > #psizes or (input:nElement() ~= count and input:nElement() % count == 0 and #sizes == #psizes and psizes[1] == 1) then
    batch = sizes[1]
    sampleSizes = {}
    for k = 2, #sizes do sampleSizes[k - 1] = sizes[k] end
  end
  if #sampleSizes ~= #psizes then
    -- a vector parameter against a flat sample
    if #psizes == 1 then sampleSizes = { input:nElement() // batch } end
  end
  local key = table.concat(sampleSizes, "x") .. "|" .. table.concat(psizes, "x")
  if self._mapKey ~= key then self._map, self._per = broadcastIndex(sampleSizes, psizes); self._mapKey = key end
  return batch
end
local function paramOp(self, input, param, combine)
  local batch = sampleView(self, input, param)
  local x, w, map, per = input:view(-1):totable(), param:view(-1):totable(), self._map, self._per
  local out = {}
  for b = 0, batch - 1 do
    for p = 1, per do out[b * per + p] = combine(x[b * per + p], w[map[p]]) end
  end
  return torch.Tensor(out):view(table.unpack(input:size():totable())), batch
end
local function paramGrad(self, batch, param, values)
  local g, map, per = {}, self._map, self._per
  for k = 1, param:nElement() do g[k] = 0 end
  for b = 0, batch - 1 do
    for p = 1, per do g[map[p]] = g[map[p]] + values(b * per + p) end
  end
  return torch.Tensor(g):view(table.unpack(param:size():totable()))
end
local function sizesFrom(...)
  local sizes = { ... }
  if #sizes == 1 and type(sizes[1]) ~= "number" then sizes = sizes[1]:totable() end
  return sizes
end

local Add = torch.class("nn.Add", "nn.Module")
function Add:__init(inputSize, scalar)
  LuaModule.__init(self)
  self.scalar = scalar or false
  local n = self.scalar and 1 or inputSize
  self.bias, self.gradBias = torch.Tensor(n), torch.zeros(n)
  self:reset()
end
function Add:reset(stdv)
  stdv = stdv or 1 / math.sqrt(self.bias:size(1))
  self.bias:uniform(-stdv, stdv)
  return self
end
function Add:updateOutput(input)
  if self.scalar then self.output = input + self.bias[1]; return self.output end
  self.output = paramOp(self, input, self.bias, function(x, b) return x + b end)
  return self.output
end
function Add:updateGradInput(input, gradOutput) self.gradInput = gradOutput:clone(); return self.gradInput end
function Add:accGradParameters(input, gradOutput, scale)
  scale = scale or 1
  if self.scalar then self.gradBias[1] = self.gradBias[1] + scale * gradOutput:sum(); return end
  local batch = sampleView(self, input, self.bias)
  local g = gradOutput:view(-1):totable()
  self.gradBias:add(scale, paramGrad(self, batch, self.bias, function(i) return g[i] end))
end
function Add:__tostring__() return "nn.Add" end

local CAdd = torch.class("nn.CAdd", "nn.Add")
function CAdd:__init(...)
  LuaModule.__init(self)
  self.scalar = false
  local sizes = sizesFrom(...)
  self.bias, self.gradBias = torch.Tensor(table.unpack(sizes)), torch.zeros(table.unpack(sizes))
  self:reset()
end
function CAdd:reset(stdv)
  stdv = stdv or 1 / math.sqrt(self.bias:nElement())
  self.bias:uniform(-stdv, stdv)
  return self
end
function CAdd:__tostring__() return "nn.CAdd" end

local Mul = torch.class("nn.Mul", "nn.Module")
function Mul:__init()
  LuaModule.__init(self)
  self.weight, self.gradWeight = torch.Tensor(1), torch.zeros(1)
  self:reset()
end
function Mul:reset(stdv)
  stdv = stdv or 1 / math.sqrt(self.weight:size(1))
  self.weight:uniform(-stdv, stdv)
  return self
end
function Mul:updateOutput(input) self.output = input * self.weight[1]; return self.output end
function Mul:updateGradInput(input, gradOutput) self.gradInput = gradOutput * self.weight[1]; return self.gradInput end
function Mul:accGradParameters(input, gradOutput, scale)
  self.gradWeight[1] = self.gradWeight[1] + (scale or 1) * torch.cmul(input, gradOutput):sum()
end
function Mul:__tostring__() return "nn.Mul" end

local CMul = torch.class("nn.CMul", "nn.Module")
function CMul:__init(...)
  LuaModule.__init(self)
  local sizes = sizesFrom(...)
  self.weight, self.gradWeight = torch.Tensor(table.unpack(sizes)), torch.zeros(table.unpack(sizes))
  self:reset()
end
function CMul:reset(stdv)
  stdv = stdv or 1 / math.sqrt(self.weight:nElement())
  self.weight:uniform(-stdv, stdv)
  return self
end
function CMul:updateOutput(input)
  self.output = paramOp(self, input, self.weight, function(x, w) return x * w end)
  return self.output
end
function CMul:updateGradInput(input, gradOutput)
  self.gradInput = paramOp(self, gradOutput, self.weight, function(g, w) return g * w end)
  return self.gradInput
end
function CMul:accGradParameters(input, gradOutput, scale)
  local batch = sampleView(self, input, self.weight)
  local x, g = input:view(-1):totable(), gradOutput:view(-1):totable()
  self.gradWeight:add(scale or 1, paramGrad(self, batch, self.weight, function(i) return x[i] * g[i] end))
end
function CMul:__tostring__() return "nn.CMul" end

-- criterion.md's MultiMarginCriterion(p [, weights, margin]) (THNN's MultiMarginCriterion): the
-- hinge loss sum over i ~= y of max(0, margin - x[y] + x[i])^p (p 1 or 2), times weights[y] when
-- given, over the number of classes; rows of a matrix are averaged (summed when sizeAverage is
-- false).
local MultiMargin = torch.class("nn.MultiMarginCriterion", "nn.Criterion")
function MultiMargin:__init(p, weights, margin)
  LuaCriterion.__init(self)
  self.p = p or 1
  if self.p ~= 1 and self.p ~= 2 then fail("nn.MultiMarginCriterion: p must be 1 or 2, got " .. tostring(self.p)) end
  self.weights, self.margin = weights, margin or 1
end
local function marginRows(input, target)
  local rows = input:dim() == 1 and { input:totable() } or input:totable()
  local targets = type(target) == "number" and { target } or target:view(-1):totable()
  if #targets ~= #rows then fail("nn.MultiMarginCriterion: " .. #rows .. " rows of scores and " .. #targets .. " targets") end
  return rows, targets
end
function MultiMargin:updateOutput(input, target)
  local rows, targets = marginRows(input, target)
  local total = 0
  for r, x in ipairs(rows) do
    local y = targets[r]
    if y < 1 or y > #x or y ~= y // 1 then fail("nn.MultiMarginCriterion: target " .. tostring(y) .. " outside 1.." .. #x) end
    local w = self.weights and self.weights[y] or 1
    local sum = 0
    for i = 1, #x do
      if i ~= y then
        local z = self.margin - x[y] + x[i]
        if z > 0 then sum = sum + (self.p == 1 and z or z * z) * w end
      end
    end
    total = total + sum / #x
  end
  if self.sizeAverage then total = total / #rows end
  self.output = total
  return total
end
function MultiMargin:updateGradInput(input, target)
  local rows, targets = marginRows(input, target)
  local grads = {}
  for r, x in ipairs(rows) do
    local y = targets[r]
    local w = self.weights and self.weights[y] or 1
    local g = {}
    for i = 1, #x do g[i] = 0 end
    local scale = w / #x / (self.sizeAverage and #rows or 1)
    for i = 1, #x do
      if i ~= y then
        local z = self.margin - x[y] + x[i]
        if z > 0 then
          local h = (self.p == 1 and 1 or 2 * z) * scale
          g[i] = g[i] + h
          g[y] = g[y] - h
        end
      end
    end
    grads[r] = g
  end
  self.gradInput = input:dim() == 1 and torch.Tensor(grads[1]) or torch.Tensor(grads)
  return self.gradInput
end
function MultiMargin:__tostring__() return "nn.MultiMarginCriterion" end
end

-- nn.Sequential holding a Lua-defined module: from the first such child on, the Sequential runs
-- from Lua, child by child (its earlier children included); forward, backward, parameters,
-- getParameters, printing and torch.save go on as Torch7's, while the engine-only paths (train.fit,
-- compile, ONNX export, a checkpoint of the network alone) refuse it by name.
local function seqForward(m, input)
  local x = input
  local state = extra[m] or {}
  extra[m] = state
  state.inputs = {}
  for i, c in ipairs(mixed[m]) do
    state.inputs[i] = x
    x = c:forward(x)
  end
  state.output = x
  return x
end
local function seqBackward(m, input, gradOutput, scale, how)
  local state = extra[m]
  if not state or not state.inputs then fail("nn.Sequential: backward before forward") end
  local g = gradOutput
  for i = #mixed[m], 1, -1 do
    local c, x = mixed[m][i], state.inputs[i]
    if how == "backward" then g = c:backward(x, g, scale)
    elseif how == "updateGradInput" then g = c:updateGradInput(x, g)
    else
      c:accGradParameters(x, g, scale)
      g = c.gradInput
    end
  end
  state.gradInput = g
  return g
end
local engineOnly = { compile = true, exportOnnx = true, save = true }
local luaSequential = {
  forward = seqForward, updateOutput = seqForward,
  backward = function(m, x, g, s) return seqBackward(m, x, g, s, "backward") end,
  updateGradInput = function(m, x, g) return seqBackward(m, x, g, nil, "updateGradInput") end,
  accGradParameters = function(m, x, g, s) seqBackward(m, x, g, s, "accGradParameters") end,
  parameters = function(m) local ps, gs = childParameters(mixed[m]); if #ps > 0 then return ps, gs end end,
  getParameters = function(m) return flatParameters(m) end,
  zeroGradParameters = function(m) for _, c in ipairs(mixed[m]) do c:zeroGradParameters() end end,
  updateParameters = function(m, lr) for _, c in ipairs(mixed[m]) do c:updateParameters(lr) end end,
  training = function(m) for _, c in ipairs(mixed[m]) do c:training() end end,
  evaluate = function(m) for _, c in ipairs(mixed[m]) do c:evaluate() end end,
  get = function(m, i) return mixed[m][i] end,
  size = function(m) return #mixed[m] end,
  tostring = function(m)
    local steps, lines = {}, {}
    for i = 1, #mixed[m] do steps[i] = "(" .. i .. ")" end
    lines[1] = "nn.Sequential {"
    lines[2] = "  [input -> " .. table.concat(steps, " -> ") .. (#steps > 0 and " -> " or "") .. "output]"
    for i, c in ipairs(mixed[m]) do lines[#lines + 1] = "  (" .. i .. "): " .. indent(c) end
    lines[#lines + 1] = "}"
    return table.concat(lines, "\n")
  end,
  predict = function(m, x) m:evaluate(); local y = m:forward(x); m:training(); return y end,
}
-- clone(...): a deep copy (Torch7 copies through serialisation); with names, the copy then
-- shares those parameters with the original (share). share(other, names...) points the named
-- fields at other's tensors, child by child in containers.
local function deepCopy(v, memo)
  if memo[v] ~= nil then return memo[v] end
  if F.isTensor(v) then
    local c = v:clone()
    memo[v] = c
    return c
  end
  if isEngineModule(v) then
    local c = MM.clone(v)
    memo[v] = c
    return c
  end
  if type(v) ~= "table" then return v end
  local c = {}
  memo[v] = c
  for k, x in next, v do rawset(c, deepCopy(k, memo), deepCopy(x, memo)) end
  return setmetatable(c, getmetatable(v))
end
local function shareFields(m, other, names)
  if isEngineModule(m) and not mixed[m] then
    if not isEngineModule(other) or mixed[other] then fail("share: the two modules differ in kind") end
    return MM.share(m, other, table.unpack(names))
  end
  local mine = isEngineModule(m) and mixed[m] or rawget(m, "modules")
  local theirs = isEngineModule(other) and mixed[other] or (type(other) == "table" and rawget(other, "modules"))
  if mine then
    if not theirs or #mine ~= #theirs then fail("share: the two containers differ in their children") end
    for i = 1, #mine do shareFields(mine[i], theirs[i], names) end
    return m
  end
  for _, name in ipairs(names) do
    if rawget(m, name) ~= nil and rawget(other, name) ~= nil then rawset(m, name, rawget(other, name)) end
  end
  rawset(m, "_flat", nil)
  return m
end
function LuaModule:clone(...)
  local c = deepCopy(self, {})
  rawset(c, "_flat", nil)
  if select("#", ...) > 0 then shareFields(c, self, { ... }) end
  return c
end
function LuaModule:share(other, ...) return shareFields(self, other, { ... }) end
function LuaContainer:reset(stdv) for _, c in ipairs(self.modules) do c:reset(stdv) end return self end
function LuaContainer:clearState() for _, c in ipairs(self.modules) do c:clearState() end return self end
luaSequential.clone = function(m, ...)
  local c = nn.Sequential()
  for _, child in ipairs(mixed[m]) do c:add(isEngineModule(child) and not mixed[child] and MM.clone(child) or child:clone()) end
  if select("#", ...) > 0 then shareFields(c, m, { ... }) end
  return c
end
luaSequential.share = function(m, other, ...) return shareFields(m, other, { ... }) end
luaSequential.reset = function(m, stdv) for _, c in ipairs(mixed[m]) do c:reset(stdv) end return m end
luaSequential.clearState = function(m) for _, c in ipairs(mixed[m]) do c:clearState() end return m end
do
  local engineClone, engineShare = MM.clone, MM.share
  MM.clone = function(m, ...)
    local c = engineClone(m)
    if select("#", ...) > 0 then engineShare(c, m, ...) end
    return c
  end
  MM.share = function(m, other, ...)
    if not isEngineModule(other) or mixed[other] then fail("share: expected a module of the same architecture") end
    return engineShare(m, other, ...)
  end
end
MM.clearState = function(m) return m end
local engineOnlySize, engineGet = MM.size, MM.get
for name, f in pairs(luaSequential) do
  local engine = MM[name]
  MM[name] = function(m, ...)
    if mixed[m] then return f(m, ...) end
    return engine(m, ...)
  end
end
for name in pairs(engineOnly) do
  local engine = MM[name]
  MM[name] = function(m, ...)
    if mixed[m] then fail("module:" .. name .. ": this nn.Sequential holds Lua-defined modules, which run only from Lua") end
    return engine(m, ...)
  end
end
local engineAdd = MM.add
MM.add = function(m, child, ...)
  checkChild("nn.Sequential", child)
  if mixed[m] == nil and not isLuaModule(child) then return engineAdd(m, child, ...) end
  if mixed[m] == nil then
    local list = {}
    for i = 1, engineOnlySize(m) do list[i] = engineGet(m, i) end
    mixed[m] = list
  end
  table.insert(mixed[m], child)
  return m
end
local baseOutput = ModuleMT.__index
ModuleMT.__index = function(m, k)
  if mixed[m] and (k == "output" or k == "gradInput") then return extra[m] and extra[m][k] end
  if mixed[m] and k == "modules" then return mixed[m] end
  return baseOutput(m, k)
end
ModuleMT.__tostring = function(m) return MM.tostring(m) end
nn.isModule = function(m) return isModule(m) end

---------------------------------------------------------------------------------------------
-- optim
---------------------------------------------------------------------------------------------
local O = raw.optim
local ostep = O.step
optim = {}
-- Torch7's functional optimizers, with Torch7's update rules and state fields (torch/optim's
-- sgd.lua, adam.lua, rmsprop.lua): x, {f(x)} = optim.kind(feval, x, config, state). Each call
-- works on the x and df/dx it is given, so a feval that returns a new gradient tensor each time
-- (optim's own Rosenbrock test does) is stepped with that tensor.
local function zeroslike(t) return torch.zeros(t:nElement()):view(table.unpack(t:size())) end

local function evaluate(kind, feval, x)
  local fx, dfdx = feval(x)
  if not F.isTensor(dfdx) then fail("optim." .. kind .. ": feval must return the loss and the gradient tensor") end
  if dfdx:nElement() ~= x:nElement() then fail("optim." .. kind .. ": the gradient has " .. dfdx:nElement() .. " elements, x has " .. x:nElement()) end
  return fx, dfdx
end

optim.sgd = function(feval, x, config, state)
  config = config or {}
  state = state or config
  local lr = config.learningRate or config.lr or 1e-3
  local lrd = config.learningRateDecay or 0
  local wd = config.weightDecay or 0
  local mom = config.momentum or 0
  local damp = config.dampening or mom          -- Torch7: dampening defaults to the momentum
  local nesterov = config.nesterov or false
  state.evalCounter = state.evalCounter or 0
  if nesterov and not (mom > 0 and damp == 0) then fail("optim.sgd: Nesterov momentum requires a momentum and zero dampening") end
  local fx, dfdx = evaluate("sgd", feval, x)
  if wd ~= 0 then dfdx:add(wd, x) end
  if mom ~= 0 then
    if not state.dfdx then state.dfdx = dfdx:clone()
    else state.dfdx:mul(mom):add(1 - damp, dfdx) end
    if nesterov then dfdx:add(mom, state.dfdx) else dfdx = state.dfdx end
  end
  local clr = lr / (1 + state.evalCounter * lrd)
  x:add(-clr, dfdx)
  state.evalCounter = state.evalCounter + 1
  return x, { fx }
end

optim.adam = function(feval, x, config, state)
  config = config or {}
  state = state or config
  local lr = config.learningRate or config.lr or 0.001
  local lrd = config.learningRateDecay or 0
  local beta1, beta2 = config.beta1 or 0.9, config.beta2 or 0.999
  local epsilon = config.epsilon or 1e-8
  local wd = config.weightDecay or 0
  local fx, dfdx = evaluate("adam", feval, x)
  if wd ~= 0 then dfdx:add(wd, x) end
  state.t = state.t or 0
  state.m = state.m or zeroslike(dfdx)
  state.v = state.v or zeroslike(dfdx)
  local clr = lr / (1 + state.t * lrd)
  state.t = state.t + 1
  state.m:mul(beta1):add(1 - beta1, dfdx)
  state.v:mul(beta2):add(1 - beta2, torch.cmul(dfdx, dfdx))
  state.denom = state.v:clone():sqrt():add(epsilon)
  local stepSize = clr * math.sqrt(1 - beta2 ^ state.t) / (1 - beta1 ^ state.t)
  x:add(-stepSize, state.m:clone():cdiv(state.denom))
  return x, { fx }
end

optim.rmsprop = function(feval, x, config, state)
  config = config or {}
  state = state or config
  local lr = config.learningRate or config.lr or 1e-2
  local alpha = config.alpha or 0.99
  local epsilon = config.epsilon or 1e-8
  local wd = config.weightDecay or 0
  local fx, dfdx = evaluate("rmsprop", feval, x)
  if wd ~= 0 then dfdx:add(wd, x) end
  state.m = state.m or zeroslike(dfdx)
  state.m:mul(alpha):add(1 - alpha, torch.cmul(dfdx, dfdx))
  state.tmp = state.m:clone():sqrt():add(epsilon)
  x:add(-lr, dfdx:clone():cdiv(state.tmp))
  return x, { fx }
end

optim.adagrad = function(feval, x, config, state)
  config = config or {}
  state = state or config
  local lr = config.learningRate or config.lr or 1e-3
  local lrd = config.learningRateDecay or 0
  state.evalCounter = state.evalCounter or 0
  local fx, dfdx = evaluate("adagrad", feval, x)
  local clr = lr / (1 + state.evalCounter * lrd)
  state.paramVariance = state.paramVariance or zeroslike(dfdx)
  state.paramVariance:add(torch.cmul(dfdx, dfdx))
  state.paramStd = state.paramVariance:clone():sqrt():add(1e-10)
  x:add(-clr, dfdx:clone():cdiv(state.paramStd))
  state.evalCounter = state.evalCounter + 1
  return x, { fx }
end

-- torch/optim's adadelta.lua: config.decayRate (0.9), config.offset (1e-6); state
-- accSquaredGradsWithDecay, accSquaredDeltaWithDecay.
optim.adadelta = function(feval, x, config, state)
  config = config or {}
  state = state or config
  local rho, eps = config.decayRate or 0.9, config.offset or 1e-6
  if rho < 0 or rho > 1 then fail("optim.adadelta: decayRate must be in [0, 1], got " .. tostring(rho)) end
  if eps < 0 then fail("optim.adadelta: offset must not be negative, got " .. tostring(eps)) end
  local fx, dfdx = evaluate("adadelta", feval, x)
  state.accSquaredGradsWithDecay = state.accSquaredGradsWithDecay or zeroslike(dfdx)
  state.accSquaredDeltaWithDecay = state.accSquaredDeltaWithDecay or zeroslike(x)
  state.accSquaredGradsWithDecay:mul(rho):addcmul(1 - rho, dfdx, dfdx)
  -- delta = -sqrt(E[dx^2] + eps) / sqrt(E[g^2] + eps) * g, then E[dx^2] follows delta.
  local delta = state.accSquaredDeltaWithDecay:clone():add(eps):sqrt()
    :cdiv(state.accSquaredGradsWithDecay:clone():add(eps):sqrt()):cmul(dfdx):mul(-1)
  state.accSquaredDeltaWithDecay:mul(rho):addcmul(1 - rho, delta, delta)
  x:add(delta)
  return x, { fx }
end

-- torch/optim's adamax.lua: learningRate (0.002), beta1 (0.9), beta2 (0.999), epsilon (1e-38);
-- state t, m (first moment), u (the exponentially weighted infinity norm).
optim.adamax = function(feval, x, config, state)
  config = config or {}
  state = state or config
  local lr = config.learningRate or 0.002
  local beta1, beta2, epsilon = config.beta1 or 0.9, config.beta2 or 0.999, config.epsilon or 1e-38
  local fx, dfdx = evaluate("adamax", feval, x)
  state.t = (state.t or 0) + 1
  state.m = state.m or zeroslike(dfdx)
  state.u = state.u or zeroslike(dfdx)
  state.m:mul(beta1):add(1 - beta1, dfdx)
  -- u = max(beta2 * u, |g| + epsilon), element by element.
  local decayed, fresh = state.u:clone():mul(beta2), dfdx:clone():abs():add(epsilon)
  state.u:copy(tbinary("cmax", decayed, fresh))
  x:addcdiv(-lr / (1 - beta1 ^ state.t), state.m, state.u)
  return x, { fx }
end

-- torch/optim's polyinterp.lua: the minimum of the cubic through two points given as rows
-- {x, f, f'} (the farther point's side, clamped between the two x; their mean when the cubic has
-- no real minimum). With bounds, or other than two points, Torch7 raises "extrapolation not
-- implemented yet", and so does this.
optim.polyinterp = function(points, xminBound, xmaxBound)
  if not F.isTensor(points) or points:dim() ~= 2 or points:size(2) ~= 3 then fail("optim.polyinterp: expected rows of {x, f, g}") end
  if points:size(1) ~= 2 or xminBound ~= nil or xmaxBound ~= nil then fail("<optim.polyinterp> extrapolation not implemented yet...") end
  local p = points:totable()
  local lo, hi = p[1], p[2]
  if p[2][1] < p[1][1] then lo, hi = p[2], p[1] end
  local d1 = lo[3] + hi[3] - 3 * (lo[2] - hi[2]) / (lo[1] - hi[1])
  local d2 = math.sqrt(d1 * d1 - lo[3] * hi[3])
  if d2 ~= d2 then return (lo[1] + hi[1]) / 2 end
  local t = hi[1] - (hi[1] - lo[1]) * ((hi[3] + d2 - d1) / (hi[3] - lo[3] + 2 * d2))
  return math.min(math.max(t, lo[1]), hi[1])
end

-- torch/optim's lswolfe.lua: a line search for the strong Wolfe conditions (sufficient decrease
-- c1 1e-4, curvature c2 0.9, tolX 1e-9, maxIter 20): bracket a step, then zoom in on it by cubic
-- interpolation, the step forced 10% inside the bracket when progress stalls. Given to
-- optim.lbfgs as config.lineSearch; returns f, g, x (moved to x + t d), t and the evaluations.
optim.lswolfe = function(opfunc, x, t, d, f, g, gtd, options)
  options = options or {}
  local c1, c2, tolX, maxIter = options.c1 or 1e-4, options.c2 or 0.9, options.tolX or 1e-9, options.maxIter or 20
  local xInit = x:clone()
  local function at(step)
    x:copy(xInit)
    x:add(step, d)
    local fv, gv = opfunc(x)
    return fv, gv:clone(), gv * d
  end
  local fNew, gNew, gtdNew = at(t)
  local evals, iter, tPrev, done = 1, 0, 0, false
  local fPrev, gPrev, gtdPrev = f, g:clone(), gtd
  local bracket, bracketF, bracketG
  while iter < maxIter do
    if fNew > f + c1 * t * gtd or (iter > 1 and fNew >= fPrev) then
      bracket, bracketF, bracketG = { tPrev, t }, { fPrev, fNew }, { gPrev, gNew }
      break
    elseif math.abs(gtdNew) <= -c2 * gtd then
      bracket, bracketF, bracketG = { t }, { fNew }, { gNew }
      done = true
      break
    elseif gtdNew >= 0 then
      bracket, bracketF, bracketG = { tPrev, t }, { fPrev, fNew }, { gPrev, gNew }
      break
    end
    local before = tPrev
    tPrev = t
    -- Torch7 interpolates with step bounds here, which its polyinterp refuses
    t = optim.polyinterp(torch.Tensor({ { before, fPrev, gtdPrev }, { t, fNew, gtdNew } }), t + 0.01 * (t - before), t * 10)
    fPrev, gPrev, gtdPrev = fNew, gNew, gtdNew
    fNew, gNew, gtdNew = at(t)
    evals, iter = evals + 1, iter + 1
  end
  if iter == maxIter then bracket, bracketF, bracketG = { 0, t }, { f, fNew }, { g, gNew } end
  local stalled = false
  while not done and iter < maxIter do
    local lo = bracketF[1] <= bracketF[2] and 1 or 2
    local hi = 3 - lo
    local fLo = bracketF[lo]
    t = optim.polyinterp(torch.Tensor({ { bracket[1], bracketF[1], bracketG[1] * d }, { bracket[2], bracketF[2], bracketG[2] * d } }))
    local bmax, bmin = math.max(bracket[1], bracket[2]), math.min(bracket[1], bracket[2])
    if math.min(bmax - t, t - bmin) / (bmax - bmin) < 0.1 then
      if stalled or t >= bmax or t <= bmin then
        if math.abs(t - bmax) < math.abs(t - bmin) then t = bmax - 0.1 * (bmax - bmin) else t = bmin + 0.1 * (bmax - bmin) end
        stalled = false
      else
        stalled = true
      end
    else
      stalled = false
    end
    fNew, gNew, gtdNew = at(t)
    evals, iter = evals + 1, iter + 1
    if fNew > f + c1 * t * gtd or fNew >= fLo then
      bracket[hi], bracketF[hi], bracketG[hi] = t, fNew, gNew
    else
      if math.abs(gtdNew) <= -c2 * gtd then
        done = true
      elseif gtdNew * (bracket[hi] - bracket[lo]) >= 0 then
        bracket[hi], bracketF[hi], bracketG[hi] = bracket[lo], bracketF[lo], bracketG[lo]
      end
      bracket[lo], bracketF[lo], bracketG[lo] = t, fNew, gNew
    end
    if not done and math.abs((bracket[1] - bracket[2]) * gtdNew) < tolX then break end
  end
  local best = 1
  if #bracketF == 2 and bracketF[2] < bracketF[1] then best = 2 end
  x:copy(xInit)
  x:add(bracket[best], d)
  return bracketF[best], bracketG[best], x, bracket[best], evals
end

-- torch/optim's asgd.lua (Bottou's averaged SGD): eta0 (1e-4), lambda (1e-4), alpha (0.75), t0
-- (1e6, when averaging starts); x decays by lambda eta_t and steps by eta_t df/dx, ax averages
-- x from t0 on; eta_t = eta0 / (1 + lambda eta0 t)^alpha, mu_t = 1 / max(1, t - t0). Returns x,
-- {f(x)} and the average ax.
optim.asgd = function(feval, x, config, state)
  config = config or {}
  state = state or config
  config.eta0, config.lambda = config.eta0 or 1e-4, config.lambda or 1e-4
  config.alpha, config.t0 = config.alpha or 0.75, config.t0 or 1e6
  state.eta_t, state.mu_t, state.t = state.eta_t or config.eta0, state.mu_t or 1, state.t or 0
  local fx, dfdx = evaluate("asgd", feval, x)
  x:mul(1 - config.lambda * state.eta_t)
  x:add(-state.eta_t, dfdx)
  state.ax = state.ax or zeroslike(x)
  if state.mu_t ~= 1 then state.ax:add(state.mu_t, x - state.ax) else state.ax:copy(x) end
  state.t = state.t + 1
  state.eta_t = config.eta0 / (1 + config.lambda * config.eta0 * state.t) ^ config.alpha
  state.mu_t = 1 / math.max(1, state.t - config.t0)
  return x, { fx }, state.ax
end

-- torch/optim's rprop.lua (Riedmiller): per element a step size that grows by etaplus (1.2)
-- while the gradient keeps its sign and shrinks by etaminus (0.5) when it flips, kept in
-- [stepsizemin (1e-6), stepsizemax (50)] from stepsize (0.1); after a flip the gradient counts
-- as zero (and is zeroed in the caller's tensor, as rprop.lua does); x moves by -sign(g) step.
-- niter (1) evaluations per call; returns x and the f values.
optim.rprop = function(feval, x, config, state)
  config = config or {}
  state = state or config
  local stepsize, etaplus, etaminus = config.stepsize or 0.1, config.etaplus or 1.2, config.etaminus or 0.5
  local stepsizemax, stepsizemin, niter = config.stepsizemax or 50.0, config.stepsizemin or 1e-6, config.niter or 1
  local history = {}
  for _ = 1, niter do
    local fx, dfdx = evaluate("rprop", feval, x)
    if not state.delta then
      state.delta = zeroslike(dfdx)
      state.stepsize = zeroslike(dfdx):fill(stepsize)
    end
    local agreement = torch.cmul(dfdx, state.delta):sign()
    local factor = agreement:clone():apply(function(v) if v > 0 then return etaplus elseif v < 0 then return etaminus end return 1 end)
    state.stepsize:cmul(factor):apply(function(v) return math.min(stepsizemax, math.max(stepsizemin, v)) end)
    dfdx:map(agreement, function(g, a) if a < 0 then return 0 end return g end)
    x:addcmul(-1, dfdx:clone():sign(), state.stepsize)
    state.delta:copy(dfdx)
    history[#history + 1] = fx
  end
  return x, history
end

-- torch/optim's nag.lua (Sutskever et al. 2013): the gradient is taken after a step along the
-- momentum; learningRate (1e-3), learningRateDecay, weightDecay, momentum (0.9, must be positive),
-- learningRates (per-parameter); state evalCounter, dfdx (the velocity), x_copy.
optim.nag = function(feval, x, config, state)
  config = config or {}
  state = state or config
  local lr, lrd, wd = config.learningRate or 1e-3, config.learningRateDecay or 0, config.weightDecay or 0
  local mom, lrs = config.momentum or 0.9, config.learningRates
  if mom <= 0 then fail("optim.nag: Nesterov's accelerated gradient needs a positive momentum, got " .. tostring(mom)) end
  state.evalCounter = state.evalCounter or 0
  state.x_copy = state.x_copy or x:clone()
  state.x_copy:copy(x)
  if state.dfdx then x:add(mom, state.dfdx) end
  local fx, dfdx = evaluate("nag", feval, x)
  if wd ~= 0 then dfdx:add(wd, x) end
  local clr = lr / (1 + state.evalCounter * lrd)
  if not state.dfdx then state.dfdx = zeroslike(dfdx) else state.dfdx:mul(mom) end
  if lrs then state.dfdx:add(-clr, torch.cmul(lrs, dfdx)) else state.dfdx:add(-clr, dfdx) end
  state.x_copy:add(state.dfdx)
  x:copy(state.x_copy)
  state.evalCounter = state.evalCounter + 1
  return x, { fx }
end

-- torch/optim's lbfgs.lua (after Schmidt's minFunc): x, f_hist, evals = optim.lbfgs(feval, x, config,
-- state). Up to config.maxIter iterations (20) and maxEval evaluations (1.25 maxIter) per call;
-- tolFun (1e-5) on the gradient's L1 norm, tolX (1e-9) on the step and on the change of f;
-- nCorrection (100) pairs of history; a fixed step of learningRate (1, the first scaled by
-- min(1, 1/|g|_1)) or config.lineSearch(feval, x, t, d, f, g, gtd, lineSearchOptions) returning
-- f, g, x, t, evaluations. The history and the last direction stay in state between calls.
optim.lbfgs = function(feval, x, config, state)
  config = config or {}
  state = state or config
  local maxIter = tonumber(config.maxIter) or 20
  local maxEval = tonumber(config.maxEval) or maxIter * 1.25
  local tolFun, tolX = config.tolFun or 1e-5, config.tolX or 1e-9
  local nCorrection = config.nCorrection or 100
  local lineSearch, lineSearchOpts = config.lineSearch, config.lineSearchOptions
  local learningRate = config.learningRate or 1
  local say = config.verbose and function(...) print("<optim.lbfgs> ", ...) end or function() end
  state.funcEval = state.funcEval or 0
  state.nIter = state.nIter or 0

  local f, g = evaluate("lbfgs", feval, x)
  local fHist, evals = { f }, 1
  state.funcEval = state.funcEval + 1
  if g:clone():abs():sum() <= tolFun then say("optimality condition below tolFun"); return x, fHist end

  local d, t, dirs, stps, Hdiag = state.d, state.t, state.old_dirs, state.old_stps, state.Hdiag
  local gOld, fOld = state.g_old, state.f_old
  local iter = 0
  while iter < maxIter do
    iter = iter + 1
    state.nIter = state.nIter + 1
    if state.nIter == 1 then
      d, dirs, stps, Hdiag = g:clone():mul(-1), {}, {}, 1
    else
      -- The curvature pair of the last step, kept when it is positive: s = t d, y = g - g_old.
      local y, s = g:clone():csub(gOld), d:clone():mul(t)
      local ys = y:dot(s)
      if ys > 1e-10 then
        if #dirs == nCorrection then table.remove(dirs, 1); table.remove(stps, 1) end
        dirs[#dirs + 1], stps[#stps + 1] = s, y
        Hdiag = ys / y:dot(y)
      end
      -- Two-loop recursion: d = -H g with H the limited-memory inverse Hessian.
      local k, rho, alpha = #dirs, {}, {}
      local q = g:clone():mul(-1)
      for i = k, 1, -1 do
        rho[i] = 1 / stps[i]:dot(dirs[i])
        alpha[i] = dirs[i]:dot(q) * rho[i]
        q:add(-alpha[i], stps[i])
      end
      d = q:mul(Hdiag)
      for i = 1, k do
        local beta = stps[i]:dot(d) * rho[i]
        d:add(alpha[i] - beta, dirs[i])
      end
    end
    gOld = g:clone()
    fOld = f
    local gtd = g:dot(d)
    if gtd > -tolX then break end
    if state.nIter == 1 then t = math.min(1, 1 / g:clone():abs():sum()) * learningRate else t = learningRate end
    local lsEvals = 0
    if type(lineSearch) == "function" then
      f, g, x, t, lsEvals = lineSearch(feval, x, t, d, f, g, gtd, lineSearchOpts)
      fHist[#fHist + 1] = f
    else
      x:add(t, d)
      -- No new evaluation after the last iteration: in a stochastic setting it would be wasted.
      if iter ~= maxIter then
        f, g = evaluate("lbfgs", feval, x)
        lsEvals = 1
        fHist[#fHist + 1] = f
      end
    end
    evals = evals + lsEvals
    state.funcEval = state.funcEval + lsEvals
    if iter == maxIter then say("reached max number of iterations"); break end
    if evals >= maxEval then say("max nb of function evals"); break end
    if g:clone():abs():sum() <= tolFun then say("optimality condition below tolFun"); break end
    if d:clone():mul(t):abs():sum() <= tolX then say("step size below tolX"); break end
    if math.abs(f - fOld) < tolX then say("function value changing less than tolX"); break end
  end
  state.old_dirs, state.old_stps, state.Hdiag, state.g_old, state.f_old, state.t, state.d = dirs, stps, Hdiag, gOld, fOld, t, d
  return x, fHist, evals
end

-- torch/optim's cg.lua, Rasmussen's minimize: x, f_hist, evals = optim.cg(feval, x, config, state).
-- Polack-Ribiere conjugate directions, each searched with Rasmussen's cubic/quadratic
-- interpolation and extrapolation under the Wolfe-Powell conditions (rho 0.01, sig 0.5, int 0.1,
-- ext 3, ratio 100); at most maxEval (1.25 maxIter, maxIter 20) evaluations and maxIter per line
-- search. As in Torch7, a failed line search ends the call (its failure flag is a number, which
-- Lua counts as true).
optim.cg = function(feval, x, config, state)
  config = config or {}
  state = state or config
  local rho, sig, int, ext = config.rho or 0.01, config.sig or 0.5, config.int or 0.1, config.ext or 3.0
  local maxIter, ratio = config.maxIter or 20, config.ratio or 100
  local maxEval = config.maxEval or maxIter * 1.25
  local huge = math.huge
  local function bad(v) return v ~= v or v == huge or v == -huge end
  local evals, fHist = 0, {}
  local function at(p)
    local fp, gp = evaluate("cg", feval, p)
    evals = evals + 1
    return fp, gp:clone()
  end
  local f1, g1 = at(x)
  fHist[1] = f1
  local s = g1:clone():mul(-1)
  local d1 = -s:dot(s)                        -- the slope along s
  local z1 = 1 / (1 - d1)                     -- the first step
  local f0, g0, x0, g2
  while evals < math.abs(maxEval) do
    x0, f0, g0 = x:clone(), f1, g1:clone()
    x:add(z1, s)
    local f2
    f2, g2 = at(x)
    local d2 = g2:dot(s)
    local f3, d3, z3 = f1, d1, -z1           -- point 3 starts as point 1
    local m, success, limit = math.min(maxIter, maxEval - evals), false, -1
    while true do
      -- Shrink the step while the Wolfe-Powell conditions fail (and evaluations remain).
      while (f2 > f1 + z1 * rho * d1 or d2 > -sig * d1) and m > 0 do
        limit = z1
        local z2
        if f2 > f1 then
          z2 = z3 - (0.5 * d3 * z3 * z3) / (d3 * z3 + f2 - f3)             -- quadratic fit
        else
          local A = 6 * (f2 - f3) / z3 + 3 * (d2 + d3)
          local B = 3 * (f3 - f2) - z3 * (d3 + 2 * d2)
          z2 = (math.sqrt(B * B - A * d2 * z3 * z3) - B) / A                  -- cubic fit
        end
        if bad(z2) then z2 = z3 / 2 end
        z2 = math.max(math.min(z2, int * z3), (1 - int) * z3)
        z1 = z1 + z2
        x:add(z2, s)
        f2, g2 = at(x)
        m = m - 1
        d2 = g2:dot(s)
        z3 = z3 - z2
      end
      if f2 > f1 + z1 * rho * d1 or d2 > -sig * d1 then break
      elseif d2 > sig * d1 then success = true; break
      elseif m == 0 then break end
      -- Extrapolate with a cubic, within the limits Rasmussen sets.
      local A = 6 * (f2 - f3) / z3 + 3 * (d2 + d3)
      local B = 3 * (f3 - f2) - z3 * (d3 + 2 * d2)
      local z2 = -d2 * z3 * z3 / (B + math.sqrt(B * B - A * d2 * z3 * z3))
      if bad(z2) or z2 < 0 then
        z2 = limit < -0.5 and z1 * (ext - 1) or (limit - z1) / 2
      elseif limit > -0.5 and z2 + z1 > limit then z2 = (limit - z1) / 2
      elseif limit < -0.5 and z2 + z1 > z1 * ext then z2 = z1 * (ext - 1)
      elseif z2 < -z3 * int then z2 = -z3 * int
      elseif limit > -0.5 and z2 < (limit - z1) * (1 - int) then z2 = (limit - z1) * (1 - int) end
      f3, d3, z3 = f2, d2, -z2
      z1 = z1 + z2
      x:add(z2, s)
      f2, g2 = at(x)
      m = m - 1
      d2 = g2:dot(s)
    end
    if success then
      f1 = f2
      fHist[#fHist + 1] = f1
      -- Polack-Ribiere: s = (g2.g2 - g2.g1) / g1.g1 s - g2; steepest descent if that points uphill.
      s:mul((g2:dot(g2) - g2:dot(g1)) / g1:dot(g1)):add(-1, g2)
      g1, g2 = g2, g1
      d2 = g1:dot(s)
      if d2 > 0 then s = g1:clone():mul(-1); d2 = -s:dot(s) end
      z1 = z1 * math.min(ratio, d1 / (d2 - 1e-320))
      d1 = d2
    else
      x:copy(x0)
      f1, g1 = f0, g0
      break                                   -- Torch7 tests `ls_failed or ...`: always true
    end
  end
  state.df1, state.df2, state.s, state.x0 = g1, g2, s, x0
  return x, fHist, evals
end

for _, kind in ipairs({ "adamw" }) do
  -- Torch7: x, {f(x)} = optim.kind(feval, x, config, state); feval(x) returns f, df/dx.
  optim[kind] = function(feval, x, config, state)
    config = config or {}
    state = state or config
    local fx, dfdx = feval(x)
    if not F.isTensor(dfdx) then fail("optim." .. kind .. ": feval must return the loss and the gradient tensor") end
    local r, e = ostep(kind, x, dfdx, config, state)
    if r == ERR then fail(e) end
    return x, { fx }
  end
end
local onew = wrap(O.new)
local OM = {
  step = wrap0(O.objstep), zeroGrad = wrap0(O.zeroGrad), zero_grad = wrap0(O.zeroGrad),
  learningRate = wrap(O.learningRate), stepCount = wrap(O.stepCount), config = wrap(O.config),
}
local OptimizerMT = registry["snn.Optimizer"]
OptimizerMT.__index = OM
OptimizerMT.__gc = function(o) T.free(o) end
OptimizerMT.__name = "optim.Optimizer"
-- The object form of every registered optimizer, by its name (optim.SGD, optim.Adam, optim.AdamW,
-- optim.RMSprop): PyTorch's spelling and defaults. The lower-case functions above are Torch7's.
for _, name in ipairs(wrap(O.names)()) do
  optim[name] = function(params, config)
    if isLuaModule(params) then
      fail("optim." .. name .. "(model): the model holds Lua-defined modules, which this optimizer cannot reach; " ..
           "use Torch7's form: local x, dx = model:getParameters() and optim." .. name:lower() .. "(feval, x, config)")
    end
    return onew(name, params, config or {})
  end
end
optim.RMSProp = optim.RMSprop

-- Torch7's optim.Logger (optim/Logger.lua): a tab-separated log of named values, one row per
-- add, numbers as %11.4e. setNames fixes the columns (add then takes values in that order);
-- without it, add takes a table of name = value and the names are written on the first add.
-- The file is written under the script's write folders. plot() needs gnuplot in Torch7; here,
-- as Torch7 does without gnuplot, it warns once (train.plot draws a history).
do
  local LoggerMT = {}
  LoggerMT.__index = LoggerMT
  local writeText = wrap0(raw.data.writeText)
  optim.Logger = function(filename, timestamp)
    local self = setmetatable({ empty = true, symbols = {}, styles = {}, names = nil }, LoggerMT)
    if filename then
      self.name = filename
      if timestamp then filename = filename .. "-" .. os.date("%Y_%m_%d_%X") end
      self.path = filename
      self.epsfile = self.name .. ".eps"
      writeText(filename, "", false)
    else
      self.name = "stdout"
      print("<Logger> warning: no path provided, logging to std out")
    end
    return self
  end
  -- Without a file the log goes to the script's output a line at a time (the sandbox has no io).
  function LoggerMT:_write(text)
    if self.path then writeText(self.path, text, true); return end
    local pending = (self._pending or "") .. text
    for line in pending:gmatch("([^\n]*)\n") do print(line) end
    self._pending = pending:match("[^\n]*$")
  end
  function LoggerMT:setNames(names)
    self.names = names
    self.empty = false
    self.nsymbols = #names
    for _, k in ipairs(names) do self.symbols[k] = {}; self.styles[k] = { "+" } end
    self:_write(table.concat(names, "\t") .. "\t\n")
    return self
  end
  local function cell(v)
    if type(v) == "number" then return string.format("%11.4e", v) end
    if type(v) == "string" then return v end
    fail("<Logger> can only log numbers and strings")
  end
  function LoggerMT:add(symbols)
    local row = {}
    if self.names then
      if #symbols ~= self.nsymbols then fail("<Logger> add: " .. self.nsymbols .. " values expected, got " .. #symbols) end
      for i, v in ipairs(symbols) do row[i] = cell(v); table.insert(self.symbols[self.names[i]], v) end
    else
      local keys = {}
      for k in pairs(symbols) do keys[#keys + 1] = k end
      table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
      if self.empty then
        self.empty = false
        self.order = keys
        for _, k in ipairs(keys) do self.symbols[k] = {}; self.styles[k] = { "+" } end
        self:_write(table.concat(keys, "\t") .. "\t\n")
      end
      for i, k in ipairs(self.order) do
        local v = symbols[k]
        if v ~= nil then row[#row + 1] = cell(v); table.insert(self.symbols[k], v) end
      end
    end
    self:_write(table.concat(row, "\t") .. "\t\n")
  end
  function LoggerMT:style(styles)
    for name, st in pairs(styles) do
      if type(st) == "string" then self.styles[name] = { st }
      elseif type(st) == "table" then self.styles[name] = st
      else fail("<Logger> style should be a string or a table of strings") end
    end
  end
  function LoggerMT:display(on) self.showPlot = on end
  -- Torch7 draws the logged series with gnuplot; here plot() writes them as a picture beside
  -- the log (name .. ".png"), through the host's plotter. Without a log file or a plotter it
  -- warns once, as Torch7 does without gnuplot.
  local plotSeries = raw.train.plotSeries
  function LoggerMT:plot()
    local names = self.names or {}
    if #names == 0 then for k in pairs(self.symbols) do names[#names + 1] = k end; table.sort(names) end
    local series = {}
    for _, k in ipairs(names) do series[#series + 1] = { tostring(k), self.symbols[k] or {} } end
    if self.path and #series > 0 then
      local ok, err = plotSeries(series, self.path .. ".png")
      if ok ~= ERR then self.plotfile = self.path .. ".png"; return end
      if not tostring(err):find("draws no", 1, true) then fail(err) end
    end
    if not self.warned then
      print("<Logger> warning: cannot plot with this version of Torch")
      self.warned = true
    end
  end
end

-- Torch7's optim.ConfusionMatrix (optim/ConfusionMatrix.lua): rows are targets, columns
-- predictions; a target that is not positive is ignored. add takes a class number or a vector
-- of scores (its first maximum), batchAdd a batch of either; updateValids fills valids (per-row
-- accuracy), unionvalids (the VOC measure), totalValid, averageValid and averageUnionValid, and
-- printing shows the matrix as Torch7 printed it.
local ConfusionMT = {}
ConfusionMT.__index = ConfusionMT
optim.ConfusionMatrix = function(nclasses, classes)
  if type(nclasses) == "table" then classes, nclasses = nclasses, #nclasses end
  if type(nclasses) ~= "number" or nclasses < 1 then fail("optim.ConfusionMatrix: give the number of classes or their names") end
  return setmetatable({ mat = torch.zeros(nclasses, nclasses), valids = torch.zeros(nclasses), unionvalids = torch.zeros(nclasses),
                        nclasses = nclasses, totalValid = 0, averageValid = 0, classes = classes or {} }, ConfusionMT)
end
local function classOf(v)
  if type(v) == "number" then return v end
  if v:dim() == 2 and v:size(1) == 1 then v = v:view(-1) end
  return v:argmax()
end
function ConfusionMT:_add(p, t)
  if t > 0 then self.mat[t][p] = self.mat[t][p] + 1 end
end
function ConfusionMT:add(prediction, target)
  self:_add(classOf(prediction), classOf(target))
end
function ConfusionMT:batchAdd(predictions, targets)
  local n = predictions:size(1)
  for i = 1, n do
    local p = predictions:dim() == 1 and predictions[i] or (predictions:size(2) == 1 and predictions[i][1] or classOf(predictions[i]))
    local t = targets:dim() == 1 and targets[i] or (targets:size(2) == 1 and targets[i][1] or classOf(targets[i]))
    self:_add(p, t)
  end
end
function ConfusionMT:zero()
  self.mat:zero(); self.valids:zero(); self.unionvalids:zero()
  self.totalValid, self.averageValid = 0, 0
end
-- farFrr() (optim/ConfusionMatrix.lua): per class with examples, the false rejection rate
-- 1 - mat[i][i] / (examples of i) and the false acceptance rate, the mean over the other classes
-- j with examples of mat[j][i] / (examples of j); classes without examples get -1. Returns the
-- per-class rates and the rates of the classes with examples.
function ConfusionMT:farFrr()
  local n = self.mat:size(1)
  local rows = {}
  for i = 1, n do rows[i] = self.mat[i]:sum() end
  local classFrrs, classFars = torch.zeros(n):fill(-1), torch.zeros(n):fill(-1)
  local frrs, fars = {}, {}
  for i = 1, n do
    if rows[i] ~= 0 then
      local frr = 1 - self.mat[i][i] / rows[i]
      local num, den = 0, 0
      for j = 1, n do
        if j ~= i and rows[j] ~= 0 then num, den = num + self.mat[j][i] / rows[j], den + 1 end
      end
      local far = num / den
      classFrrs[i], classFars[i] = frr, far
      frrs[#frrs + 1], fars[#fars + 1] = frr, far
    end
  end
  return classFrrs, classFars, torch.Tensor(frrs), torch.Tensor(fars)
end
function ConfusionMT:updateValids()
  local total = 0
  for t = 1, self.nclasses do
    local row, col, d = self.mat[t]:sum(), 0, self.mat[t][t]
    for r = 1, self.nclasses do col = col + self.mat[r][t] end
    self.valids[t] = d / row
    self.unionvalids[t] = d / (row + col - d)
    total = total + d
  end
  self.totalValid = total / self.mat:sum()
  local sum, n, usum, un = 0, 0, 0, 0
  for t = 1, self.nclasses do
    local v, u = self.valids[t], self.unionvalids[t]
    if v == v then sum, n = sum + v, n + 1 end
    if v == v and u == u then usum, un = usum + u, un + 1 end
  end
  self.averageValid, self.averageUnionValid = sum / n, usum / un
end
ConfusionMT.__tostring = function(self)
  self:updateValids()
  local out = { "ConfusionMatrix:\n", "[" }
  local named = self.classes and self.classes[1]
  for t = 1, self.nclasses do
    out[#out + 1] = t == 1 and "[" or " ["
    for p = 1, self.nclasses do out[#out + 1] = string.format("%8d", math.floor(self.mat[t][p])) end
    local last = t == self.nclasses
    out[#out + 1] = (last and "]]  " or "]   ") .. string.format("%2.3f", self.valids[t] * 100) .. "% "
    out[#out + 1] = named and ("\t[class: " .. (self.classes[t] or "") .. "]\n") or "\n"
  end
  out[#out + 1] = " + average row correct: " .. (self.averageValid * 100) .. "% \n"
  out[#out + 1] = " + average rowUcol correct (VOC measure): " .. (self.averageUnionValid * 100) .. "% \n"
  out[#out + 1] = " + global correct: " .. (self.totalValid * 100) .. "%"
  return table.concat(out)
end
ConfusionMT.__name = "optim.ConfusionMatrix"

---------------------------------------------------------------------------------------------
-- data sets, the training loop, checkpoints
---------------------------------------------------------------------------------------------
local D = raw.data
local generate, csv, idx = wrap2(D.generate), D.csv, wrap(D.idx)

-- A data set is a table {x = inputs, y = targets}; it also answers Torch7's duck typing:
-- dataset:size() and dataset[i] = {input, target}.
local DatasetMT = {}
DatasetMT.__index = function(d, k)
  if type(k) == "number" then
    if k < 1 or k > d.x:size(1) then return nil end
    return { d.x[k], d.y[k] }
  end
  return DatasetMT[k]
end
function DatasetMT:size() return self.x:size(1) end
function DatasetMT:split(fraction, seed)
  local n = self.x:size(1)
  local order = {}
  for i = 1, n do order[i] = i end
  local rng = seed or 0
  for i = n, 2, -1 do                      -- a seeded shuffle (LCG) so splits repeat
    rng = (rng * 1103515245 + 12345) % 2147483648
    local j = rng % i + 1
    order[i], order[j] = order[j], order[i]
  end
  local nval = math.max(1, math.floor(n * fraction + 0.5))
  local function take(from, to)
    local m = to - from + 1
    local xs = torch.Tensor(m, self.x:size(2))
    local ys = self.y:dim() == 1 and torch.Tensor(m) or torch.Tensor(m, self.y:size(2))
    for i = 1, m do xs[i] = self.x[order[from + i - 1]]; ys[i] = self.y[order[from + i - 1]] end
    return setmetatable({ x = xs, y = ys, classes = self.classes }, DatasetMT)
  end
  return take(nval + 1, n), take(1, nval)
end

local function dataset(x, y, classes) return setmetatable({ x = x, y = y, classes = classes }, DatasetMT) end

data = {}
data.dataset = function(x, y) return dataset(x, y) end
for _, kind in ipairs({ "spirals", "moons", "circles", "sine" }) do
  data[kind] = function(opts) local x, y = generate(kind, opts or {}); return dataset(x, y) end
end
data.xor = function() local x, y = generate("xor", {}); return dataset(x, y) end
data.csv = function(path, opts)
  local x, y, classes = csv(path, opts or {})
  if x == ERR then fail(y) end
  return dataset(x, y, classes)
end
data.idx = idx
data.split = function(d, fraction, seed) return d:split(fraction, seed) end
data.onehot = function(labels, classes)
  local n = labels:size(1)
  local out = torch.zeros(n, classes)
  for i = 1, n do
    local c = labels[i]
    if c < 1 or c > classes or c ~= math.floor(c) then fail("data.onehot: label " .. c .. " of example " .. i .. " is outside 1.." .. classes) end
    out[i][c] = 1
  end
  return out
end
-- Scalers keep the statistics of the data they were fitted on, for later inputs.
-- A matrix of examples is scaled in one pass (raw.data.scaleColumns); anything else by the
-- broadcasting expression.
local scaleColumns = wrap(raw.data.scaleColumns)
local function scaler(shift, scale)
  return { shift = shift, scale = scale, transform = function(self, x)
    if torch.isTensor(x) and x:dim() == 2 and torch.isTensor(self.shift) and torch.isTensor(self.scale)
      and x:size(2) == self.shift:nElement() and x:size(2) == self.scale:nElement() then
      return scaleColumns(x, self.shift, self.scale)
    end
    return (x - self.shift) / self.scale
  end }
end
-- The mean and (population) standard deviation of each column, a constant column's as 1.
local standardizeFit = wrap2(raw.data.standardize)
data.standardize = function(x)
  return scaler(standardizeFit(x))
end
data.minmax = function(x)
  local lo, hi = x:min(1), x:max(1)
  local range = hi - lo
  for j = 1, range:size(2) do if range[1][j] <= 0 then range[1][j] = 1 end end
  return scaler(lo, range)
end

-- Torch7's duck-typed data set (dataset:size(), dataset[i] = {input, target}) to tensors.
local function astensors(d, what)
  if type(d) ~= "table" then fail("train: '" .. what .. "' must be a data set") end
  if d.x ~= nil then return d end
  local n = d:size()
  local first = d[1]
  local x = torch.Tensor(n, first[1]:nElement())
  local y
  if type(first[2]) == "number" then y = torch.Tensor(n) else y = torch.Tensor(n, first[2]:nElement()) end
  for i = 1, n do
    local ex = d[i]
    x[i] = ex[1]:view(-1)
    if type(ex[2]) == "number" then y[i] = ex[2] else y[i] = ex[2]:view(-1) end
  end
  return { x = x, y = y }
end

local TR = wrapall(raw.train)
local TrainerMT = registry["snn.Trainer"]
TrainerMT.__index = {
  step = TR.step, stepFor = TR.stepFor, done = TR.done, epoch = TR.epoch, steps = TR.steps,
  stepsPerEpoch = TR.stepsPerEpoch, epochs = TR.epochs, stoppedEarly = TR.stoppedEarly,
  save = wrap0(raw.train.save), learningRate = TR.learningRate,
  stats = function(t, i) return TR.stats(t, i) end,
  last = function(t) return TR.stats(t, TR.epoch(t)) end,
  history = function(t)
    local h = {}
    for i = 1, TR.epoch(t) do h[i] = TR.stats(t, i) end
    return h
  end,
}
TrainerMT.__gc = function(t) T.free(t) end
TrainerMT.__name = "train.Trainer"

train = {}
local function options(o)
  if isLuaModule(o.model) then
    fail("train: the model holds Lua-defined modules, which run only from Lua; train it with forward, backward and optim (Torch7's loop), or nn.StochasticGradient")
  end
  local copy = {}
  for k, v in pairs(o) do copy[k] = v end
  copy.data = astensors(o.data, "data")
  if type(o.validation) == "table" then copy.validation = astensors(o.validation, "validation") end
  local metrics = o.metrics or { "loss" }
  for _, m in ipairs(metrics) do if m == "accuracy" then copy.accuracy = true end end
  return copy
end

-- A trainer that advances a few steps per call: trainer:step(n), trainer:stepFor(seconds).
train.Trainer = function(o) return TR.new(options(o)) end

-- Keras-like fit: returns the history, a table of per-epoch stats.
train.fit = function(o)
  local copy = {}
  for k, v in pairs(o) do copy[k] = v end
  copy.progress = o.verbose ~= false
  local trainer = train.Trainer(copy)
  local seen = 0
  while not trainer:done() do
    trainer:step(trainer:stepsPerEpoch())
    local e = trainer:epoch()
    while seen < e do
      seen = seen + 1
      if o.onEpoch and o.onEpoch(seen, trainer:stats(seen)) == false then return trainer:history(), trainer end
    end
  end
  return trainer:history(), trainer
end

-- Reinforcement learning. rl.make(name, {n = copies}) (or rl.env.CartPole{n =}, rl.vec(factory, n))
-- gives N copies of an environment stepped together; env:reset(seed) -> observations [n, obs];
-- env:step(actions) -> observations, rewards, terminated, truncated (discrete actions 1-based, as
-- Torch7 counts classes). An environment written in Lua is a table with observations (a count),
-- actions (a count, or 0 with action_size for continuous actions), reset(self, seed) and
-- step(self, action) returning observation, reward, terminated, truncated as Gymnasium's; rl.vec
-- steps N of them here, in Lua, with the same contract. rl.PPO{...}, rl.DQN{...} and
-- rl.Reinforce{...} take Stable-Baselines3's option names; agent:learn{steps =} trains.
do
  local RL = wrapall(raw.rl, set("networks", "evaluate"), set("learn", "total", "observe", "progress", "save", "resume"))
  local rawmt = debug.getmetatable
  local EnvMT = registry["snn.Environment"]
  local function step(e, actions)
    local o, r, te, tr = raw.rl.step(e, actions)
    if o == ERR then fail(r) end
    return o, r, te, tr
  end
  EnvMT.__index = { reset = RL.reset, step = step, info = RL.info, final = RL.final }
  EnvMT.__gc = function(e) T.free(e) end
  EnvMT.__name = "rl.Environment"
  local function isbuiltin(e) return type(e) == "userdata" and rawmt(e) == EnvMT end
  local huge = math.huge

  -- Where a designer's function is defined, for messages about what it returned.
  local function where(f)
    local info = type(f) == "function" and getinfo(f, "S")
    if not info then return "?" end
    return info.short_src .. ":" .. info.linedefined
  end

  local setrow = raw.rl.setrow
  local function put(target, row, values, what, env, fname)
    local e, msg = setrow(target, row, values)
    if e == ERR then fail(("rl.vec: %s of environment %d (%s, %s) %s"):format(what, row, fname, where(env[fname]), msg)) end
  end

  local LuaVec = {}
  LuaVec.__index = LuaVec
  LuaVec.__name = "rl.LuaVecEnv"
  function LuaVec:info()
    return { n = self.n, observations = self.obs, actions = self.actions, action_size = self.action_size }
  end
  function LuaVec:reset(seed)
    for i, env in ipairs(self.envs) do
      put(self.observations, i, env:reset(seed and seed + i - 1), "the observation from reset", env, "reset")
      self.terminated[i], self.truncated[i] = false, false
    end
    self.started = true
    return self.observations
  end
  function LuaVec:step(actions)
    if not self.started then fail("rl.vec: call env:reset(seed) before env:step") end
    local n, rewards = self.n, self.rewardlist
    if not torch.isTensor(actions) or actions:nElement() ~= n * self.action_size then
      fail(("env:step: %s actions for %d copies"):format(torch.isTensor(actions) and actions:nElement() or type(actions), n))
    end
    local list = actions:view(n, self.action_size):totable()
    for i, env in ipairs(self.envs) do
      local a = list[i]
      if self.actions > 0 then
        a = a[1]
        if a ~= a // 1 or a < 1 or a > self.actions then fail(("env:step: action %g of copy %d is not one of 1..%d"):format(a, i, self.actions)) end
        a = a // 1
      elseif self.action_size == 1 then a = a[1] end
      local o, r, te, tr = env:step(a)
      if type(r) ~= "number" or r ~= r or r == huge or r == -huge then
        fail(("rl.vec: the reward of environment %d (step, %s) is %s; expected a finite number"):format(i, where(env.step), tostring(r)))
      end
      if (te ~= nil and type(te) ~= "boolean") or (tr ~= nil and type(tr) ~= "boolean") then
        fail(("rl.vec: environment %d (step, %s) returned terminated = %s, truncated = %s; expected booleans"):format(i, where(env.step), tostring(te), tostring(tr)))
      end
      te, tr = te == true, tr == true
      rewards[i] = r
      self.terminated[i], self.truncated[i] = te, tr
      if te or tr then
        put(self.finals, i, o, "the observation from step", env, "step")
        put(self.observations, i, env:reset(), "the observation from reset", env, "reset")
      else
        put(self.observations, i, o, "the observation from step", env, "step")
      end
    end
    setrow(self.rewards, 1, rewards)
    return self.observations, self.rewards, self.terminated, self.truncated
  end
  function LuaVec:final() return self.finals end

  local function whole(v) return type(v) == "number" and v == v // 1 end

  rl = { make = RL.make, names = RL.names, env = {} }
  for name, id in pairs({ CartPole = "CartPole-v1", MountainCar = "MountainCar-v0", Acrobot = "Acrobot-v1", Pendulum = "Pendulum-v1" }) do
    rl.env[name] = function(o) return RL.make(id, { n = type(o) == "table" and o.n or 1 }) end
  end

  -- rl.vec(factory, n): n copies from factory(i), a built-in name, or a Lua environment.
  rl.vec = function(factory, n)
    n = n or 1
    if not whole(n) or n < 1 or n > 4096 then fail("rl.vec: n must be a whole number of copies from 1 to 4096, got " .. tostring(n)) end
    if type(factory) == "string" then return RL.make(factory, { n = n }) end
    if type(factory) ~= "function" then fail("rl.vec: expected a function that makes one environment, or an environment's name") end
    local first = factory(1)
    if isbuiltin(first) then
      local info = first:info()
      if not info.name then fail("rl.vec: the factory returned an environment without a registered name") end
      return RL.make(info.name, { n = n })
    end
    if type(first) ~= "table" then fail(("rl.vec: the factory (%s) returned a %s; expected an environment table with reset and step"):format(where(factory), type(first))) end
    local envs = { first }
    for i = 2, n do envs[i] = factory(i) end
    local obs, actions, size = first.observations, first.actions or 0, first.action_size or 1
    for i, env in ipairs(envs) do
      if type(env) ~= "table" or type(env.reset) ~= "function" or type(env.step) ~= "function" then
        fail(("rl.vec: environment %d from the factory (%s) needs reset and step functions"):format(i, where(factory)))
      end
      if env.observations ~= obs or (env.actions or 0) ~= actions or (env.action_size or 1) ~= size then
        fail(("rl.vec: environment %d differs from the first in observations, actions or action_size"):format(i))
      end
    end
    if not whole(obs) or obs < 1 then fail(("rl.vec: the environment (%s) must say how many values an observation has: observations = <count>"):format(where(factory))) end
    if not whole(actions) or actions < 0 or actions == 1 then fail("rl.vec: actions must be a count of 2 or more discrete actions, or 0 (continuous, with action_size)") end
    if not whole(size) or size < 1 or (actions > 0 and size ~= 1) then fail("rl.vec: action_size must be a whole number of at least 1 (1 for discrete actions)") end
    return setmetatable({ envs = envs, n = n, obs = obs, actions = actions, action_size = size,
      observations = torch.zeros(n, obs), finals = torch.zeros(n, obs), rewards = torch.zeros(n),
      rewardlist = {}, terminated = {}, truncated = {} }, LuaVec)
  end

  local AgentMT = registry["snn.Agent"]
  local luaenv = setmetatable({}, { __mode = "k" })   -- an agent's vector of Lua environments
  local act, observe = RL.act, RL.observe

  -- learn{steps =, verbose =, callback =}: Stable-Baselines3's learn(total_timesteps). Reports about
  -- twenty times (progress line, history rows); callback(stats) returning false stops early.
  local function learn(g, o)
    if type(o) == "number" then o = { steps = o } end
    if type(o) ~= "table" or not whole(o.steps) or o.steps < 0 then fail("agent:learn: steps must be a whole number of transitions, as learn{steps = 100000}") end
    local start, t0 = RL.steps(g), now()
    local target = start + o.steps
    RL.total(g, target)
    local vec, history = luaenv[g], {}
    local copies = vec and vec.n or RL.copies(g)
    local chunk = math.max(copies, (o.steps // 20) // copies * copies)
    local obs = vec and (vec.started and vec.observations or vec:reset(o.seed or 0))
    local nextReport = start + chunk
    while RL.steps(g) < target do
      if vec then
        local actions = act(g, obs)
        local o2, r, te, tr = vec:step(actions)
        observe(g, r, te, tr, o2, vec.finals)
        obs = o2
      else
        RL.stepagent(g, math.max(1, math.min(target - RL.steps(g), nextReport - RL.steps(g)) // copies))
      end
      local steps = RL.steps(g)
      if steps >= nextReport or steps >= target then
        nextReport = nextReport + chunk
        local stats = RL.stats(g)
        stats.steps_per_second = (steps - start) / math.max(now() - t0, 1e-9)
        history[#history + 1] = stats
        if o.verbose ~= false then RL.progress(g, target, stats.steps_per_second) end
        if o.callback and o.callback(stats) == false then break end
      end
    end
    return history
  end

  AgentMT.__index = {
    act = act, predict = RL.predict, update = RL.update, updates = RL.updates, steps = RL.steps, stats = RL.stats,
    compile = RL.compile, networks = RL.networks, stepFor = RL.stepFor, learn = learn,
    train = RL.train, pending = RL.pending, save = RL.save, resume = RL.resume,
    observe = function(g, r, te, tr, o2, final) observe(g, r, te, tr, o2, final or o2) end,
    step = function(g, n)
      local vec = luaenv[g]
      if not vec then return RL.stepagent(g, n or 1) end
      if not vec.started then vec:reset(0) end
      for _ = 1, n or 1 do
        local o2, r, te, tr = vec:step(act(g, vec.observations))
        observe(g, r, te, tr, o2, vec.finals)
      end
      return n or 1
    end,
  }
  AgentMT.__gc = function(g) T.free(g) end
  AgentMT.__name = "rl.Agent"

  -- Options as the bindings read them: a Lua environment's sizes, the zoo's "lin_<x>" schedules.
  local function agent(new, o, who)
    if type(o) ~= "table" then fail(who .. ": expected a table of options") end
    local copy = {}
    for k, v in pairs(o) do copy[k] = v end
    for key, flag in pairs({ learning_rate = "anneal_lr", clip_range = "anneal_clip_range" }) do
      local v = copy[key]
      if type(v) == "string" then
        local x = tonumber(v:match("^lin_(.+)$"))
        if not x then fail(("%s: %s must be a number or \"lin_<number>\", got \"%s\""):format(who, key, v)) end
        copy[key], copy[flag] = x, true
      end
    end
    local vec = o.env
    if rawmt(vec) == LuaVec then
      copy.env, copy.copies, copy.observations, copy.actions, copy.action_size = nil, vec.n, vec.obs, vec.actions, vec.action_size
    elseif vec ~= nil and not isbuiltin(vec) then
      fail(who .. ": env must come from rl.make, rl.env.* or rl.vec")
    end
    local g = new(copy)
    if rawmt(vec) == LuaVec then luaenv[g] = vec end
    return g
  end
  -- rl.evaluate(agent, env, {episodes = 10, deterministic = true, seed = 0}) -> mean, std of the
  -- returns: Stable-Baselines3's evaluate_policy.
  rl.evaluate = function(g, env, o)
    o = o or {}
    if isbuiltin(env) then return RL.evaluate(g, env, o) end
    if rawmt(env) ~= LuaVec then fail("rl.evaluate: env must come from rl.make, rl.env.* or rl.vec") end
    local episodes, n = o.episodes or 10, env.n
    local targets, counts, running, returns = {}, {}, {}, {}
    for i = 1, n do targets[i], counts[i], running[i] = (episodes + i - 1) // n, 0, 0 end
    local obs = env:reset(o.seed or 0)
    while #returns < episodes do
      local _, r, te, tr = env:step(RL.predict(g, obs, o.deterministic ~= false))
      for i = 1, n do
        running[i] = running[i] + r[i]
        if te[i] or tr[i] then
          if counts[i] < targets[i] then returns[#returns + 1] = running[i]; counts[i] = counts[i] + 1 end
          running[i] = 0
        end
      end
    end
    local mean, var = 0, 0
    for _, v in ipairs(returns) do mean = mean + v end
    mean = mean / #returns
    for _, v in ipairs(returns) do var = var + (v - mean) ^ 2 end
    return mean, math.sqrt(var / #returns)
  end
  -- Distributions with PyTorch's method names, differentiable through autograd: the log-probability
  -- and the entropy record on the tape when the scores (or means, log deviations) require grad.
  local Cat = {}
  Cat.__index = Cat
  Cat.__name = "rl.Categorical"
  function Cat:sample() return RL.catSample(self.logits) end
  function Cat:log_prob(actions) return RL.catLogProb(self.logits, actions) end
  function Cat:entropy() return RL.catEntropy(self.logits) end
  rl.Categorical = function(logits)
    if not torch.isTensor(logits) then fail("rl.Categorical: expected a tensor of scores [rows, actions]") end
    return setmetatable({ logits = logits }, Cat)
  end
  local Gauss = {}
  Gauss.__index = Gauss
  Gauss.__name = "rl.DiagGaussian"
  function Gauss:sample() return RL.gaussSample(self.mean, self.log_std) end
  function Gauss:log_prob(actions) return RL.gaussLogProb(self.mean, self.log_std, actions) end
  function Gauss:entropy() return RL.gaussEntropy(self.log_std) end
  rl.DiagGaussian = function(mean, log_std)
    if not torch.isTensor(mean) or not torch.isTensor(log_std) then fail("rl.DiagGaussian: expected tensors of means [rows, d] and log deviations [d]") end
    return setmetatable({ mean = mean, log_std = log_std }, Gauss)
  end

  rl.Reinforce = function(o) return agent(RL.reinforce, o, "rl.Reinforce") end
  rl.PPO = function(o) return agent(RL.ppo, o, "rl.PPO") end
  rl.DQN = function(o) return agent(RL.dqn, o, "rl.DQN") end
end

-- Keras' callbacks for fit and Trainer: callbacks = {train.ReduceLROnPlateau{patience = 3}, ...}.
for _, kind in ipairs({ "ReduceLROnPlateau", "ModelCheckpoint", "EarlyStopping" }) do
  train[kind] = function(o)
    local c = {}
    for k, v in pairs(o or {}) do c[k] = v end
    c.callback = kind
    return c
  end
end

-- Pictures (in hosts that draw them, as snn does): the curves of a history, and a 2-D
-- classifier's regions with its data.
train.plot = function(history, path) TR.plot(history, path) end
train.plotBoundary = function(model, d, path) TR.plotBoundary(model, astensors(d, "data"), path) end

train.evaluate = function(model, loss, d) return TR.evaluate(model, loss, astensors(d, "data")) end

-- Torch7's nn.StochasticGradient (nn/StochasticGradient.lua): per-example SGD over a
-- duck-typed data set (dataset:size(), dataset[i] = {input, target}), the examples visited in
-- one shuffled order (the same each iteration), hookExample(self, example) after each example,
-- hookIteration(self, iteration) after each pass, Torch7's progress lines, and the learning
-- rate lr / (1 + iteration * learningRateDecay).
nn.StochasticGradient = function(module, criterion)
  local sg = { module = module, criterion = criterion, learningRate = 0.01, learningRateDecay = 0,
               maxIteration = 25, shuffleIndices = true }
  function sg:train(d)
    local n = d:size()
    local order
    if self.shuffleIndices then order = torch.randperm(n):totable()
    else order = {}; for i = 1, n do order[i] = i end end
    local iteration, lr = 1, self.learningRate
    print("# StochasticGradient: training")
    while true do
      local total = 0
      for t = 1, n do
        local example = d[order[t]]
        local input, target = example[1], example[2]
        local out = self.module:forward(input)
        total = total + self.criterion:forward(out, target)
        self.module:zeroGradParameters()
        self.module:backward(input, self.criterion:backward(out, target))
        self.module:updateParameters(lr)
        if self.hookExample then self.hookExample(self, example) end
      end
      if self.hookIteration then self.hookIteration(self, iteration) end
      print("# current error = " .. total / n)
      iteration = iteration + 1
      lr = self.learningRate / (1 + iteration * self.learningRateDecay)
      if self.maxIteration > 0 and iteration > self.maxIteration then
        print("# StochasticGradient: you have reached the maximum number of iterations")
        break
      end
    end
  end
  return sg
end

-- Checkpoints: torch.save(path, model[, optimizer]); model, optimizer = torch.load(path).
-- torch.save(path, value) of any other value made of tables, numbers, strings, booleans, tensors
-- and modules (Torch7's usual {model = m, opt = opt, epoch = e}): the tables with their shared
-- references and cycles (a table met twice comes back as one table), numbers exactly (integers as
-- integers), strings byte for byte; metatables are not kept; functions, coroutines and other
-- objects are refused, naming where in the value they are. A module inside another saved module
-- comes back inside it; referenced from elsewhere as well, it comes back as a separate copy.
local csave, cload, csavevalue = wrap0(D.save), wrap2(D.load), wrap0(D.saveValue)
local rawmt = debug.getmetatable
local function encodeValue(root)
  local tables, tindex, tensors, tnums, modules, mnums = {}, {}, {}, {}, {}, {}
  local function jstring(s)
    return '"' .. s:gsub('[%c"\\\128-\255]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
  end
  local encode
  local function tableRef(t, where, depth)
    local i = tindex[t]
    if i then return i end
    if depth > 200 then fail("torch.save: the value nests tables more than 200 deep (at " .. where .. ")") end
    i = #tables + 1
    tindex[t], tables[i] = i, "[]"
    local parts = {}
    for k, v in next, t do
      local at = where .. "[" .. (type(k) == "string" and string.format("%q", k) or tostring(k)) .. "]"
      parts[#parts + 1] = "[" .. encode(k, at, depth + 1) .. "," .. encode(v, at, depth + 1) .. "]"
    end
    -- an object of a Lua class keeps its class name (torch.class), restored on load
    local c = luaClassOf(t)
    if c then parts[#parts + 1] = '[{"s":"__torch_class"},{"s":' .. jstring(luaClassNames[c]) .. '}]' end
    tables[i] = "[" .. concat(parts, ",") .. "]"
    return i
  end
  local proxies = {}
  encode = function(v, where, depth)
    local t = type(v)
    if t == "number" then
      if math.type(v) == "integer" then return '{"i":"' .. string.format("%d", v) .. '"}' end
      if v ~= v then return '{"n":"nan"}' elseif v == math.huge then return '{"n":"inf"}' elseif v == -math.huge then return '{"n":"-inf"}' end
      return '{"n":"' .. string.format("%.17g", v) .. '"}'
    elseif t == "string" then return '{"s":' .. jstring(v) .. '}'
    elseif t == "boolean" then return '{"b":' .. tostring(v) .. '}'
    elseif t == "table" then return '{"t":' .. tableRef(v, where, depth) .. '}'
    elseif F.isTensor(v) then
      if not tnums[v] then tensors[#tensors + 1] = v; tnums[v] = #tensors end
      return '{"T":' .. tnums[v] .. '}'
    elseif t == "userdata" and rawmt(v) == ModuleMT and mixed[v] then
      -- an nn.Sequential run from Lua is saved as its list of children
      proxies[v] = proxies[v] or { __snn_sequential = mixed[v] }
      return '{"t":' .. tableRef(proxies[v], where, depth) .. '}'
    elseif t == "userdata" and rawmt(v) == ModuleMT then
      if not mnums[v] then modules[#modules + 1] = v; mnums[v] = #modules end
      return '{"M":' .. mnums[v] .. '}'
    end
    fail(string.format("torch.save: %s is a %s, which cannot be saved (only tables, numbers, strings, booleans, tensors and modules)",
      where, t == "userdata" and (rawmt(v) and rawmt(v).__name or "userdata") or t))
  end
  local rootJson = encode(root, "the value", 0)
  return '{"root":' .. rootJson .. ',"tables":[' .. concat(tables, ",") .. ']}', modules, tensors
end
torch.save = function(path, value, optimizer)
  if type(value) == "userdata" and rawmt(value) == ModuleMT and not mixed[value] then return csave(path, value, optimizer) end
  if optimizer ~= nil then fail("torch.save: an optimizer goes with a model: torch.save(path, model, optimizer)") end
  local graph, modules, tensors = encodeValue(value)
  csavevalue(path, graph, modules, tensors)
end
-- Objects of Lua classes get their class back (it must be defined by then, as Torch7 needs
-- it too), and a saved nn.Sequential of Lua-defined modules is rebuilt.
local function restoreObjects(root)
  local done = {}
  local function restore(v)
    if type(v) ~= "table" then return v end
    if done[v] ~= nil then return done[v] end
    local seq = rawget(v, "__snn_sequential")
    if seq ~= nil then
      local m = nn.Sequential()
      done[v] = m
      for _, c in ipairs(seq) do m:add(restore(c)) end
      return m
    end
    done[v] = v
    for k, x in next, v do rawset(v, k, restore(x)) end
    local name = rawget(v, "__torch_class")
    if name ~= nil then
      local class = luaClasses[name]
      if not class then fail("torch.load: the file holds an object of class " .. tostring(name) .. ", which this script has not defined (torch.class)") end
      rawset(v, "__torch_class", nil)
      setmetatable(v, class)
    end
    return v
  end
  return restore(root)
end
torch.load = function(path)
  local value, optimizer = cload(path)
  if type(value) == "table" then value = restoreObjects(value) end
  return value, optimizer
end
MM.save = function(m, path, optimizer) csave(path, m, optimizer) end
nn.load = torch.load

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
