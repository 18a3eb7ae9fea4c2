-- Orders and kinds of outcome: a block that randomizes itself, nested blocks, an error that is
-- not an assertion.
describe("ordered", function()
  it("first", function() end)
  it("second", function() end)
  describe("nested", function()
    it("inner one", function() end)
    it("inner two", function() assert.are.equal(1, 2) end)
    it("inner three", function() end)
  end)
  it("third", function() local t = nil; return t.field end)
  it("fourth", function() end)
end)

describe("self-randomized", function()
  randomize(1234)
  for i = 1, 6 do
    it("case " .. i, function() end)
  end
end)
