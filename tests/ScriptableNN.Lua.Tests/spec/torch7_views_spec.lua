-- Torch7's views (torch7/doc/tensor.md: "Extracting sub-tensors", "Expanding/Replicating
-- Tensors", "Manipulating the tensor view", "Resizing"), on the document's own examples: a
-- view shares the elements of the tensor it comes from, so writes go both ways.

local function filled(rows, cols)
  local x = torch.Tensor(rows, cols)
  local i = 0
  x:apply(function() i = i + 1; return i end)
  return x
end

describe("strided views", function()
  it("select on dimension 2 is a column that writes through (tensor.md's select example)", function()
    local x = torch.Tensor(5, 6):zero()
    local y = x:select(1, 2):fill(2)
    assert.are.same({ 2, 2, 2, 2, 2, 2 }, y:totable())
    local z = x:select(2, 5):fill(5)
    assert.are.same({ 5, 5, 5, 5, 5 }, z:totable())
    assert.are.same({ { 0, 0, 0, 0, 5, 0 }, { 2, 2, 2, 2, 5, 2 }, { 0, 0, 0, 0, 5, 0 },
                      { 0, 0, 0, 0, 5, 0 }, { 0, 0, 0, 0, 5, 0 } }, x:totable())
    -- tensor.md's isContiguous/stride example: a column of a 4x5 tensor steps 5 elements
    local c = torch.Tensor(4, 5):select(2, 3)
    assert.is_false(c:isContiguous())
    assert.are.same({ 5 }, c:stride():totable())
    assert.is_true(torch.Tensor(4, 5):isContiguous())
  end)

  it("sub narrows several dimensions, negative indices from the end (tensor.md's sub example)", function()
    local x = torch.Tensor(5, 6):zero()
    local y = x:sub(2, 4):fill(1)
    assert.are.same({ 3, 6 }, y:size():totable())
    local z = x:sub(2, 4, 3, 4):fill(2)
    assert.are.same({ { 2, 2 }, { 2, 2 }, { 2, 2 } }, z:totable())
    assert.are.same({ { 0, 0, 0, 0, 0, 0 }, { 1, 1, 2, 2, 1, 1 }, { 1, 1, 2, 2, 1, 1 },
                      { 1, 1, 2, 2, 1, 1 }, { 0, 0, 0, 0, 0, 0 } }, x:totable())
    assert.are.same({ { 2, 2 } }, y:sub(-1, -1, 3, 4):totable())
    assert.error_matches(function() x:sub(2, 9) end, "sub: last index 9 outside 2..5")
  end)

  it("narrow along dimension 2 and the indexing operator over any region (tensor.md's [] example)", function()
    local x = torch.Tensor(5, 6):zero()
    x[{ 1, 3 }] = 1
    x[{ 2, { 2, 4 } }] = 2
    x[{ {}, 4 }] = -1
    x[{ {}, 2 }] = torch.range(1, 5)
    assert.are.same({ { 0, 1, 1, -1, 0, 0 }, { 0, 2, 2, -1, 0, 0 }, { 0, 3, 0, -1, 0, 0 },
                      { 0, 4, 0, -1, 0, 0 }, { 0, 5, 0, -1, 0, 0 } }, x:totable())
    local m = filled(3, 3)
    assert.are.equal(6, m[{ 2, 3 }])
    assert.are.same({ 2, 5, 8 }, m[{ {}, 2 }]:totable())
    assert.are.same({ { 2, 3 }, { 5, 6 } }, m[{ { 1, 2 }, { 2, 3 } }]:totable())
    m:narrow(2, 2, 2):mul(10)
    assert.are.same({ { 1, 20, 30 }, { 4, 50, 60 }, { 7, 80, 90 } }, m:totable())
    assert.are.equal(6, filled(3, 3)[{ 2, 3 }])
    -- one number per dimension reads or writes the element directly, negative from the end
    local e = filled(2, 3)
    assert.are.equal(6, e[{ -1, -1 }])
    e[{ 1, -1 }] = 30
    assert.are.same({ 1, 2, 30 }, e[1]:totable())
    assert.error_matches(function() return e[{ 3, 1 }] end, "tensor index 3 outside 1..2 %(dimension 1%)")
    assert.error_matches(function() e[{ 1, 4 }] = 0 end, "tensor index 4 outside 1..3 %(dimension 2%)")
    local l = torch.LongTensor{ { 1, 2 } }
    l[{ 1, 2 }] = 7.9                                  -- cut to the type
    assert.are.equal(7, l[{ 1, 2 }])
    assert.are.equal("integer", math.type(l[{ 1, 2 }]))
    local row = torch.LongTensor{ 1, 2 }
    row[2] = -3.7
    assert.are.same({ 1, -3 }, row:totable())
    l[1] = 2.5                                         -- a row of an integer matrix filled, cut
    assert.are.same({ { 2, 2 } }, l:totable())
  end)

  it("transpose and t() are views (tensor.md's transpose example)", function()
    local x = torch.Tensor(3, 4):zero()
    x:select(2, 3):fill(7)
    local y = x:transpose(1, 2)
    assert.are.same({ { 0, 0, 0 }, { 0, 0, 0 }, { 7, 7, 7 }, { 0, 0, 0 } }, y:totable())
    y:select(2, 3):fill(8)
    assert.are.same({ { 0, 0, 8 }, { 0, 0, 8 }, { 7, 7, 8 }, { 0, 0, 8 } }, y:totable())
    assert.are.same({ { 0, 0, 7, 0 }, { 0, 0, 7, 0 }, { 8, 8, 8, 8 } }, x:totable())
    local t = x:t()
    assert.are.same({ 4, 3 }, t:size():totable())
    assert.are.same({ 1, 4 }, t:stride():totable())
    t[1][3] = -1                                       -- t[1] is a strided row of the transpose
    assert.are.equal(-1, x[3][1])
    assert.error_matches(function() torch.range(1, 3):t() end, "t: needs a 2D tensor")
  end)

  it("expand repeats a dimension of size 1 without copying (tensor.md's expand example)", function()
    local x = torch.Tensor(10, 1):zero()
    local y = torch.expand(x, 10, 2)
    assert.are.same({ 10, 2 }, y:size():totable())
    assert.are.same({ 1, 0 }, y:stride():totable())
    y:fill(1)
    assert.are.equal(10, x:sum())
    local i = 0
    y:apply(function() i = i + 1; return i end)    -- both columns are one element: the last write stays
    assert.are.same({ 2, 4, 6, 8, 10, 12, 14, 16, 18, 20 }, x:view(10):totable())
    local row = torch.Tensor{ { 1, 2, 3 } }
    assert.are.same({ { 1, 2, 3 }, { 1, 2, 3 } }, row:expandAs(torch.Tensor(2, 3)):totable())
    assert.error_matches(function() torch.Tensor(2, 3):expand(4, 3) end, "dimension 1 has size 2, which cannot be expanded to 4")
  end)

  it("unfold gives overlapping slices as a new dimension (tensor.md's unfold example)", function()
    local x = torch.Tensor(7)
    for i = 1, 7 do x[i] = i end
    assert.are.same({ { 1, 2 }, { 2, 3 }, { 3, 4 }, { 4, 5 }, { 5, 6 }, { 6, 7 } }, x:unfold(1, 2, 1):totable())
    assert.are.same({ { 1, 2 }, { 3, 4 }, { 5, 6 } }, x:unfold(1, 2, 2):totable())
  end)

  it("views of views address the original tensor; arithmetic, products and modules read them", function()
    local m = filled(4, 4)
    local v = m:t():narrow(1, 2, 2):select(2, 3)       -- elements m[3][2], m[3][3]
    assert.are.same({ 10, 11 }, v:totable())
    v:add(100)
    assert.are.same({ 9, 110, 111, 12 }, m[3]:totable())
    local a = filled(2, 3)
    assert.are.same({ { 14, 32 }, { 32, 77 } }, torch.mm(a, a:t()):totable())
    assert.are.same({ { 2, 8 }, { 4, 10 }, { 6, 12 } }, (a:t() * 2):totable())
    assert.are.same({ { 1, 4 }, { 2, 5 }, { 3, 6 } }, a:t():clone():totable())
    assert.is_true(a:t():clone():isContiguous())
    local lin = nn.Linear(2, 1)
    lin.weight:fill(1); lin.bias:zero()
    assert.are.same({ { 5 }, { 7 }, { 9 } }, lin:forward(a:t()):totable())
    assert.are.equal(21, a:t():sum())
    assert.are.equal("torch.FloatTensor", torch.type(a:t()))
    assert.is_true(torch.isTensor(a:t()))
    assert.are.equal(3, (#a:t())[1])
  end)

  it("a view keeps its tensor's integer type, prints as a tensor, and refuses view() as Torch7 does", function()
    local l = torch.LongTensor{ { 1, 2 }, { 3, 4 } }
    local c = l:select(2, 2)
    assert.are.equal("torch.LongTensor", torch.type(c))
    assert.truthy(tostring(l:t()):find("torch.LongTensor of size 2x2", 1, true))
    assert.error_matches(function() l:t():view(4) end, "not contiguous")
    assert.are.same({ 1, 3, 2, 4 }, l:t():contiguous():view(4):totable())
    assert.error_matches(function() l:t():resize(4) end, "cannot be resized")
  end)

  it("squeeze and unsqueeze are views too", function()
    local x = torch.Tensor(2, 1, 3):zero()
    local s = x:squeeze()
    assert.are.same({ 2, 3 }, s:size():totable())
    s:fill(4)
    assert.are.equal(24, x:sum())
    local col = filled(2, 2):select(2, 1):unsqueeze(2)
    assert.are.same({ { 1 }, { 3 } }, col:totable())
    assert.are.same({ 1, 2 }, torch.unsqueeze(torch.Tensor{ 1, 2 }, 1):size():totable())
  end)
end)

describe("resize", function()
  it("resizeAs sizes a Torch7 module's output in place", function()
    local out = torch.Tensor()
    assert.are.equal(0, out:nElement())
    local input = filled(2, 3)
    assert.are.equal(out, out:resizeAs(input))
    out:copy(input)
    assert.are.same(input:totable(), out:totable())
    out:resize(3)                                      -- smaller: the first elements stay
    assert.are.same({ 1, 2, 3 }, out:totable())
    out:resize(2, 4)                                   -- larger: the old elements first, zeros after
    assert.are.same({ { 1, 2, 3, 4 }, { 5, 6, 0, 0 } }, out:totable())
    out:resize(torch.Tensor(3, 1):size())
    assert.are.same({ 3, 1 }, out:size():totable())
  end)

  it("a result tensor first is resized: res:index, torch.cat", function()
    local res = torch.Tensor()
    res:index(filled(3, 2), 1, torch.LongTensor{ 3, 1 })
    assert.are.same({ { 5, 6 }, { 1, 2 } }, res:totable())
    local m = torch.zeros(2, 3)
    m:select(2, 2):index(torch.Tensor{ 7, 8, 9 }, 1, torch.LongTensor{ 3, 1 })   -- into a column
    assert.are.same({ { 0, 9, 0 }, { 0, 7, 0 } }, m:totable())
    local joined = torch.Tensor()
    torch.cat(joined, torch.ones(2), torch.zeros(1))
    assert.are.same({ 1, 1, 0 }, joined:totable())
  end)

  it("x.new and x:new make a tensor of x's type", function()
    local l = torch.LongTensor(2)
    assert.are.equal("torch.LongTensor", torch.type(l.new()))
    assert.are.same({ 3 }, l.new(3):size():totable())
    assert.are.equal("torch.LongTensor", torch.type(l:new()))
    assert.are.equal("torch.FloatTensor", torch.type(torch.Tensor(1).new(2, 2)))
    assert.are.equal("torch.LongTensor", torch.type(torch.LongTensor(2, 2):t().new(3)))
  end)

  it("a module's parameters, gradients and flat parameter vector keep their shape", function()
    local lin = nn.Linear(3, 2)
    assert.error_matches(function() lin.weight:resize(1) end, "a module's parameter or gradient")
    assert.error_matches(function() lin.gradBias:resize(7) end, "a module's parameter or gradient")
    local flat = lin:getParameters()
    assert.error_matches(function() flat:resize(100) end, "getParameters' flat vector")
    assert.are.same({ 4, 2 }, lin:forward(torch.rand(4, 3)):size():totable())
    local copy = lin.weight:clone()
    copy:resize(6)                                     -- a clone is the script's own
    assert.are.equal(6, copy:nElement())
  end)

  it("a view of a tensor resized smaller since is a clear error", function()
    local x = filled(3, 3)
    local col = x:select(2, 3)
    x:resize(2)
    assert.error_matches(function() return col:totable() end, "was resized")
  end)
end)
