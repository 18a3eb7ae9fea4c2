-- Fashion-MNIST with a multilayer perceptron: 60,000 training images of clothing, 10 classes,
-- test accuracy on the 10,000 held-out images.
--
-- The data come from Debian's dataset-fashion-mnist package:
--   sudo apt-get install dataset-fashion-mnist
--   snn run --read /usr/share/datasets/fashion-mnist scripts/fashion_mnist.lua [epochs] [log folder]
-- (scripts/install-test-deps.sh installs it for the tests.)
local epochs = tonumber((...)) or 15
local logdir = select(2, ...)
local root = "/usr/share/datasets/fashion-mnist/"
local clock = torch.Timer()

local function images(name)
  local raw = data.idx(root .. name)                 -- [n, 28, 28], bytes 0..255
  return raw:view(raw:size(1), 28 * 28):div(255)
end
local function labels(name) return data.idx(root .. name):add(1) end   -- classes 1..10

local xtrain, ytrain = images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz")
local xtest, ytest = images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz")
-- Standardise with the training set's statistics, kept for the test set.
local scale = data.standardize(xtrain)
xtrain, xtest = scale:transform(xtrain), scale:transform(xtest)

torch.manualSeed(1)
local model = nn.Sequential()
  :add(nn.Linear(784, 256, {init = "he"})):add(nn.ReLU()):add(nn.Dropout(0.15))
  :add(nn.Linear(256, 128, {init = "he"})):add(nn.ReLU()):add(nn.Dropout(0.15))
  :add(nn.Linear(128, 10))
local loss = nn.CrossEntropyCriterion()

local history = train.fit{
  model = model, loss = loss, data = {x = xtrain, y = ytrain},
  optimizer = optim.AdamW(model, {lr = 2e-3, weight_decay = 3e-4}),
  schedule = {kind = "cosine", period = epochs - 1, minRate = 1e-5, warmup = 1, warmupStart = 0.2},
  epochs = epochs, batchSize = 128, seed = 1, metrics = {"accuracy"}, log = logdir,
}

local test = train.evaluate(model, loss, {x = xtest, y = ytest})
print(string.format("test accuracy %.4f  test loss %.4f  (%d epochs, %.1f s)", test.accuracy, test.loss, epochs, clock:time().real))
return test.accuracy
