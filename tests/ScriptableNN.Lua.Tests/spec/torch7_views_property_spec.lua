-- Random chains of Torch7's view operations checked against a model written only from their
-- definitions (tensor.md): a view is its sizes and a map from an index tuple to the element of
-- the original tensor. Every element read through the view, and a write through it, must land
-- where the model says.

local function copy(t) local c = {} for i = 1, #t do c[i] = t[i] end return c end

-- model operations: each returns the new sizes and map, or nil when the arguments do not apply
local model = {}
function model.narrow(sizes, map, d, first, n)
  local s = copy(sizes); s[d] = n
  return s, function(idx) local j = copy(idx); j[d] = j[d] + first - 1; return map(j) end
end
function model.select(sizes, map, d, i)
  local s = copy(sizes); table.remove(s, d)
  return s, function(idx) local j = copy(idx); table.insert(j, d, i); return map(j) end
end
function model.transpose(sizes, map, d1, d2)
  local s = copy(sizes); s[d1], s[d2] = s[d2], s[d1]
  return s, function(idx) local j = copy(idx); j[d1], j[d2] = j[d2], j[d1]; return map(j) end
end
function model.unfold(sizes, map, d, size, step)
  local s = copy(sizes); local r = #sizes
  s[d] = (sizes[d] - size) // step + 1; s[r + 1] = size
  return s, function(idx)
    local j = {}
    for k = 1, r do j[k] = idx[k] end
    j[d] = (idx[d] - 1) * step + idx[r + 1]
    return map(j)
  end
end

-- every index tuple of sizes, in row-major order
local function each(sizes, f)
  local idx = {}
  for k = 1, #sizes do idx[k] = 1 end
  while true do
    f(idx)
    local k = #sizes
    while k >= 1 do
      idx[k] = idx[k] + 1
      if idx[k] <= sizes[k] then break end
      idx[k] = 1
      k = k - 1
    end
    if k < 1 then return end
  end
end

describe("views against their definitions", function()
  it("random chains of narrow, select, transpose and unfold read and write where the model says", function()
    math.randomseed(20261127)
    local chains, checked = 0, 0
    for trial = 1, 150 do
      local x = torch.Tensor(4, 5, 3)
      local i = 0
      x:apply(function() i = i + 1; return i end)
      local flat = x:view(-1)
      local v, sizes = x, { 4, 5, 3 }
      local map = function(idx) return ((idx[1] - 1) * 5 + idx[2] - 1) * 3 + idx[3] end
      for step = 1, math.random(1, 4) do
        local r = #sizes
        local op = math.random(1, 4)
        if op == 1 then
          local d = math.random(1, r)
          local first = math.random(1, sizes[d])
          local n = math.random(1, sizes[d] - first + 1)
          v = v:narrow(d, first, n); sizes, map = model.narrow(sizes, map, d, first, n)
        elseif op == 2 and r >= 2 then
          local d = math.random(1, r)
          local at = math.random(1, sizes[d])
          v = v:select(d, at); sizes, map = model.select(sizes, map, d, at)
        elseif op == 3 and r >= 2 then
          local d1, d2 = math.random(1, r), math.random(1, r)
          v = v:transpose(d1, d2); sizes, map = model.transpose(sizes, map, d1, d2)
        elseif op == 4 and r < 4 then
          local d = math.random(1, r)
          local size = math.random(1, sizes[d])
          local stepBy = math.random(1, 2)
          v = v:unfold(d, size, stepBy); sizes, map = model.unfold(sizes, map, d, size, stepBy)
        end
        assert.are.same(sizes, v:size():totable())
      end
      chains = chains + 1
      -- every element read through the view (and its copy) is the model's element
      local c = v:contiguous():view(-1)
      local pos = 0
      each(sizes, function(idx)
        pos = pos + 1
        local want = flat[map(idx)]
        assert.are.equal(want, v[idx])
        assert.are.equal(want, c[pos])
        checked = checked + 1
      end)
      -- a write through the view lands at the model's element, and nowhere else
      local target = {}
      for k = 1, #sizes do target[k] = math.random(1, sizes[k]) end
      local before = x:clone()
      v[target] = -1
      local where = map(target)
      for k = 1, 60 do
        assert.are.equal(k == where and -1 or before:view(-1)[k], flat[k])
      end
    end
    assert.are.equal(150, chains)
    assert.is_true(checked > 1000)
  end)
end)
