-- PPO learns the Lua-written steering task (scripts/steering.lua): 8 copies stepped here in Lua,
-- the policy run once per step for all of them.
--   snn run scripts/steering_ppo.lua [seed] [steps]
local Steering = require "steering"
local seed, steps = tonumber(arg and arg[1]) or 1, tonumber(arg and arg[2]) or 40000

local env = rl.vec(Steering.new, 8)
local agent = rl.PPO{ env = env, n_steps = 128, batch_size = 256, n_epochs = 10, gamma = 0.99, gae_lambda = 0.95,
                      learning_rate = 3e-3, net_arch = { 32, 32 }, seed = seed }
agent:learn{ steps = steps, seed = seed }

local mean, std = rl.evaluate(agent, rl.vec(Steering.new, 4), { episodes = 40, seed = 1000 + seed })
local s = agent:stats()
print(string.format("PPO steering seed %d: mean return %.2f +/- %.2f over 40 episodes, mean episode length %.1f while learning", seed, mean, std, s.mean_length))
return mean
