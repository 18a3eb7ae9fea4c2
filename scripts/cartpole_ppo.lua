-- PPO balances the pole: CartPole-v1 with rl-baselines3-zoo's tuned hyperparameters (8 copies,
-- rollouts of 32 steps, 20 epochs of one 256-transition minibatch, learning rate and clip range
-- annealed linearly to 0 over 100,000 steps).
--   snn run scripts/cartpole_ppo.lua [seed] [steps]
local seed, steps = tonumber(arg and arg[1]) or 1, tonumber(arg and arg[2]) or 100000
local clock = os and os.clock or function() return 0 end
local started = clock()

local agent = rl.PPO{
  env = rl.vec("CartPole-v1", 8),
  n_steps = 32, batch_size = 256, n_epochs = 20,
  gamma = 0.98, gae_lambda = 0.8, ent_coef = 0.0,
  learning_rate = "lin_0.001", clip_range = "lin_0.2",
  seed = seed,
}
agent:learn{ steps = steps }

-- Stable-Baselines3's evaluate_policy: 100 greedy episodes on fresh copies.
local mean, std = rl.evaluate(agent, rl.vec("CartPole-v1", 4), { episodes = 100, seed = 1000 + seed })
print(string.format("PPO CartPole-v1 seed %d: mean return %.1f +/- %.1f over 100 episodes after %d steps", seed, mean, std, agent:steps()))
return mean
