-- A classifier from a CSV file with a header: three kinds of fruit from weight, sugar and acidity.
--   snn run scripts/csv.lua
local ds = data.csv("data/fruit.csv", {label = "kind", categorical = true})
print(string.format("%d examples, %d features, classes: %s", ds:size(), ds.x:size(2), table.concat(ds.classes, ", ")))

-- Standardise with statistics kept for later inputs.
local scaler = data.standardize(ds.x)
ds.x = scaler:transform(ds.x)
local trainset, valset = ds:split(0.2, 42)

torch.manualSeed(2)
local model = nn.Sequential():add(nn.Linear(3, 16)):add(nn.ReLU()):add(nn.Linear(16, #ds.classes))
train.fit{
  model = model, loss = nn.CrossEntropyCriterion(), optimizer = optim.Adam(model, {lr = 0.02}),
  data = trainset, validation = valset, epochs = 60, batchSize = 16, seed = 3, metrics = {"loss", "accuracy"},
}
local result = train.evaluate(model, nn.CrossEntropyCriterion(), valset)
print(string.format("validation accuracy %.1f%%", 100 * result.accuracy))

-- Predict a new fruit, scaled with the training statistics.
local fruit = scaler:transform(torch.Tensor({{150, 10, 3.2}}))
local _, k = model:predict(fruit):max(2)
print("a 150 g fruit with sugar 10 and acidity 3.2 is a " .. ds.classes[k[1][1]])
return result.accuracy
