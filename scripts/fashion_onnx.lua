-- A network trained in PyTorch, brought in through ONNX: checked against PyTorch's own accuracy,
-- fine-tuned here, then compiled and run one sample at a time as a game would each frame.
-- bench/fashion_mnist_export.py wrote data/fashion_mlp.onnx (784-128-10, 2 epochs in PyTorch).
--   snn run --read /usr/share/datasets/fashion-mnist scripts/fashion_onnx.lua
local root = "/usr/share/datasets/fashion-mnist/"
local function images(name) local raw = data.idx(root .. name); return raw:view(raw:size(1), 784):div(255) end
local function labels(name) return data.idx(root .. name):add(1) end

local net = nn.loadOnnx("data/fashion_mlp.onnx")
print(net)
local xtest, ytest = images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz")
local loss = nn.CrossEntropyCriterion()
local imported = train.evaluate(net, loss, { x = xtest, y = ytest }).accuracy
print(string.format("imported from ONNX: test accuracy %.4f", imported))

local xtrain, ytrain = images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz")
train.fit{ model = net, loss = loss, data = { x = xtrain, y = ytrain }, optimizer = optim.Adam(net, { lr = 5e-4 }),
           epochs = 2, batchSize = 128, seed = 1, verbose = false }
local tuned = train.evaluate(net, loss, { x = xtest, y = ytest }).accuracy
print(string.format("fine-tuned here: test accuracy %.4f", tuned))

-- Per frame: one sample into a preallocated output, no allocation.
local fast, y, correct = net:compile(), torch.zeros(10), 0
local n = 2000
for i = 1, n do
  fast:run(xtest[i], y)
  if y:argmax() == ytest[i] then correct = correct + 1 end
end
print(string.format("compiled, one sample at a time: %.4f on the first %d", correct / n, n))
return imported, tuned, correct / n
