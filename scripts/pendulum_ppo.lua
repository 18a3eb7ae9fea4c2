-- PPO swings the pendulum up: Pendulum-v1, a continuous torque from a diagonal Gaussian policy
-- whose deviation is learned. Hyperparameters after rl-baselines3-zoo's (4 copies, rollouts of
-- 1024 steps, gamma 0.9, 10 epochs, learning rate 1e-3), with 64-transition minibatches.
--   snn run scripts/pendulum_ppo.lua [seed] [steps]
local seed, steps = tonumber(arg and arg[1]) or 1, tonumber(arg and arg[2]) or 200000

local agent = rl.PPO{
  env = rl.vec("Pendulum-v1", 4),
  n_steps = 1024, batch_size = 64, n_epochs = 10,
  gamma = 0.9, gae_lambda = 0.95, ent_coef = 0.0, clip_range = 0.2,
  learning_rate = 1e-3,
  seed = seed,
}
agent:learn{ steps = steps }

local mean, std = rl.evaluate(agent, rl.vec("Pendulum-v1", 4), { episodes = 100, seed = 1000 + seed })
print(string.format("PPO Pendulum-v1 seed %d: mean return %.1f +/- %.1f over 100 episodes after %d steps", seed, mean, std, agent:steps()))
return mean
