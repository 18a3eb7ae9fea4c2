describe("data", function()
  it("generates seeded spirals with 1-based labels", function()
    local a = data.spirals{n = 20, classes = 3, seed = 5}
    local b = data.spirals{n = 20, classes = 3, seed = 5}
    assert.are.equal(60, a:size())
    assert.are.same(a.x, b.x)
    assert.are.equal(1, a.y:min())
    assert.are.equal(3, a.y:max())
    local ex = a[1]                                  -- Torch7's duck-typed data set
    assert.are.equal(2, ex[1]:size(1))
  end)

  it("reads a CSV with a categorical label", function()
    local d = data.csv("../data/fruit.csv", {label = "kind", categorical = true})
    assert.are.equal(150, d:size())
    assert.are.same({"apple", "banana", "cherry"}, d.classes)
  end)

  it("names the line of a malformed CSV row", function()
    assert.error_matches(function() data.csv("bad_row.csv") end, "bad_row.csv:4", 1, true)
  end)

  it("standardises with kept statistics", function()
    local x = torch.Tensor({{1, 10}, {3, 20}, {5, 30}})
    local s = data.standardize(x)
    local z = s:transform(x)
    assert.near(0, z:sum(), 1e-5)
    assert.near(torch.Tensor({{0, 0}}), s:transform(torch.Tensor({{3, 20}})), 1e-6)
  end)

  it("one-hot encodes and splits", function()
    local oh = data.onehot(torch.Tensor({2, 1}), 3)
    assert.are.same(torch.Tensor({{0, 1, 0}, {1, 0, 0}}), oh)
    local tr, va = data.moons{n = 50, seed = 1}:split(0.2, 7)
    assert.are.equal(40, tr:size())
    assert.are.equal(10, va:size())
  end)
end)
