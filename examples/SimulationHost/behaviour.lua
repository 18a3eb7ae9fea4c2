-- The agents' behaviour, as a designer writes it: a policy network that learns to imitate the
-- expert controller from what the host shows it, trained a slice at a time between frames.
-- The host calls: collect(states, actions) each frame while the expert drives,
-- train(seconds) each frame, and validation_error() now and then. Editing this file while the
-- simulation runs reloads it; the trained weights are kept when the network's shape is.
math.randomseed(7)
torch.manualSeed(7)

policy = nn.Sequential()
  :add(nn.Linear(8, 64)):add(nn.Tanh())
  :add(nn.Linear(64, 64)):add(nn.Tanh())
  :add(nn.Linear(64, 2))

local capacity, holdout = 40000, 4000
local X, Y = torch.zeros(capacity, 8), torch.zeros(capacity, 2)
local VX, VY = torch.zeros(holdout, 8), torch.zeros(holdout, 2)
local count, nextRow, vcount, vnext, seen = 0, 1, 0, 1, 0

-- Every tenth example is held out for validation; the rest fill a ring buffer.
function collect(states, actions)
  for i = 1, states:size(1) do
    seen = seen + 1
    if seen % 10 == 0 then
      VX[vnext]:copy(states[i]); VY[vnext]:copy(actions[i])
      vnext = vnext % holdout + 1; vcount = math.min(vcount + 1, holdout)
    else
      X[nextRow]:copy(states[i]); Y[nextRow]:copy(actions[i])
      nextRow = nextRow % capacity + 1; count = math.min(count + 1, capacity)
    end
  end
end

local batch = 128
local xb, yb, idx = torch.zeros(batch, 8), torch.zeros(batch, 2), torch.zeros(batch)
local mse = nn.MSECriterion()
local opt = optim.Adam(policy, {lr = 2e-3})

local function step()
  idx:random(1, count)
  xb:index(X, 1, idx); yb:index(Y, 1, idx)
  opt:zeroGrad()
  local out = policy:forward(xb)
  mse:forward(out, yb)
  policy:backward(xb, mse:backward(out, yb))
  opt:step()
end

-- The learner runs as a coroutine: it yields when the frame's budget is spent, and picks up
-- where it stopped on the next frame.
local timer, deadline, steps = torch.Timer(), 0, 0
local learner = coroutine.wrap(function()
  while true do
    if count < 2000 then
      coroutine.yield()
    else
      step()
      steps = steps + 1
      if timer:time().real >= deadline then coroutine.yield() end
    end
  end
end)

function train(seconds)
  steps, deadline = 0, seconds
  timer:reset()
  learner()
  return steps
end

function validation_error()
  if vcount < 100 then return 1 / 0 end
  local x, y = VX:narrow(1, 1, vcount), VY:narrow(1, 1, vcount)
  return mse:forward(policy:forward(x), y)
end
