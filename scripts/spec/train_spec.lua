describe("train", function()
  local function model()
    torch.manualSeed(9)
    return nn.Sequential():add(nn.Linear(2, 16)):add(nn.Tanh()):add(nn.Linear(16, 2))
  end

  it("gives the same weights stepping from a coroutine as in one call", function()
    local ds = data.moons{n = 64, seed = 3}
    local a, b = model(), model()
    train.fit{model = a, loss = nn.CrossEntropyCriterion(), optimizer = optim.Adam(a), data = ds, epochs = 3, batchSize = 8, seed = 4, verbose = false}
    local trainer = train.Trainer{model = b, loss = nn.CrossEntropyCriterion(), optimizer = optim.Adam(b), data = ds, epochs = 3, batchSize = 8, seed = 4}
    local co = coroutine.wrap(function()
      while not trainer:done() do trainer:step(5); coroutine.yield() end
    end)
    local frames = 0
    while not trainer:done() do co(); frames = frames + 1 end
    assert.is_true(frames > 1)
    assert.are.same(a:getParameters(), b:getParameters())
  end)

  it("calls onEpoch and stops when it returns false", function()
    local m = model()
    local calls = 0
    local history = train.fit{model = m, loss = nn.CrossEntropyCriterion(), data = data.moons{n = 32}, epochs = 10,
                              onEpoch = function(epoch, stats) calls = calls + 1; return epoch < 3 end, verbose = false}
    assert.are.equal(3, calls)
    assert.is_true(history[1].loss > 0)
  end)

  it("rejects a label outside the classes, naming the example", function()
    local m = model()
    local ds = data.dataset(torch.zeros(3, 2), torch.Tensor({1, 5, 2}))
    assert.error_matches(function() train.fit{model = m, loss = nn.CrossEntropyCriterion(), data = ds} end, "label 5 of example 2", 1, true)
  end)

  it("stops on a NaN loss naming epoch and step", function()
    local m = model()
    local x = torch.zeros(8, 2)
    x[6][1] = 0 / 0
    local ds = data.dataset(x, torch.ones(8))
    assert.error_matches(function()
      train.fit{model = m, loss = nn.CrossEntropyCriterion(), data = ds, batchSize = 4, shuffle = false, verbose = false}
    end, "epoch 1, step 2", 1, true)
  end)

  it("saves and loads a checkpoint that computes the same outputs", function()
    local m = model()
    local x = torch.rand(5, 2)
    local before = m:forward(x):clone()
    torch.save("spec-checkpoint.snn", m)
    local loaded = torch.load("spec-checkpoint.snn")
    assert.are.same(before, loaded:forward(x))
    assert.are.equal(tostring(m), tostring(loaded))
  end)
end)
