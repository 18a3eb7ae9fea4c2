-- ScriptableNN's Lua side: the Torch7-style API over the C# bindings, and the sandbox, in five
-- parts run in order: this one (torch and tensors), Prelude.Modules.lua (nn), Prelude.Optim.lua,
-- Prelude.Train.lua (data, train, rl, checkpoints) and Prelude.Host.lua (print, require, the
-- sandbox). Bindings never raise: on failure they return ERR and a message, and the thin
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

local tat, tsetAt, tdim = T.at, T.setAt, TM.dim
TM.at, TM.setAt = nil, nil
local function allNumbers(k)
  for i = 1, #k do if type(k[i]) ~= "number" then return false end end
  return true
end
-- Regions are read and written through views (defined with the views below); x.new likewise.
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
    return regionRead(t, k)     -- a view of the region (an ordinary tensor when it is contiguous)
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
                      "type", "maskedSelect", "equal")
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
  if k == "new" then return newOf(v) end
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

-- the locals the later parts use
local S = {}
S.raw = raw; S.ERR = ERR; S.sandbox = sandbox; S.allowIO = allowIO; S.grants = grants; S.getinfo = getinfo;
S.registry = registry; S.error = error; S.type = type; S.select = select; S.pairs = pairs; S.ipairs = ipairs;
S.tostring = tostring; S.setmetatable = setmetatable; S.rawget = rawget; S.rawset = rawset; S.concat = concat; S.tointeger = tointeger;
S.fail = fail; S.wrap = wrap; S.wrap2 = wrap2; S.wrap0 = wrap0; S.wrapall = wrapall; S.set = set;
S.T = T; S.F = F; S.tbinary = tbinary; S.eachLine = eachLine; S.convert = convert; S.now = now;
S.huge = huge;
return S
