-- Schedules, penalties, clipping, Keras-style callbacks and resuming, from train.fit and
-- train.Trainer.

local function moons() return data.moons{ n = 64, seed = 3 } end

local function model()
  torch.manualSeed(11)
  return nn.Sequential():add(nn.Linear(2, 8)):add(nn.Tanh()):add(nn.Linear(8, 2))
end

-- The learning rate at the start of each epoch, from a trainer stepped one epoch at a time.
local function rates(options, epochs)
  local t = train.Trainer(options)
  local seen = {}
  for e = 1, epochs do
    seen[e] = t:learningRate()
    t:step(t:stepsPerEpoch())
  end
  return seen, t
end

local function near(a, b) return math.abs(a - b) < 1e-6 end

describe("learning-rate schedules", function()
  it("step: the rate falls by gamma every stepSize epochs", function()
    local net = model()
    local r = rates({ model = net, loss = nn.CrossEntropyCriterion(), optimizer = optim.SGD(net, { lr = 0.1 }),
                      data = moons(), epochs = 4, schedule = { kind = "step", stepSize = 2, gamma = 0.5 } }, 4)
    assert.is_true(near(r[1], 0.1) and near(r[2], 0.1) and near(r[3], 0.05) and near(r[4], 0.05))
  end)

  it("a linear warm-up climbs to the base rate, then the schedule starts", function()
    local net = model()
    local r = rates({ model = net, loss = nn.CrossEntropyCriterion(), optimizer = optim.SGD(net, { lr = 0.1 }),
                      data = moons(), epochs = 6,
                      schedule = { kind = "exponential", gamma = 0.5, warmup = 2, warmupStart = 0.5 } }, 5)
    assert.is_true(near(r[1], 0.05) and near(r[2], 0.075) and near(r[3], 0.1) and near(r[4], 0.05) and near(r[5], 0.025))
  end)

  it("cosine anneals to the minimum rate over the period", function()
    local net = model()
    local r = rates({ model = net, loss = nn.CrossEntropyCriterion(), optimizer = optim.SGD(net, { lr = 0.2 }),
                      data = moons(), epochs = 5, schedule = { kind = "cosine", period = 4, minRate = 0.0 } }, 5)
    assert.is_true(near(r[1], 0.2) and near(r[3], 0.1) and near(r[5], 0.0))
  end)

  it("an unknown kind or setting is named", function()
    local net = model()
    assert.error_matches(function()
      train.Trainer{ model = net, loss = nn.CrossEntropyCriterion(), data = moons(), schedule = { kind = "stair" } }
    end, "unknown schedule kind 'stair'", 1, true)
    assert.error_matches(function()
      train.Trainer{ model = net, loss = nn.CrossEntropyCriterion(), data = moons(), schedule = { kind = "step", stepsize = 2 } }
    end, "unknown option 'stepsize'", 1, true)
  end)
end)

describe("penalties and clipping", function()
  it("an L2 penalty adds to the reported loss and keeps weights smaller", function()
    local plain, decayed = model(), model()
    local h1 = train.fit{ model = plain, loss = nn.CrossEntropyCriterion(), optimizer = optim.SGD(plain, { lr = 0.1 }),
                          data = moons(), epochs = 5, verbose = false }
    local h2 = train.fit{ model = decayed, loss = nn.CrossEntropyCriterion(), optimizer = optim.SGD(decayed, { lr = 0.1 }),
                          data = moons(), epochs = 5, verbose = false, penalties = { { kind = "l2", lambda = 0.5 } } }
    local w1, w2 = plain:get(1).weight:norm(), decayed:get(1).weight:norm()
    assert.is_true(w2 < w1)
    assert.is_true(h2[1].loss > h1[1].loss)
  end)

  it("clipValue bounds every step of plain SGD", function()
    local net = model()
    local before = net:get(1).weight:clone()
    local t = train.Trainer{ model = net, loss = nn.CrossEntropyCriterion(), optimizer = optim.SGD(net, { lr = 1 }),
                             data = moons(), batchSize = 64, clipValue = 1e-3 }
    t:step(1)
    local moved = (net:get(1).weight - before):abs():max()
    assert.is_true(moved <= 1e-3 + 1e-7)
    assert.is_true(moved > 0)
  end)

  it("clipNorm bounds the joint gradient norm", function()
    local net = model()
    local before = net:get(1).weight:clone()
    local t = train.Trainer{ model = net, loss = nn.CrossEntropyCriterion(), optimizer = optim.SGD(net, { lr = 1 }),
                             data = moons(), batchSize = 64, clipnorm = 1e-3 }
    t:step(1)
    assert.is_true((net:get(1).weight - before):norm() <= 1e-3 + 1e-7)
  end)
end)

describe("callbacks", function()
  it("ReduceLROnPlateau lowers the rate after patience epochs without improvement", function()
    local net = model()
    -- min_delta so large that nothing after the first epoch counts as an improvement
    local r = rates({ model = net, loss = nn.CrossEntropyCriterion(), optimizer = optim.SGD(net, { lr = 0.1 }),
                      data = moons(), epochs = 5,
                      callbacks = { train.ReduceLROnPlateau{ monitor = "loss", factor = 0.5, patience = 1, min_delta = 1e9 } } }, 4)
    assert.is_true(near(r[1], 0.1) and near(r[2], 0.1) and near(r[3], 0.05) and near(r[4], 0.025))
  end)

  it("ModelCheckpoint saves the best epoch, which loads as a model", function()
    local net = model()
    local path = "spec-out/best.ckpt"
    local cb = train.ModelCheckpoint{ path = path, monitor = "loss" }
    train.fit{ model = net, loss = nn.CrossEntropyCriterion(), data = moons(), epochs = 3, verbose = false, callbacks = { cb } }
    local m = torch.load(path)
    assert.are.equal(m:forward(torch.zeros(1, 2)):size(2), 2)
  end)

  it("EarlyStopping from the callbacks list stops training", function()
    local net = model()
    local _, t = train.fit{ model = net, loss = nn.CrossEntropyCriterion(), data = moons(), epochs = 50, verbose = false,
                            callbacks = { train.EarlyStopping{ monitor = "loss", patience = 1, min_delta = 1e9 } } }
    assert.is_true(t:stoppedEarly())
    assert.are.equal(t:epoch(), 2)
  end)
end)

describe("resuming", function()
  local function options(net)
    return { model = net, loss = nn.CrossEntropyCriterion(), optimizer = optim.Adam(net, { lr = 0.05 }), data = moons(),
             epochs = 6, batchSize = 16, seed = 5, schedule = { kind = "step", stepSize = 2, gamma = 0.5 },
             callbacks = { train.ReduceLROnPlateau{ monitor = "loss", patience = 1, min_delta = 1e9, factor = 0.5 } } }
  end

  it("a trainer resumed from trainer:save ends with the weights of an unbroken run", function()
    local whole = model()
    local t = train.Trainer(options(whole))
    while not t:done() do t:step(5) end

    local first = model()
    local a = train.Trainer(options(first))
    a:step(a:stepsPerEpoch() * 3 + 1)           -- three epochs and one step into the fourth
    a:save("spec-out/resume.ckpt")

    local second = model()
    local o = options(second)
    o.resume = "spec-out/resume.ckpt"
    local b = train.Trainer(o)
    assert.are.equal(b:epoch(), 3)
    while not b:done() do b:step(3) end
    assert.are.equal(b:steps(), t:steps())
    assert.is_true(near(b:learningRate(), t:learningRate()))
    assert.is_true((second:get(1).weight - whole:get(1).weight):abs():max() < 1e-6)
    assert.are.equal(#b:history(), 6)
  end)
end)
