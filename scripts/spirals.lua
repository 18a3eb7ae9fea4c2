-- Three interleaved spirals: a classifier that needs its hidden layers.
--   snn run scripts/spirals.lua
local ds = data.spirals{n = 100, classes = 3, noise = 0.05, seed = 7}   -- 300 points, labels 1..3

torch.manualSeed(3)
local model = nn.Sequential()
  :add(nn.Linear(2, 64, {init = "he_normal"})):add(nn.ReLU())
  :add(nn.Linear(64, 64, {init = "he_normal"})):add(nn.ReLU())
  :add(nn.Linear(64, 3))

local history = train.fit{
  model = model,
  loss = nn.CrossEntropyCriterion(),
  optimizer = optim.Adam(model, {lr = 0.01}),
  data = ds,
  epochs = 200,
  batchSize = 32,
  seed = 1,
  metrics = {"loss", "accuracy"},
}

local final = train.evaluate(model, nn.CrossEntropyCriterion(), ds)
print(string.format("training accuracy %.2f%%  (loss %.4f after %d epochs)", 100 * final.accuracy, final.loss, #history))
return final.accuracy
