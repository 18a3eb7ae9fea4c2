-- Modules, criterions and optimizers from Lua.
describe("nn", function()
  it("solves the lecture's XOR with the hand-set weights", function()
    local net = nn.Sequential():add(nn.Linear(2, 2)):add(nn.ReLU()):add(nn.Linear(2, 1))
    net:get(1).weight:copy(torch.Tensor({{1, 1}, {1, 1}}))
    net:get(1).bias:copy(torch.Tensor({0, -1}))
    net:get(3).weight:copy(torch.Tensor({{1, -2}}))
    net:get(3).bias:zero()
    local y = net:forward(torch.Tensor({{0, 0}, {1, 0}, {0, 1}, {1, 1}}))
    assert.near(torch.Tensor({{0}, {1}, {1}, {0}}), y, 0)
  end)

  it("trains with the object form of optim", function()
    torch.manualSeed(4)
    local net = nn.Sequential():add(nn.Linear(1, 16)):add(nn.Tanh()):add(nn.Linear(16, 1))
    local x = torch.Tensor(64, 1)
    local y = torch.Tensor(64, 1)
    for i = 1, 64 do x[i][1] = (i - 32) / 16; y[i][1] = math.sin(x[i][1]) end
    local mse = nn.MSELoss()
    local opt = optim.Adam(net:parameters(), {lr = 0.02})
    local first
    for step = 1, 400 do
      opt:zeroGrad()
      local out = net:forward(x)
      local l = mse:forward(out, y)
      first = first or l
      net:backward(x, mse:backward(out, y))
      opt:step()
    end
    assert.is_true(mse:forward(net:forward(x), y) < first / 20)
  end)

  it("names the layer and the shapes when they do not fit", function()
    local net = nn.Sequential():add(nn.Linear(3, 4)):add(nn.Linear(5, 1))
    assert.has_error(function() net:forward(torch.zeros(2, 3)) end, "layer 2")
  end)

  it("keeps PyTorch spellings as aliases", function()
    assert.are.equal(nn.SoftPlus, nn.Softplus)
    assert.are.equal(nn.CrossEntropyCriterion, nn.CrossEntropyLoss)
  end)
end)
