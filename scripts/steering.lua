-- A steering task written in Lua, as a designer would write a game's: a vehicle moving at constant
-- speed turns left, keeps straight or turns right to reach a target placed at random in a 10 x 10
-- arena. Gymnasium's contract: reset(seed) -> observation; step(action) -> observation, reward,
-- terminated, truncated. Used by scripts/steering_ppo.lua and tested by scripts/spec/steering_spec.lua.
local Steering = {}
Steering.__index = Steering

Steering.observations = 3       -- the target's bearing (cos, sin) in the vehicle's frame, its distance / 10
Steering.actions = 3            -- 1 turn left, 2 straight, 3 turn right
Steering.speed, Steering.turn, Steering.radius, Steering.limit = 0.25, 0.3, 0.5, 200

function Steering.new() return setmetatable({ state = 1 }, Steering) end

-- The environment's own generator (a 31-bit linear congruential one), so a seed repeats an episode.
function Steering:random()
  self.state = (self.state * 1103515245 + 12345) % 2147483648
  return self.state / 2147483648
end

function Steering:observe()
  local dx, dy = self.tx - self.x, self.ty - self.y
  local d = math.sqrt(dx * dx + dy * dy)
  local bearing = math.atan(dy, dx) - self.heading
  return { math.cos(bearing), math.sin(bearing), d / 10 }, d
end

function Steering:reset(seed)
  if seed then self.state = seed % 2147483648 + 1 end
  self.x, self.y, self.heading = 5, 5, 2 * math.pi * self:random()
  repeat
    self.tx, self.ty = 10 * self:random(), 10 * self:random()
  until (self.tx - 5) ^ 2 + (self.ty - 5) ^ 2 > 4
  self.t = 0
  local obs, d = self:observe()
  self.distance = d
  return obs
end

function Steering:step(action)
  self.heading = self.heading + (action - 2) * self.turn
  self.x = math.max(0, math.min(10, self.x + self.speed * math.cos(self.heading)))
  self.y = math.max(0, math.min(10, self.y + self.speed * math.sin(self.heading)))
  self.t = self.t + 1
  local obs, d = self:observe()
  -- Progress toward the target, a step cost, and a bonus on arrival.
  local reward = (self.distance - d) - 0.01
  self.distance = d
  local reached = d < self.radius
  if reached then reward = reward + 1 end
  return obs, reward, reached, not reached and self.t >= self.limit
end

return Steering
