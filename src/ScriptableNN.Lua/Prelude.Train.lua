-- ScriptableNN's Lua side, continued: data sets, the training loop, reinforcement learning and checkpoints.
-- Each part of the prelude is its own chunk (a Lua chunk holds at most 200 locals), run in
-- order after Prelude.lua under the same chunk name, [snn]; the locals the parts share travel in S.
local S = ...
local raw, ERR, getinfo, registry, error, type, pairs, ipairs, tostring, setmetatable = S.raw, S.ERR, S.getinfo, S.registry, S.error, S.type, S.pairs, S.ipairs, S.tostring, S.setmetatable
local rawget, rawset, concat, fail, wrap, wrap2, wrap0, wrapall, set, T = S.rawget, S.rawset, S.concat, S.fail, S.wrap, S.wrap2, S.wrap0, S.wrapall, S.set, S.T
local F, now, huge, M, MM, ModuleMT, training, luaClasses, luaClassNames, luaClassOf = S.F, S.now, S.huge, S.M, S.MM, S.ModuleMT, S.training, S.luaClasses, S.luaClassNames, S.luaClassOf
local mixed, isLuaModule, evaluate = S.mixed, S.isLuaModule, S.evaluate
---------------------------------------------------------------------------------------------
-- data sets, the training loop, checkpoints
---------------------------------------------------------------------------------------------
local D = raw.data
local generate, csv, idx = wrap2(D.generate), D.csv, wrap(D.idx)

-- A data set is a table {x = inputs, y = targets}; it also answers Torch7's duck typing:
-- dataset:size() and dataset[i] = {input, target}.
local DatasetMT = {}
DatasetMT.__index = function(d, k)
  if type(k) == "number" then
    if k < 1 or k > d.x:size(1) then return nil end
    return { d.x[k], d.y[k] }
  end
  return DatasetMT[k]
end
function DatasetMT:size() return self.x:size(1) end
function DatasetMT:split(fraction, seed)
  local n = self.x:size(1)
  local order = {}
  for i = 1, n do order[i] = i end
  local rng = seed or 0
  for i = n, 2, -1 do                      -- a seeded shuffle (LCG) so splits repeat
    rng = (rng * 1103515245 + 12345) % 2147483648
    local j = rng % i + 1
    order[i], order[j] = order[j], order[i]
  end
  local nval = math.max(1, math.floor(n * fraction + 0.5))
  local function take(from, to)
    local m = to - from + 1
    local xs = torch.Tensor(m, self.x:size(2))
    local ys = self.y:dim() == 1 and torch.Tensor(m) or torch.Tensor(m, self.y:size(2))
    for i = 1, m do xs[i] = self.x[order[from + i - 1]]; ys[i] = self.y[order[from + i - 1]] end
    return setmetatable({ x = xs, y = ys, classes = self.classes }, DatasetMT)
  end
  return take(nval + 1, n), take(1, nval)
end

local function dataset(x, y, classes) return setmetatable({ x = x, y = y, classes = classes }, DatasetMT) end

data = {}
data.dataset = function(x, y) return dataset(x, y) end
for _, kind in ipairs({ "spirals", "moons", "circles", "sine" }) do
  data[kind] = function(opts) local x, y = generate(kind, opts or {}); return dataset(x, y) end
end
data.xor = function() local x, y = generate("xor", {}); return dataset(x, y) end
data.csv = function(path, opts)
  local x, y, classes = csv(path, opts or {})
  if x == ERR then fail(y) end
  return dataset(x, y, classes)
end
data.idx = idx
data.split = function(d, fraction, seed) return d:split(fraction, seed) end
data.onehot = function(labels, classes)
  local n = labels:size(1)
  local out = torch.zeros(n, classes)
  for i = 1, n do
    local c = labels[i]
    if c < 1 or c > classes or c ~= math.floor(c) then fail("data.onehot: label " .. c .. " of example " .. i .. " is outside 1.." .. classes) end
    out[i][c] = 1
  end
  return out
end
-- Scalers keep the statistics of the data they were fitted on, for later inputs.
-- A matrix of examples is scaled in one pass (raw.data.scaleColumns); anything else by the
-- broadcasting expression.
local scaleColumns = wrap(raw.data.scaleColumns)
local function scaler(shift, scale)
  return { shift = shift, scale = scale, transform = function(self, x)
    if torch.isTensor(x) and x:dim() == 2 and torch.isTensor(self.shift) and torch.isTensor(self.scale)
      and x:size(2) == self.shift:nElement() and x:size(2) == self.scale:nElement() then
      return scaleColumns(x, self.shift, self.scale)
    end
    return (x - self.shift) / self.scale
  end }
end
-- The mean and (population) standard deviation of each column, a constant column's as 1.
local standardizeFit = wrap2(raw.data.standardize)
data.standardize = function(x)
  return scaler(standardizeFit(x))
end
data.minmax = function(x)
  local lo, hi = x:min(1), x:max(1)
  local range = hi - lo
  for j = 1, range:size(2) do if range[1][j] <= 0 then range[1][j] = 1 end end
  return scaler(lo, range)
end

-- Torch7's duck-typed data set (dataset:size(), dataset[i] = {input, target}) to tensors.
local function astensors(d, what)
  if type(d) ~= "table" then fail("train: '" .. what .. "' must be a data set") end
  if d.x ~= nil then return d end
  local n = d:size()
  local first = d[1]
  local x = torch.Tensor(n, first[1]:nElement())
  local y
  if type(first[2]) == "number" then y = torch.Tensor(n) else y = torch.Tensor(n, first[2]:nElement()) end
  for i = 1, n do
    local ex = d[i]
    x[i] = ex[1]:view(-1)
    if type(ex[2]) == "number" then y[i] = ex[2] else y[i] = ex[2]:view(-1) end
  end
  return { x = x, y = y }
end

local TR = wrapall(raw.train)
local TrainerMT = registry["snn.Trainer"]
TrainerMT.__index = {
  step = TR.step, stepFor = TR.stepFor, done = TR.done, epoch = TR.epoch, steps = TR.steps,
  stepsPerEpoch = TR.stepsPerEpoch, epochs = TR.epochs, stoppedEarly = TR.stoppedEarly,
  save = wrap0(raw.train.save), learningRate = TR.learningRate,
  stats = function(t, i) return TR.stats(t, i) end,
  last = function(t) return TR.stats(t, TR.epoch(t)) end,
  history = function(t)
    local h = {}
    for i = 1, TR.epoch(t) do h[i] = TR.stats(t, i) end
    return h
  end,
}
TrainerMT.__gc = function(t) T.free(t) end
TrainerMT.__name = "train.Trainer"

train = {}
local function options(o)
  if isLuaModule(o.model) then
    fail("train: the model holds Lua-defined modules, which run only from Lua; train it with forward, backward and optim (Torch7's loop), or nn.StochasticGradient")
  end
  local copy = {}
  for k, v in pairs(o) do copy[k] = v end
  copy.data = astensors(o.data, "data")
  if type(o.validation) == "table" then copy.validation = astensors(o.validation, "validation") end
  local metrics = o.metrics or { "loss" }
  for _, m in ipairs(metrics) do if m == "accuracy" then copy.accuracy = true end end
  return copy
end

-- A trainer that advances a few steps per call: trainer:step(n), trainer:stepFor(seconds).
train.Trainer = function(o) return TR.new(options(o)) end

-- Keras-like fit: returns the history, a table of per-epoch stats.
train.fit = function(o)
  local copy = {}
  for k, v in pairs(o) do copy[k] = v end
  copy.progress = o.verbose ~= false
  local trainer = train.Trainer(copy)
  local seen = 0
  while not trainer:done() do
    trainer:step(trainer:stepsPerEpoch())
    local e = trainer:epoch()
    while seen < e do
      seen = seen + 1
      if o.onEpoch and o.onEpoch(seen, trainer:stats(seen)) == false then return trainer:history(), trainer end
    end
  end
  return trainer:history(), trainer
end

-- Reinforcement learning. rl.make(name, {n = copies}) (or rl.env.CartPole{n =}, rl.vec(factory, n))
-- gives N copies of an environment stepped together; env:reset(seed) -> observations [n, obs];
-- env:step(actions) -> observations, rewards, terminated, truncated (discrete actions 1-based, as
-- Torch7 counts classes). An environment written in Lua is a table with observations (a count),
-- actions (a count, or 0 with action_size for continuous actions), reset(self, seed) and
-- step(self, action) returning observation, reward, terminated, truncated as Gymnasium's; rl.vec
-- steps N of them here, in Lua, with the same contract. rl.PPO{...}, rl.DQN{...} and
-- rl.Reinforce{...} take Stable-Baselines3's option names; agent:learn{steps =} trains.
do
  local RL = wrapall(raw.rl, set("networks", "evaluate"), set("learn", "total", "observe", "progress", "save", "resume"))
  local rawmt = debug.getmetatable
  local EnvMT = registry["snn.Environment"]
  local function step(e, actions)
    local o, r, te, tr = raw.rl.step(e, actions)
    if o == ERR then fail(r) end
    return o, r, te, tr
  end
  EnvMT.__index = { reset = RL.reset, step = step, info = RL.info, final = RL.final }
  EnvMT.__gc = function(e) T.free(e) end
  EnvMT.__name = "rl.Environment"
  local function isbuiltin(e) return type(e) == "userdata" and rawmt(e) == EnvMT end
  local huge = math.huge

  -- Where a designer's function is defined, for messages about what it returned.
  local function where(f)
    local info = type(f) == "function" and getinfo(f, "S")
    if not info then return "?" end
    return info.short_src .. ":" .. info.linedefined
  end

  local setrow = raw.rl.setrow
  local function put(target, row, values, what, env, fname)
    local e, msg = setrow(target, row, values)
    if e == ERR then fail(("rl.vec: %s of environment %d (%s, %s) %s"):format(what, row, fname, where(env[fname]), msg)) end
  end

  local LuaVec = {}
  LuaVec.__index = LuaVec
  LuaVec.__name = "rl.LuaVecEnv"
  function LuaVec:info()
    return { n = self.n, observations = self.obs, actions = self.actions, action_size = self.action_size }
  end
  function LuaVec:reset(seed)
    for i, env in ipairs(self.envs) do
      put(self.observations, i, env:reset(seed and seed + i - 1), "the observation from reset", env, "reset")
      self.terminated[i], self.truncated[i] = false, false
    end
    self.started = true
    return self.observations
  end
  function LuaVec:step(actions)
    if not self.started then fail("rl.vec: call env:reset(seed) before env:step") end
    local n, rewards = self.n, self.rewardlist
    if not torch.isTensor(actions) or actions:nElement() ~= n * self.action_size then
      fail(("env:step: %s actions for %d copies"):format(torch.isTensor(actions) and actions:nElement() or type(actions), n))
    end
    local list = actions:view(n, self.action_size):totable()
    for i, env in ipairs(self.envs) do
      local a = list[i]
      if self.actions > 0 then
        a = a[1]
        if a ~= a // 1 or a < 1 or a > self.actions then fail(("env:step: action %g of copy %d is not one of 1..%d"):format(a, i, self.actions)) end
        a = a // 1
      elseif self.action_size == 1 then a = a[1] end
      local o, r, te, tr = env:step(a)
      if type(r) ~= "number" or r ~= r or r == huge or r == -huge then
        fail(("rl.vec: the reward of environment %d (step, %s) is %s; expected a finite number"):format(i, where(env.step), tostring(r)))
      end
      if (te ~= nil and type(te) ~= "boolean") or (tr ~= nil and type(tr) ~= "boolean") then
        fail(("rl.vec: environment %d (step, %s) returned terminated = %s, truncated = %s; expected booleans"):format(i, where(env.step), tostring(te), tostring(tr)))
      end
      te, tr = te == true, tr == true
      rewards[i] = r
      self.terminated[i], self.truncated[i] = te, tr
      if te or tr then
        put(self.finals, i, o, "the observation from step", env, "step")
        put(self.observations, i, env:reset(), "the observation from reset", env, "reset")
      else
        put(self.observations, i, o, "the observation from step", env, "step")
      end
    end
    setrow(self.rewards, 1, rewards)
    return self.observations, self.rewards, self.terminated, self.truncated
  end
  function LuaVec:final() return self.finals end

  local function whole(v) return type(v) == "number" and v == v // 1 end

  rl = { make = RL.make, names = RL.names, env = {} }
  for name, id in pairs({ CartPole = "CartPole-v1", MountainCar = "MountainCar-v0", Acrobot = "Acrobot-v1", Pendulum = "Pendulum-v1" }) do
    rl.env[name] = function(o) return RL.make(id, { n = type(o) == "table" and o.n or 1 }) end
  end

  -- rl.vec(factory, n): n copies from factory(i), a built-in name, or a Lua environment.
  rl.vec = function(factory, n)
    n = n or 1
    if not whole(n) or n < 1 or n > 4096 then fail("rl.vec: n must be a whole number of copies from 1 to 4096, got " .. tostring(n)) end
    if type(factory) == "string" then return RL.make(factory, { n = n }) end
    if type(factory) ~= "function" then fail("rl.vec: expected a function that makes one environment, or an environment's name") end
    local first = factory(1)
    if isbuiltin(first) then
      local info = first:info()
      if not info.name then fail("rl.vec: the factory returned an environment without a registered name") end
      return RL.make(info.name, { n = n })
    end
    if type(first) ~= "table" then fail(("rl.vec: the factory (%s) returned a %s; expected an environment table with reset and step"):format(where(factory), type(first))) end
    local envs = { first }
    for i = 2, n do envs[i] = factory(i) end
    local obs, actions, size = first.observations, first.actions or 0, first.action_size or 1
    for i, env in ipairs(envs) do
      if type(env) ~= "table" or type(env.reset) ~= "function" or type(env.step) ~= "function" then
        fail(("rl.vec: environment %d from the factory (%s) needs reset and step functions"):format(i, where(factory)))
      end
      if env.observations ~= obs or (env.actions or 0) ~= actions or (env.action_size or 1) ~= size then
        fail(("rl.vec: environment %d differs from the first in observations, actions or action_size"):format(i))
      end
    end
    if not whole(obs) or obs < 1 then fail(("rl.vec: the environment (%s) must say how many values an observation has: observations = <count>"):format(where(factory))) end
    if not whole(actions) or actions < 0 or actions == 1 then fail("rl.vec: actions must be a count of 2 or more discrete actions, or 0 (continuous, with action_size)") end
    if not whole(size) or size < 1 or (actions > 0 and size ~= 1) then fail("rl.vec: action_size must be a whole number of at least 1 (1 for discrete actions)") end
    return setmetatable({ envs = envs, n = n, obs = obs, actions = actions, action_size = size,
      observations = torch.zeros(n, obs), finals = torch.zeros(n, obs), rewards = torch.zeros(n),
      rewardlist = {}, terminated = {}, truncated = {} }, LuaVec)
  end

  local AgentMT = registry["snn.Agent"]
  local luaenv = setmetatable({}, { __mode = "k" })   -- an agent's vector of Lua environments
  local act, observe = RL.act, RL.observe

  -- learn{steps =, verbose =, callback =}: Stable-Baselines3's learn(total_timesteps). Reports about
  -- twenty times (progress line, history rows); callback(stats) returning false stops early.
  local function learn(g, o)
    if type(o) == "number" then o = { steps = o } end
    if type(o) ~= "table" or not whole(o.steps) or o.steps < 0 then fail("agent:learn: steps must be a whole number of transitions, as learn{steps = 100000}") end
    local start, t0 = RL.steps(g), now()
    local target = start + o.steps
    RL.total(g, target)
    local vec, history = luaenv[g], {}
    local copies = vec and vec.n or RL.copies(g)
    local chunk = math.max(copies, (o.steps // 20) // copies * copies)
    local obs = vec and (vec.started and vec.observations or vec:reset(o.seed or 0))
    local nextReport = start + chunk
    while RL.steps(g) < target do
      if vec then
        local actions = act(g, obs)
        local o2, r, te, tr = vec:step(actions)
        observe(g, r, te, tr, o2, vec.finals)
        obs = o2
      else
        RL.stepagent(g, math.max(1, math.min(target - RL.steps(g), nextReport - RL.steps(g)) // copies))
      end
      local steps = RL.steps(g)
      if steps >= nextReport or steps >= target then
        nextReport = nextReport + chunk
        local stats = RL.stats(g)
        stats.steps_per_second = (steps - start) / math.max(now() - t0, 1e-9)
        history[#history + 1] = stats
        if o.verbose ~= false then RL.progress(g, target, stats.steps_per_second) end
        if o.callback and o.callback(stats) == false then break end
      end
    end
    return history
  end

  AgentMT.__index = {
    act = act, predict = RL.predict, update = RL.update, updates = RL.updates, steps = RL.steps, stats = RL.stats,
    compile = RL.compile, networks = RL.networks, stepFor = RL.stepFor, learn = learn,
    train = RL.train, pending = RL.pending, save = RL.save, resume = RL.resume,
    observe = function(g, r, te, tr, o2, final) observe(g, r, te, tr, o2, final or o2) end,
    step = function(g, n)
      local vec = luaenv[g]
      if not vec then return RL.stepagent(g, n or 1) end
      if not vec.started then vec:reset(0) end
      for _ = 1, n or 1 do
        local o2, r, te, tr = vec:step(act(g, vec.observations))
        observe(g, r, te, tr, o2, vec.finals)
      end
      return n or 1
    end,
  }
  AgentMT.__gc = function(g) T.free(g) end
  AgentMT.__name = "rl.Agent"

  -- Options as the bindings read them: a Lua environment's sizes, the zoo's "lin_<x>" schedules.
  local function agent(new, o, who)
    if type(o) ~= "table" then fail(who .. ": expected a table of options") end
    local copy = {}
    for k, v in pairs(o) do copy[k] = v end
    for key, flag in pairs({ learning_rate = "anneal_lr", clip_range = "anneal_clip_range" }) do
      local v = copy[key]
      if type(v) == "string" then
        local x = tonumber(v:match("^lin_(.+)$"))
        if not x then fail(("%s: %s must be a number or \"lin_<number>\", got \"%s\""):format(who, key, v)) end
        copy[key], copy[flag] = x, true
      end
    end
    local vec = o.env
    if rawmt(vec) == LuaVec then
      copy.env, copy.copies, copy.observations, copy.actions, copy.action_size = nil, vec.n, vec.obs, vec.actions, vec.action_size
    elseif vec ~= nil and not isbuiltin(vec) then
      fail(who .. ": env must come from rl.make, rl.env.* or rl.vec")
    end
    local g = new(copy)
    if rawmt(vec) == LuaVec then luaenv[g] = vec end
    return g
  end
  -- rl.evaluate(agent, env, {episodes = 10, deterministic = true, seed = 0}) -> mean, std of the
  -- returns: Stable-Baselines3's evaluate_policy.
  rl.evaluate = function(g, env, o)
    o = o or {}
    if isbuiltin(env) then return RL.evaluate(g, env, o) end
    if rawmt(env) ~= LuaVec then fail("rl.evaluate: env must come from rl.make, rl.env.* or rl.vec") end
    local episodes, n = o.episodes or 10, env.n
    local targets, counts, running, returns = {}, {}, {}, {}
    for i = 1, n do targets[i], counts[i], running[i] = (episodes + i - 1) // n, 0, 0 end
    local obs = env:reset(o.seed or 0)
    while #returns < episodes do
      local _, r, te, tr = env:step(RL.predict(g, obs, o.deterministic ~= false))
      for i = 1, n do
        running[i] = running[i] + r[i]
        if te[i] or tr[i] then
          if counts[i] < targets[i] then returns[#returns + 1] = running[i]; counts[i] = counts[i] + 1 end
          running[i] = 0
        end
      end
    end
    local mean, var = 0, 0
    for _, v in ipairs(returns) do mean = mean + v end
    mean = mean / #returns
    for _, v in ipairs(returns) do var = var + (v - mean) ^ 2 end
    return mean, math.sqrt(var / #returns)
  end
  -- Distributions with PyTorch's method names, differentiable through autograd: the log-probability
  -- and the entropy record on the tape when the scores (or means, log deviations) require grad.
  local Cat = {}
  Cat.__index = Cat
  Cat.__name = "rl.Categorical"
  function Cat:sample() return RL.catSample(self.logits) end
  function Cat:log_prob(actions) return RL.catLogProb(self.logits, actions) end
  function Cat:entropy() return RL.catEntropy(self.logits) end
  rl.Categorical = function(logits)
    if not torch.isTensor(logits) then fail("rl.Categorical: expected a tensor of scores [rows, actions]") end
    return setmetatable({ logits = logits }, Cat)
  end
  local Gauss = {}
  Gauss.__index = Gauss
  Gauss.__name = "rl.DiagGaussian"
  function Gauss:sample() return RL.gaussSample(self.mean, self.log_std) end
  function Gauss:log_prob(actions) return RL.gaussLogProb(self.mean, self.log_std, actions) end
  function Gauss:entropy() return RL.gaussEntropy(self.log_std) end
  rl.DiagGaussian = function(mean, log_std)
    if not torch.isTensor(mean) or not torch.isTensor(log_std) then fail("rl.DiagGaussian: expected tensors of means [rows, d] and log deviations [d]") end
    return setmetatable({ mean = mean, log_std = log_std }, Gauss)
  end

  rl.Reinforce = function(o) return agent(RL.reinforce, o, "rl.Reinforce") end
  rl.PPO = function(o) return agent(RL.ppo, o, "rl.PPO") end
  rl.DQN = function(o) return agent(RL.dqn, o, "rl.DQN") end
end

-- Keras' callbacks for fit and Trainer: callbacks = {train.ReduceLROnPlateau{patience = 3}, ...}.
for _, kind in ipairs({ "ReduceLROnPlateau", "ModelCheckpoint", "EarlyStopping" }) do
  train[kind] = function(o)
    local c = {}
    for k, v in pairs(o or {}) do c[k] = v end
    c.callback = kind
    return c
  end
end

-- Pictures (in hosts that draw them, as snn does): the curves of a history, and a 2-D
-- classifier's regions with its data.
train.plot = function(history, path) TR.plot(history, path) end
train.plotBoundary = function(model, d, path) TR.plotBoundary(model, astensors(d, "data"), path) end

train.evaluate = function(model, loss, d) return TR.evaluate(model, loss, astensors(d, "data")) end

-- Torch7's nn.StochasticGradient (nn/StochasticGradient.lua): per-example SGD over a
-- duck-typed data set (dataset:size(), dataset[i] = {input, target}), the examples visited in
-- one shuffled order (the same each iteration), hookExample(self, example) after each example,
-- hookIteration(self, iteration) after each pass, Torch7's progress lines, and the learning
-- rate lr / (1 + iteration * learningRateDecay).
nn.StochasticGradient = function(module, criterion)
  local sg = { module = module, criterion = criterion, learningRate = 0.01, learningRateDecay = 0,
               maxIteration = 25, shuffleIndices = true }
  function sg:train(d)
    local n = d:size()
    local order
    if self.shuffleIndices then order = torch.randperm(n):totable()
    else order = {}; for i = 1, n do order[i] = i end end
    local iteration, lr = 1, self.learningRate
    print("# StochasticGradient: training")
    while true do
      local total = 0
      for t = 1, n do
        local example = d[order[t]]
        local input, target = example[1], example[2]
        local out = self.module:forward(input)
        total = total + self.criterion:forward(out, target)
        self.module:zeroGradParameters()
        self.module:backward(input, self.criterion:backward(out, target))
        self.module:updateParameters(lr)
        if self.hookExample then self.hookExample(self, example) end
      end
      if self.hookIteration then self.hookIteration(self, iteration) end
      print("# current error = " .. total / n)
      iteration = iteration + 1
      lr = self.learningRate / (1 + iteration * self.learningRateDecay)
      if self.maxIteration > 0 and iteration > self.maxIteration then
        print("# StochasticGradient: you have reached the maximum number of iterations")
        break
      end
    end
  end
  return sg
end

-- Checkpoints: torch.save(path, model[, optimizer]); model, optimizer = torch.load(path).
-- torch.save(path, value) of any other value made of tables, numbers, strings, booleans, tensors
-- and modules (Torch7's usual {model = m, opt = opt, epoch = e}): the tables with their shared
-- references and cycles (a table met twice comes back as one table), numbers exactly (integers as
-- integers), strings byte for byte; metatables are not kept; functions, coroutines and other
-- objects are refused, naming where in the value they are. A module inside another saved module
-- comes back inside it; referenced from elsewhere as well, it comes back as a separate copy.
local csave, cload, csavevalue = wrap0(D.save), wrap2(D.load), wrap0(D.saveValue)
local rawmt = debug.getmetatable
local function encodeValue(root)
  local tables, tindex, tensors, tnums, modules, mnums = {}, {}, {}, {}, {}, {}
  local function jstring(s)
    return '"' .. s:gsub('[%c"\\\128-\255]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
  end
  local encode
  local function tableRef(t, where, depth)
    local i = tindex[t]
    if i then return i end
    if depth > 200 then fail("torch.save: the value nests tables more than 200 deep (at " .. where .. ")") end
    i = #tables + 1
    tindex[t], tables[i] = i, "[]"
    local parts = {}
    for k, v in next, t do
      local at = where .. "[" .. (type(k) == "string" and string.format("%q", k) or tostring(k)) .. "]"
      parts[#parts + 1] = "[" .. encode(k, at, depth + 1) .. "," .. encode(v, at, depth + 1) .. "]"
    end
    -- an object of a Lua class keeps its class name (torch.class), restored on load
    local c = luaClassOf(t)
    if c then parts[#parts + 1] = '[{"s":"__torch_class"},{"s":' .. jstring(luaClassNames[c]) .. '}]' end
    tables[i] = "[" .. concat(parts, ",") .. "]"
    return i
  end
  local proxies = {}
  encode = function(v, where, depth)
    local t = type(v)
    if t == "number" then
      if math.type(v) == "integer" then return '{"i":"' .. string.format("%d", v) .. '"}' end
      if v ~= v then return '{"n":"nan"}' elseif v == math.huge then return '{"n":"inf"}' elseif v == -math.huge then return '{"n":"-inf"}' end
      return '{"n":"' .. string.format("%.17g", v) .. '"}'
    elseif t == "string" then return '{"s":' .. jstring(v) .. '}'
    elseif t == "boolean" then return '{"b":' .. tostring(v) .. '}'
    elseif t == "table" then return '{"t":' .. tableRef(v, where, depth) .. '}'
    elseif F.isTensor(v) then
      if not tnums[v] then tensors[#tensors + 1] = v; tnums[v] = #tensors end
      return '{"T":' .. tnums[v] .. '}'
    elseif t == "userdata" and rawmt(v) == ModuleMT and mixed[v] then
      -- an nn.Sequential run from Lua is saved as its list of children
      proxies[v] = proxies[v] or { __snn_sequential = mixed[v] }
      return '{"t":' .. tableRef(proxies[v], where, depth) .. '}'
    elseif t == "userdata" and rawmt(v) == ModuleMT then
      if not mnums[v] then modules[#modules + 1] = v; mnums[v] = #modules end
      return '{"M":' .. mnums[v] .. '}'
    end
    fail(string.format("torch.save: %s is a %s, which cannot be saved (only tables, numbers, strings, booleans, tensors and modules)",
      where, t == "userdata" and (rawmt(v) and rawmt(v).__name or "userdata") or t))
  end
  local rootJson = encode(root, "the value", 0)
  return '{"root":' .. rootJson .. ',"tables":[' .. concat(tables, ",") .. ']}', modules, tensors
end
torch.save = function(path, value, optimizer)
  if type(value) == "userdata" and rawmt(value) == ModuleMT and not mixed[value] then return csave(path, value, optimizer) end
  if optimizer ~= nil then fail("torch.save: an optimizer goes with a model: torch.save(path, model, optimizer)") end
  local graph, modules, tensors = encodeValue(value)
  csavevalue(path, graph, modules, tensors)
end
-- Objects of Lua classes get their class back (it must be defined by then, as Torch7 needs
-- it too), and a saved nn.Sequential of Lua-defined modules is rebuilt.
local function restoreObjects(root)
  local done = {}
  local function restore(v)
    if type(v) ~= "table" then return v end
    if done[v] ~= nil then return done[v] end
    local seq = rawget(v, "__snn_sequential")
    if seq ~= nil then
      local m = nn.Sequential()
      done[v] = m
      for _, c in ipairs(seq) do m:add(restore(c)) end
      return m
    end
    done[v] = v
    for k, x in next, v do rawset(v, k, restore(x)) end
    local name = rawget(v, "__torch_class")
    if name ~= nil then
      local class = luaClasses[name]
      if not class then fail("torch.load: the file holds an object of class " .. tostring(name) .. ", which this script has not defined (torch.class)") end
      rawset(v, "__torch_class", nil)
      setmetatable(v, class)
    end
    return v
  end
  return restore(root)
end
torch.load = function(path)
  local value, optimizer = cload(path)
  if type(value) == "table" then value = restoreObjects(value) end
  return value, optimizer
end
MM.save = function(m, path, optimizer) csave(path, m, optimizer) end
nn.load = torch.load
