-- The API fuzzer: random calls of every function and method a script can reach, with
-- adversarial arguments. Each call runs in a coroutine of its own under pcall; the host must
-- survive every one, and every error must be a clean one (never a .NET exception's name).
-- fuzz(seed, first, count, names, dir) runs calls first .. first + count - 1 and returns the
-- number run and the unclean messages; fuzz_done tells the host how far a stopped batch got.

local state = 0
local function seed(s) state = (s * 2654435761 + 12345) & 0x7fffffffffffffff; if state == 0 then state = 1 end end
local function rand(n)                         -- 1..n, xorshift
  state = state ~ ((state << 13) & 0x7fffffffffffffff)
  state = state ~ (state >> 7)
  state = state ~ ((state << 17) & 0x7fffffffffffffff)
  return state % n + 1
end

local function errmeta()
  local boom = function() error("boom") end
  return setmetatable({}, { __index = boom, __newindex = boom, __len = boom, __call = boom, __tostring = boom,
                            __eq = boom, __lt = boom, __le = boom, __concat = boom, __add = boom, __unm = boom })
end
local function yieldmeta()
  local y = function() coroutine.yield() end
  return setmetatable({}, { __index = y, __newindex = y, __len = y, __tostring = y, __lt = y })
end
local function loopmeta()
  local l = function() while true do end end
  return setmetatable({}, { __index = l, __len = l, __tostring = l, __lt = l })
end

local function pool(dir)
  local cyclic = {}; cyclic[1] = cyclic; cyclic.x = cyclic; cyclic.y = cyclic
  local deep = {}; local c = deep; for i = 1, 60 do c[1] = {}; c = c[1] end
  local freed = torch.zeros(3); freed:free()
  local nan = torch.Tensor{ 0/0, 1/0, -1/0 }
  local model = nn.Sequential():add(nn.Linear(2, 3)):add(nn.ReLU()):add(nn.Linear(3, 2))
  -- strided views: a transpose, a column, an expanded tensor, one whose tensor was freed, and one
  -- whose tensor was resized smaller since
  local viewed = torch.rand(2, 3); local orphan = viewed:t(); viewed:free()
  local shrunk = torch.rand(3, 3); local stale = shrunk:select(2, 3); shrunk:resize(2)
  local values = {
    0, 1, 2, 3, -1, 7, -2^31, 2^31, 2^53, 1e9, -1e9, 1e300, 1/0, -1/0, 0/0, 0.5, -0.5, math.maxinteger, math.mininteger,
    "", "x", "mean", "sum", "none", "he", "xavier", "accuracy", "../../etc/passwd", "/etc/passwd", "/tmp", string.rep("a", 2000), "\0\1\2",
    dir .. "/a.ckpt", dir .. "/b.csv", dir .. "/c.idx", dir .. "/nested/d.ckpt",
    true, false,
    {}, { 1, 2, 3 }, { { 1, 2 }, { 3, 4 } }, { { 1, 2 }, { 3 } }, { 1, "x", {} }, cyclic, deep,
    errmeta(), errmeta(), yieldmeta(),
    { n = 1e12 }, { n = -5, seed = 0/0 }, { n = 50, classes = 1e9 }, { reduction = "bogus" }, { reduction = errmeta() },
    { lr = -1, momentum = 0/0 }, { init = "he" }, { init = errmeta() }, { weights = torch.ones(2) },
    { x = torch.rand(4, 2), y = torch.Tensor{ 1, 2, 1, 2 } }, { x = freed, y = nan }, { x = cyclic },
    { model = model, loss = nn.MSECriterion(), data = { x = torch.rand(8, 2), y = torch.rand(8, 2) }, epochs = 2, batchSize = 4, verbose = false },
    { model = model, loss = nn.CrossEntropyCriterion(), data = errmeta(), epochs = 1e9 },
    { patience = -1, monitor = errmeta() },
    torch.zeros(3), torch.ones(2, 3), torch.rand(4, 2), torch.rand(2, 2), torch.Tensor{ { 1, 2 }, { 3, 4 } }, torch.zeros(0), freed, nan,
    torch.rand(1, 2, 3, 2),
    torch.rand(3, 4):t(), torch.rand(4, 5):select(2, 2), torch.rand(3, 1):expand(3, 4), orphan, stale, torch.LongTensor{ { 1, 2 }, { 3, 4 } }:t(),
    nn.Linear(2, 3), nn.Linear(2, 2), model, nn.ReLU(), nn.SoftMax(), nn.LogSoftMax(), nn.Dropout(), nn.PReLU(), nn.Maxout(2, 2, 2), nn.RBF(2, 3),
    nn.MSECriterion(), nn.CrossEntropyCriterion(), nn.BCECriterion(), nn.ClassNLLCriterion(), nn.GaussianNLLCriterion(1),
    optim.SGD(nn.Linear(2, 2), { lr = 0.1 }), optim.Adam(model, { lr = 0.01 }),
    data.xor(), data.spirals{ n = 10 },
    function() error("f") end, function() return 1 end, function() coroutine.yield() end, function(...) return ... end,
    function(x) return 0, torch.zeros(3) end, print, tostring,
    coroutine.create(function() end),
  }
  return values
end

local function collect(names)
  local targets = {}
  for _, lib in ipairs({ "torch", "nn", "optim", "data", "train" }) do
    local keys = {}
    for k, v in pairs(_G[lib]) do if type(v) == "function" then keys[#keys + 1] = k end end
    table.sort(keys)
    for _, k in ipairs(keys) do targets[#targets + 1] = { lib .. "." .. k, _G[lib][k] } end
  end
  return targets
end

function fuzz(s, first, count, names, dir, loops)
  seed(s + first)
  local values = pool(dir)
  if loops then values[#values + 1] = loopmeta() end
  local targets = collect(names)
  local unclean = {}
  fuzz_done = 0
  for i = 1, count do
    fuzz_done = i
    local nargs = rand(5) - 1
    local args = {}
    for k = 1, nargs do args[k] = values[rand(#values)] end
    local what, f
    if rand(3) == 1 then
      -- a method: obj:name(args) on a random object
      local obj = values[rand(#values)]
      local name = names[rand(#names)]
      what = "method " .. name .. " on " .. type(obj)
      f = function()
        local m = obj[name]
        if type(m) == "function" then return m(obj, table.unpack(args, 1, nargs)) end
      end
    else
      local t = targets[rand(#targets)]
      what = t[1]
      f = function() return t[2](table.unpack(args, 1, nargs)) end
    end
    local co = coroutine.create(function() return pcall(f) end)
    local ok, inner, err = coroutine.resume(co)
    local message = not ok and inner or (inner == false and err) or nil
    if message ~= nil and type(message) == "string" and message:find("Exception", 1, true) then
      unclean[#unclean + 1] = what .. ": " .. message
    end
  end
  return count, unclean
end
