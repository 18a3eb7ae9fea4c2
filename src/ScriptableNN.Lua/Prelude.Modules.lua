-- ScriptableNN's Lua side, continued: nn: modules, criterions, Lua-defined classes and the table containers.
-- Each part of the prelude is its own chunk (a Lua chunk holds at most 200 locals), run in
-- order after Prelude.lua under the same chunk name, [snn]; the locals the parts share travel in S.
local S = ...
local raw, registry, type, select, pairs, ipairs, tostring, setmetatable, rawget, rawset = S.raw, S.registry, S.type, S.select, S.pairs, S.ipairs, S.tostring, S.setmetatable, S.rawget, S.rawset
local fail, wrap, wrap2, wrapall, set, T, F, eachLine, convert = S.fail, S.wrap, S.wrap2, S.wrapall, S.set, S.T, S.F, S.eachLine, S.convert
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

-- the locals the later parts use
S.M = M; S.MM = MM; S.ModuleMT = ModuleMT; S.training = training; S.C = C; S.luaClasses = luaClasses;
S.luaClassNames = luaClassNames; S.luaClassOf = luaClassOf; S.mixed = mixed; S.isLuaModule = isLuaModule;
