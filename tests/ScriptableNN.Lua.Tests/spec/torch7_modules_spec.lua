-- Lua-defined modules (torch.class with nn.Module and nn.Criterion) and the table containers of
-- torch/nn's doc/table.md, inside nn.Sequential, trained with Torch7's loops.

-- The largest difference between backward's gradient with respect to a parameter tensor and a
-- central finite difference of sum(output .* probe).
local function gradientGap(net, input, param, grad)
  local probe
  local function loss()
    local out = net:forward(input)
    if torch.isTensor(out) then out = { out } end
    local total = 0
    for i, o in ipairs(out) do total = total + torch.cmul(o, probe[i]):sum() end
    return total
  end
  local out = net:forward(input)
  if torch.isTensor(out) then out = { out } end
  probe = {}
  for i, o in ipairs(out) do probe[i] = torch.rand(table.unpack(o:size():totable())) end
  net:zeroGradParameters()
  net:forward(input)
  net:backward(input, #probe == 1 and torch.isTensor(net.output) and probe[1] or probe)
  local worst, eps = 0, 1e-2
  local flat, g = param:view(-1), grad:view(-1)
  for k = 1, flat:nElement() do
    local keep = flat[k]
    flat[k] = keep + eps
    local up = loss()
    flat[k] = keep - eps
    local down = loss()
    flat[k] = keep
    worst = math.max(worst, math.abs((up - down) / (2 * eps) - g[k]))
  end
  return worst
end

describe("table containers (nn doc/table.md)", function()
  it("ConcatTable, ParallelTable and JoinTable: table.md's network trains as its example does", function()
    torch.manualSeed(1)
    local mlp = nn.Sequential()
    local c = nn.ConcatTable()
    c:add(nn.Linear(10, 3))
    c:add(nn.Linear(10, 7))
    mlp:add(c)
    local p = nn.ParallelTable()
    p:add(nn.Linear(3, 2))
    p:add(nn.Linear(7, 1))
    mlp:add(p)
    mlp:add(nn.JoinTable(1))
    assert.are.same({ 3 }, mlp:forward(torch.randn(10)):size():totable())
    local errors = {}
    for i = 1, 100 do
      local x = torch.ones(10)
      local y = torch.Tensor(3)
      y:copy(x:narrow(1, 1, 3))
      local pred = mlp:forward(x)
      local criterion = nn.MSECriterion()
      errors[i] = criterion:forward(pred, y)
      local g = criterion:backward(pred, y)
      mlp:zeroGradParameters()
      mlp:backward(x, g)
      mlp:updateParameters(0.05)
    end
    assert.is_true(errors[100] < errors[1] * 1e-3, "the error falls as the example's printout shows")
    assert.truthy(tostring(mlp):find("(1): nn.ConcatTable {", 1, true))
    assert.truthy(tostring(mlp):find("[input -> (1) -> (2) -> (3) -> output]", 1, true))
  end)

  it("SplitTable and JoinTable shapes, as table.md's examples, with nInputDims for batches", function()
    local parts = nn.SplitTable(2):forward(torch.randn(4, 3))
    assert.are.equal(3, #parts)
    assert.are.same({ 4 }, parts[1]:size():totable())
    assert.are.equal(4, #nn.SplitTable(1):forward(torch.randn(4, 3)))
    local batch = nn.SplitTable(1, 2):forward(torch.randn(2, 4, 3))
    assert.are.equal(4, #batch)
    assert.are.same({ 2, 3 }, batch[1]:size():totable())
    local x, y, z = torch.randn(5, 1), torch.randn(5, 1), torch.randn(2, 1)
    assert.are.same({ 10, 1 }, nn.JoinTable(1):forward({ x, y }):size():totable())
    assert.are.same({ 5, 2 }, nn.JoinTable(2):forward({ x, y }):size():totable())
    assert.are.same({ 7, 1 }, nn.JoinTable(1):forward({ x, z }):size():totable())
    local j = nn.JoinTable(2, 2)
    assert.are.same({ 3, 2 }, j:forward({ torch.randn(3, 1), torch.randn(3, 1) }):size():totable())
    assert.are.same({ 2, 3, 2 }, j:forward({ torch.randn(2, 3, 1), torch.randn(2, 3, 1) }):size():totable())
    -- splitting then joining gives the input back, and the gradients go back to their places
    local m = torch.Tensor({ { 1, 2, 3 }, { 4, 5, 6 } })
    local net = nn.Sequential():add(nn.SplitTable(2)):add(nn.JoinTable(1))
    assert.are.same({ 1, 4, 2, 5, 3, 6 }, net:forward(m):totable())
    assert.are.same({ { 10, 30, 50 }, { 20, 40, 60 } }, net:backward(m, torch.Tensor({ 10, 20, 30, 40, 50, 60 })):totable())
  end)

  it("CAddTable, CMulTable and SelectTable compute and back-propagate as nn's code does", function()
    local a, b = torch.Tensor({ 1, 2, 3 }), torch.Tensor({ 4, 5, 6 })
    assert.are.same({ 5, 7, 9 }, nn.CAddTable():forward({ a, b }):totable())
    local mul = nn.CMulTable()
    assert.are.same({ 4, 10, 18 }, mul:forward({ a, b }):totable())
    local g = mul:backward({ a, b }, torch.ones(3))
    assert.are.same({ 4, 5, 6 }, g[1]:totable())
    assert.are.same({ 1, 2, 3 }, g[2]:totable())
    local sel = nn.SelectTable(-1)
    assert.are.equal(b, sel:forward({ a, b }))
    local sg = sel:backward({ a, b }, torch.Tensor({ 7, 8, 9 }))
    assert.are.same({ 0, 0, 0 }, sg[1]:totable())
    assert.are.same({ 7, 8, 9 }, sg[2]:totable())
  end)

  it("back-propagates through a residual block (ConcatTable of Linear and Identity into CAddTable)", function()
    torch.manualSeed(3)
    local lin = nn.Linear(4, 4)
    local block = nn.Sequential():add(nn.ConcatTable():add(lin):add(nn.Identity())):add(nn.CAddTable()):add(nn.Tanh())
    local x = torch.randn(3, 4)
    local w = lin:parameters()[1]
    local gw = select(2, lin:parameters())[1]
    assert.is_true(gradientGap(block, x, w, gw) < 2e-3)
    local gi = block:backward(x, torch.ones(3, 4))
    assert.are.same({ 3, 4 }, gi:size():totable())
  end)
end)

describe("Lua-defined modules (torch.class)", function()
  local Scale = torch.class("nn.SpecScale", "nn.Module")
  function Scale:__init(n)
    nn.Module.__init(self)
    self.weight = torch.ones(n)
    self.gradWeight = torch.zeros(n)
  end
  function Scale:updateOutput(input)
    self.output = torch.cmul(input, self.weight)
    return self.output
  end
  function Scale:updateGradInput(input, gradOutput)
    self.gradInput = torch.cmul(gradOutput, self.weight)
    return self.gradInput
  end
  function Scale:accGradParameters(input, gradOutput, scale)
    local g = torch.cmul(gradOutput, input)
    if g:dim() == 2 then g = g:sum(1):view(g:size(2)) end
    self.gradWeight:add(scale or 1, g)
  end

  it("names its class, and torch.class refuses a name twice or an unknown parent", function()
    local s = nn.SpecScale(2)
    assert.are.equal("nn.SpecScale", torch.typename(s))
    assert.are.equal("nn.SpecScale", torch.type(s))
    assert.is_true(torch.isTypeOf(s, "nn.Module"))
    assert.is_false(torch.isTypeOf(s, "nn.Criterion"))
    assert.are.equal("nn.SpecScale", tostring(s))
    assert.has_error(function() torch.class("nn.SpecScale", "nn.Module") end, "torch.class: class nn.SpecScale already exists")
    assert.has_error(function() torch.class("nn.Other", "nn.NoSuchParent") end, "torch.class: parent class nn.NoSuchParent does not exist")
    local Plain = torch.class("SpecPlain")
    function Plain:__init(v) self.v = v end
    assert.are.equal(5, SpecPlain(5).v)
    assert.are.equal(6, Plain(6).v)
  end)

  it("trains inside nn.Sequential with getParameters and optim.sgd, and its gradient is right", function()
    torch.manualSeed(2)
    local net = nn.Sequential():add(nn.Linear(2, 2)):add(nn.SpecScale(2))
    assert.are.equal("nn.SpecScale", torch.typename(net:get(2)))
    assert.are.equal(2, net:size())
    local w, gw = net:getParameters()
    assert.are.equal(8, w:nElement())
    local again = net:getParameters()
    assert.are.equal(w, again)
    local x = torch.Tensor({ { 1, 2 }, { -1, 0.5 } })
    assert.is_true(gradientGap(net, x, net:get(2).weight, net:get(2).gradWeight) < 2e-3)
    local y = torch.Tensor({ { 0.5, -0.5 }, { 0, 1 } })
    local crit = nn.MSECriterion()
    local first, last
    for i = 1, 300 do
      local _, fs = optim.sgd(function()
        gw:zero()
        local out = net:forward(x)
        local l = crit:forward(out, y)
        net:backward(x, crit:backward(out, y))
        return l, gw
      end, w, { learningRate = 0.1 })
      first = first or fs[1]
      last = fs[1]
    end
    assert.is_true(last < first * 1e-3)
    -- the flat vector is the modules' storage: changing it changes the Lua module's weight
    w:fill(0)
    assert.are.same({ 0, 0 }, net:get(2).weight:totable())
  end)

  it("is saved and loaded with torch.save and keeps its class; engine-only paths refuse it", function()
    local net = nn.Sequential():add(nn.Linear(2, 2)):add(nn.SpecScale(2))
    net:get(2).weight:copy(torch.Tensor({ 2, 3 }))
    local x = torch.Tensor({ 1, -1 })
    local before = net:forward(x):clone()
    torch.save("spec-out/lua-module.t7", { model = net, epoch = 4 })
    local back = torch.load("spec-out/lua-module.t7")
    assert.are.equal(4, back.epoch)
    assert.are.equal("nn.SpecScale", torch.typename(back.model:get(2)))
    assert.are.same(before:totable(), back.model:forward(x):totable())
    assert.has_error(function() train.fit{ model = net, loss = nn.MSECriterion(), data = { x = torch.ones(4, 2), y = torch.ones(4, 2) }, epochs = 1, verbose = false } end,
      "train: the model holds Lua-defined modules, which run only from Lua; train it with forward, backward and optim (Torch7's loop), or nn.StochasticGradient")
    assert.has_error(function() net:compile() end, "module:compile: this nn.Sequential holds Lua-defined modules, which run only from Lua")
    assert.error_matches(function() optim.Adam(net) end, "getParameters")
  end)

  it("a Lua criterion from nn.Criterion works with a network's backward", function()
    local Half = torch.class("nn.SpecHalfSquare", "nn.Criterion")
    function Half:updateOutput(input, target)
      local d = input - target
      self.output = 0.5 * torch.cmul(d, d):sum()
      return self.output
    end
    function Half:updateGradInput(input, target)
      self.gradInput = input - target
      return self.gradInput
    end
    local c = nn.SpecHalfSquare()
    assert.are.equal(2.5, c:forward(torch.Tensor({ 1, 2 }), torch.Tensor({ 0, 0 })))
    assert.are.same({ 1, 2 }, c:backward(torch.Tensor({ 1, 2 }), torch.Tensor({ 0, 0 })):totable())
  end)
end)

describe("shape and reduction modules (nn doc/simple.md)", function()
  local x = torch.Tensor({ { 1, 5, 3 }, { 4, 2, 6 } })

  it("Sum, Mean, Max and Min reduce a dimension away, shifted for batches with nInputDims", function()
    assert.are.same({ 9, 12 }, nn.Sum(2):forward(x):totable())
    assert.are.same({ 5, 7, 9 }, nn.Sum(1):forward(x):totable())
    assert.are.same({ 3, 4 }, nn.Mean(2):forward(x):totable())
    assert.are.same({ 3, 4 }, nn.Sum(2, nil, true):forward(x):totable())
    assert.are.same({ 9, 12 }, nn.Sum(1, 1):forward(x):totable(), "a batch of vectors: the sum of each")
    assert.are.same({ 5, 6 }, nn.Max(2):forward(x):totable())
    assert.are.same({ 1, 2 }, nn.Min(2):forward(x):totable())
    local max = nn.Max(2)
    max:forward(x)
    assert.are.same({ { 0, 7, 0 }, { 0, 0, 8 } }, max:backward(x, torch.Tensor({ 7, 8 })):totable())
    local mean = nn.Mean(1)
    mean:forward(x)
    assert.are.same({ { 0.5, 1, 1.5 }, { 0.5, 1, 1.5 } }, mean:backward(x, torch.Tensor({ 1, 2, 3 })):totable())
  end)

  it("Narrow as simple.md's examples, negative lengths from the end", function()
    local m = torch.Tensor(4, 5)
    for i = 1, 4 do for j = 1, 5 do m[i][j] = 10 * i + j end end
    assert.are.same({ 3, 5 }, nn.Narrow(1, 2, 3):forward(m):size():totable())
    assert.are.same(nn.Narrow(1, 2, 3):forward(m):totable(), nn.Narrow(1, 2, -1):forward(m):totable())
    assert.are.same(nn.Narrow(1, 2, 2):forward(m):totable(), nn.Narrow(1, 2, -2):forward(m):totable())
    assert.are.same({ 12, 13, 14 }, nn.Narrow(2, 2, 3):forward(m)[1]:totable())
    assert.are.same(nn.Narrow(2, 2, 3):forward(m):totable(), nn.Narrow(2, 2, -2):forward(m):totable())
    local n = nn.Narrow(2, 2, 2)
    n:forward(m)
    assert.are.same({ 0, 1, 1, 0, 0 }, n:backward(m, torch.ones(4, 2))[1]:totable())
  end)

  it("Replicate, View, Unsqueeze and Squeeze reshape and send the gradient back", function()
    local r = nn.Replicate(3)
    local v = torch.linspace(1, 5, 5)
    assert.are.same({ { 1, 2, 3, 4, 5 }, { 1, 2, 3, 4, 5 }, { 1, 2, 3, 4, 5 } }, r:forward(v):totable())
    assert.are.same({ 3, 3, 3, 3, 3 }, r:backward(v, torch.ones(3, 5)):totable())
    assert.are.same({ 2, 3, 1 }, nn.Replicate(1, 3):forward(x):size():totable())
    assert.are.same({ 3, 2 }, nn.View(3, 2):forward(x):size():totable())
    assert.are.same({ 2, 3 }, nn.View(3):forward(x):size():totable(), "a batch of vectors keeps its rows")
    assert.are.same({ 2, 1, 3 }, nn.View(1, 3):setNumInputDims(2):forward(x:view(2, 1, 3)):size():totable())
    assert.are.same({ 1, 2, 3 }, nn.Unsqueeze(1):forward(x):size():totable())
    assert.are.same({ 2, 1, 3 }, nn.Unsqueeze(1, 1):forward(x):size():totable())
    assert.are.same({ 2, 3 }, nn.Squeeze():forward(x:view(2, 1, 3)):size():totable())
    assert.are.same({ 2, 1, 3 }, nn.Squeeze():backward(x:view(2, 1, 3), x):size():totable())
  end)

  it("MM multiplies a table of two matrices, transposed as asked, with the product's gradients", function()
    local a, b = torch.Tensor({ { 1, 2 }, { 3, 4 } }), torch.Tensor({ { 5, 6 }, { 7, 8 } })
    assert.are.same({ { 19, 22 }, { 43, 50 } }, nn.MM():forward({ a, b }):totable())
    assert.are.same({ { 26, 30 }, { 38, 44 } }, nn.MM(true):forward({ a, b }):totable())
    assert.are.same({ { 17, 23 }, { 39, 53 } }, nn.MM(false, true):forward({ a, b }):totable())
    local mm = nn.MM(true, true)
    mm:forward({ a, b })
    local g = mm:backward({ a, b }, torch.ones(2, 2))
    -- d/dA sum((A^T B^T)) = (ones B)^T... checked against the finite difference of the sum
    local function total(aa, bb) return torch.mm(aa:t(), bb:t()):sum() end
    local eps = 1e-2
    local a2 = a:clone(); a2[1][2] = a2[1][2] + eps
    assert.are.near((total(a2, b) - total(a, b)) / eps, g[1][1][2], 1e-2)
    local b2 = b:clone(); b2[2][1] = b2[2][1] + eps
    assert.are.near((total(a, b2) - total(a, b)) / eps, g[2][2][1], 1e-2)
  end)

  it("Concat joins its children's outputs along a dimension and splits the gradient back", function()
    torch.manualSeed(4)
    local c = nn.Concat(2):add(nn.Linear(3, 2)):add(nn.Linear(3, 4))
    local input = torch.randn(5, 3)
    assert.are.same({ 5, 6 }, c:forward(input):size():totable())
    local w = c:get(2):parameters()[1]
    local gw = select(2, c:get(2):parameters())[1]
    assert.is_true(gradientGap(c, input, w, gw) < 2e-3)
    assert.truthy(tostring(c):find("nn.Concat {", 1, true))
  end)
end)

describe("clone, share, reset and criterion fields (nn doc/module.md, criterion.md)", function()
  it("clone copies a network; clone('weight', 'bias') shares those with the original", function()
    torch.manualSeed(5)
    local m = nn.Sequential():add(nn.Linear(2, 3)):add(nn.Tanh())
    local x = torch.Tensor({ 1, 2 })
    local c = m:clone()
    assert.are.same(m:forward(x):totable(), c:forward(x):totable())
    c:get(1).weight:fill(0)
    assert.are_not.equal(0, m:get(1).weight[1][1], "a clone's weights are its own")
    local s = m:clone("weight", "bias")
    s:get(1).weight:fill(0.5)
    assert.are.equal(0.5, m:get(1).weight[2][2], "shared weights are one tensor")
    m:evaluate()
    assert.is_false(m:clone().train)
    -- a Lua module and a Sequential run from Lua clone the same way
    local Scale = nn.SpecScale
    local mixedNet = nn.Sequential():add(nn.Linear(2, 2)):add(Scale(2))
    local mc = mixedNet:clone()
    assert.are.same(mixedNet:forward(x):totable(), mc:forward(x):totable())
    mc:get(2).weight:fill(9)
    assert.are.same({ 1, 1 }, mixedNet:get(2).weight:totable())
    local shared = mixedNet:clone("weight")
    shared:get(2).weight:fill(3)
    assert.are.same({ 3, 3 }, mixedNet:get(2).weight:totable())
    assert.are.equal("nn.SpecScale", torch.typename(shared:get(2)))
  end)

  it("reset draws the parameters again, uniform in [-stdv, stdv] when stdv is given", function()
    torch.manualSeed(6)
    local l = nn.Linear(10, 10)
    local before = l.weight:clone()
    l:reset()
    assert.is_true((l.weight - before):abs():max() > 0)
    l:reset(0.01)
    assert.is_true(l.weight:abs():max() <= 0.01)
  end)

  it("criterion.sizeAverage = false sums instead of averaging, as in Torch7", function()
    local c = nn.MSECriterion()
    assert.is_true(c.sizeAverage)
    assert.are.equal(1, c:forward(torch.ones(2), torch.zeros(2)))
    c.sizeAverage = false
    assert.is_false(c.sizeAverage)
    assert.are.equal(2, c:forward(torch.ones(2), torch.zeros(2)))
    assert.are.same({ 2, 2 }, c:backward(torch.ones(2), torch.zeros(2)):totable())
    c.note = "kept"
    assert.are.equal("kept", c.note)
  end)
end)

describe("simple.md's Add, Mul, CMul and CAdd learn what its examples print", function()
  local function gradUpdate(mlp, x, y, criterion, learningRate)
    local pred = mlp:forward(x)
    local err = criterion:forward(pred, y)
    local gradCriterion = criterion:backward(pred, y)
    mlp:zeroGradParameters()
    mlp:backward(x, gradCriterion)
    mlp:updateParameters(learningRate)
    return err
  end

  it("Add(5) learns the shift 1..5 and Mul() learns pi", function()
    torch.manualSeed(1)
    local y = torch.Tensor(5)
    local mlp = nn.Sequential():add(nn.Add(5))
    for _ = 1, 1500 do
      local x = torch.rand(5)
      y:copy(x)
      for i = 1, 5 do y[i] = y[i] + i end
      gradUpdate(mlp, x, y, nn.MSECriterion(), 0.1)
    end
    for i = 1, 5 do assert.are.near(i, mlp:get(1).bias[i], 1e-3) end
    mlp = nn.Sequential():add(nn.Mul())
    for _ = 1, 1500 do
      local x = torch.rand(5)
      y:copy(x):mul(math.pi)
      gradUpdate(mlp, x, y, nn.MSECriterion(), 0.1)
    end
    assert.are.near(math.pi, mlp:get(1).weight[1], 1e-3)
  end)

  it("CMul(5, 1) and CAdd(5, 1) broadcast along the dimension of size 1 and learn 1..5 per row", function()
    torch.manualSeed(2)
    local y, sc = torch.Tensor(5, 4), torch.Tensor(5, 4)
    for i = 1, 5 do sc[i] = i end
    local mul = nn.Sequential():add(nn.CMul(5, 1))
    local add = nn.Sequential():add(nn.CAdd(5, 1))
    for _ = 1, 1500 do
      local x = torch.rand(5, 4)
      y:copy(x):cmul(sc)
      gradUpdate(mul, x, y, nn.MSECriterion(), 0.05)
      y:copy(x):add(sc)
      gradUpdate(add, x, y, nn.MSECriterion(), 0.05)
    end
    assert.are.same({ 5, 1 }, mul:get(1).weight:size():totable())
    for i = 1, 5 do
      assert.are.near(i, mul:get(1).weight[i][1], 1e-2)
      assert.are.near(i, add:get(1).bias[i][1], 1e-2)
    end
    -- a batch is a leading dimension the parameter does not have
    assert.are.same({ 3, 5, 4 }, nn.CMul(5, 1):forward(torch.ones(3, 5, 4)):size():totable())
    assert.are.same({ 7, 5 }, nn.Add(5):forward(torch.zeros(7, 5)):size():totable())
  end)
end)

describe("criterion.md's MultiMarginCriterion", function()
  it("sums the margin violations over the classes, averages rows, and its gradient matches differences", function()
    local c = nn.MultiMarginCriterion()
    -- x = {0.1, 0.2, 0.4}, y = 3: max(0, 1 - 0.4 + 0.1) + max(0, 1 - 0.4 + 0.2) = 0.7 + 0.8, over 3
    assert.are.near(1.5 / 3, c:forward(torch.Tensor({ 0.1, 0.2, 0.4 }), 3), 1e-6)
    assert.are.near(0, c:forward(torch.Tensor({ 0, 0, 5 }), 3), 1e-6)
    local x = torch.Tensor({ { 0.1, 0.2, 0.4 }, { 1, -1, 0 } })
    local y = torch.Tensor({ 3, 1 })
    local l = c:forward(x, y)
    -- row 2: y = 1: max(0, 1 - 1 - 1) + max(0, 1 - 1 + 0) = 0
    assert.are.near((1.5 / 3 + 0) / 2, l, 1e-6)
    local g = c:backward(x, y)
    local eps = 1e-3
    for k = 1, 3 do
      local up, down = x:clone(), x:clone()
      up[1][k] = up[1][k] + eps
      down[1][k] = down[1][k] - eps
      assert.are.near((c:forward(up, y) - c:forward(down, y)) / (2 * eps), g[1][k], 1e-3)
    end
    local squared = nn.MultiMarginCriterion(2)
    assert.are.near((0.49 + 0.64) / 3, squared:forward(torch.Tensor({ 0.1, 0.2, 0.4 }), 3), 1e-6)
    c.sizeAverage = false
    assert.are.near(1.5 / 3, c:forward(x, y), 1e-6)
  end)
end)
