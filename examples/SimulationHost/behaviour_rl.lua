-- The agents' behaviour learned from a reward, no expert: a designer writes what is good (getting
-- closer to the target, reaching it, not scraping obstacles) and PPO learns a policy from it in
-- the running simulation, a slice of training per frame.
-- The host calls: act(states) -> actions each frame; observe(states, final, reached, episode_end)
-- after the world moved; train(seconds) -> minibatches, pending each frame. `policy` is what the
-- host compiles and runs when learning is over.
local agents, features = 32, 8

agent = rl.PPO{
  copies = agents, observations = features, actions = 0, action_size = 2,   -- a 2-D acceleration
  n_steps = 64, batch_size = 256, n_epochs = 10, gamma = 0.99, gae_lambda = 0.95,
  learning_rate = 3e-4, ent_coef = 0.0, log_std_init = -0.5, net_arch = { 64, 64 },
  defer_updates = true,                     -- updates are paid for by train(seconds), frame by frame
  seed = 7,
}
policy = agent:networks()

-- The distance to the target, from the observation (features 1 and 2 are its offset / 50).
local function distance(states, i) return 50 * math.sqrt(states[i][1] ^ 2 + states[i][2] ^ 2) end

local before = {}
local rewards = torch.zeros(agents)
local terminated, truncated = {}, {}

function act(states)
  for i = 1, agents do before[i] = distance(states, i) end
  return agent:act(states)
end

-- The reward: progress toward the target, a bonus on arrival, a small cost for brushing an
-- obstacle (feature 7 is the nearest obstacle's proximity, 0 far away, 1 touching).
function observe(states, final, reached, episode_end)
  for i = 1, agents do
    local progress = before[i] - distance(final, i)
    local r = 0.1 * progress - 0.05 * final[i][7] ^ 2
    if reached[i] then r = r + 5 end
    rewards[i] = r
    terminated[i] = reached[i]
    truncated[i] = episode_end and not reached[i]
  end
  agent:observe(rewards, terminated, truncated, states, final)
end

function train(seconds)
  local n = agent:train(seconds)
  return n, agent:pending()
end
