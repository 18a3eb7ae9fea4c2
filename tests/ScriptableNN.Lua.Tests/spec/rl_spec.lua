-- Reinforcement learning from Lua: environments stepped N at a time, REINFORCE on CartPole.
describe("rl environments", function()
  it("give a batch of observations and Gymnasium's step results", function()
    local env = rl.make("CartPole-v1", { n = 4 })
    local obs = env:reset(7)
    assert.are.same({ n = 4, observations = 4, actions = 2 }, env:info())
    assert.are.equal(4, obs:size(1)); assert.are.equal(4, obs:size(2))
    local o, rewards, terminated, truncated = env:step(torch.Tensor({ 1, 2, 1, 2 }))
    assert.are.equal(4, rewards:sum())
    assert.are.same({ false, false, false, false }, terminated)
    assert.are.same({ false, false, false, false }, truncated)
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
