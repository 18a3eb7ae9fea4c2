-- The plain Fashion-MNIST recipe, the same as bench/fashion_mnist_torch.py runs in PyTorch:
-- 784-256-128-10 ReLU, Adam 1e-3, batch 128, 15 epochs, inputs scaled to [0, 1].
--   snn run --plain --read /usr/share/datasets/fashion-mnist bench/fashion_mnist_plain.lua
local clock = torch.Timer()
local root = "/usr/share/datasets/fashion-mnist/"
local function images(name) local raw = data.idx(root .. name); return raw:view(raw:size(1), 784):div(255) end
local function labels(name) return data.idx(root .. name):add(1) end
local xtrain, ytrain = images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz")
local xtest, ytest = images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz")
torch.manualSeed(1)
local model = nn.Sequential():add(nn.Linear(784, 256)):add(nn.ReLU()):add(nn.Linear(256, 128)):add(nn.ReLU()):add(nn.Linear(128, 10))
local loss = nn.CrossEntropyCriterion()
train.fit{model = model, loss = loss, data = {x = xtrain, y = ytrain}, optimizer = optim.Adam(model, {lr = 1e-3}),
          epochs = 15, batchSize = 128, seed = 1, verbose = false}
local test = train.evaluate(model, loss, {x = xtest, y = ytest})
print(string.format("ScriptableNN plain recipe: test accuracy %.4f (15 epochs, %.1f s)", test.accuracy, clock:time().real))
