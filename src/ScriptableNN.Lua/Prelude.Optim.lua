-- ScriptableNN's Lua side, continued: optim: optimizers, Torch7's functional optim, ConfusionMatrix and Logger.
-- Each part of the prelude is its own chunk (a Lua chunk holds at most 200 locals), run in
-- order after Prelude.lua under the same chunk name, [snn]; the locals the parts share travel in S.
local S = ...
local raw, ERR, registry, type, pairs, ipairs, tostring, setmetatable, fail, wrap = S.raw, S.ERR, S.registry, S.type, S.pairs, S.ipairs, S.tostring, S.setmetatable, S.fail, S.wrap
local wrap0, T, F, tbinary, huge, isLuaModule = S.wrap0, S.T, S.F, S.tbinary, S.huge, S.isLuaModule
---------------------------------------------------------------------------------------------
-- optim
---------------------------------------------------------------------------------------------
local O = raw.optim
local ostep = O.step
optim = {}
-- Torch7's functional optimizers, with Torch7's update rules and state fields (torch/optim's
-- sgd.lua, adam.lua, rmsprop.lua): x, {f(x)} = optim.kind(feval, x, config, state). Each call
-- works on the x and df/dx it is given, so a feval that returns a new gradient tensor each time
-- (optim's own Rosenbrock test does) is stepped with that tensor.
local function zeroslike(t) return torch.zeros(t:nElement()):view(table.unpack(t:size())) end

local function evaluate(kind, feval, x)
  local fx, dfdx = feval(x)
  if not F.isTensor(dfdx) then fail("optim." .. kind .. ": feval must return the loss and the gradient tensor") end
  if dfdx:nElement() ~= x:nElement() then fail("optim." .. kind .. ": the gradient has " .. dfdx:nElement() .. " elements, x has " .. x:nElement()) end
  return fx, dfdx
end

optim.sgd = function(feval, x, config, state)
  config = config or {}
  state = state or config
  local lr = config.learningRate or config.lr or 1e-3
  local lrd = config.learningRateDecay or 0
  local wd = config.weightDecay or 0
  local mom = config.momentum or 0
  local damp = config.dampening or mom          -- Torch7: dampening defaults to the momentum
  local nesterov = config.nesterov or false
  state.evalCounter = state.evalCounter or 0
  if nesterov and not (mom > 0 and damp == 0) then fail("optim.sgd: Nesterov momentum requires a momentum and zero dampening") end
  local fx, dfdx = evaluate("sgd", feval, x)
  if wd ~= 0 then dfdx:add(wd, x) end
  if mom ~= 0 then
    if not state.dfdx then state.dfdx = dfdx:clone()
    else state.dfdx:mul(mom):add(1 - damp, dfdx) end
    if nesterov then dfdx:add(mom, state.dfdx) else dfdx = state.dfdx end
  end
  local clr = lr / (1 + state.evalCounter * lrd)
  x:add(-clr, dfdx)
  state.evalCounter = state.evalCounter + 1
  return x, { fx }
end

optim.adam = function(feval, x, config, state)
  config = config or {}
  state = state or config
  local lr = config.learningRate or config.lr or 0.001
  local lrd = config.learningRateDecay or 0
  local beta1, beta2 = config.beta1 or 0.9, config.beta2 or 0.999
  local epsilon = config.epsilon or 1e-8
  local wd = config.weightDecay or 0
  local fx, dfdx = evaluate("adam", feval, x)
  if wd ~= 0 then dfdx:add(wd, x) end
  state.t = state.t or 0
  state.m = state.m or zeroslike(dfdx)
  state.v = state.v or zeroslike(dfdx)
  local clr = lr / (1 + state.t * lrd)
  state.t = state.t + 1
  state.m:mul(beta1):add(1 - beta1, dfdx)
  state.v:mul(beta2):add(1 - beta2, torch.cmul(dfdx, dfdx))
  state.denom = state.v:clone():sqrt():add(epsilon)
  local stepSize = clr * math.sqrt(1 - beta2 ^ state.t) / (1 - beta1 ^ state.t)
  x:add(-stepSize, state.m:clone():cdiv(state.denom))
  return x, { fx }
end

optim.rmsprop = function(feval, x, config, state)
  config = config or {}
  state = state or config
  local lr = config.learningRate or config.lr or 1e-2
  local alpha = config.alpha or 0.99
  local epsilon = config.epsilon or 1e-8
  local wd = config.weightDecay or 0
  local fx, dfdx = evaluate("rmsprop", feval, x)
  if wd ~= 0 then dfdx:add(wd, x) end
  state.m = state.m or zeroslike(dfdx)
  state.m:mul(alpha):add(1 - alpha, torch.cmul(dfdx, dfdx))
  state.tmp = state.m:clone():sqrt():add(epsilon)
  x:add(-lr, dfdx:clone():cdiv(state.tmp))
  return x, { fx }
end

optim.adagrad = function(feval, x, config, state)
  config = config or {}
  state = state or config
  local lr = config.learningRate or config.lr or 1e-3
  local lrd = config.learningRateDecay or 0
  state.evalCounter = state.evalCounter or 0
  local fx, dfdx = evaluate("adagrad", feval, x)
  local clr = lr / (1 + state.evalCounter * lrd)
  state.paramVariance = state.paramVariance or zeroslike(dfdx)
  state.paramVariance:add(torch.cmul(dfdx, dfdx))
  state.paramStd = state.paramVariance:clone():sqrt():add(1e-10)
  x:add(-clr, dfdx:clone():cdiv(state.paramStd))
  state.evalCounter = state.evalCounter + 1
  return x, { fx }
end

-- torch/optim's adadelta.lua: config.decayRate (0.9), config.offset (1e-6); state
-- accSquaredGradsWithDecay, accSquaredDeltaWithDecay.
optim.adadelta = function(feval, x, config, state)
  config = config or {}
  state = state or config
  local rho, eps = config.decayRate or 0.9, config.offset or 1e-6
  if rho < 0 or rho > 1 then fail("optim.adadelta: decayRate must be in [0, 1], got " .. tostring(rho)) end
  if eps < 0 then fail("optim.adadelta: offset must not be negative, got " .. tostring(eps)) end
  local fx, dfdx = evaluate("adadelta", feval, x)
  state.accSquaredGradsWithDecay = state.accSquaredGradsWithDecay or zeroslike(dfdx)
  state.accSquaredDeltaWithDecay = state.accSquaredDeltaWithDecay or zeroslike(x)
  state.accSquaredGradsWithDecay:mul(rho):addcmul(1 - rho, dfdx, dfdx)
  -- delta = -sqrt(E[dx^2] + eps) / sqrt(E[g^2] + eps) * g, then E[dx^2] follows delta.
  local delta = state.accSquaredDeltaWithDecay:clone():add(eps):sqrt()
    :cdiv(state.accSquaredGradsWithDecay:clone():add(eps):sqrt()):cmul(dfdx):mul(-1)
  state.accSquaredDeltaWithDecay:mul(rho):addcmul(1 - rho, delta, delta)
  x:add(delta)
  return x, { fx }
end

-- torch/optim's adamax.lua: learningRate (0.002), beta1 (0.9), beta2 (0.999), epsilon (1e-38);
-- state t, m (first moment), u (the exponentially weighted infinity norm).
optim.adamax = function(feval, x, config, state)
  config = config or {}
  state = state or config
  local lr = config.learningRate or 0.002
  local beta1, beta2, epsilon = config.beta1 or 0.9, config.beta2 or 0.999, config.epsilon or 1e-38
  local fx, dfdx = evaluate("adamax", feval, x)
  state.t = (state.t or 0) + 1
  state.m = state.m or zeroslike(dfdx)
  state.u = state.u or zeroslike(dfdx)
  state.m:mul(beta1):add(1 - beta1, dfdx)
  -- u = max(beta2 * u, |g| + epsilon), element by element.
  local decayed, fresh = state.u:clone():mul(beta2), dfdx:clone():abs():add(epsilon)
  state.u:copy(tbinary("cmax", decayed, fresh))
  x:addcdiv(-lr / (1 - beta1 ^ state.t), state.m, state.u)
  return x, { fx }
end

-- torch/optim's polyinterp.lua: the minimum of the cubic through two points given as rows
-- {x, f, f'} (the farther point's side, clamped between the two x; their mean when the cubic has
-- no real minimum). With bounds, or other than two points, Torch7 raises "extrapolation not
-- implemented yet", and so does this.
optim.polyinterp = function(points, xminBound, xmaxBound)
  if not F.isTensor(points) or points:dim() ~= 2 or points:size(2) ~= 3 then fail("optim.polyinterp: expected rows of {x, f, g}") end
  if points:size(1) ~= 2 or xminBound ~= nil or xmaxBound ~= nil then fail("<optim.polyinterp> extrapolation not implemented yet...") end
  local p = points:totable()
  local lo, hi = p[1], p[2]
  if p[2][1] < p[1][1] then lo, hi = p[2], p[1] end
  local d1 = lo[3] + hi[3] - 3 * (lo[2] - hi[2]) / (lo[1] - hi[1])
  local d2 = math.sqrt(d1 * d1 - lo[3] * hi[3])
  if d2 ~= d2 then return (lo[1] + hi[1]) / 2 end
  local t = hi[1] - (hi[1] - lo[1]) * ((hi[3] + d2 - d1) / (hi[3] - lo[3] + 2 * d2))
  return math.min(math.max(t, lo[1]), hi[1])
end

-- torch/optim's lswolfe.lua: a line search for the strong Wolfe conditions (sufficient decrease
-- c1 1e-4, curvature c2 0.9, tolX 1e-9, maxIter 20): bracket a step, then zoom in on it by cubic
-- interpolation, the step forced 10% inside the bracket when progress stalls. Given to
-- optim.lbfgs as config.lineSearch; returns f, g, x (moved to x + t d), t and the evaluations.
optim.lswolfe = function(opfunc, x, t, d, f, g, gtd, options)
  options = options or {}
  local c1, c2, tolX, maxIter = options.c1 or 1e-4, options.c2 or 0.9, options.tolX or 1e-9, options.maxIter or 20
  local xInit = x:clone()
  local function at(step)
    x:copy(xInit)
    x:add(step, d)
    local fv, gv = opfunc(x)
    return fv, gv:clone(), gv * d
  end
  local fNew, gNew, gtdNew = at(t)
  local evals, iter, tPrev, done = 1, 0, 0, false
  local fPrev, gPrev, gtdPrev = f, g:clone(), gtd
  local bracket, bracketF, bracketG
  while iter < maxIter do
    if fNew > f + c1 * t * gtd or (iter > 1 and fNew >= fPrev) then
      bracket, bracketF, bracketG = { tPrev, t }, { fPrev, fNew }, { gPrev, gNew }
      break
    elseif math.abs(gtdNew) <= -c2 * gtd then
      bracket, bracketF, bracketG = { t }, { fNew }, { gNew }
      done = true
      break
    elseif gtdNew >= 0 then
      bracket, bracketF, bracketG = { tPrev, t }, { fPrev, fNew }, { gPrev, gNew }
      break
    end
    local before = tPrev
    tPrev = t
    -- Torch7 interpolates with step bounds here, which its polyinterp refuses
    t = optim.polyinterp(torch.Tensor({ { before, fPrev, gtdPrev }, { t, fNew, gtdNew } }), t + 0.01 * (t - before), t * 10)
    fPrev, gPrev, gtdPrev = fNew, gNew, gtdNew
    fNew, gNew, gtdNew = at(t)
    evals, iter = evals + 1, iter + 1
  end
  if iter == maxIter then bracket, bracketF, bracketG = { 0, t }, { f, fNew }, { g, gNew } end
  local stalled = false
  while not done and iter < maxIter do
    local lo = bracketF[1] <= bracketF[2] and 1 or 2
    local hi = 3 - lo
    local fLo = bracketF[lo]
    t = optim.polyinterp(torch.Tensor({ { bracket[1], bracketF[1], bracketG[1] * d }, { bracket[2], bracketF[2], bracketG[2] * d } }))
    local bmax, bmin = math.max(bracket[1], bracket[2]), math.min(bracket[1], bracket[2])
    if math.min(bmax - t, t - bmin) / (bmax - bmin) < 0.1 then
      if stalled or t >= bmax or t <= bmin then
        if math.abs(t - bmax) < math.abs(t - bmin) then t = bmax - 0.1 * (bmax - bmin) else t = bmin + 0.1 * (bmax - bmin) end
        stalled = false
      else
        stalled = true
      end
    else
      stalled = false
    end
    fNew, gNew, gtdNew = at(t)
    evals, iter = evals + 1, iter + 1
    if fNew > f + c1 * t * gtd or fNew >= fLo then
      bracket[hi], bracketF[hi], bracketG[hi] = t, fNew, gNew
    else
      if math.abs(gtdNew) <= -c2 * gtd then
        done = true
      elseif gtdNew * (bracket[hi] - bracket[lo]) >= 0 then
        bracket[hi], bracketF[hi], bracketG[hi] = bracket[lo], bracketF[lo], bracketG[lo]
      end
      bracket[lo], bracketF[lo], bracketG[lo] = t, fNew, gNew
    end
    if not done and math.abs((bracket[1] - bracket[2]) * gtdNew) < tolX then break end
  end
  local best = 1
  if #bracketF == 2 and bracketF[2] < bracketF[1] then best = 2 end
  x:copy(xInit)
  x:add(bracket[best], d)
  return bracketF[best], bracketG[best], x, bracket[best], evals
end

-- torch/optim's asgd.lua (Bottou's averaged SGD): eta0 (1e-4), lambda (1e-4), alpha (0.75), t0
-- (1e6, when averaging starts); x decays by lambda eta_t and steps by eta_t df/dx, ax averages
-- x from t0 on; eta_t = eta0 / (1 + lambda eta0 t)^alpha, mu_t = 1 / max(1, t - t0). Returns x,
-- {f(x)} and the average ax.
optim.asgd = function(feval, x, config, state)
  config = config or {}
  state = state or config
  config.eta0, config.lambda = config.eta0 or 1e-4, config.lambda or 1e-4
  config.alpha, config.t0 = config.alpha or 0.75, config.t0 or 1e6
  state.eta_t, state.mu_t, state.t = state.eta_t or config.eta0, state.mu_t or 1, state.t or 0
  local fx, dfdx = evaluate("asgd", feval, x)
  x:mul(1 - config.lambda * state.eta_t)
  x:add(-state.eta_t, dfdx)
  state.ax = state.ax or zeroslike(x)
  if state.mu_t ~= 1 then state.ax:add(state.mu_t, x - state.ax) else state.ax:copy(x) end
  state.t = state.t + 1
  state.eta_t = config.eta0 / (1 + config.lambda * config.eta0 * state.t) ^ config.alpha
  state.mu_t = 1 / math.max(1, state.t - config.t0)
  return x, { fx }, state.ax
end

-- torch/optim's rprop.lua (Riedmiller): per element a step size that grows by etaplus (1.2)
-- while the gradient keeps its sign and shrinks by etaminus (0.5) when it flips, kept in
-- [stepsizemin (1e-6), stepsizemax (50)] from stepsize (0.1); after a flip the gradient counts
-- as zero (and is zeroed in the caller's tensor, as rprop.lua does); x moves by -sign(g) step.
-- niter (1) evaluations per call; returns x and the f values.
optim.rprop = function(feval, x, config, state)
  config = config or {}
  state = state or config
  local stepsize, etaplus, etaminus = config.stepsize or 0.1, config.etaplus or 1.2, config.etaminus or 0.5
  local stepsizemax, stepsizemin, niter = config.stepsizemax or 50.0, config.stepsizemin or 1e-6, config.niter or 1
  local history = {}
  for _ = 1, niter do
    local fx, dfdx = evaluate("rprop", feval, x)
    if not state.delta then
      state.delta = zeroslike(dfdx)
      state.stepsize = zeroslike(dfdx):fill(stepsize)
    end
    local agreement = torch.cmul(dfdx, state.delta):sign()
    local factor = agreement:clone():apply(function(v) if v > 0 then return etaplus elseif v < 0 then return etaminus end return 1 end)
    state.stepsize:cmul(factor):apply(function(v) return math.min(stepsizemax, math.max(stepsizemin, v)) end)
    dfdx:map(agreement, function(g, a) if a < 0 then return 0 end return g end)
    x:addcmul(-1, dfdx:clone():sign(), state.stepsize)
    state.delta:copy(dfdx)
    history[#history + 1] = fx
  end
  return x, history
end

-- torch/optim's nag.lua (Sutskever et al. 2013): the gradient is taken after a step along the
-- momentum; learningRate (1e-3), learningRateDecay, weightDecay, momentum (0.9, must be positive),
-- learningRates (per-parameter); state evalCounter, dfdx (the velocity), x_copy.
optim.nag = function(feval, x, config, state)
  config = config or {}
  state = state or config
  local lr, lrd, wd = config.learningRate or 1e-3, config.learningRateDecay or 0, config.weightDecay or 0
  local mom, lrs = config.momentum or 0.9, config.learningRates
  if mom <= 0 then fail("optim.nag: Nesterov's accelerated gradient needs a positive momentum, got " .. tostring(mom)) end
  state.evalCounter = state.evalCounter or 0
  state.x_copy = state.x_copy or x:clone()
  state.x_copy:copy(x)
  if state.dfdx then x:add(mom, state.dfdx) end
  local fx, dfdx = evaluate("nag", feval, x)
  if wd ~= 0 then dfdx:add(wd, x) end
  local clr = lr / (1 + state.evalCounter * lrd)
  if not state.dfdx then state.dfdx = zeroslike(dfdx) else state.dfdx:mul(mom) end
  if lrs then state.dfdx:add(-clr, torch.cmul(lrs, dfdx)) else state.dfdx:add(-clr, dfdx) end
  state.x_copy:add(state.dfdx)
  x:copy(state.x_copy)
  state.evalCounter = state.evalCounter + 1
  return x, { fx }
end

-- torch/optim's lbfgs.lua (after Schmidt's minFunc): x, f_hist, evals = optim.lbfgs(feval, x, config,
-- state). Up to config.maxIter iterations (20) and maxEval evaluations (1.25 maxIter) per call;
-- tolFun (1e-5) on the gradient's L1 norm, tolX (1e-9) on the step and on the change of f;
-- nCorrection (100) pairs of history; a fixed step of learningRate (1, the first scaled by
-- min(1, 1/|g|_1)) or config.lineSearch(feval, x, t, d, f, g, gtd, lineSearchOptions) returning
-- f, g, x, t, evaluations. The history and the last direction stay in state between calls.
optim.lbfgs = function(feval, x, config, state)
  config = config or {}
  state = state or config
  local maxIter = tonumber(config.maxIter) or 20
  local maxEval = tonumber(config.maxEval) or maxIter * 1.25
  local tolFun, tolX = config.tolFun or 1e-5, config.tolX or 1e-9
  local nCorrection = config.nCorrection or 100
  local lineSearch, lineSearchOpts = config.lineSearch, config.lineSearchOptions
  local learningRate = config.learningRate or 1
  local say = config.verbose and function(...) print("<optim.lbfgs> ", ...) end or function() end
  state.funcEval = state.funcEval or 0
  state.nIter = state.nIter or 0

  local f, g = evaluate("lbfgs", feval, x)
  local fHist, evals = { f }, 1
  state.funcEval = state.funcEval + 1
  if g:clone():abs():sum() <= tolFun then say("optimality condition below tolFun"); return x, fHist end

  local d, t, dirs, stps, Hdiag = state.d, state.t, state.old_dirs, state.old_stps, state.Hdiag
  local gOld, fOld = state.g_old, state.f_old
  local iter = 0
  while iter < maxIter do
    iter = iter + 1
    state.nIter = state.nIter + 1
    if state.nIter == 1 then
      d, dirs, stps, Hdiag = g:clone():mul(-1), {}, {}, 1
    else
      -- The curvature pair of the last step, kept when it is positive: s = t d, y = g - g_old.
      local y, s = g:clone():csub(gOld), d:clone():mul(t)
      local ys = y:dot(s)
      if ys > 1e-10 then
        if #dirs == nCorrection then table.remove(dirs, 1); table.remove(stps, 1) end
        dirs[#dirs + 1], stps[#stps + 1] = s, y
        Hdiag = ys / y:dot(y)
      end
      -- Two-loop recursion: d = -H g with H the limited-memory inverse Hessian.
      local k, rho, alpha = #dirs, {}, {}
      local q = g:clone():mul(-1)
      for i = k, 1, -1 do
        rho[i] = 1 / stps[i]:dot(dirs[i])
        alpha[i] = dirs[i]:dot(q) * rho[i]
        q:add(-alpha[i], stps[i])
      end
      d = q:mul(Hdiag)
      for i = 1, k do
        local beta = stps[i]:dot(d) * rho[i]
        d:add(alpha[i] - beta, dirs[i])
      end
    end
    gOld = g:clone()
    fOld = f
    local gtd = g:dot(d)
    if gtd > -tolX then break end
    if state.nIter == 1 then t = math.min(1, 1 / g:clone():abs():sum()) * learningRate else t = learningRate end
    local lsEvals = 0
    if type(lineSearch) == "function" then
      f, g, x, t, lsEvals = lineSearch(feval, x, t, d, f, g, gtd, lineSearchOpts)
      fHist[#fHist + 1] = f
    else
      x:add(t, d)
      -- No new evaluation after the last iteration: in a stochastic setting it would be wasted.
      if iter ~= maxIter then
        f, g = evaluate("lbfgs", feval, x)
        lsEvals = 1
        fHist[#fHist + 1] = f
      end
    end
    evals = evals + lsEvals
    state.funcEval = state.funcEval + lsEvals
    if iter == maxIter then say("reached max number of iterations"); break end
    if evals >= maxEval then say("max nb of function evals"); break end
    if g:clone():abs():sum() <= tolFun then say("optimality condition below tolFun"); break end
    if d:clone():mul(t):abs():sum() <= tolX then say("step size below tolX"); break end
    if math.abs(f - fOld) < tolX then say("function value changing less than tolX"); break end
  end
  state.old_dirs, state.old_stps, state.Hdiag, state.g_old, state.f_old, state.t, state.d = dirs, stps, Hdiag, gOld, fOld, t, d
  return x, fHist, evals
end

-- torch/optim's cg.lua, Rasmussen's minimize: x, f_hist, evals = optim.cg(feval, x, config, state).
-- Polack-Ribiere conjugate directions, each searched with Rasmussen's cubic/quadratic
-- interpolation and extrapolation under the Wolfe-Powell conditions (rho 0.01, sig 0.5, int 0.1,
-- ext 3, ratio 100); at most maxEval (1.25 maxIter, maxIter 20) evaluations and maxIter per line
-- search. As in Torch7, a failed line search ends the call (its failure flag is a number, which
-- Lua counts as true).
optim.cg = function(feval, x, config, state)
  config = config or {}
  state = state or config
  local rho, sig, int, ext = config.rho or 0.01, config.sig or 0.5, config.int or 0.1, config.ext or 3.0
  local maxIter, ratio = config.maxIter or 20, config.ratio or 100
  local maxEval = config.maxEval or maxIter * 1.25
  local huge = math.huge
  local function bad(v) return v ~= v or v == huge or v == -huge end
  local evals, fHist = 0, {}
  local function at(p)
    local fp, gp = evaluate("cg", feval, p)
    evals = evals + 1
    return fp, gp:clone()
  end
  local f1, g1 = at(x)
  fHist[1] = f1
  local s = g1:clone():mul(-1)
  local d1 = -s:dot(s)                        -- the slope along s
  local z1 = 1 / (1 - d1)                     -- the first step
  local f0, g0, x0, g2
  while evals < math.abs(maxEval) do
    x0, f0, g0 = x:clone(), f1, g1:clone()
    x:add(z1, s)
    local f2
    f2, g2 = at(x)
    local d2 = g2:dot(s)
    local f3, d3, z3 = f1, d1, -z1           -- point 3 starts as point 1
    local m, success, limit = math.min(maxIter, maxEval - evals), false, -1
    while true do
      -- Shrink the step while the Wolfe-Powell conditions fail (and evaluations remain).
      while (f2 > f1 + z1 * rho * d1 or d2 > -sig * d1) and m > 0 do
        limit = z1
        local z2
        if f2 > f1 then
          z2 = z3 - (0.5 * d3 * z3 * z3) / (d3 * z3 + f2 - f3)             -- quadratic fit
        else
          local A = 6 * (f2 - f3) / z3 + 3 * (d2 + d3)
          local B = 3 * (f3 - f2) - z3 * (d3 + 2 * d2)
          z2 = (math.sqrt(B * B - A * d2 * z3 * z3) - B) / A                  -- cubic fit
        end
        if bad(z2) then z2 = z3 / 2 end
        z2 = math.max(math.min(z2, int * z3), (1 - int) * z3)
        z1 = z1 + z2
        x:add(z2, s)
        f2, g2 = at(x)
        m = m - 1
        d2 = g2:dot(s)
        z3 = z3 - z2
      end
      if f2 > f1 + z1 * rho * d1 or d2 > -sig * d1 then break
      elseif d2 > sig * d1 then success = true; break
      elseif m == 0 then break end
      -- Extrapolate with a cubic, within the limits Rasmussen sets.
      local A = 6 * (f2 - f3) / z3 + 3 * (d2 + d3)
      local B = 3 * (f3 - f2) - z3 * (d3 + 2 * d2)
      local z2 = -d2 * z3 * z3 / (B + math.sqrt(B * B - A * d2 * z3 * z3))
      if bad(z2) or z2 < 0 then
        z2 = limit < -0.5 and z1 * (ext - 1) or (limit - z1) / 2
      elseif limit > -0.5 and z2 + z1 > limit then z2 = (limit - z1) / 2
      elseif limit < -0.5 and z2 + z1 > z1 * ext then z2 = z1 * (ext - 1)
      elseif z2 < -z3 * int then z2 = -z3 * int
      elseif limit > -0.5 and z2 < (limit - z1) * (1 - int) then z2 = (limit - z1) * (1 - int) end
      f3, d3, z3 = f2, d2, -z2
      z1 = z1 + z2
      x:add(z2, s)
      f2, g2 = at(x)
      m = m - 1
      d2 = g2:dot(s)
    end
    if success then
      f1 = f2
      fHist[#fHist + 1] = f1
      -- Polack-Ribiere: s = (g2.g2 - g2.g1) / g1.g1 s - g2; steepest descent if that points uphill.
      s:mul((g2:dot(g2) - g2:dot(g1)) / g1:dot(g1)):add(-1, g2)
      g1, g2 = g2, g1
      d2 = g1:dot(s)
      if d2 > 0 then s = g1:clone():mul(-1); d2 = -s:dot(s) end
      z1 = z1 * math.min(ratio, d1 / (d2 - 1e-320))
      d1 = d2
    else
      x:copy(x0)
      f1, g1 = f0, g0
      break                                   -- Torch7 tests `ls_failed or ...`: always true
    end
  end
  state.df1, state.df2, state.s, state.x0 = g1, g2, s, x0
  return x, fHist, evals
end

for _, kind in ipairs({ "adamw" }) do
  -- Torch7: x, {f(x)} = optim.kind(feval, x, config, state); feval(x) returns f, df/dx.
  optim[kind] = function(feval, x, config, state)
    config = config or {}
    state = state or config
    local fx, dfdx = feval(x)
    if not F.isTensor(dfdx) then fail("optim." .. kind .. ": feval must return the loss and the gradient tensor") end
    local r, e = ostep(kind, x, dfdx, config, state)
    if r == ERR then fail(e) end
    return x, { fx }
  end
end
local onew = wrap(O.new)
local OM = {
  step = wrap0(O.objstep), zeroGrad = wrap0(O.zeroGrad), zero_grad = wrap0(O.zeroGrad),
  learningRate = wrap(O.learningRate), stepCount = wrap(O.stepCount), config = wrap(O.config),
}
local OptimizerMT = registry["snn.Optimizer"]
OptimizerMT.__index = OM
OptimizerMT.__gc = function(o) T.free(o) end
OptimizerMT.__name = "optim.Optimizer"
-- The object form of every registered optimizer, by its name (optim.SGD, optim.Adam, optim.AdamW,
-- optim.RMSprop): PyTorch's spelling and defaults. The lower-case functions above are Torch7's.
for _, name in ipairs(wrap(O.names)()) do
  optim[name] = function(params, config)
    if isLuaModule(params) then
      fail("optim." .. name .. "(model): the model holds Lua-defined modules, which this optimizer cannot reach; " ..
           "use Torch7's form: local x, dx = model:getParameters() and optim." .. name:lower() .. "(feval, x, config)")
    end
    return onew(name, params, config or {})
  end
end
optim.RMSProp = optim.RMSprop

-- Torch7's optim.Logger (optim/Logger.lua): a tab-separated log of named values, one row per
-- add, numbers as %11.4e. setNames fixes the columns (add then takes values in that order);
-- without it, add takes a table of name = value and the names are written on the first add.
-- The file is written under the script's write folders. plot() needs gnuplot in Torch7; here,
-- as Torch7 does without gnuplot, it warns once (train.plot draws a history).
do
  local LoggerMT = {}
  LoggerMT.__index = LoggerMT
  local writeText = wrap0(raw.data.writeText)
  optim.Logger = function(filename, timestamp)
    local self = setmetatable({ empty = true, symbols = {}, styles = {}, names = nil }, LoggerMT)
    if filename then
      self.name = filename
      if timestamp then filename = filename .. "-" .. os.date("%Y_%m_%d_%X") end
      self.path = filename
      self.epsfile = self.name .. ".eps"
      writeText(filename, "", false)
    else
      self.name = "stdout"
      print("<Logger> warning: no path provided, logging to std out")
    end
    return self
  end
  -- Without a file the log goes to the script's output a line at a time (the sandbox has no io).
  function LoggerMT:_write(text)
    if self.path then writeText(self.path, text, true); return end
    local pending = (self._pending or "") .. text
    for line in pending:gmatch("([^\n]*)\n") do print(line) end
    self._pending = pending:match("[^\n]*$")
  end
  function LoggerMT:setNames(names)
    self.names = names
    self.empty = false
    self.nsymbols = #names
    for _, k in ipairs(names) do self.symbols[k] = {}; self.styles[k] = { "+" } end
    self:_write(table.concat(names, "\t") .. "\t\n")
    return self
  end
  local function cell(v)
    if type(v) == "number" then return string.format("%11.4e", v) end
    if type(v) == "string" then return v end
    fail("<Logger> can only log numbers and strings")
  end
  function LoggerMT:add(symbols)
    local row = {}
    if self.names then
      if #symbols ~= self.nsymbols then fail("<Logger> add: " .. self.nsymbols .. " values expected, got " .. #symbols) end
      for i, v in ipairs(symbols) do row[i] = cell(v); table.insert(self.symbols[self.names[i]], v) end
    else
      local keys = {}
      for k in pairs(symbols) do keys[#keys + 1] = k end
      table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
      if self.empty then
        self.empty = false
        self.order = keys
        for _, k in ipairs(keys) do self.symbols[k] = {}; self.styles[k] = { "+" } end
        self:_write(table.concat(keys, "\t") .. "\t\n")
      end
      for i, k in ipairs(self.order) do
        local v = symbols[k]
        if v ~= nil then row[#row + 1] = cell(v); table.insert(self.symbols[k], v) end
      end
    end
    self:_write(table.concat(row, "\t") .. "\t\n")
  end
  function LoggerMT:style(styles)
    for name, st in pairs(styles) do
      if type(st) == "string" then self.styles[name] = { st }
      elseif type(st) == "table" then self.styles[name] = st
      else fail("<Logger> style should be a string or a table of strings") end
    end
  end
  function LoggerMT:display(on) self.showPlot = on end
  -- Torch7 draws the logged series with gnuplot; here plot() writes them as a picture beside
  -- the log (name .. ".png"), through the host's plotter. Without a log file or a plotter it
  -- warns once, as Torch7 does without gnuplot.
  local plotSeries = raw.train.plotSeries
  function LoggerMT:plot()
    local names = self.names or {}
    if #names == 0 then for k in pairs(self.symbols) do names[#names + 1] = k end; table.sort(names) end
    local series = {}
    for _, k in ipairs(names) do series[#series + 1] = { tostring(k), self.symbols[k] or {} } end
    if self.path and #series > 0 then
      local ok, err = plotSeries(series, self.path .. ".png")
      if ok ~= ERR then self.plotfile = self.path .. ".png"; return end
      if not tostring(err):find("draws no", 1, true) then fail(err) end
    end
    if not self.warned then
      print("<Logger> warning: cannot plot with this version of Torch")
      self.warned = true
    end
  end
end

-- Torch7's optim.ConfusionMatrix (optim/ConfusionMatrix.lua): rows are targets, columns
-- predictions; a target that is not positive is ignored. add takes a class number or a vector
-- of scores (its first maximum), batchAdd a batch of either; updateValids fills valids (per-row
-- accuracy), unionvalids (the VOC measure), totalValid, averageValid and averageUnionValid, and
-- printing shows the matrix as Torch7 printed it.
local ConfusionMT = {}
ConfusionMT.__index = ConfusionMT
optim.ConfusionMatrix = function(nclasses, classes)
  if type(nclasses) == "table" then classes, nclasses = nclasses, #nclasses end
  if type(nclasses) ~= "number" or nclasses < 1 then fail("optim.ConfusionMatrix: give the number of classes or their names") end
  return setmetatable({ mat = torch.zeros(nclasses, nclasses), valids = torch.zeros(nclasses), unionvalids = torch.zeros(nclasses),
                        nclasses = nclasses, totalValid = 0, averageValid = 0, classes = classes or {} }, ConfusionMT)
end
local function classOf(v)
  if type(v) == "number" then return v end
  if v:dim() == 2 and v:size(1) == 1 then v = v:view(-1) end
  return v:argmax()
end
function ConfusionMT:_add(p, t)
  if t > 0 then self.mat[t][p] = self.mat[t][p] + 1 end
end
function ConfusionMT:add(prediction, target)
  self:_add(classOf(prediction), classOf(target))
end
function ConfusionMT:batchAdd(predictions, targets)
  local n = predictions:size(1)
  for i = 1, n do
    local p = predictions:dim() == 1 and predictions[i] or (predictions:size(2) == 1 and predictions[i][1] or classOf(predictions[i]))
    local t = targets:dim() == 1 and targets[i] or (targets:size(2) == 1 and targets[i][1] or classOf(targets[i]))
    self:_add(p, t)
  end
end
function ConfusionMT:zero()
  self.mat:zero(); self.valids:zero(); self.unionvalids:zero()
  self.totalValid, self.averageValid = 0, 0
end
-- farFrr() (optim/ConfusionMatrix.lua): per class with examples, the false rejection rate
-- 1 - mat[i][i] / (examples of i) and the false acceptance rate, the mean over the other classes
-- j with examples of mat[j][i] / (examples of j); classes without examples get -1. Returns the
-- per-class rates and the rates of the classes with examples.
function ConfusionMT:farFrr()
  local n = self.mat:size(1)
  local rows = {}
  for i = 1, n do rows[i] = self.mat[i]:sum() end
  local classFrrs, classFars = torch.zeros(n):fill(-1), torch.zeros(n):fill(-1)
  local frrs, fars = {}, {}
  for i = 1, n do
    if rows[i] ~= 0 then
      local frr = 1 - self.mat[i][i] / rows[i]
      local num, den = 0, 0
      for j = 1, n do
        if j ~= i and rows[j] ~= 0 then num, den = num + self.mat[j][i] / rows[j], den + 1 end
      end
      local far = num / den
      classFrrs[i], classFars[i] = frr, far
      frrs[#frrs + 1], fars[#fars + 1] = frr, far
    end
  end
  return classFrrs, classFars, torch.Tensor(frrs), torch.Tensor(fars)
end
function ConfusionMT:updateValids()
  local total = 0
  for t = 1, self.nclasses do
    local row, col, d = self.mat[t]:sum(), 0, self.mat[t][t]
    for r = 1, self.nclasses do col = col + self.mat[r][t] end
    self.valids[t] = d / row
    self.unionvalids[t] = d / (row + col - d)
    total = total + d
  end
  self.totalValid = total / self.mat:sum()
  local sum, n, usum, un = 0, 0, 0, 0
  for t = 1, self.nclasses do
    local v, u = self.valids[t], self.unionvalids[t]
    if v == v then sum, n = sum + v, n + 1 end
    if v == v and u == u then usum, un = usum + u, un + 1 end
  end
  self.averageValid, self.averageUnionValid = sum / n, usum / un
end
ConfusionMT.__tostring = function(self)
  self:updateValids()
  local out = { "ConfusionMatrix:\n", "[" }
  local named = self.classes and self.classes[1]
  for t = 1, self.nclasses do
    out[#out + 1] = t == 1 and "[" or " ["
    for p = 1, self.nclasses do out[#out + 1] = string.format("%8d", math.floor(self.mat[t][p])) end
    local last = t == self.nclasses
    out[#out + 1] = (last and "]]  " or "]   ") .. string.format("%2.3f", self.valids[t] * 100) .. "% "
    out[#out + 1] = named and ("\t[class: " .. (self.classes[t] or "") .. "]\n") or "\n"
  end
  out[#out + 1] = " + average row correct: " .. (self.averageValid * 100) .. "% \n"
  out[#out + 1] = " + average rowUcol correct (VOC measure): " .. (self.averageUnionValid * 100) .. "% \n"
  out[#out + 1] = " + global correct: " .. (self.totalValid * 100) .. "%"
  return table.concat(out)
end
ConfusionMT.__name = "optim.ConfusionMatrix"

-- the locals the later parts use
S.evaluate = evaluate;
