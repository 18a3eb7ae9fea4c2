-- The lecture's XOR, as a spec suite.
describe("XOR", function()
  local X = torch.Tensor({{0, 0}, {1, 0}, {0, 1}, {1, 1}})
  local Y = torch.Tensor({{0}, {1}, {1}, {0}})

  it("is computed exactly by the hand-set ReLU network", function()
    local net = nn.Sequential():add(nn.Linear(2, 2)):add(nn.ReLU()):add(nn.Linear(2, 1))
    net:get(1).weight:copy(torch.Tensor({{1, 1}, {1, 1}}))
    net:get(1).bias:copy(torch.Tensor({0, -1}))
    net:get(3).weight:copy(torch.Tensor({{1, -2}}))
    net:get(3).bias:zero()
    assert.are.same(Y, net:forward(X))
  end)

  it("defeats a linear model: MSE leaves it at w = 0, b = 1/2", function()
    torch.manualSeed(1)
    local lin = nn.Linear(2, 1)
    local mse = nn.MSECriterion()
    for i = 1, 3000 do
      lin:zeroGradParameters()
      local out = lin:forward(X)
      mse:forward(out, Y)
      lin:backward(X, mse:backward(out, Y))
      lin:updateParameters(0.2)
    end
    assert.near(torch.zeros(1, 2), lin.weight, 1e-3)
    assert.near(0.5, lin.bias[1], 1e-3)
  end)

  it("is learned by a 2-8-1 ReLU network through train.fit", function()
    torch.manualSeed(1)
    local net = nn.Sequential():add(nn.Linear(2, 8, {init = "he_normal"})):add(nn.ReLU()):add(nn.Linear(8, 1, {init = "he_normal"}))
    train.fit{model = net, loss = nn.MSECriterion(), optimizer = optim.Adam(net, {lr = 0.01}),
              data = data.xor(), epochs = 2000, batchSize = 4, shuffle = false}
    local out = net:forward(X)
    for i = 1, 4 do assert.are.equal(Y[i][1], out[i][1] > 0.5 and 1 or 0) end
  end)
end)
