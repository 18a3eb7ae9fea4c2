-- Noisy sine regression: y = sin(x) + N(0, 0.1^2). A good fit's validation error approaches
-- the noise variance, 0.01; it cannot go below it.
--   snn run scripts/regression.lua
local noise = 0.1
local train_set = data.sine{n = 2000, noise = noise, seed = 11}
local val_set = data.sine{n = 500, noise = noise, seed = 12}

torch.manualSeed(5)
local model = nn.Sequential()
  :add(nn.Linear(1, 64)):add(nn.Tanh())
  :add(nn.Linear(64, 64)):add(nn.Tanh())
  :add(nn.Linear(64, 1))

local history = train.fit{
  model = model,
  loss = nn.MSECriterion(),
  optimizer = optim.Adam(model, {lr = 0.005}),
  data = train_set,
  validation = val_set,
  epochs = 60,
  batchSize = 64,
  seed = 2,
  earlyStopping = {patience = 10},
}

local val = train.evaluate(model, nn.MSECriterion(), val_set)
print(string.format("validation MSE %.5f (noise variance %.5f, ratio %.3f)", val.loss, noise * noise, val.loss / (noise * noise)))
return val.loss
