-- XOR, as in the lecture: first the hand-set ReLU network that computes it exactly, then a
-- small ReLU network that learns it by gradient descent on the mean squared error.
--   snn run scripts/xor.lua [epochs]
local epochs = tonumber((...)) or 2000

local X = torch.Tensor({{0, 0}, {1, 0}, {0, 1}, {1, 1}})
local Y = torch.Tensor({{0}, {1}, {1}, {0}})

-- The lecture's solution: h = max(0, W x + c), y = w . h + b
local handset = nn.Sequential():add(nn.Linear(2, 2)):add(nn.ReLU()):add(nn.Linear(2, 1))
handset:get(1).weight:copy(torch.Tensor({{1, 1}, {1, 1}}))
handset:get(1).bias:copy(torch.Tensor({0, -1}))
handset:get(3).weight:copy(torch.Tensor({{1, -2}}))
handset:get(3).bias:zero()
local y = handset:forward(X)
print(string.format("hand-set network: %g %g %g %g", y[1][1], y[2][1], y[3][1], y[4][1]))

-- Learned: 2-8-1 ReLU network, He initialisation, Adam, full batch.
torch.manualSeed(1)
local net = nn.Sequential()
  :add(nn.Linear(2, 8, {init = "he_normal"}))
  :add(nn.ReLU())
  :add(nn.Linear(8, 1, {init = "he_normal"}))
local mse = nn.MSECriterion()
local opt = optim.Adam(net, {lr = 0.01})
for epoch = 1, epochs do
  opt:zeroGrad()
  local out = net:forward(X)
  mse:forward(out, Y)
  net:backward(X, mse:backward(out, Y))
  opt:step()
end

local out = net:forward(X)
local correct = 0
for i = 1, 4 do
  local want = Y[i][1]
  local got = out[i][1] > 0.5 and 1 or 0
  if got == want then correct = correct + 1 end
  print(string.format("  %d xor %d = %d   (network says %.3f)", X[i][1], X[i][2], want, out[i][1]))
end
print(string.format("%d/4 correct, loss %.6f", correct, mse:forward(out, Y)))
return correct
