-- Reinforcement learning from Lua: environments stepped N at a time (built in or written in Lua),
-- and the agents REINFORCE, PPO and DQN.

-- A corridor of `length` cells: start in the middle, action 1 steps left, 2 steps right; reaching
-- the right end pays 1 and terminates, each step costs 0.01, 50 steps truncate.
local function Corridor(length)
  local env = { observations = 2, actions = 2, length = length or 7 }
  function env:reset(seed)
    self.pos, self.t = (self.length + 1) // 2, 0
    return { self.pos / self.length, 1 }
  end
  function env:step(action)
    self.pos = math.max(1, math.min(self.length, self.pos + (action == 2 and 1 or -1)))
    self.t = self.t + 1
    local done = self.pos == self.length
    return { self.pos / self.length, 1 }, done and 1 or -0.01, done, not done and self.t >= 50
  end
  return env
end

describe("rl environments", function()
  it("give a batch of observations and Gymnasium's step results", function()
    local env = rl.make("CartPole-v1", { n = 4 })
    local obs = env:reset(7)
    assert.are.same({ n = 4, observations = 4, actions = 2, action_size = 1, name = "CartPole-v1" }, env:info())
    assert.are.equal(4, obs:size(1)); assert.are.equal(4, obs:size(2))
    local o, rewards, terminated, truncated = env:step(torch.Tensor({ 1, 2, 1, 2 }))
    assert.are.equal(4, rewards:sum())
    assert.are.same({ false, false, false, false }, terminated)
    assert.are.same({ false, false, false, false }, truncated)
  end)

  it("come by name, from rl.env and through rl.vec", function()
    assert.are.equal("Acrobot-v1", rl.env.Acrobot():info().name)
    assert.are.equal(3, rl.env.Acrobot():info().actions)
    assert.are.equal(8, rl.vec(function() return rl.env.CartPole() end, 8):info().n)
    assert.are.equal(2, rl.vec("Pendulum-v1", 2):info().n)
    assert.is_true(#rl.names() >= 5)
  end)

  it("pass continuous actions as they are", function()
    local env = rl.make("Pendulum-v1", { n = 2 })
    env:reset(3)
    assert.are.equal(0, env:info().actions)
    local o, rewards = env:step(torch.Tensor({ 0.5, -2 }))
    assert.is_true(rewards[1] <= 0 and rewards[2] <= 0)
    assert.are.equal(3, o:size(2))
  end)

  it("refuse what is not an action or an environment", function()
    local env = rl.make("CartPole-v1", { n = 2 })
    env:reset(1)
    assert.has_error(function() env:step(torch.Tensor({ 1, 3 })) end)
    assert.has_error(function() env:step(torch.Tensor({ 1 })) end, "env:step: 1 actions for 2 copies")
    assert.error_matches(function() rl.make("Pong-v5") end, "no environment 'Pong-v5'", 1, true)
  end)
end)

describe("an environment written in Lua", function()
  it("is stepped N at a time with Gymnasium's autoreset", function()
    local env = rl.vec(function() return Corridor(3) end, 2)
    assert.are.same({ n = 2, observations = 2, actions = 2, action_size = 1 }, env:info())
    local obs = env:reset(1)
    assert.are.near(2 / 3, obs[1][1], 1e-6)
    local o, r, te, tr = env:step(torch.Tensor({ 2, 1 }))
    assert.are.same({ true, false }, te)
    assert.are.same({ false, false }, tr)
    assert.are.near(1, r[1], 1e-6); assert.are.near(-0.01, r[2], 1e-6)
    assert.are.near(1, env:final()[1][1], 1e-6)        -- where the episode ended
    assert.are.near(2 / 3, o[1][1], 1e-6)              -- and the new episode's start
    assert.are.near(1 / 3, o[2][1], 1e-6)
  end)

  it("is named with its line when it returns a wrong observation, reward or flag", function()
    local bad = Corridor(5)
    bad.step = function(self, a) return { 1, 2, 3 }, 0, false, false end
    local env = rl.vec(function() return bad end, 1)
    env:reset(0)
    assert.error_matches(function() env:step(torch.Tensor({ 1 })) end, "the observation from step of environment 1 %(step, .*rl_spec.lua:%d+%) gave 3 values; expected 2")
    bad.step = function(self, a) return { 0, 0 }, 0 / 0, false, false end
    assert.error_matches(function() env:step(torch.Tensor({ 1 })) end, "the reward of environment 1 %(step, .*rl_spec.lua:%d+%) is .*nan")
    bad.step = function(self, a) return { 0, 0 }, 0, "yes", false end
    assert.error_matches(function() env:step(torch.Tensor({ 1 })) end, "expected booleans")
    bad.step = function(self, a) return { 0, 0 / 0 }, 0, false, false end
    assert.error_matches(function() env:step(torch.Tensor({ 1 })) end, "value 2 is nan")
    assert.error_matches(function() env:step(torch.Tensor({ 3 })) end, "action 3 of copy 1 is not one of 1..2")
    assert.error_matches(function() rl.vec(function() return { observations = 2 } end, 1) end, "needs reset and step functions")
  end)

  it("leaves the agent as it was when it fails", function()
    local corridor = Corridor(5)
    local env = rl.vec(function() return corridor end, 1)
    local agent = rl.DQN{ env = env, learning_starts = 0, train_freq = 1, batch_size = 4, seed = 1 }
    agent:learn{ steps = 20, verbose = false }
    local before = agent:stats()
    local q = agent:networks()
    local w = q:parameters()[1]:clone()
    corridor.step = function() error("the designer's bug") end
    local ok, err = pcall(agent.learn, agent, { steps = 10, verbose = false })
    assert.is_false(ok)
    assert.matches("rl_spec.lua:%d+: the designer's bug", err)
    assert.are.same(before, agent:stats())
    assert.are.equal(0, (q:parameters()[1] - w):abs():sum())
  end)

  it("is learned by DQN and PPO as a built-in one is", function()
    for _, make in ipairs({
      function(env) return rl.DQN{ env = env, learning_starts = 200, train_freq = 4, gradient_steps = 4, batch_size = 32, learning_rate = 1e-3,
                                   target_update_interval = 100, exploration_fraction = 0.3, net_arch = { 32 }, seed = 2 } end,
      function(env) return rl.PPO{ env = env, n_steps = 64, batch_size = 64, n_epochs = 4, learning_rate = 3e-3, net_arch = { 32 }, seed = 2 } end,
    }) do
      local agent = make(rl.vec(function() return Corridor(7) end, 4))
      local history = agent:learn{ steps = 4000, verbose = false }
      assert.is_true(#history >= 10)
      local last = history[#history]
      assert.is_true(last.mean_length < 8, "walks right: " .. tostring(last.mean_length))
      assert.are.equal(4000, last.steps)
    end
  end)
end)

describe("rl.PPO", function()
  it("learns to balance the pole with the zoo's hyperparameters, as SB3's names spell them", function()
    local agent = rl.PPO{ env = rl.vec("CartPole-v1", 8), n_steps = 32, batch_size = 256, gae_lambda = 0.8, gamma = 0.98,
                          n_epochs = 20, ent_coef = 0.0, learning_rate = "lin_0.001", clip_range = "lin_0.2", seed = 1 }
    local history = agent:learn{ steps = 100000 / 4, verbose = false }
    local stats = agent:stats()
    assert.is_true(stats.mean_return > 150, "mean return " .. stats.mean_return)
    assert.are.equal(25000, stats.steps)
    assert.is_true(stats["train/clip_range"] < 0.2, "the clip range anneals")
    assert.is_true(history[1].mean_return < history[#history].mean_return)
    -- Actions for a batch, counted from 1; a compiled policy for the frame loop.
    local a = agent:predict(torch.zeros(3, 4))
    assert.are.equal(3, a:size(1))
    assert.is_true(a[1][1] == 1 or a[1][1] == 2)
    local policy = agent:compile()
    assert.are.equal(2, policy:forward(torch.zeros(4)):size(1))
  end)

  it("takes continuous actions from a Gaussian whose deviation it learns", function()
    local agent = rl.PPO{ env = rl.env.Pendulum{ n = 2 }, n_steps = 32, batch_size = 32, n_epochs = 2, log_std_init = -1, seed = 3 }
    agent:learn{ steps = 128, verbose = false }
    local s = agent:stats()
    assert.is_true(s["train/std"] ~= math.exp(-1))
    local acts = agent:act(torch.zeros(2, 3))
    assert.are.equal(2, acts:nElement())
  end)

  it("saves and resumes an agent with its normalisation, and names a mismatch", function()
    local make = function() return rl.PPO{ env = rl.env.CartPole{ n = 4 }, n_steps = 16, batch_size = 64, n_epochs = 2, norm_obs = true, seed = 4 } end
    local agent = make()
    agent:learn{ steps = 256, verbose = false }
    local path = "spec-out/agent.snn"
    agent:save(path)
    local other = make()
    other:resume(path)
    assert.are.same(agent:stats(), other:stats())
    local obs = torch.Tensor({ { 0.01, 0.2, -0.03, 0.1 } })
    assert.are.same(agent:compile():forward(obs[1]), other:compile():forward(obs[1]))
    assert.error_matches(function() rl.DQN{ env = rl.env.CartPole() }:resume(path) end, "saved by PPO, this agent is DQN")
    assert.error_matches(function() rl.PPO{ env = rl.env.CartPole() }:resume(path) end, "normalisation")
  end)

  it("refuses bad options by name", function()
    assert.error_matches(function() rl.PPO{ env = rl.env.CartPole(), n_steps = 0 } end, "n_steps must be a whole number from 1")
    assert.error_matches(function() rl.PPO{ env = rl.env.CartPole(), learning_rate = "fast" } end, "learning_rate must be a number or \"lin_<number>\"")
    assert.error_matches(function() rl.PPO{ env = 5 } end, "env must come from rl.make")
    assert.error_matches(function() rl.DQN{ env = rl.env.Pendulum() } end, "DQN needs discrete actions")
    assert.error_matches(function() rl.PPO{ env = rl.env.CartPole(), policy = nn.Sequential():add(nn.Linear(4, 3)) } end, "the policy gives 3 outputs")
  end)
end)

describe("rl.Reinforce", function()
  it("learns to balance the pole", function()
    torch.manualSeed(5)
    local env = rl.make("CartPole-v1", { n = 8 })
    local policy = nn.Sequential():add(nn.Linear(4, 32)):add(nn.Tanh()):add(nn.Linear(32, 2))
    local agent = rl.Reinforce{ policy = policy, env = env, optimizer = optim.Adam(policy, { lr = 0.02 }), steps = 250, seed = 3 }
    local first, best = agent:update(), 0
    for _ = 1, 60 do
      local m = agent:update()
      if m and m > best then best = m end
      if best > 200 then break end
    end
    assert.is_true(first < 50)
    assert.is_true(best > 200)
  end)
end)

describe("rl distributions", function()
  it("give PyTorch's log_prob and entropy, with gradients through autograd", function()
    local logits = torch.Tensor({ { 0.5, -0.2, 1.0 }, { 0, 0, 0 } })
    logits.requiresGrad = true
    local d = rl.Categorical(logits)
    local lp = d:log_prob(torch.Tensor({ 3, 1 }))
    assert.are.near(-math.log(3), lp[2], 1e-6)
    local z = math.log(math.exp(0.5) + math.exp(-0.2) + math.exp(1.0))
    assert.are.near(1.0 - z, lp[1], 1e-6)
    assert.are.near(math.log(3), d:entropy()[2], 1e-6)
    torch.sum(lp):backward()                               -- t:sum() is a number, as in Torch7
    -- d log pi(a) / dz = onehot(a) - pi
    assert.are.near(1 - math.exp(1.0 - z), logits.grad[1][3], 1e-6)
    assert.are.near(-math.exp(0.5 - z), logits.grad[1][1], 1e-6)
    assert.are.near(2 / 3, logits.grad[2][1], 1e-6)

    local mean, log_std = torch.Tensor({ { 0.5 } }), torch.Tensor({ math.log(2) })
    mean.requiresGrad = true; log_std.requiresGrad = true
    local g = rl.DiagGaussian(mean, log_std)
    local p = g:log_prob(torch.Tensor({ { 1.5 } }))
    assert.are.near(-0.125 - math.log(2) - 0.5 * math.log(2 * math.pi), p[1], 1e-6)
    torch.sum(p):backward()
    assert.are.near(0.25, mean.grad[1][1], 1e-6)          -- (a - mu) / sigma^2
    assert.are.near(0.25 - 1, log_std.grad[1], 1e-6)       -- (a - mu)^2 / sigma^2 - 1
    assert.are.near(0.5 + 0.5 * math.log(2 * math.pi) + math.log(2), g:entropy()[1], 1e-6)
  end)

  it("let a script write its own policy gradient: a two-armed bandit learns the better arm", function()
    torch.manualSeed(3)
    local net = nn.Linear(1, 2)
    local opt = optim.Adam(net, { lr = 0.05 })
    local x = torch.ones(64, 1)
    for _ = 1, 60 do
      opt:zeroGrad()
      local logits = net:forward(x)
      logits.requiresGrad = true
      local dist = rl.Categorical(logits)
      local arms = dist:sample()
      local reward = torch.zeros(64)
      for i = 1, 64 do reward[i] = arms[i] == 2 and 1 or 0 end
      local loss = -torch.mean(torch.cmul(dist:log_prob(arms), reward - reward:mean()))
      loss:backward()
      net:backward(x, logits.grad)
      opt:step()
    end
    local p = nn.SoftMax():forward(net:forward(torch.ones(1, 1)))
    assert.is_true(p[1][2] > 0.9, "the better arm's probability " .. p[1][2])
  end)
end)
