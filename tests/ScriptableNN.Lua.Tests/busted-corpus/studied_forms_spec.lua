-- The block and assertion forms of the public suites in STUDIED.md, on code of our own.
local function version(s)
  local major, minor = s:match("^(%d+)%.(%d+)$")
  if not major then error("not a version: " .. tostring(s)) end
  return { major = tonumber(major), minor = tonumber(minor) }
end

context("studied forms", function()
  test("test and context are it and describe", function()
    assert.equal(1, version("1.2").major)
    assert.is.Nil(version("1.2").patch)
    assert.not_equal(version("1.2").minor, version("1.3").minor)
  end)

  it("plain assert and assert.error", function()
    assert(version("2.0").major == 2)
    assert.error(function() version("x") end)
    assert.has.error(function() version("x") end, "not a version: x")
  end)

  it("a long name given over two lines,",
  function()
    assert.falsy(nil)
    assert.is_true(version("3.4").minor == 4)
  end)

  it("#focus a tag in the name", function()
    assert.same({ major = 5, minor = 6 }, version("5.6"))
  end)

  describe("with no tests", function()
  end)
end)

describe("a telescope-era block", function()
  before(function() end)   -- telescope's name: not busted's, so this block errors in both

  it("is never reached", function()
    assert.is_true(true)
  end)
end)
