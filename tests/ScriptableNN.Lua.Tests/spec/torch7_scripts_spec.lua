-- The API patterns of the public Torch7 training scripts listed in STUDIED.md, each written here
-- afresh on small generated data (the scripts' own code stays theirs), with the outcome their
-- authors printed as the expectation: a loss that falls, a confusion matrix that fills.

-- Three Gaussian blobs in 4-D, labels 1..3.
local function blobs(n, seed)
  torch.manualSeed(seed)
  local x, y = torch.randn(n, 4), torch.Tensor(n)
  for i = 1, n do
    local c = (i - 1) % 3 + 1
    y[i] = c
    x[i][c] = x[i][c] + 3
  end
  return x, y
end

describe("torch/demos train-on-mnist.lua and torch/tutorials 2_supervised/4_train.lua", function()
  it("a feval over a table of samples, confusion:add, gradParameters:div, optim.sgd with decay, a Logger, torch.save", function()
    local x, y = blobs(90, 1)
    local trainData = { data = x, labels = y, size = function() return 90 end }
    local classes = { "1", "2", "3" }
    local model = nn.Sequential()
    model:add(nn.Linear(4, 8))
    model:add(nn.Tanh())
    model:add(nn.Linear(8, #classes))
    model:add(nn.LogSoftMax())
    local criterion = nn.ClassNLLCriterion()
    local parameters, gradParameters = model:getParameters()
    local confusion = optim.ConfusionMatrix(classes)
    local trainLogger = optim.Logger(paths.concat("spec-out", "train.log"))
    local opt = { batchSize = 10, learningRate = 0.1, weightDecay = 0, momentum = 0 }
    local config, accuracies = nil, {}
    for epoch = 1, 4 do
      local shuffle = torch.randperm(trainData:size())
      for t = 1, trainData:size(), opt.batchSize do
        local inputs, targets = {}, {}
        for i = t, math.min(t + opt.batchSize - 1, trainData:size()) do
          table.insert(inputs, trainData.data[shuffle[i]])
          table.insert(targets, trainData.labels[shuffle[i]])
        end
        local feval = function(w)
          if w ~= parameters then parameters:copy(w) end
          gradParameters:zero()
          local f = 0
          for i = 1, #inputs do
            local output = model:forward(inputs[i])
            f = f + criterion:forward(output, targets[i])
            model:backward(inputs[i], criterion:backward(output, targets[i]))
            confusion:add(output, targets[i])
          end
          gradParameters:div(#inputs)
          return f / #inputs, gradParameters
        end
        config = config or { learningRate = opt.learningRate, weightDecay = opt.weightDecay,
                             momentum = opt.momentum, learningRateDecay = 5e-7 }
        optim.sgd(feval, parameters, config)
      end
      confusion:updateValids()
      accuracies[epoch] = confusion.totalValid
      trainLogger:add{ ["% mean class accuracy (train set)"] = confusion.totalValid * 100 }
      confusion:zero()
    end
    assert.is_true(accuracies[4] > 0.9, "the blobs are learned: " .. accuracies[4])
    assert.is_true(accuracies[4] >= accuracies[1])
    torch.save(paths.concat("spec-out", "model.net"), model)
    local back = torch.load(paths.concat("spec-out", "model.net"))
    assert.are.same(model:forward(x[1]):totable(), back:forward(x[1]):totable())
  end)

  it("one-hot targets from an index tensor: sample[2]:clone():max(1) then squeeze", function()
    local onehot = torch.Tensor({ 0, 0, 1, 0 })
    local _, target = onehot:clone():max(1)
    target = target:squeeze()
    assert.are.equal(3, target[1])
    assert.are.equal("torch.LongTensor", torch.type(target))
  end)
end)

describe("torch/tutorials 2_supervised/3_loss.lua", function()
  it("labels turned into -1/+1 rows for MSE with t[{i, label}] = 1 and (#labels)[1]", function()
    local labels = torch.Tensor({ 2, 1, 3 })
    local size = (#labels)[1]
    local rows = torch.Tensor(size, 3)
    rows:fill(-1)
    for i = 1, size do rows[{ i, labels[i] }] = 1 end
    assert.are.same({ { -1, 1, -1 }, { 1, -1, -1 }, { -1, -1, 1 } }, rows:totable())
  end)
end)

describe("minibatch scripts (CosmosShadow/ResidualOnMnist 4_train.lua and others)", function()
  it("data:index(1, shuffle:sub(t, t + n - 1):long()), confusion:batchAdd, inputs:size()[1]", function()
    local x, y = blobs(60, 2)
    local model = nn.Sequential():add(nn.Linear(4, 3)):add(nn.LogSoftMax())
    local criterion = nn.ClassNLLCriterion()
    local parameters, gradParameters = model:getParameters()
    local confusion = optim.ConfusionMatrix({ "a", "b", "c" })
    local optimState = { learningRate = 0.5, momentum = 0.5, nesterov = true, dampening = 0, weightDecay = 1e-4 }
    local first, last
    for _ = 1, 30 do
      local shuffle = torch.randperm(60)
      local total = 0
      for t = 1, 60, 20 do
        local inputs = x:index(1, shuffle:sub(t, t + 19):long())
        local targets = y:index(1, shuffle:sub(t, t + 19):long())
        local feval = function(w)
          if w ~= parameters then parameters:copy(w) end
          gradParameters:zero()
          local output = model:forward(inputs)
          local err = criterion:forward(output, targets)
          model:backward(inputs, criterion:backward(output, targets))
          confusion:batchAdd(output, targets)
          total = total + err
          return err, gradParameters
        end
        optim.sgd(feval, parameters, optimState)
        assert.are.equal(20, inputs:size()[1])
      end
      first = first or total
      last = total
      confusion:zero()
    end
    assert.is_true(last < first / 3)
  end)

  it("torch.randperm(n):long():split(size) batches and CrossEntropyCriterion", function()
    local x, y = blobs(50, 3)
    local indices = torch.randperm(50):long():split(16)
    assert.are.equal(4, #indices)
    assert.are.equal(2, indices[4]:nElement())
    local model = nn.Sequential():add(nn.Linear(4, 3))
    local criterion = nn.CrossEntropyCriterion()
    local parameters, gradParameters = model:getParameters()
    local losses = {}
    for epoch = 1, 20 do
      local sum = 0
      for _, v in ipairs(indices) do
        local inputs, targets = x:index(1, v), y:index(1, v)
        local _, fs = optim.adam(function()
          gradParameters:zero()
          local out = model:forward(inputs)
          local l = criterion:forward(out, targets)
          model:backward(inputs, criterion:backward(out, targets))
          return l, gradParameters
        end, parameters, { learningRate = 0.05 })
        sum = sum + fs[1]
      end
      losses[epoch] = sum
    end
    assert.is_true(losses[20] < losses[1] / 2)
  end)
end)

describe("XOR as the nn docs and their copies train it (training.md; XOR_optim.lua; xor.lua)", function()
  it("a batch in torch.DoubleTensor rows with copy, getParameters and optim.sgd", function()
    torch.manualSeed(4)
    local model = nn.Sequential()
    local inputs, outputs, HUs = 2, 1, 20
    model:add(nn.Linear(inputs, HUs))
    model:add(nn.Tanh())
    model:add(nn.Linear(HUs, outputs))
    local criterion = nn.MSECriterion()
    local batchSize = 128
    local batchInputs = torch.DoubleTensor(batchSize, inputs)
    local batchLabels = torch.DoubleTensor(batchSize)
    for i = 1, batchSize do
      local input = torch.randn(2)
      batchInputs[i]:copy(input)
      batchLabels[i] = input[1] * input[2] > 0 and -1 or 1
    end
    local params, gradParams = model:getParameters()
    local optimState = { learningRate = 0.05 }
    for _ = 1, 1500 do
      optim.sgd(function()
        gradParams:zero()
        local out = model:forward(batchInputs)
        -- [batch, 1] outputs against a [batch] target: MSECriterion needs equal counts, as Torch7's
        local loss = criterion:forward(out, batchLabels)
        model:backward(batchInputs, criterion:backward(out, batchLabels))
        return loss, gradParams
      end, params, optimState)
    end
    local x = torch.Tensor(2)
    x[1] = 0.5; x[2] = 0.5
    assert.is_true(model:forward(x)[1] < 0)
    x[1] = 0.5; x[2] = -0.5
    assert.is_true(model:forward(x)[1] > 0)
  end)
end)

describe("torch/optim test_confusion.lua", function()
  it("add with a class or scores, batchAdd, a target 0 ignored, and farFrr (zero for the identity)", function()
    local classes = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }
    local cm = optim.ConfusionMatrix(#classes, classes)
    local prediction = torch.randn(#classes)
    cm:add(prediction, 3)
    cm:add(prediction, torch.randn(#classes))
    cm:batchAdd(torch.randn(8, #classes), torch.randperm(8))
    assert.are.equal(10, cm.mat:sum())
    cm:updateValids()
    assert.truthy(tostring(cm):find("global correct", 1, true))
    cm:add(prediction, 0)
    assert.are.equal(10, cm.mat:sum(), "a target of 0 is not counted")
    cm.mat = torch.eye(#classes, #classes)
    local classFrrs, classFars = cm:farFrr()
    assert.are.equal(0, classFrrs:sum() + classFars:sum())
    cm.mat = torch.Tensor({ { 3, 1 }, { 0, 0 } })
    cm.nclasses = 2
    local cf, ca, frrs, fars = cm:farFrr()
    assert.are.same({ 0.25, -1 }, cf:totable())
    assert.are.equal(1, frrs:nElement())
  end)
end)
