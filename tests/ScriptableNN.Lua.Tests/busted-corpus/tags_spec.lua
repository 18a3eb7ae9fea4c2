-- Tags (#name in a test's or a describe's name) and filters select tests, as busted selects them.
describe("math #fast", function()
  it("adds", function() assert.are.equal(2, 1 + 1) end)
  it("divides #slow", function() assert.are.equal(2, 4 / 2) end)
end)

describe("storage", function()
  it("reads #db", function() assert.is_true(true) end)
  it("writes #db #slow", function() assert.is_true(true) end)
  it("caches", function() assert.is_true(true) end)
end)
