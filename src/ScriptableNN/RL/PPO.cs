using System.Text.Json.Nodes;
using ScriptableNN.Inference;
using ScriptableNN.NN;
using ScriptableNN.Optim;
using ScriptableNN.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace ScriptableNN.RL;

/// <summary>Settings of <see cref="PPO"/>, by Stable-Baselines3's names and with its defaults.</summary>
public sealed record PpoSettings
{
    /// <summary>Adam's step size (learning_rate).</summary>
    public float LearningRate { get; init; } = 3e-4f;
    /// <summary>Lower the learning rate linearly to 0 over <see cref="Agent.TotalSteps"/> (the zoo's "lin_" schedule).</summary>
    public bool AnnealLearningRate { get; init; }
    /// <summary>Steps each environment runs per rollout (n_steps).</summary>
    public int NSteps { get; init; } = 2048;
    /// <summary>Transitions per minibatch (batch_size).</summary>
    public int BatchSize { get; init; } = 64;
    /// <summary>Passes over each rollout (n_epochs).</summary>
    public int NEpochs { get; init; } = 10;
    /// <summary>Discount (gamma).</summary>
    public float Gamma { get; init; } = 0.99f;
    /// <summary>GAE's lambda (gae_lambda).</summary>
    public float GaeLambda { get; init; } = 0.95f;
    /// <summary>The clip of the probability ratio (clip_range).</summary>
    public float ClipRange { get; init; } = 0.2f;
    /// <summary>Lower the clip range linearly to 0 over <see cref="Agent.TotalSteps"/>.</summary>
    public bool AnnealClipRange { get; init; }
    /// <summary>The clip of the value prediction around the rollout's (clip_range_vf); null leaves it unclipped.</summary>
    public float? ClipRangeVf { get; init; }
    /// <summary>Scale each minibatch's advantages to zero mean and unit deviation (normalize_advantage).</summary>
    public bool NormalizeAdvantage { get; init; } = true;
    /// <summary>Weight of the entropy bonus (ent_coef).</summary>
    public float EntCoef { get; init; }
    /// <summary>Weight of the value loss (vf_coef).</summary>
    public float VfCoef { get; init; } = 0.5f;
    /// <summary>The joint gradient norm limit (max_grad_norm).</summary>
    public float MaxGradNorm { get; init; } = 0.5f;
    /// <summary>Stop a rollout's epochs once the approximate KL passes 1.5 times this (target_kl); null never stops.</summary>
    public float? TargetKl { get; init; }
    /// <summary>The starting log standard deviation of a continuous policy (log_std_init).</summary>
    public float LogStdInit { get; init; }
    /// <summary>Seed of the environments' resets, the action sampling and the minibatch order.</summary>
    public ulong Seed { get; init; }
}

/// <summary>
/// Proximal Policy Optimization (Schulman et al. 2017) as Stable-Baselines3 implements it: a rollout
/// of <see cref="PpoSettings.NSteps"/> steps of every environment with the current policy, advantages
/// by GAE(lambda) with the value network (a truncated episode's last reward is given the discounted
/// value of the observation it ended on), then <see cref="PpoSettings.NEpochs"/> passes of shuffled
/// minibatches minimising the clipped surrogate -min(r A, clip(r, 1 - c, 1 + c) A) with
/// r = pi(a|s) / pi_old(a|s), plus vf_coef times the squared error of the value, minus ent_coef
/// times the entropy, with the joint gradient clipped to max_grad_norm. The policy network gives
/// one score per action (categorical) or the mean of a diagonal Gaussian whose log standard
/// deviations are learned parameters of their own. The gradients of the loss with respect to the
/// networks' outputs are written out (Categorical, DiagonalGaussian) and back-propagated through
/// each network. Nothing is allocated per step.
/// </summary>
public sealed class PPO : Agent
{
    private readonly Module _policy, _value;
    private readonly PpoSettings _s;
    private readonly Optimizer _optimizer;
    private readonly Parameter? _logStd;
    private readonly Parameter[] _all;
    private readonly Rng _rng;
    private readonly int _n, _obs, _outs, _act, _total;
    private readonly Tensor _states, _actions;
    private readonly float[] _logp, _values, _rewards, _adv, _returns, _scratch;
    private readonly bool[] _dones;
    private readonly int[] _order;
    private readonly Batch _batch;
    private readonly CompiledNetwork _actor, _critic;
    private readonly Tensor _rolloutOut, _rolloutValues;
    private int _t;

    /// <summary>The policy network (scores or means).</summary>
    public Module Policy => _policy;
    /// <summary>The value network (one output).</summary>
    public Module Value => _value;
    /// <summary>The optimizer over both networks and the log standard deviations.</summary>
    public Optimizer Optimizer => _optimizer;
    /// <summary>The learned log standard deviations of a continuous policy (null for a discrete one).</summary>
    public Parameter? LogStd => _logStd;
    /// <summary>The settings.</summary>
    public PpoSettings Settings => _s;
    /// <inheritdoc/>
    protected override ulong Seed => _s.Seed;
    /// <inheritdoc/>
    public override Module PolicyNetwork => _policy;
    /// <inheritdoc/>
    protected override Module[] Networks => new[] { _policy, _value };

    /// <inheritdoc/>
    protected override JsonObject SaveState() => new()
    {
        ["optimizer"] = AgentState.Optimizer(_optimizer), ["rng"] = AgentState.Rng(_rng),
        ["logStd"] = _logStd == null ? null : AgentState.Floats(_logStd.Value.Span),
    };

    /// <inheritdoc/>
    protected override void LoadState(JsonObject state)
    {
        AgentState.Optimizer(state["optimizer"], _optimizer);
        AgentState.Rng(state["rng"], _rng);
        if (_logStd != null) AgentState.Floats(state["logStd"], _logStd.Value.Span, "the log standard deviations");
        _t = 0;
        _updating = false;
        _actor.Refresh();
        _critic.Refresh();
    }

    /// <summary>
    /// PPO for <paramref name="copies"/> environments. <paramref name="optimizer"/> defaults to Adam
    /// over every parameter with eps 1e-5, as Stable-Baselines3's.
    /// </summary>
    public PPO(Module policy, Module value, int copies, int observationSize, int actionCount, int actionSize,
        PpoSettings? settings = null, Optimizer? optimizer = null) : base(copies, observationSize, actionCount, actionSize)
    {
        _policy = policy; _value = value; _s = settings ?? new PpoSettings();
        if (_s.NSteps < 1 || _s.BatchSize < 1 || _s.NEpochs < 1) throw new ArgumentException($"PPO: n_steps, batch_size and n_epochs must be at least 1, got {_s.NSteps}, {_s.BatchSize}, {_s.NEpochs}.");
        if (!(_s.ClipRange > 0)) throw new ArgumentException($"PPO: clip_range must be positive, got {_s.ClipRange}.");
        _n = copies; _obs = observationSize; _act = actionSize;
        _outs = actionCount > 0 ? actionCount : actionSize;
        int pw = policy.OutputWidth(_obs), vw = value.OutputWidth(_obs);
        if (pw != _outs) throw new ArgumentException($"PPO: the policy gives {pw} outputs per observation; {(actionCount > 0 ? $"{actionCount} actions need one score each" : $"{actionSize} action values need one mean each")}.");
        if (vw != 1) throw new ArgumentException($"PPO: the value network gives {vw} outputs per observation; it needs 1.");
        var ps = new List<Parameter>(policy.Parameters());
        ps.AddRange(value.Parameters());
        if (actionCount == 0)
        {
            var ls = Tensor.Zeros(actionSize);
            ls.Span.Fill(_s.LogStdInit);
            _logStd = new Parameter("log_std", ls, decay: false);
            ps.Add(_logStd);
        }
        _all = ps.ToArray();
        _optimizer = optimizer ?? MlpPolicy.Adam(_all, _s.LearningRate, 1e-5f);
        _rng = new Rng(_s.Seed);
        _total = _s.NSteps * _n;
        _states = Tensor.Zeros(_total, _obs);
        _actions = Tensor.Zeros(_total, _act);
        _logp = new float[_total]; _values = new float[_total]; _rewards = new float[_total];
        _adv = new float[_total]; _returns = new float[_total]; _dones = new bool[_total];
        _order = new int[_total];
        _scratch = new float[Math.Max(_outs, _act)];
        _batch = new Batch(Math.Min(_s.BatchSize, _total), _obs, _outs, _act);
        // The rollout runs compiled copies of the networks (refreshed after each update), so the
        // trained modules only ever see one batch shape and reuse their buffers.
        _actor = CompiledNetwork.Compile(policy, _obs);
        _critic = CompiledNetwork.Compile(value, _obs);
        _rolloutOut = Tensor.Zeros(_n, _outs);
        _rolloutValues = Tensor.Zeros(_n, 1);
    }

    /// <summary>The default networks of Stable-Baselines3's MlpPolicy: two hidden layers of 64 tanh units each for the policy and the value, the policy's last layer scaled to 1/100 so the first policy is near uniform.</summary>
    public static (Module Policy, Module Value) DefaultNetworks(int observationSize, int outputs, int[]? hidden = null, Rng? rng = null)
        => MlpPolicy.ActorCritic(observationSize, outputs, hidden ?? new[] { 64, 64 }, rng);

    /// <inheritdoc/>
    protected override void ActCore(Tensor observations)
    {
        if (_updating) { ActOnly(observations); return; }
        _actor.RunBatch(observations.Span, _rolloutOut.Span, _n);
        _critic.RunBatch(observations.Span, _rolloutValues.Span, _n);
        var outs = _rolloutOut.Span;
        var values = _rolloutValues.Span;
        var a = Actions.Span;
        int row = _t * _n;
        observations.Span.CopyTo(_states.Span.Slice(row * _obs, _n * _obs));
        for (int i = 0; i < _n; i++)
        {
            var o = outs.Slice(i * _outs, _outs);
            var ai = a.Slice(i * _act, _act);
            if (ActionCount > 0)
            {
                int k = Categorical.Sample(o, _scratch.AsSpan(0, _outs), _rng);
                ai[0] = k;
                _logp[row + i] = Categorical.LogProb(o, k);
            }
            else
            {
                DiagonalGaussian.Sample(o, _logStd!.Value.Span, _rng, ai);
                _logp[row + i] = DiagonalGaussian.LogProb(o, _logStd.Value.Span, ai);
            }
            _values[row + i] = values[i];
        }
        a.CopyTo(_actions.Span.Slice(row * _act, _n * _act));
    }

    /// <inheritdoc/>
    protected override void ObserveCore(ReadOnlySpan<float> rewards, ReadOnlySpan<bool> terminated, ReadOnlySpan<bool> truncated, Tensor next, Tensor final)
    {
        // A rollout being trained on takes no new steps (see Agent.DeferUpdates).
        if (_updating) return;
        int row = _t * _n;
        bool anyCut = false;
        for (int i = 0; i < _n; i++)
        {
            _rewards[row + i] = rewards[i];
            _dones[row + i] = terminated[i] || truncated[i];
            anyCut |= truncated[i] && !terminated[i];
        }
        if (anyCut)
        {
            // A time limit is not a terminal state: the step's reward takes the value of where it stopped.
            _critic.RunBatch(final.Span, _rolloutValues.Span, _n);
            var v = _rolloutValues.Span;
            for (int i = 0; i < _n; i++)
                if (truncated[i] && !terminated[i]) _rewards[row + i] += _s.Gamma * v[i];
        }
        if (++_t < _s.NSteps) return;
        _t = 0;
        Train(next);
    }

    // Actions from the policy as it stood before the update, nothing recorded.
    private void ActOnly(Tensor observations)
    {
        _actor.RunBatch(observations.Span, _rolloutOut.Span, _n);
        var a = Actions.Span;
        for (int i = 0; i < _n; i++)
        {
            var o = _rolloutOut.Span.Slice(i * _outs, _outs);
            var ai = a.Slice(i * _act, _act);
            if (ActionCount > 0) ai[0] = Categorical.Sample(o, _scratch.AsSpan(0, _outs), _rng);
            else DiagonalGaussian.Sample(o, _logStd!.Value.Span, _rng, ai);
        }
    }

    /// <inheritdoc/>
    protected override Tensor PredictCore(Tensor observations, bool deterministic)
    {
        int rows = observations.Size(0);
        var outs = _policy.Forward(observations).Span;
        var actions = Tensor.Zeros(rows, _act);
        for (int i = 0; i < rows; i++)
        {
            var o = outs.Slice(i * _outs, _outs);
            var ai = actions.Span.Slice(i * _act, _act);
            if (ActionCount > 0) ai[0] = deterministic ? Categorical.Mode(o) : Categorical.Sample(o, _scratch.AsSpan(0, _outs), _rng);
            else if (deterministic) o.CopyTo(ai);
            else DiagonalGaussian.Sample(o, _logStd!.Value.Span, _rng, ai);
        }
        return actions;
    }

    // The update in progress: its epoch, the next minibatch's start, and the sums it reports.
    private bool _updating;
    private int _epoch, _start;
    private float _clip;
    private double _pgSum, _vSum, _entSum, _klSum, _clipped, _epochKl;
    private long _seen, _epochSeen;

    /// <inheritdoc/>
    public override bool UpdatePending => _updating;

    private void Train(Tensor next)
    {
        // GAE(lambda), backwards through the rollout; an ended episode stops the sum.
        _critic.RunBatch(next.Span, _rolloutValues.Span, _n);
        var last = _rolloutValues.Span;
        for (int i = 0; i < _n; i++)
        {
            float gae = 0, nextValue = last[i];
            for (int t = _s.NSteps - 1; t >= 0; t--)
            {
                int k = t * _n + i;
                float notDone = _dones[k] ? 0f : 1f;
                float delta = _rewards[k] + _s.Gamma * nextValue * notDone - _values[k];
                gae = delta + _s.Gamma * _s.GaeLambda * notDone * gae;
                _adv[k] = gae;
                _returns[k] = gae + _values[k];
                nextValue = _values[k];
            }
        }
        double progress = ProgressRemaining;
        _clip = _s.AnnealClipRange ? (float)(_s.ClipRange * progress) : _s.ClipRange;
        if (_s.AnnealLearningRate) _optimizer.LearningRate = (float)(_optimizer.BaseLearningRate * progress);
        _pgSum = _vSum = _entSum = _klSum = _clipped = 0;
        _seen = 0;
        _epoch = 0; _start = 0;
        _updating = true;
        if (!DeferUpdates) while (TrainOne()) { }
    }

    /// <inheritdoc/>
    protected override bool TrainOne()
    {
        if (!_updating) return false;
        if (Kernels.Deadline.Passed) throw Kernels.Deadline.Stopped("PPO.Train");
        if (_start == 0)
        {
            for (int k = 0; k < _total; k++) _order[k] = k;
            _rng.Shuffle<int>(_order);
            _epochKl = 0; _epochSeen = 0;
        }
        int b = Math.Min(_s.BatchSize, _total - _start);
        var r = Minibatch(_batch, _order.AsSpan(_start, b), _clip);
        _pgSum += r.Pg * b; _vSum += r.V * b; _entSum += r.Ent * b; _klSum += r.Kl * b; _clipped += r.Clipped;
        _epochKl += r.Kl * b; _epochSeen += b; _seen += b;
        Updates++;
        _start += _s.BatchSize;
        if (_start < _total) return true;
        _start = 0;
        _epoch++;
        bool stop = _s.TargetKl is { } kl && _epochKl / _epochSeen > 1.5 * kl;
        if (_epoch < _s.NEpochs && !stop) return true;
        FinishUpdate();
        return false;
    }

    private void FinishUpdate()
    {
        _updating = false;
        Metrics["train/policy_gradient_loss"] = _pgSum / _seen;
        Metrics["train/value_loss"] = _vSum / _seen;
        Metrics["train/entropy_loss"] = -_entSum / _seen;
        Metrics["train/approx_kl"] = _klSum / _seen;
        Metrics["train/clip_fraction"] = _clipped / _seen;
        Metrics["train/explained_variance"] = ExplainedVariance();
        Metrics["train/learning_rate"] = _optimizer.LearningRate;
        Metrics["train/clip_range"] = _clip;
        _actor.Refresh();
        _critic.Refresh();
        if (_logStd != null) Metrics["train/std"] = MathF.Exp(TP.Sum(_logStd.Value.Span) / _logStd.Length);
    }

    private (double Pg, double V, double Ent, double Kl, int Clipped) Minibatch(Batch batch, ReadOnlySpan<int> idx, float clip)
    {
        int b = idx.Length;
        var x = batch.States.Span;
        var acts = batch.Actions.Span;
        var adv = batch.Advantages.AsSpan(0, b);
        for (int j = 0; j < b; j++)
        {
            _states.Span.Slice(idx[j] * _obs, _obs).CopyTo(x.Slice(j * _obs, _obs));
            _actions.Span.Slice(idx[j] * _act, _act).CopyTo(acts.Slice(j * _act, _act));
            adv[j] = _adv[idx[j]];
        }
        if (_s.NormalizeAdvantage && b > 1)
        {
            // torch.std is the unbiased (n - 1) deviation.
            float mean = TP.Sum(adv) / b;
            TP.Subtract(adv, mean, adv);
            float sd = MathF.Sqrt(TP.Dot(adv, adv) / (b - 1));
            TP.Divide(adv, sd + 1e-8f, adv);
        }
        // A last, short minibatch fills the rest of the buffer with copies of its first row whose
        // gradients are zero: the networks keep one input shape, and the result is the short batch's.
        for (int j = b; j < batch.Size; j++) x.Slice(0, _obs).CopyTo(x.Slice(j * _obs, _obs));
        batch.GradOutputs.Zero();
        batch.GradValues.Zero();
        _optimizer.ZeroGrad();
        var outs = _policy.Forward(batch.States).Span;
        var values = _value.Forward(batch.States).Span;
        var gOut = batch.GradOutputs.Span;
        var gV = batch.GradValues.Span;
        Span<float> gLogStd = _logStd != null ? _logStd.Grad.Span : default;
        float inv = 1f / b;
        double pg = 0, vl = 0, ent = 0, kl = 0;
        int clippedCount = 0;
        for (int j = 0; j < b; j++)
        {
            int k = idx[j];
            var o = outs.Slice(j * _outs, _outs);
            var a = acts.Slice(j * _act, _act);
            float logp, h;
            if (ActionCount > 0) { logp = Categorical.LogProb(o, (int)a[0]); h = Categorical.Entropy(o); }
            else { logp = DiagonalGaussian.LogProb(o, _logStd!.Value.Span, a); h = DiagonalGaussian.Entropy(_logStd.Value.Span); }
            float logRatio = logp - _logp[k];
            float ratio = MathF.Exp(logRatio);
            float A = adv[j];
            float unclipped = ratio * A, clippedTerm = Math.Clamp(ratio, 1 - clip, 1 + clip) * A;
            pg += -Math.Min(unclipped, clippedTerm);
            // The gradient flows through the unclipped term only where it is the smaller one.
            float dLogp = unclipped <= clippedTerm ? -A * ratio * inv : 0f;
            if (MathF.Abs(ratio - 1) > clip) clippedCount++;
            kl += (ratio - 1) - logRatio;
            ent += h;
            // The loss is pg - ent_coef H: its gradient's weights on log pi and on H.
            if (ActionCount > 0) Categorical.Backward(o, (int)a[0], dLogp, -_s.EntCoef * inv, gOut.Slice(j * _outs, _outs));
            else DiagonalGaussian.Backward(o, _logStd!.Value.Span, a, dLogp, -_s.EntCoef * inv, gOut.Slice(j * _outs, _outs), gLogStd);

            float v = values[j], target = _returns[k];
            float pred = v;
            float dv = 1f;
            if (_s.ClipRangeVf is { } cv)
            {
                float d = v - _values[k];
                if (d > cv) { pred = _values[k] + cv; dv = 0; }
                else if (d < -cv) { pred = _values[k] - cv; dv = 0; }
            }
            float err = pred - target;
            vl += err * err;
            gV[j] = _s.VfCoef * 2f * err * dv * inv;
        }
        _policy.Backward(batch.States, batch.GradOutputs);
        _value.Backward(batch.States, batch.GradValues);
        if (_s.MaxGradNorm > 0) GradClip.ByNorm(_all, _s.MaxGradNorm);
        _optimizer.Step();
        return (pg * inv, vl * inv, ent * inv, kl * inv, clippedCount);
    }

    private double ExplainedVariance()
    {
        // 1 - Var(returns - values) / Var(returns), over the rollout.
        double mr = 0, md = 0;
        for (int k = 0; k < _total; k++) { mr += _returns[k]; md += _returns[k] - _values[k]; }
        mr /= _total; md /= _total;
        double vr = 0, vd = 0;
        for (int k = 0; k < _total; k++)
        {
            double r = _returns[k] - mr, d = _returns[k] - _values[k] - md;
            vr += r * r; vd += d * d;
        }
        return vr == 0 ? double.NaN : 1 - vd / vr;
    }

    private sealed class Batch
    {
        public readonly int Size;
        public readonly Tensor States, Actions, GradOutputs, GradValues;
        public readonly float[] Advantages;
        public Batch(int size, int obs, int outs, int act)
        {
            Size = size;
            States = Tensor.Zeros(size, obs); Actions = Tensor.Zeros(size, act);
            GradOutputs = Tensor.Zeros(size, outs); GradValues = Tensor.Zeros(size, 1);
            Advantages = new float[size];
        }
    }
}
