-- DQN balances the pole: CartPole-v1 with rl-baselines3-zoo's tuned hyperparameters (two layers of
-- 256 ReLU units, a 100,000-transition replay buffer, 128 gradient steps every 256 steps, the
-- target network copied every 10 steps, epsilon from 1 to 0.04 over the first 16% of the run).
--   snn run scripts/cartpole_dqn.lua [seed] [steps]
local seed, steps = tonumber(arg and arg[1]) or 1, tonumber(arg and arg[2]) or 50000

local agent = rl.DQN{
  env = rl.env.CartPole(),
  net_arch = { 256, 256 },
  learning_rate = 2.3e-3, batch_size = 64, buffer_size = 100000, learning_starts = 1000,
  gamma = 0.99, target_update_interval = 10, train_freq = 256, gradient_steps = 128,
  exploration_fraction = 0.16, exploration_final_eps = 0.04,
  seed = seed,
}
agent:learn{ steps = steps }

local mean, std = rl.evaluate(agent, rl.vec("CartPole-v1", 4), { episodes = 100, seed = 1000 + seed })
print(string.format("DQN CartPole-v1 seed %d: mean return %.1f +/- %.1f over 100 episodes after %d steps", seed, mean, std, agent:steps()))
return mean
