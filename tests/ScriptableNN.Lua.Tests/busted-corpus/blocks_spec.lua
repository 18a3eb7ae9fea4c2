-- Run by both Debian's busted 2.1.1 and snn test; their results must agree test by test.
local order = {}
local function log(s) order[#order + 1] = s end

describe("hooks", function()
  setup(function() log("setup") end)
  teardown(function() log("teardown") end)
  lazy_setup(function() log("lazy") end)
  before_each(function() log("before") end)
  after_each(function() log("after") end)

  it("runs first", function() log("first") end)

  describe("nested", function()
    before_each(function() log("inner before") end)
    it("runs inside", function() log("inside") end)
  end)

  it("saw the order", function()
    assert.are.same({ "setup", "lazy", "before", "first", "after", "before", "inner before", "inside", "after", "before" }, order)
  end)
end)

describe("finally", function()
  local cleaned = 0
  it("cleans after a failure", function()
    finally(function() cleaned = cleaned + 1 end)
    error("deliberate")
  end)
  it("counted the cleanup", function() assert.are.equal(1, cleaned) end)
end)

describe("pending", function()
  pending("not written yet")
  it("ends a test as pending", function()
    pending("later")
    error("never reached")
  end)
end)

describe("a failing setup", function()
  setup(function() error("no resource") end)
  it("does not run", function() end)
end)

insulate("insulated", function()
  it("changes a global", function() leaked = true end)
end)

describe("after insulate", function()
  it("does not see it", function() assert.is_nil(leaked) end)
end)

describe("describe bodies run in order", function()
  local value = 1
  it("sees the first value", function() assert.are.equal(1, value) end)
  value = 2
  it("sees the last value too", function() assert.are.equal(2, value) end)
end)
