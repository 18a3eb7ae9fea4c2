-- Torch7 names mean Torch7's behaviour. Expected figures come from Torch7's update rules
-- (torch/optim's sgd.lua, adam.lua, rmsprop.lua) evaluated in double precision on the
-- Rosenbrock problem optim tests itself on: x0 = (0, 0), 10001 steps, optim's test settings.

-- Rosenbrock in two dimensions; a new gradient tensor on every call, as optim's test builds it.
local function rosenbrock(x)
  local a, b = x[1], x[2]
  return 100 * (b - a * a) ^ 2 + (1 - a) ^ 2,
         torch.Tensor{ -400 * a * (b - a * a) - 2 * (1 - a), 200 * (b - a * a) }
end

local function run(kind, config, steps)
  local x = torch.Tensor(2):fill(0)
  local f
  for i = 1, steps or 10001 do local _, fs = optim[kind](rosenbrock, x, config); f = fs[1] end
  return x, f
end

describe("optim's functional form", function()
  it("sgd reaches Torch7's point on Rosenbrock with a new gradient tensor each call", function()
    local x = run("sgd", { learningRate = 1e-3 })
    assert.near(0.994403, x[1], 1e-4)
    assert.near(0.988815, x[2], 1e-4)
  end)

  it("sgd dampens momentum by the momentum unless told otherwise, as Torch7 does", function()
    local x = run("sgd", { learningRate = 1e-3, momentum = 0.9 })
    assert.near(0.994524, x[1], 1e-4)
    assert.near(0.989057, x[2], 1e-4)
    -- two steps by hand: buf = g1, then buf = 0.9 buf + (1 - 0.9) g2
    local cfg = { learningRate = 0.1, momentum = 0.9 }
    local y = torch.Tensor{ 1 }
    local function f(p) return 0, torch.Tensor{ 2 * p[1] } end
    optim.sgd(f, y, cfg)                    -- g1 = 2, y = 1 - 0.2 = 0.8
    optim.sgd(f, y, cfg)                    -- g2 = 1.6, buf = 1.8 + 0.16 = 1.96, y = 0.8 - 0.196
    assert.near(0.604, y[1], 1e-6)
    assert.are.equal(2, cfg.evalCounter)
  end)

  it("adam and rmsprop follow Torch7's rules", function()
    local x = run("adam", { learningRate = 1e-2 })
    assert.near(1, x[1], 1e-3)
    assert.near(1, x[2], 1e-3)
    x = run("rmsprop", { learningRate = 5e-4 })
    assert.near(0.999699, x[1], 1e-4)
    assert.near(1.000149, x[2], 1e-4)
  end)

  it("adagrad follows Torch7's rule (optim's test: learning rate 0.1)", function()
    local cfg = { learningRate = 1e-1 }
    local x = run("adagrad", cfg)
    assert.near(0.999978, x[1], 1e-4)
    assert.near(0.999955, x[2], 1e-4)
    assert.are.equal(10001, cfg.evalCounter)
    assert.is_true(torch.isTensor(cfg.paramVariance))
  end)

  it("adadelta, adamax and nag follow torch/optim's rules (values from the rules in double precision)", function()
    local cfg = {}
    local x = run("adadelta", cfg)                          -- optim's test passes p and eps, which adadelta does not read
    assert.near(0.608406, x[1], 2e-3)
    assert.near(0.279032, x[2], 2e-3)
    assert.is_true(torch.isTensor(cfg.accSquaredGradsWithDecay) and torch.isTensor(cfg.accSquaredDeltaWithDecay))
    x = run("adamax", {})
    assert.near(1, x[1], 1e-4)
    assert.near(1, x[2], 1e-4)
    cfg = { learningRate = 1e-3, momentum = 0.9 }
    x = run("nag", cfg)
    assert.near(1, x[1], 1e-4)
    assert.near(1, x[2], 1e-4)
    assert.are.equal(10001, cfg.evalCounter)
    assert.error_matches(function() optim.nag(rosenbrock, torch.zeros(2), { momentum = 0 }) end, "needs a positive momentum")
    -- adamax by hand, one step: m = 0.1 g, u = |g|, x -= 0.002 / 0.1 * m / u = 0.002 sign(g).
    local y = torch.Tensor{ 1, -1 }
    optim.adamax(function(p) return 0, torch.Tensor{ 3, -0.5 } end, y, {})
    assert.near(1 - 0.002, y[1], 1e-6)
    assert.near(-1 + 0.002, y[2], 1e-6)
  end)

  it("lbfgs runs optim's Rosenbrock test, in one call and one iteration per call", function()
    local x = torch.Tensor(2):fill(0)
    local _, fx, evals = optim.lbfgs(rosenbrock, x, { maxIter = 100, learningRate = 1e-1 })
    assert.near(0.999532, x[1], 1e-3)
    assert.near(0.999056, x[2], 1e-3)
    assert.are.equal(100, #fx)
    assert.is_true(fx[#fx] < 1e-5 and fx[1] == 1)
    assert.are.equal(100, evals)
    -- The stochastic form: the history and direction carry over in the config table.
    local y, config = torch.Tensor(2):fill(0), { learningRate = 1e-1, maxIter = 1 }
    for _ = 1, 100 do optim.lbfgs(rosenbrock, y, config) end
    assert.near(0.999532, y[1], 1e-3)
    assert.near(0.999056, y[2], 1e-3)
    assert.are.equal(100, config.nIter)
    assert.is_true(#config.old_dirs > 0)
  end)

  it("cg minimises Rosenbrock as optim's test runs it, within its evaluations", function()
    local x = torch.Tensor(2):fill(0)
    local _, fx, evals = optim.cg(rosenbrock, x, { maxIter = 50 })
    assert.near(1, x[1], 1e-3)
    assert.near(1, x[2], 1e-3)
    assert.are.equal(1, fx[1])
    for i = 2, #fx do assert.is_true(fx[i] < fx[i - 1], "each line search lowers f") end
    assert.is_true(evals <= 63, "at most 1.25 maxIter evaluations (+1 for the last search): " .. evals)
    -- A quadratic in two variables: conjugate directions reach the minimum in two line searches.
    local q = function(p) return (p[1] - 3) ^ 2 + 10 * (p[2] + 1) ^ 2, torch.Tensor{ 2 * (p[1] - 3), 20 * (p[2] + 1) } end
    local y = torch.zeros(2)
    optim.cg(q, y, { maxIter = 20 })
    assert.near(3, y[1], 1e-4)
    assert.near(-1, y[2], 1e-4)
  end)

  it("keeps its state in the config table, with Torch7's field names", function()
    local cfg = { learningRate = 1e-3, momentum = 0.5 }
    run("sgd", cfg, 3)
    assert.is_true(torch.isTensor(cfg.dfdx))
    local acfg = { learningRate = 1e-3 }
    run("adam", acfg, 3)
    assert.are.equal(3, acfg.t)
    assert.is_true(torch.isTensor(acfg.m) and torch.isTensor(acfg.v))
  end)
end)

describe("tensor functions from Torch7's maths.md and tensor.md, on the documents' examples", function()
  it("comparisons give byte masks that select and fill", function()
    local a = torch.Tensor{ 0.5694, 0.5264, 0.3041, 0.4159, 0.1677 }
    local b = torch.Tensor{ 0.2950, 0.4867, 0.9133, 0.1291, 0.1811 }
    assert.are.same({ 0, 0, 1, 0, 1 }, torch.lt(a, b):totable())
    assert.are.same({ 1, 1, 0, 1, 0 }, a:gt(b):totable())
    assert.are.same({ 1, 1, 1, 1, 1 }, torch.ne(a, b):totable())
    assert.are.equal("torch.ByteTensor", torch.type(torch.eq(a, b)))
    assert.matches("torch.ByteTensor of size 5", tostring(torch.eq(a, b)))
    a[torch.gt(a, b)] = 10
    assert.are.same({ 10, 10, 10 }, { a[1], a[2], a[4] })
    assert.are.near(0.3041, a[3], 1e-6)
    a[torch.gt(a, 1)] = -1
    assert.are.near(-3 + 0.3041 + 0.1677, a:sum(), 1e-5)
    local kept = a[a:gt(0)]
    assert.are.equal(2, kept:nElement())
    assert.are.near(0.1677, kept[2], 1e-6)
    assert.is_true(torch.all(torch.ones(3)))
    local c = torch.ones(3); c[2] = 0
    assert.is_false(torch.all(c)); assert.is_true(torch.any(c)); assert.is_false(torch.any(c:zero()))
    -- maskedSelect / maskedFill / maskedCopy: the counts must match, the shapes need not
    local x = torch.range(1, 12):view(3, 4)
    local mask = torch.Tensor{ { 1, 0, 1, 0, 0, 0 }, { 1, 1, 0, 0, 0, 1 } }:gt(0)
    assert.are.same({ 1, 3, 7, 8, 12 }, x:maskedSelect(mask):totable())
    local y = torch.range(1, 4):view(1, 4)
    y:maskedFill(torch.Tensor{ { 0, 0 }, { 1, 1 } }:gt(0), -1)
    assert.are.same({ { 1, 2, -1, -1 } }, y:totable())
    local z = torch.Tensor{ 0, 0, 0, 0 }
    z:maskedCopy(torch.Tensor{ 0, 1, 0, 1 }:gt(0), torch.Tensor{ 10, 20 })
    assert.are.same({ 0, 10, 0, 20 }, z:totable())
  end)

  it("cat joins along the last dimension or the one given", function()
    assert.are.same({ 1, 1, 1, 0, 0 }, torch.cat(torch.ones(3), torch.zeros(2)):totable())
    assert.are.same({ 5, 2 }, torch.cat(torch.ones(3, 2), torch.zeros(2, 2), 1):size():totable())
    assert.are.same({ { 1, 1, 0, 0 }, { 1, 1, 0, 0 } }, torch.cat(torch.ones(2, 2), torch.zeros(2, 2), 2):totable())
    assert.are.same({ 7, 2 }, torch.cat({ torch.ones(2, 2), torch.zeros(2, 2), torch.rand(3, 2) }, 1):size():totable())
    assert.error_matches(function() torch.cat(torch.ones(2, 2), torch.ones(3, 3), 1) end, "has size 3 in dimension 2")
  end)

  it("sort returns the values and the 1-based indices along a dimension", function()
    local x = torch.Tensor{ { -1.2470, -0.4288, -0.5337 }, { 0.8836, -0.1622, 0.9604 }, { 0.6297, 0.2397, 0.0746 } }
    local y, i = torch.sort(x)
    assert.are.same({ { 1, 3, 2 }, { 2, 1, 3 }, { 3, 2, 1 } }, i:totable())
    assert.are.near(-0.5337, y[1][2], 1e-6)
    local _, j = x:sort(1, true)
    assert.are.same({ { 2, 3, 2 }, { 3, 2, 3 }, { 1, 1, 1 } }, j:totable())
  end)

  it("cumsum, cumprod, prod, var, std, median, kthvalue, cmax and cmin as the documents show", function()
    local A = torch.Tensor{ { 1, 4, 7 }, { 2, 5, 8 }, { 3, 6, 9 } }
    assert.are.same({ { 1, 4, 7 }, { 2, 20, 56 }, { 6, 120, 504 } }, torch.cumprod(A):totable())
    assert.are.same({ { 1, 4, 28 }, { 2, 10, 80 }, { 3, 18, 162 } }, torch.cumprod(A, 2):totable())
    assert.are.same({ 1, 2, 6, 24, 120 }, torch.cumprod(torch.range(1, 5)):totable())
    local c = torch.Tensor{ { 1, 2 }, { 3, 4 } }
    assert.are.same({ { 1, 2 }, { 4, 6 } }, torch.cumsum(c):totable())
    c:cumsum(2)
    assert.are.same({ { 1, 3 }, { 3, 7 } }, c:totable())
    local a = torch.Tensor{ { { 1, 2 }, { 3, 4 } }, { { 5, 6 }, { 7, 8 } } }
    assert.are.same({ { { 5, 12 }, { 21, 32 } } }, torch.prod(a, 1):totable())
    assert.are.same({ { { 3, 8 } }, { { 35, 48 } } }, torch.prod(a, 2):totable())
    assert.are.equal(24, torch.prod(torch.Tensor{ 1, 2, 3, 4 }))
    assert.are.near(5 / 3, torch.var(torch.Tensor{ 1, 2, 3, 4 }), 1e-12)
    assert.are.near(1.25, torch.var(torch.Tensor{ 1, 2, 3, 4 }, true), 1e-12)
    assert.are.near(math.sqrt(8), torch.std(torch.Tensor{ { 1, 3 }, { 2, 6 } }, 2)[2][1], 1e-5)
    local x = torch.Tensor{ { 0.7860, 0.7687, -0.9362 }, { 0.0411, 0.5407, -0.3616 }, { -0.0129, -0.2499, -0.5786 } }
    local _, i = torch.median(x)
    assert.are.same({ { 2 }, { 1 }, { 2 } }, i:totable())
    local y1, i1 = torch.median(x, 1)
    assert.are.same({ { 2, 2, 3 } }, i1:totable())
    assert.are.near(-0.5786, y1[1][3], 1e-6)
    local v, k = torch.kthvalue(torch.Tensor{ 5, 1, 4, 2 }, 3)
    assert.are.same({ 4 }, v:totable()); assert.are.same({ 3 }, k:totable())
    assert.are.same({ 3, 2, 3 }, torch.cmax(torch.Tensor{ 1, 2, 3 }, torch.Tensor{ 3, 2, 1 }):totable())
    assert.are.same({ 2, 2, 3 }, torch.cmax(torch.Tensor{ 1, 2, 3 }, 2):totable())
    assert.are.same({ 1, 2, 1 }, torch.cmin(torch.Tensor{ 1, 2, 3 }, torch.Tensor{ 3, 2, 1 }):totable())
    local z = torch.Tensor{ 1, 2, 3 }
    z:cmin(2)
    assert.are.same({ 1, 2, 2 }, z:totable())
  end)

  it("mv, ger, addmv, addmm and addr as maths.md shows them", function()
    local x, y = torch.range(1, 3), torch.range(1, 2)
    local M = torch.Tensor(3, 2):zero()
    assert.are.same({ { 1, 2 }, { 2, 4 }, { 3, 6 } }, M:addr(x, y):totable())
    assert.are.same({ { 3, 6 }, { 6, 12 }, { 9, 18 } }, M:addr(2, 1, x, y):totable())
    local A = torch.range(1, 6):view(3, 2)
    assert.are.same({ { 3, 6 }, { 8, 12 }, { 13, 18 } }, M:addr(2, A, 1, x, y):totable())
    assert.are.same({ 12, 12, 12 }, torch.Tensor(3):fill(0):addmv(torch.Tensor(3, 2):fill(3), torch.Tensor(2):fill(2)):totable())
    assert.are.same({ { 4, 4 }, { 4, 4 } }, torch.addmm(torch.ones(2, 2), torch.ones(2, 3), torch.ones(3, 2)):totable())
    local r = torch.zeros(2, 2)
    torch.addmm(r, torch.ones(2, 2), 2, torch.ones(2, 3), torch.ones(3, 2))
    assert.are.same({ { 7, 7 }, { 7, 7 } }, r:totable())
    assert.are.same({ 3, 7 }, torch.mv(torch.Tensor{ { 1, 2 }, { 3, 4 } }, torch.Tensor{ 1, 1 }):totable())
    assert.are.same({ { 1, 2, 3 }, { 2, 4, 6 } }, torch.ger(torch.Tensor{ 1, 2 }, torch.Tensor{ 1, 2, 3 }):totable())
  end)

  it("select, split and chunk give views; repeatTensor repeats", function()
    local m = torch.range(1, 12):view(4, 3)
    m:select(1, 2):fill(0)                                   -- a view: the fill writes through
    assert.are.same({ 0, 0, 0 }, m[2]:totable())
    local parts = m:split(3)
    assert.are.equal(2, #parts); assert.are.equal(1, parts[2]:size(1))
    parts[2]:fill(-1)
    assert.are.same({ -1, -1, -1 }, m[4]:totable())
    assert.are.equal(2, m:chunk(2)[2]:size(1))
    m:select(2, 1):fill(5)                                   -- a column: a strided view, written through
    assert.are.same({ 5, 5, 5, 5 }, m:select(2, 1):totable())
    assert.are.same({ 5, 0, 0 }, m[2]:totable())
    assert.error_matches(function() torch.range(1, 3):select(1, 1) end, "index the element")
    local x = torch.Tensor{ 1, 2, 3 }
    assert.are.same({ { 1, 2, 3, 1, 2, 3 }, { 1, 2, 3, 1, 2, 3 } }, torch.repeatTensor(x, 2, 2):totable())
    assert.are.same({ 3, 2, 3 }, torch.repeatTensor(x, 3, 2, 1):size():totable())
    assert.are.same({ { 1, 2 }, { 3, 4 }, { 1, 2 }, { 3, 4 } }, torch.Tensor{ { 1, 2 }, { 3, 4 } }:repeatTensor(2, 1):totable())
  end)

  it("squeeze, apply, map, map2, random fills and rounding", function()
    assert.are.same({ 2, 2 }, torch.Tensor(2, 1, 2, 1):squeeze():size():totable())
    assert.are.same({ 2, 2, 1 }, torch.Tensor(2, 1, 2, 1):squeeze(2):size():totable())
    local i = 0
    local z = torch.Tensor(3, 3):apply(function() i = i + 1; return i end)
    assert.are.same({ { 1, 2, 3 }, { 4, 5, 6 }, { 7, 8, 9 } }, z:totable())
    local sum = 0
    z:apply(function(v) sum = sum + v end)                 -- returning nothing leaves the tensor as it was
    assert.are.equal(45, sum); assert.are.equal(45, z:sum())
    z:map(torch.range(1, 9), function(a, b) return a * b end)
    assert.are.same({ { 1, 4, 9 }, { 16, 25, 36 }, { 49, 64, 81 } }, z:totable())
    z:map2(torch.range(1, 9), torch.ones(3, 3), function(a, b, c) return a - b * c end)
    assert.are.same({ { 0, 2, 6 }, { 12, 20, 30 }, { 42, 56, 72 } }, z:totable())
    torch.manualSeed(4)
    local u = torch.Tensor(1000):uniform(2, 3)
    assert.is_true(u:min() >= 2 and u:max() < 3)
    local n = torch.Tensor(4000):normal(1, 2)
    assert.are.near(1, n:mean(), 0.15)
    assert.are.near(300, torch.Tensor(1000):bernoulli(0.3):sum(), 60)
    assert.are.same({ -2, -0, 1, 3 }, torch.round(torch.Tensor{ -1.5, -0.4, 0.5, 2.5 }):totable())
    assert.are.same({ -1, 0, 1 }, torch.sign(torch.Tensor{ -2, 0, 3 }):totable())
    assert.are.same({ -2, 1 }, torch.Tensor{ -1.5, 1.2 }:floor():totable())
    assert.are.same({ -1, 2 }, torch.Tensor{ -1.5, 1.2 }:ceil():totable())
  end)

  it("sum, mean, max and min along dimension 1 of a tall matrix, Torch7's first index on ties", function()
    local n = 700
    local x = torch.Tensor(n, 3)
    for i = 1, n do x[i][1] = i; x[i][2] = (i % 7 == 3) and 9 or 1; x[i][3] = 1000 + 0.001 * i end
    assert.are.same({ { n * (n + 1) / 2, 0, 0 } }, { { x:sum(1)[1][1], 0, 0 } })
    assert.are.near(1000 * n + 0.001 * n * (n + 1) / 2, x:sum(1)[1][3], 0.5)
    assert.are.near((n + 1) / 2, x:mean(1)[1][1], 1e-4)
    local v, i = x:max(1)
    assert.are.same({ n, 9 }, { v[1][1], v[1][2] })
    assert.are.near(1000 + 0.001 * n, v[1][3], 1e-3)
    assert.are.same({ { n, 3, n } }, i:totable())
    v, i = x:min(1)
    assert.are.same({ { 1, 1, 1 } }, i:totable())
    assert.are.same({ 1, 3 }, x:sum(1):size():totable())
  end)
end)

describe("nn.BatchNormalization (torch/nn BatchNormalization.lua)", function()
  it("normalises over the batch while training, uses its running statistics when evaluated, and saves them", function()
    torch.manualSeed(2)
    local bn = nn.BatchNormalization(2)
    bn.weight:fill(1)
    local x = torch.Tensor{ { 1, 10 }, { 3, 20 }, { 5, 30 } }
    local y = bn:forward(x)
    assert.are.near(0, y:mean(1)[1][1], 1e-6)
    assert.are.near(-1.2247, y[1][1], 1e-3)
    assert.are.equal(0, #nn.BatchNormalization(3, 1e-5, 0.1, false):parameters())
    local w = torch.Tensor{ 1, 2 }
    local net = nn.Sequential():add(nn.Linear(2, 2)):add(bn)
    torch.save("spec-out/bn.t7", net)
    local back = torch.load("spec-out/bn.t7")
    net:evaluate(); back:evaluate()
    assert.are.same(net:forward(w):totable(), back:forward(w):totable())
    assert.error_matches(function() nn.BatchNormalization(2):forward(torch.ones(1, 2)) end, "needs at least 2 rows")
  end)
end)

describe("torch.save and torch.load of Lua values", function()
  it("keep tables with shared references and cycles, exact numbers, bytes, tensors and modules", function()
    local model = nn.Sequential():add(nn.Linear(2, 3)):add(nn.Tanh())
    local shared = { 1, 2, 3 }
    local value = { model = model, mean = torch.Tensor{ 1.5, -2 }, a = shared, b = shared, [7] = "seven", [2.5] = true,
                    opt = { lr = 0.1, epochs = 12, name = "run \"1\"\n\200\255", big = 2 ^ 53 + 1, flag = false, inf = math.huge } }
    value.self = value
    torch.save("spec-out/value.t7", value)
    local back = torch.load("spec-out/value.t7")
    assert.are.equal(0.1, back.opt.lr)
    assert.are.equal("integer", math.type(back.opt.epochs))
    assert.are.equal(value.opt.name, back.opt.name)
    assert.are.equal(value.opt.big, back.opt.big)
    assert.is_false(back.opt.flag)
    assert.are.equal(math.huge, back.opt.inf)
    assert.are.equal(back.a, back.b)                 -- one table, as saved
    assert.are.equal(back, back.self)                -- the cycle kept
    assert.are.equal("seven", back[7]); assert.is_true(back[2.5])
    assert.are.same({ 1.5, -2 }, back.mean:totable())
    local x = torch.Tensor{ 0.3, -0.4 }
    assert.are.same(model:forward(x):totable(), back.model:forward(x):totable())
  end)

  it("refuse functions and other objects, naming where they are, and leave the old file", function()
    torch.save("spec-out/keep.t7", { n = 1 })
    assert.error_matches(function() torch.save("spec-out/keep.t7", { f = function() end }) end, 'the value%["f"%] is a function')
    assert.error_matches(function() torch.save("spec-out/keep.t7", { deep = { co = coroutine.create(print) } }) end, 'the value%["deep"%]%["co"%] is a thread')
    assert.are.equal(1, torch.load("spec-out/keep.t7").n)
    -- a model and its optimizer still save as a checkpoint
    local m = nn.Linear(2, 2)
    torch.save("spec-out/model.t7", m, optim.Adam(m))
    local back, opt = torch.load("spec-out/model.t7")
    assert.is_not_nil(opt)
    assert.are.equal("nn.Linear(2 -> 2)", tostring(back))
  end)
end)

describe("tensor methods with Torch7's meaning", function()
  it("addcmul, addcdiv and dot", function()
    local t = torch.Tensor{ 1, 1, 1 }
    t:addcmul(2, torch.Tensor{ 1, 2, 3 }, torch.Tensor{ 4, 5, 6 })
    assert.are.same({ 9, 21, 37 }, t:totable())
    t:addcmul(torch.Tensor{ 1, 1, 1 }, torch.Tensor{ 1, 1, 1 })          -- the value defaults to 1
    assert.are.same({ 10, 22, 38 }, t:totable())
    t:addcdiv(-1, torch.Tensor{ 10, 22, 38 }, torch.Tensor{ 2, 2, 2 })
    assert.are.same({ 5, 11, 19 }, t:totable())
    assert.are.equal(5 * 1 + 11 * 2 + 19 * 3, t:dot(torch.Tensor{ 1, 2, 3 }))
    assert.are.equal("number", type(torch.ones(2, 2):dot(torch.ones(2, 2))))
  end)

  it("res:add(x, y) puts x + y in res, and res:add(x, v, y) puts x + v y", function()
    local res = torch.zeros(3)
    res:add(torch.Tensor{ 1, 2, 3 }, torch.Tensor{ 10, 20, 30 })
    assert.are.same({ 11, 22, 33 }, res:totable())
    res:add(torch.Tensor{ 1, 1, 1 }, 2, torch.Tensor{ 1, 2, 3 })
    assert.are.same({ 3, 5, 7 }, res:totable())
    res:add(res, res)                      -- aliasing
    assert.are.same({ 6, 10, 14 }, res:totable())
    res:add(1)
    res:add(2, torch.ones(3))
    assert.are.same({ 9, 13, 17 }, res:totable())
  end)

  it("csub subtracts in place and sub is a view", function()
    local t = torch.Tensor{ 5, 6, 7 }
    t:csub(1)
    t:csub(2, torch.ones(3))
    assert.are.same({ 2, 3, 4 }, t:totable())
    local m = torch.Tensor{ { 1, 2 }, { 3, 4 }, { 5, 6 } }
    local v = m:sub(2, 3)
    assert.are.equal(2, v:size(1))
    v:fill(0)
    assert.are.same({ { 1, 2 }, { 0, 0 }, { 0, 0 } }, m:totable())
    assert.are.same({ { 1, 2 } }, m:sub(-3, -3, 1, 2):totable())
    m:sub(1, 2, 1, 1):fill(9)                                -- part of dimension 2: a strided view
    assert.are.same({ { 9, 2 }, { 9, 0 }, { 0, 0 } }, m:totable())
    assert.error_matches(function() m:sub(1, 2, 1, 3) end, "sub: last index 3 outside 1..2")
  end)

  it("max and min without a dimension return one number", function()
    local t = torch.Tensor{ 1, 5, 3 }
    assert.are.equal(1, select("#", t:max()))
    local list = {}
    table.insert(list, t:max())
    table.insert(list, t:min())
    assert.are.same({ 5, 1 }, list)
    local vals, idx = torch.Tensor{ { 1, 9 }, { 4, 2 } }:max(2)
    assert.are.same({ { 9 }, { 4 } }, vals:totable())
    assert.are.same({ { 2 }, { 1 } }, idx:totable())
  end)
end)

describe("types as Torch7 names them", function()
  it("t:type() names the type and t:type(name) converts, returning a tensor", function()
    local t = torch.ones(2)
    assert.are.equal("torch.FloatTensor", t:type())
    assert.are.equal(t, t:type("torch.DoubleTensor"))
    assert.is_true(torch.isTensor(t:type("torch.FloatTensor")))
    assert.are.equal("torch.ByteTensor", t:type("torch.ByteTensor"):type())
    assert.has_error(function() t:type("torch.HalfTensor") end, "tensor:type('torch.HalfTensor'): not a tensor type here (torch.FloatTensor, torch.DoubleTensor, torch.LongTensor, torch.IntTensor, torch.ShortTensor, torch.CharTensor, torch.ByteTensor)")
  end)

  it("integer tensors hold integers exactly up to 2^24, cut toward zero as C casts, and refuse more", function()
    local l = torch.LongTensor({ 1.7, -2.7, 3, 2 ^ 24 })
    assert.are.equal("torch.LongTensor", l:type())
    assert.are.equal("torch.LongTensor", torch.type(l))
    assert.are.same({ 1, -2, 3, 2 ^ 24 }, l:totable())
    assert.has_error(function() torch.LongTensor({ 2 ^ 24 + 2 }) end, "torch.LongTensor: 16777218 is beyond 2^24, which float32 storage cannot hold exactly")
    assert.has_error(function() torch.Tensor({ 1, 2 ^ 30 }):long() end, "torch.LongTensor: 1073741824 is beyond 2^24, which float32 storage cannot hold exactly")
    assert.are.same({ 1, 0, 44, 255 }, torch.ByteTensor({ 1, 0, 300, -1 }):totable())
    assert.are.same({ 127, -128 }, torch.CharTensor({ 127, 128 }):totable())
    assert.are.same({ 0, 0, 0 }, torch.IntTensor(3):totable())
    -- maths.md: a = torch.ones(3):byte() is a mask for torch.all
    local a = torch.ones(3):byte()
    assert.are.equal("torch.ByteTensor", a:type())
    assert.is_true(torch.all(a))
    -- the type follows clone and views; conversion back gives a new float tensor
    assert.are.equal("torch.LongTensor", l:clone():type())
    assert.are.equal("torch.LongTensor", l:view(2, 2):type())
    local f = l:float()
    assert.are.equal("torch.FloatTensor", f:type())
    assert.are_not.equal(l, f)
    assert.are.equal(l, l:long())
    assert.are.equal("torch.IntTensor", l:int():type())
    local x = torch.Tensor({ 10, 20, 30 })
    assert.are.same({ 10, 30 }, x[torch.ByteTensor({ 1, 0, 1 })]:totable())
    assert.truthy(tostring(l):find("%[torch.LongTensor of size 4%]"))
    -- indices come back as LongTensor
    local _, i = torch.Tensor({ { 1, 9 }, { 4, 2 } }):max(2)
    assert.are.equal("torch.LongTensor", i:type())
    assert.are.equal("torch.LongTensor", select(2, torch.sort(x)):type())
    assert.are.equal("torch.DoubleTensor", torch.getdefaulttensortype())
    torch.setdefaulttensortype("torch.FloatTensor")
    assert.are.equal("torch.FloatTensor", torch.getdefaulttensortype())
    torch.setdefaulttensortype("torch.DoubleTensor")
    assert.has_error(function() torch.setdefaulttensortype("torch.LongTensor") end)
  end)

  it("integer tensors compute as Torch7's C functions for their type do", function()
    local l = torch.LongTensor{ 5, -7, 9 }
    l:div(2)                                                 -- C's integer division cuts toward zero
    assert.are.same({ 2, -3, 4 }, l:totable())
    assert.are.equal("integer", math.type(l[1]))             -- elements read as Lua integers
    l:mul(1.5)                                               -- the number is a long: 1
    assert.are.same({ 2, -3, 4 }, l:totable())
    l:add(0.9)
    assert.are.same({ 2, -3, 4 }, l:totable())
    local q = torch.LongTensor{ 3, 4 } / 2                    -- an operator keeps the type
    assert.are.equal("torch.LongTensor", torch.type(q))
    assert.are.same({ 1, 2 }, q:totable())
    assert.are.equal("torch.LongTensor", torch.type(-torch.LongTensor{ 1 }))
    local b = torch.ByteTensor{ 250 } + 10                    -- unsigned char arithmetic wraps
    assert.are.same({ 4 }, b:totable())
    local u = torch.LongTensor(50):uniform(0, 10)             -- real parameters, integer values stored
    for _, v in ipairs(u:totable()) do assert.is_true(v >= 0 and v < 10 and math.type(v) == "integer") end
    local f = torch.Tensor{ 1.5 } + 1                         -- float tensors unchanged
    assert.are.same({ 2.5 }, f:totable())
  end)

  it("numeric strings count as numbers where Torch7's C functions take numbers", function()
    local x = torch.Tensor("2", "3"):fill("1.5")
    assert.are.same({ 2, 3 }, x:size():totable())
    assert.are.equal(9, x:sum())
    assert.are.equal(2, x:narrow(2, "2", "2"):size(2))
    assert.are.equal(2, x:select("2", "1"):size(1))
    assert.error_matches(function() torch.Tensor("abc") end, "bad argument #1 to 'new' %(number expected, got string%)")
  end)

  it("model:type() is its tensor type and model:type(name) returns the model", function()
    local m = nn.Sequential():add(nn.Linear(2, 2))
    assert.are.equal("torch.FloatTensor", m:type())
    assert.are.equal(m, m:type("torch.DoubleTensor"))
    assert.are.equal(m, m:float())
  end)
end)

describe("nn.StochasticGradient", function()
  it("calls hookExample and hookIteration, decays the rate and prints Torch7's lines", function()
    torch.manualSeed(2)
    local d = {}
    for i = 1, 8 do local x = torch.rand(2); d[i] = { x, torch.Tensor{ x[1] + x[2] } } end
    function d:size() return 8 end
    local net = nn.Sequential():add(nn.Linear(2, 1))
    local sg = nn.StochasticGradient(net, nn.MSECriterion())
    sg.maxIteration = 3
    sg.learningRateDecay = 0.5
    local examples, iterations = 0, {}
    sg.hookExample = function(self, example) assert.are.equal(sg, self); examples = examples + 1 end
    sg.hookIteration = function(self, it) iterations[#iterations + 1] = it end
    local lines = {}
    local realprint = print
    print = function(s) lines[#lines + 1] = s end
    local ok, err = pcall(sg.train, sg, d)
    print = realprint
    assert.is_true(ok, err)
    assert.are.equal(24, examples)
    assert.are.same({ 1, 2, 3 }, iterations)
    assert.are.equal("# StochasticGradient: training", lines[1])
    assert.truthy(tostring(lines[2]):find("^# current error = "))
    assert.are.equal("# StochasticGradient: you have reached the maximum number of iterations", lines[#lines])
  end)
end)

describe("t[{...}] indexing", function()
  it("reads elements, rows and row ranges as views, negative indices from the end", function()
    local m = torch.Tensor{ { 1, 2, 3 }, { 4, 5, 6 }, { 7, 8, 9 } }
    assert.are.equal(6, m[{ 2, 3 }])
    assert.are.equal(9, m[{ -1, -1 }])
    assert.are.same({ { 4, 5, 6 }, { 7, 8, 9 } }, m[{ { 2, 3 } }]:totable())
    assert.are.same({ 5, 6 }, m[{ 2, { 2, 3 } }]:totable())
    assert.are.same({ { 1, 2, 3 }, { 4, 5, 6 }, { 7, 8, 9 } }, m[{ {}, {} }]:totable())
    m[{ { 2, 3 } }]:fill(0)
    assert.are.same({ { 1, 2, 3 }, { 0, 0, 0 }, { 0, 0, 0 } }, m:totable())
  end)

  it("assigns numbers and tensors to any region, columns included", function()
    local m = torch.zeros(3, 3)
    m[{ {}, 2 }] = 7
    m[{ 1, { 2, 3 } }] = torch.Tensor{ 10, 11 }
    m[{ { 2, 3 }, { 1, 1 } }] = torch.Tensor{ { 4 }, { 5 } }
    assert.are.same({ { 0, 10, 11 }, { 4, 7, 0 }, { 5, 7, 0 } }, m:totable())
    assert.has_error(function() m[{ {}, 1 }] = torch.ones(2) end)
  end)

  it("reads any region as a view that writes back, columns included", function()
    local m = torch.zeros(3, 3)
    local col = m[{ {}, 2 }]
    col:add(3)
    assert.are.same({ { 0, 3, 0 }, { 0, 3, 0 }, { 0, 3, 0 } }, m:totable())
    assert.error_matches(function() return m[{ 5 }] end, "tensor index 5 outside 1..3")
  end)
end)

describe("printing as Torch7 prints", function()
  it("prints whole numbers as integers, one element a line for a vector", function()
    assert.are.equal(" 1\n 2\n 3\n[torch.FloatTensor of size 3]\n", tostring(torch.Tensor{ 1, 2, 3 }))
    assert.are.equal(" 2  2\n 2  2\n[torch.FloatTensor of size 2x2]\n", tostring(torch.Tensor(2, 2):fill(2)))
    assert.are.equal(" 123456\n      7\n[torch.FloatTensor of size 2]\n", tostring(torch.Tensor{ 123456, 7 }))
  end)

  it("uses four decimals, a common scale factor, or exponents as the magnitudes require", function()
    assert.are.equal(" 1.5000 -2.2500\n 3.0000  4.0000\n[torch.FloatTensor of size 2x2]\n", tostring(torch.Tensor{ { 1.5, -2.25 }, { 3, 4 } }))
    assert.are.equal("0.001 *\n 1.0000\n 2.0000\n 3.5000\n[torch.FloatTensor of size 3]\n", tostring(torch.Tensor{ 0.001, 0.002, 0.0035 }))
    assert.are.equal(" 1.0000e-05\n 1.0000e+05\n[torch.FloatTensor of size 2]\n", tostring(torch.Tensor{ 1e-5, 1e5 }))
  end)

  it("prints slices beyond two dimensions, wide matrices in column blocks, and empty tensors", function()
    assert.are.equal("(1,.,.) = \n  1  2\n  3  4\n\n(2,.,.) = \n  5  6\n  7  8\n[torch.FloatTensor of size 2x2x2]\n",
      tostring(torch.Tensor{ 1, 2, 3, 4, 5, 6, 7, 8 }:view(2, 2, 2)))
    local wide = tostring(torch.ones(1, 30))
    assert.truthy(wide:find("^Columns 1 to 26\n"))
    assert.truthy(wide:find("\n\nColumns 27 to 30\n", 1, true))
    assert.are.equal("[torch.FloatTensor with no dimension]\n", tostring(torch.Tensor()))
  end)
end)

describe("t:size()", function()
  it("is a LongStorage-like array that prints as Torch7's", function()
    local s = torch.zeros(3, 4):size()
    assert.are.equal(2, #s)
    assert.are.equal(4, s[2])
    assert.are.equal(2, s:size())
    assert.are.same({ 3, 4 }, s:totable())
    assert.are.equal(" 3\n 4\n[torch.LongStorage of size 2]\n", tostring(s))
    assert.are.equal("3x4", table.concat(s, "x"))
    assert.are.same({ 3, 4 }, torch.Tensor(s):size():totable())
  end)
end)

describe("Lua 5.1 habits of Torch7 scripts", function()
  it("has unpack, loadstring, math.pow and table.getn", function()
    assert.are.same({ 1, 2, 3 }, { unpack({ 1, 2, 3 }) })
    assert.are.equal(5, loadstring("return 2 + 3")())
    assert.is_nil((loadstring("not lua")))
    assert.are.equal(8, math.pow(2, 3))
    assert.are.equal(3, table.getn({ 7, 8, 9 }))
  end)
end)

describe("torch constructors from Torch7's maths", function()
  it("range, linspace, eye and randperm", function()
    assert.are.same({ 2, 3, 4, 5 }, torch.range(2, 5):totable())
    assert.near(torch.Tensor{ 2, 3.2, 4.4 }, torch.range(2, 5, 1.2), 1e-6)
    assert.are.same({ 5, 4, 3 }, torch.range(5, 3, -1):totable())
    assert.are.equal(100, torch.linspace(0, 1):nElement())
    assert.near(torch.Tensor{ 0, 0.25, 0.5, 0.75, 1 }, torch.linspace(0, 1, 5), 1e-6)
    assert.are.same({ { 1, 0, 0 }, { 0, 1, 0 } }, torch.eye(2, 3):totable())
    torch.manualSeed(3)
    local p = torch.randperm(10):totable()
    table.sort(p)
    assert.are.same({ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, p)
  end)
end)

describe("optim.ConfusionMatrix as Torch7's optim defines it", function()
  local function filled()
    local c = optim.ConfusionMatrix({ "cat", "dog" })
    for _ = 1, 5 do c:add(1, 1) end
    c:add(2, 1)
    c:add(torch.Tensor({ 0.1, 0.9 }), 2)                                   -- scores: the first maximum
    c:batchAdd(torch.Tensor({ { 0.2, 0.8 }, { 0.3, 0.7 }, { 0.4, 0.6 } }), torch.Tensor({ 2, 2, 2 }))
    c:add(1, 0)                                                            -- a target of 0 is ignored
    return c
  end

  it("counts targets by row and predictions by column", function()
    local c = filled()
    assert.are.equal(5, c.mat[1][1]); assert.are.equal(1, c.mat[1][2])
    assert.are.equal(0, c.mat[2][1]); assert.are.equal(4, c.mat[2][2])
    c:updateValids()
    assert.near(0.9, c.totalValid, 1e-6)
    assert.near((5 / 6 + 1) / 2, c.averageValid, 1e-6)
    assert.near((5 / 6 + 4 / 5) / 2, c.averageUnionValid, 1e-6)
  end)

  it("prints as Torch7 printed it", function()
    local text = tostring(filled())
    local head = "ConfusionMatrix:\n[[       5       1]   83.333% \t[class: cat]\n [       0       4]]  100.000% \t[class: dog]\n"
    assert.are.equal(head, text:sub(1, #head))
    assert.matches(" + global correct: 90", text, 1, true)
  end)

  it("zero empties it", function()
    local c = filled()
    c:zero()
    assert.are.equal(0, c.mat:sum())
    assert.are.equal(0, c.totalValid)
  end)
end)

describe("torch.CmdLine as Torch7 defines it", function()
  local function cmdline()
    local cmd = torch.CmdLine()
    cmd:text("Options")
    cmd:option("-seed", 123, "initial random seed")
    cmd:option("-lr", 0.1, "learning rate")
    cmd:option("-cuda", false, "use the gpu")
    cmd:option("-save", "results", "where to save")
    return cmd
  end

  it("gives the defaults, typed values and flags", function()
    local opt = cmdline():parse({ "-lr", "0.5", "-cuda", "-save", "out" })
    assert.are.same({ seed = 123, lr = 0.5, cuda = true, save = "out" }, opt)
    assert.are.same({ seed = 123, lr = 0.1, cuda = false, save = "results" }, cmdline():parse({}))
  end)

  it("names runs by the options that differ from their defaults", function()
    local cmd = cmdline()
    assert.are.equal("exp,cuda=t,lr=0.5", cmd:string("exp", cmd:parse({ "-lr", "0.5", "-cuda" }), {}))
  end)

  it("takes positional arguments and refuses what it does not know", function()
    local cmd = cmdline()
    cmd:argument("-data", "the data file")
    assert.are.equal("train.csv", cmd:parse({ "train.csv", "-seed", "7" }).data)
    assert.has_error(function() cmdline():parse({ "-bogus" }) end, "invalid argument: -bogus")
    assert.has_error(function() cmdline():parse({ "-lr", "fast" }) end, "invalid type for option -lr (should be number)")
    assert.has_error(function() cmd:parse({}) end, "not enough arguments")
    assert.has_error(function() torch.CmdLine():option("-x", nil, "no default") end, "option -x has no default value")
  end)
end)

describe("search and index functions (tensor.md, maths.md)", function()
  it("topk: the k smallest along the last dimension, or the k largest with dir", function()
    local x = torch.Tensor({ 3, 1, 2, 5 })
    local v, i = torch.topk(x, 2)
    assert.are.same({ 1, 2 }, v:totable())
    assert.are.same({ 2, 3 }, i:totable())
    assert.are.equal("torch.LongTensor", i:type())
    v, i = x:topk(3, 1, true, true)
    assert.are.same({ 5, 3, 2 }, v:totable())
    assert.are.same({ 4, 1, 3 }, i:totable())
    v, i = torch.topk(torch.Tensor({ { 4, 1, 3 }, { 0, 9, 8 } }), 1, 2, true)
    assert.are.same({ { 4 }, { 9 } }, v:totable())
    assert.are.same({ { 1 }, { 2 } }, i:totable())
    assert.has_error(function() torch.topk(x, 5) end, "topk: k = 5 outside 1..4 (the size of dimension 1)")
  end)

  it("mode: the most frequent value, the smallest of equally frequent ones, and where it is", function()
    local v, i = torch.Tensor({ { 1, 1, 2 }, { 3, 2, 2 }, { 5, 4, 6 } }):mode()
    assert.are.same({ { 1 }, { 2 }, { 4 } }, v:totable())
    assert.are.equal(1, v[1][1])
    assert.are.equal(3, i[2][1])
    assert.are.equal(2, i[3][1])
    v = torch.mode(torch.Tensor({ { 7, 8 }, { 7, 9 }, { 1, 9 } }), 1)
    assert.are.same({ { 7, 9 } }, v:totable())
  end)

  it("nonzero: the subscripts of the non-zero elements, as tensor.md's example", function()
    local x = torch.Tensor({ { 2, 0, 2, 0 }, { 0, 0, 1, 2 }, { 0, 2, 2, 1 }, { 2, 1, 2, 2 } }):int()
    local nz = torch.nonzero(x)
    assert.are.equal("torch.LongTensor", nz:type())
    assert.are.same({ 11, 2 }, nz:size():totable())
    assert.are.same({ { 1, 1 }, { 1, 3 }, { 2, 3 }, { 2, 4 }, { 3, 2 }, { 3, 3 }, { 3, 4 }, { 4, 1 }, { 4, 2 }, { 4, 3 }, { 4, 4 } }, nz:totable())
    assert.are.same({ { 2, 3 }, { 3, 4 }, { 4, 2 } }, x:eq(1):nonzero():totable())
  end)

  it("index, indexCopy, indexAdd and indexFill along any dimension, as tensor.md's examples", function()
    local m = torch.Tensor({ { 1, 2, 3 }, { 4, 5, 6 } })
    assert.are.same({ { 3, 1 }, { 6, 4 } }, m:index(2, torch.LongTensor({ 3, 1 })):totable())
    assert.are.same({ { 4, 5, 6 }, { 1, 2, 3 }, { 4, 5, 6 } }, m:index(1, torch.LongTensor({ 2, 1, 2 })):totable())
    local res = torch.Tensor(2, 1)
    res:index(m, 2, torch.LongTensor({ 2 }))
    assert.are.same({ { 2 }, { 5 } }, res:totable())
    local x = torch.zeros(5, 5)
    local z = torch.Tensor({ { -1, -2 }, { -1, -2 }, { -1, -2 }, { -1, -2 }, { -1, -2 } })
    x:indexCopy(2, torch.LongTensor({ 5, 1 }), z)
    assert.are.same({ -2, 0, 0, 0, -1 }, x[3]:totable())
    local a = torch.range(1, 5)
    a:indexAdd(1, torch.LongTensor({ 1, 1, 3, 3 }), torch.range(1, 4))
    assert.are.same({ 4, 2, 10, 4, 5 }, a:totable())
    local f = torch.ones(5, 5)
    f:indexFill(2, torch.LongTensor({ 4, 2 }), -10)
    assert.are.same({ 1, -10, 1, -10, 1 }, f[5]:totable())
    assert.has_error(function() m:index(2, torch.LongTensor({ 4 })) end, "index: index 4 (position 1) outside 1..3 of dimension 2")
    assert.has_error(function() x:indexCopy(2, torch.LongTensor({ 1 }), torch.ones(3)) end, "indexCopy: the source must hold 1 slices of 5 elements (3 given)")
  end)
end)

describe("paths, as torch/paths has it", function()
  it("splits and joins names as paths.c does on Unix", function()
    assert.are.equal("c.lua", paths.basename("/a/b/c.lua"))
    assert.are.equal("c", paths.basename("/a/b/c.lua", "lua"))
    assert.are.equal("c", paths.basename("/a/b/c.lua", ".lua"))
    assert.are.equal("b", paths.basename("a/b/"))
    assert.are.equal("/a/b", paths.dirname("/a/b/c.lua"))
    assert.are.equal(".", paths.dirname("c.lua"))
    assert.are.equal("/", paths.dirname("/c"))
    assert.are.equal("t7", paths.extname("runs/model.t7"))
    assert.is_nil(paths.extname("runs/model"))
    assert.are.equal("/etc/f", paths.concat("/tmp", "../etc", "./f"))
    assert.are.equal(paths.cwd() .. "/data/x.t7", paths.concat("data", "x.t7"))
    assert.are.equal(paths.cwd(), paths.concat())
  end)

  it("filep and dirp answer for readable places and refuse the others", function()
    assert.is_true(paths.dirp(paths.cwd()))
    assert.is_false(paths.filep(paths.concat("no-such-file.t7")))
    assert.has_error(function() paths.filep("/etc/passwd") end)
  end)
end)

describe("optim.asgd and optim.rprop (torch/optim asgd.lua, rprop.lua)", function()
  -- f = 0.5 |x - c|^2 on three coordinates; the references follow the two files' update rules in
  -- plain Lua numbers.
  local c = { 1, -2, 3 }
  local function feval(x)
    local d = x - torch.Tensor(c)
    return 0.5 * torch.cmul(d, d):sum(), d
  end

  it("asgd decays, steps and averages as asgd.lua", function()
    local cfg = { eta0 = 0.3, lambda = 0.01, alpha = 0.75, t0 = 2 }
    local x = torch.zeros(3)
    local rx, rax, eta, mu, t = { 0, 0, 0 }, { 0, 0, 0 }, 0.3, 1, 0
    for _ = 1, 6 do
      local _, fs, ax = optim.asgd(feval, x, cfg)
      for i = 1, 3 do
        local g = rx[i] - c[i]
        rx[i] = rx[i] * (1 - 0.01 * eta) - eta * g
        if mu ~= 1 then rax[i] = rax[i] + mu * (rx[i] - rax[i]) else rax[i] = rx[i] end
      end
      t = t + 1
      eta = 0.3 / (1 + 0.01 * 0.3 * t) ^ 0.75
      mu = 1 / math.max(1, t - 2)
      for i = 1, 3 do
        assert.are.near(rx[i], x[i], 1e-5)
        assert.are.near(rax[i], ax[i], 1e-5)
      end
      assert.are.equal("number", type(fs[1]))
    end
  end)

  it("rprop grows and shrinks its step sizes as rprop.lua", function()
    local x, state = torch.Tensor({ 0, 0, 0 }), {}
    local rx, delta, step = { 0, 0, 0 }, { 0, 0, 0 }, { 0.1, 0.1, 0.1 }
    for _ = 1, 25 do
      optim.rprop(feval, x, state)
      for i = 1, 3 do
        local g = rx[i] - c[i]
        local s = g * delta[i]
        local f = s > 0 and 1.2 or (s < 0 and 0.5 or 1)
        step[i] = math.min(50, math.max(1e-6, step[i] * f))
        if s < 0 then g = 0 end
        local sign = g > 0 and 1 or (g < 0 and -1 or 0)
        rx[i] = rx[i] - sign * step[i]
        delta[i] = g
      end
      for i = 1, 3 do assert.are.near(rx[i], x[i], 1e-4) end
    end
    for i = 1, 3 do assert.are.near(c[i], x[i], 0.05) end
  end)

  it("torch.tic/toc and the thread count", function()
    local t = torch.tic()
    assert.is_true(torch.toc(t) >= 0)
    local before = torch.getnumthreads()
    torch.setnumthreads(1)
    assert.are.equal(1, torch.getnumthreads())
    torch.setnumthreads(before)
    assert.has_error(function() torch.setnumthreads(0) end, "torch.setnumthreads: expected a whole number of threads, got 0")
  end)
end)

describe("optim.lswolfe and optim.polyinterp (torch/optim lswolfe.lua, polyinterp.lua)", function()
  local function rosenbrock(x)
    local a, b = x[1], x[2]
    return (1 - a) ^ 2 + 100 * (b - a * a) ^ 2, torch.Tensor({ -2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a) })
  end

  it("lbfgs with the Wolfe line search solves optim's Rosenbrock test from the origin", function()
    local x = torch.Tensor(2):fill(0)
    local xr, fx, evals = optim.lbfgs(rosenbrock, x, { maxIter = 100, lineSearch = optim.lswolfe })
    assert.are.near(1, xr[1], 1e-3)
    assert.are.near(1, xr[2], 1e-3)
    assert.is_true(fx[#fx] < 1e-6)
    assert.is_true(evals <= 125, "within maxEval: " .. evals)
  end)

  it("takes a first step that meets the Wolfe conditions as it is", function()
    local target = torch.Tensor({ 3, -1 })
    local q = function(x) local d = x - target; return torch.cmul(d, d):sum(), d * 2 end
    local f, g, x, t, evals = optim.lswolfe(q, torch.zeros(2), 1, target:clone(), 10, torch.Tensor({ -6, 2 }), -20)
    assert.are.equal(0, f)
    assert.are.equal(1, t)
    assert.are.equal(1, evals)
    assert.are.same({ 3, -1 }, x:totable())
    assert.are.same({ 0, 0 }, g:totable())
  end)

  it("polyinterp: the cubic's minimum between two points, and Torch7's refusal of bounds", function()
    -- f = (x - 1)^2 from x = 0 (f 1, f' -2) and x = 3 (f 4, f' 4): the minimum is at 1
    assert.are.near(1, optim.polyinterp(torch.Tensor({ { 0, 1, -2 }, { 3, 4, 4 } })), 1e-6)
    assert.are.near(1, optim.polyinterp(torch.Tensor({ { 3, 4, 4 }, { 0, 1, -2 } })), 1e-6)
    assert.has_error(function() optim.polyinterp(torch.Tensor({ { 0, 1, -2 }, { 3, 4, 4 } }), 0, 5) end,
      "<optim.polyinterp> extrapolation not implemented yet...")
  end)
end)
