-- The tensor API as a Torch7 user expects it.
describe("torch.Tensor", function()
  local t
  before_each(function() t = torch.Tensor({{1, 2, 3}, {4, 5, 6}}) end)

  it("has Torch7's sizes and 1-based indexing", function()
    assert.are.equal(2, t:dim())
    assert.are.equal(3, t:size(2))
    assert.are.equal(6, t[2][3])
    assert.are.same({2, 3}, t:size())
  end)

  it("changes in place with methods and copies with operators", function()
    local u = t + 1
    assert.are.equal(1, t[1][1])
    assert.are.equal(2, u[1][1])
    t:mul(10)
    assert.are.equal(10, t[1][1])
  end)

  it("reduces", function()
    assert.are.equal(21, t:sum())
    assert.near(3.5, t:mean(), 1e-6)
    assert.are.equal(6, t:max())
  end)

  it("compares tensors with a tolerance", function()
    assert.near(t, t + 1e-7, 1e-5)
    assert.error_matches(function() assert.near(t, t + 1, 1e-5) end, "tensors differ", 1, true)
  end)

  it("reports bad arguments", function()
    assert.error_matches(function() t:size(5) end, "out of range", 1, true)
    assert.error_matches(function() t:fill("x") end, "number expected", 1, true)
  end)

  pending("views along columns")
end)
