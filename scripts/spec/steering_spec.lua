-- The Lua-written steering environment (scripts/steering.lua) and agents learning it.
-- Run from the repository's root: snn test scripts/spec
local Steering = require "scripts.steering"

describe("the steering environment", function()
  it("starts in the middle with the target at least 2 away, and repeats by seed", function()
    local a, b = Steering.new(), Steering.new()
    local oa, ob = a:reset(42), b:reset(42)
    assert.are.same(oa, ob)
    assert.are.same({ 5, 5 }, { a.x, a.y })
    assert.is_true(a.distance > 2)
    assert.are.near(1, oa[1] ^ 2 + oa[2] ^ 2, 1e-9)
  end)

  it("moves at constant speed, turns by the action and pays progress", function()
    local env = Steering.new()
    env:reset(7)
    local h, d = env.heading, env.distance
    local _, reward = env:step(3)
    assert.are.near(h + 0.3, env.heading, 1e-12)
    assert.are.near(5 + 0.25 * math.cos(h + 0.3), env.x, 1e-12)
    assert.are.near(d - env.distance - 0.01, reward, 1e-12)
  end)

  it("terminates on arrival and truncates after 200 steps", function()
    local env = Steering.new()
    env:reset(3)
    env.tx, env.ty = env.x + 0.3, env.y
    local _, reward, terminated, truncated = env:step(2)
    assert.is_true(terminated); assert.is_false(truncated)
    assert.is_true(reward > 0.9)
    env:reset(3)
    env.tx, env.ty = -100, -100          -- out of reach
    local te, tr
    for _ = 1, 200 do _, _, te, tr = env:step(1) end
    assert.is_false(te); assert.is_true(tr)
  end)
end)

describe("agents on the steering task", function()
  it("PPO learns to reach the target far sooner than chance", function()
    local agent = rl.PPO{ env = rl.vec(Steering.new, 8), n_steps = 128, batch_size = 256, n_epochs = 10,
                          learning_rate = 3e-3, net_arch = { 32, 32 }, seed = 1 }
    local history = agent:learn{ steps = 16384, verbose = false }
    local first, last
    for _, row in ipairs(history) do first = first or (row.mean_length and row) end
    last = history[#history]
    assert.is_true(last.mean_length < 0.5 * first.mean_length,
      ("episode length from %.0f to %.0f"):format(first.mean_length, last.mean_length))
    local mean = rl.evaluate(agent, rl.vec(Steering.new, 4), { episodes = 20, seed = 99 })
    assert.is_true(mean > 1, "greedy return " .. mean)
  end)
end)
