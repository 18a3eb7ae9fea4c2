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

-- The error level of the first frame outside this prelude, seen from fail().
local function userlevel()
  local level = 3
  while true do
    local info = getinfo(level, "S")
    if not info then return 2 end
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
for _, name in ipairs({ "exp", "log", "abs", "sqrt", "tanh", "sigmoid", "relu", "sum", "mean" }) do
  torch[name] = function(x) return F.unary(name, x) end
end
torch.pow = function(x, p) return F.unary("pow", x, p) end
torch.cmul = function(x, y) return tbinary("cmul", x, y) end
torch.type = function(x) if F.isTensor(x) then return "torch.FloatTensor" end return type(x) end
torch.typename = function(x) if F.isTensor(x) then return "torch.FloatTensor" end return nil end

-- Torch7's in-place methods: change the tensor and return it.
for _, op in ipairs({ "add", "sub", "mul", "div", "cmul", "cdiv" }) do
  TM[op] = function(t, a, b) return inplace(t, op, a, b) end
end
TM.clamp = function(t, lo, hi) return inplace(t, "clamp", lo, hi) end
TM.pow = function(t, p) return inplace(t, "pow", p) end
for _, op in ipairs({ "exp", "log", "abs", "sqrt", "tanh", "sigmoid", "neg" }) do
  TM[op] = function(t) return unaryInPlace(t, op) end
end
TM.matmul = TM.mm
TM.numel = TM.nElement
TM.type = function() return "torch.FloatTensor" end
TM.float = function(t) return t end
TM.double = function(t) return t end
TM.item = function(t) return t:get(1) end
TM.backward = function(t, g) F.backward(t, g) end

-- torch.Timer, as in Torch7: timer:time().real is the wall-clock seconds since creation or reset.
local now = wrap(raw.host.now)
local TimerMT = {}
TimerMT.__index = TimerMT
function TimerMT:reset() self.start = now(); return self end
function TimerMT:time() local r = now() - self.start; return { real = r, user = r, sys = 0 } end
torch.Timer = function() return setmetatable({ start = now() }, TimerMT) end
TM.grad = nil
local tgrad = wrap(T.grad)

local TensorMT = registry["snn.Tensor"]
TensorMT.__index = function(t, k)
  local m = TM[k]
  if m ~= nil then return m end
  if type(k) == "number" then
    local v, e = tget(t, k)
    if v == ERR then fail(e) end
    return v
  end
  if k == "grad" then return tgrad(t) end
  return nil
end
TensorMT.__newindex = function(t, k, v)
  if type(k) == "number" then
    local r, e = tset(t, k, v)
    if r == ERR then fail(e) end
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
TensorMT.__len = function(t) return t:size(1) end
TensorMT.__tostring = TM.tostring
TensorMT.__close = function(t) T.free(t) end
TensorMT.__gc = function(t) T.free(t) end
TensorMT.__name = "torch.FloatTensor"

---------------------------------------------------------------------------------------------
-- nn: modules and criterions
---------------------------------------------------------------------------------------------
local M = raw.Module
local MM = wrapall(M, set("parameters", "getParameters"), set("zeroGradParameters", "updateParameters", "accGradParameters"))
local mfield = wrap(M.field)
MM.updateOutput = MM.forward
MM.float = function(m) return m end
MM.double = function(m) return m end
MM.type = function(m) return tostring(m):match("^(nn%.[%w_]+)") end
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
CriterionMT.__index = function(c, k)
  local f = CM[k]
  if f ~= nil then return f end
  if k == "output" then return lastLoss[c] end
  if k == "gradInput" then return CM.gradInput(c) end
  return nil
end
CriterionMT.__tostring = CM.tostring
CriterionMT.__gc = function(c) T.free(c) end
CriterionMT.__name = "nn.Criterion"

local newmodule, newcriterion = wrap(raw.nn.module), wrap(raw.nn.criterion)
nn = {}
for _, name in ipairs({ "Sequential", "Linear", "Identity", "ReLU", "LeakyReLU", "PReLU", "Abs", "Maxout",
                        "Sigmoid", "Tanh", "SoftPlus", "HardTanh", "Cos", "RBF", "SoftMax", "LogSoftMax", "Dropout" }) do
  nn[name] = function(...) return newmodule(name, ...) end
end
for _, name in ipairs({ "MSECriterion", "AbsCriterion", "BCECriterion", "BCEWithLogitsCriterion",
                        "ClassNLLCriterion", "CrossEntropyCriterion", "GaussianNLLCriterion" }) do
  nn[name] = function(...) return newcriterion(name, ...) end
end
-- PyTorch spellings
nn.Softplus, nn.Hardtanh, nn.Softmax, nn.LogSoftmax = nn.SoftPlus, nn.HardTanh, nn.SoftMax, nn.LogSoftMax
nn.MSELoss, nn.L1Loss, nn.L1Criterion, nn.BCELoss, nn.BCEWithLogitsLoss = nn.MSECriterion, nn.AbsCriterion, nn.AbsCriterion, nn.BCECriterion, nn.BCEWithLogitsCriterion
nn.NLLLoss, nn.CrossEntropyLoss, nn.GaussianNLLLoss = nn.ClassNLLCriterion, nn.CrossEntropyCriterion, nn.GaussianNLLCriterion
nn.isModule = wrap(raw.nn.isModule)

---------------------------------------------------------------------------------------------
-- optim
---------------------------------------------------------------------------------------------
local O = raw.optim
local ostep = O.step
optim = {}
for _, kind in ipairs({ "sgd", "adam", "adamw", "rmsprop" }) do
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
  learningRate = wrap(O.learningRate), stepCount = wrap(O.stepCount),
}
local OptimizerMT = registry["snn.Optimizer"]
OptimizerMT.__index = OM
OptimizerMT.__gc = function(o) T.free(o) end
OptimizerMT.__name = "optim.Optimizer"
optim.SGD = function(params, config) return onew("sgd", params, config or {}) end
optim.Adam = function(params, config) return onew("adam", params, config or {}) end
optim.AdamW = function(params, config) return onew("adamw", params, config or {}) end
optim.RMSprop = function(params, config) return onew("rmsprop", params, config or {}) end
optim.RMSProp = optim.RMSprop

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
local baseRequire = require
require = function(name)
  if type(name) ~= "string" then fail("bad argument #1 to 'require' (string expected, got " .. type(name) .. ")") end
  local b = builtin[name]
  if b then return b end
  if loaded[name] ~= nil then return loaded[name] end
  local src, chunk = findModule(name)
  if not src then
    if baseRequire and not sandbox then return baseRequire(name) end
    fail("module '" .. name .. "' not found: Lua files are searched on the host's search paths, and C modules cannot be loaded")
  end
  local f, err = rawload(src, chunk, "t")
  if not f then fail(err) end
  local r = f(name)
  if r == nil then r = true end
  loaded[name] = r
  return r
end

local grantcall = wrap(H.grant)
for i, name in ipairs(grants) do
  _G[name] = function(...) return grantcall(i, ...) end
end

if sandbox then
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
