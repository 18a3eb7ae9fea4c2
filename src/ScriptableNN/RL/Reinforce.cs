using System.Text.Json.Nodes;
using ScriptableNN.Inference;
using ScriptableNN.NN;
using ScriptableNN.Optim;
using ScriptableNN.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace ScriptableNN.RL;

/// <summary>Settings of <see cref="Reinforce"/>.</summary>
public sealed record ReinforceSettings
{
    /// <summary>Steps each copy runs per update (the rollout length).</summary>
    public int Steps { get; init; } = 128;
    /// <summary>The discount of future rewards.</summary>
    public float Gamma { get; init; } = 0.99f;
    /// <summary>How fast the baseline (a running mean of returns) follows them.</summary>
    public float BaselineRate { get; init; } = 0.05f;
    /// <summary>Scale the advantages of a rollout to zero mean and unit deviation.</summary>
    public bool NormalizeAdvantages { get; init; } = true;
    /// <summary>Seed of the environments' resets and the action sampling.</summary>
    public ulong Seed { get; init; }
}

/// <summary>
/// REINFORCE with a baseline (Williams 1992), the policy-gradient method of the lecture, for a
/// discrete policy: the network maps an observation to one score per action, softmax gives the
/// policy pi(a|s). Each rollout runs every copy of the environment for
/// <see cref="ReinforceSettings.Steps"/> steps, sampling actions from pi; then each step's
/// discounted return-to-go G (a terminated episode ends the sum; a truncated one and the rollout's
/// end are cut there), the advantage G - b with b a running mean of returns, and one step up
/// sum A log pi(a|s): the gradient with respect to the scores is A (pi - onehot(a)).
/// </summary>
public sealed class Reinforce : Agent
{
    private readonly Module _policy;
    private readonly Optimizer _optimizer;
    private readonly ReinforceSettings _s;
    private readonly Rng _rng;
    private readonly int _n, _obs, _actions, _total;
    private readonly Tensor _states, _grad, _scores;
    private readonly CompiledNetwork _actor;
    private readonly int[] _taken;
    private readonly float[] _rewards, _returns, _probs;
    private readonly double[] _running;
    private readonly bool[] _ends;
    private float _baseline;
    private bool _baselineSet;
    private int _t;
    private double _returnSum;
    private int _episodes;

    /// <summary>Trains <paramref name="policy"/> on <paramref name="envs"/> with <paramref name="optimizer"/>.</summary>
    public Reinforce(Module policy, VectorEnvironment envs, Optimizer optimizer, ReinforceSettings? settings = null)
        : this(policy, envs.Count, envs.ObservationSize, envs.ActionCount, optimizer, settings) => Environment = envs;

    /// <summary>REINFORCE for <paramref name="copies"/> environments driven through Act and Observe.</summary>
    public Reinforce(Module policy, int copies, int observationSize, int actionCount, Optimizer optimizer, ReinforceSettings? settings = null)
        : base(copies, observationSize, actionCount, 1)
    {
        _policy = policy; _optimizer = optimizer; _s = settings ?? new ReinforceSettings();
        if (_s.Steps < 1) throw new ArgumentException($"Reinforce: steps must be at least 1, got {_s.Steps}.");
        _n = copies; _obs = observationSize;
        _actions = policy.OutputWidth(_obs);
        if (_actions < 2 || _actions != actionCount) throw new ArgumentException($"Reinforce: the policy gives {_actions} score(s) per observation; a discrete policy needs one per action ({actionCount}).");
        _rng = new Rng(_s.Seed);
        _total = _s.Steps * _n;
        _states = Tensor.Zeros(_total, _obs);
        _grad = Tensor.Zeros(_total, _actions);
        _scores = Tensor.Zeros(_n, _actions);
        _actor = CompiledNetwork.Compile(policy, _obs);
        _taken = new int[_total];
        _rewards = new float[_total]; _returns = new float[_total];
        _ends = new bool[_total];
        _probs = new float[_actions];
        _running = new double[_n];
    }

    /// <summary>The policy network.</summary>
    public Module Policy => _policy;
    /// <summary>The optimizer.</summary>
    public Optimizer Optimizer => _optimizer;
    /// <inheritdoc/>
    protected override ulong Seed => _s.Seed;
    /// <inheritdoc/>
    public override Module PolicyNetwork => _policy;
    /// <inheritdoc/>
    protected override Module[] Networks => new[] { _policy };

    /// <inheritdoc/>
    protected override JsonObject SaveState() => new()
    {
        ["optimizer"] = AgentState.Optimizer(_optimizer), ["rng"] = AgentState.Rng(_rng),
        ["baseline"] = _baselineSet ? _baseline : null,
    };

    /// <inheritdoc/>
    protected override void LoadState(JsonObject state)
    {
        AgentState.Optimizer(state["optimizer"], _optimizer);
        AgentState.Rng(state["rng"], _rng);
        _baselineSet = state["baseline"] != null;
        _baseline = _baselineSet ? (float)state["baseline"]! : 0;
        _t = 0; _returnSum = 0; _episodes = 0;
        Array.Clear(_running);
        _actor.Refresh();
    }

    /// <summary>The mean return of the episodes that ended during the last rollout (NaN if none did).</summary>
    public double LastMeanReturn { get; private set; } = double.NaN;

    /// <summary>One rollout of <see cref="ReinforceSettings.Steps"/> steps of <see cref="Agent.Environment"/> and one gradient step.</summary>
    public void Update()
    {
        if (_t != 0) throw new InvalidOperationException($"Reinforce: a rollout is under way ({_t} of {_s.Steps} steps); step to its end first.");
        Step(_s.Steps);
    }

    /// <inheritdoc/>
    protected override void ActCore(Tensor observations)
    {
        _actor.RunBatch(observations.Span, _scores.Span, _n);
        observations.Span.CopyTo(_states.Span.Slice(_t * _n * _obs, _n * _obs));
        var a = Actions.Span;
        for (int i = 0; i < _n; i++)
        {
            int k = Categorical.Sample(_scores.Span.Slice(i * _actions, _actions), _probs, _rng);
            _taken[_t * _n + i] = k;
            a[i] = k;
        }
    }

    /// <inheritdoc/>
    protected override void ObserveCore(ReadOnlySpan<float> rewards, ReadOnlySpan<bool> terminated, ReadOnlySpan<bool> truncated, Tensor next, Tensor final)
    {
        for (int i = 0; i < _n; i++)
        {
            int k = _t * _n + i;
            _rewards[k] = rewards[i];
            _ends[k] = terminated[i] || truncated[i];
            _running[i] += rewards[i];
            if (_ends[k]) { _returnSum += _running[i]; _episodes++; _running[i] = 0; }
        }
        if (++_t < _s.Steps) return;
        _t = 0;
        LastMeanReturn = _episodes > 0 ? _returnSum / _episodes : double.NaN;
        _returnSum = 0; _episodes = 0;
        Train();
    }

    /// <inheritdoc/>
    protected override Tensor PredictCore(Tensor observations, bool deterministic)
    {
        int rows = observations.Size(0);
        var scores = Tensor.Zeros(rows, _actions);
        _actor.RunBatch(observations.Span, scores.Span, rows);
        var actions = Tensor.Zeros(rows, 1);
        for (int i = 0; i < rows; i++)
        {
            var z = scores.Span.Slice(i * _actions, _actions);
            actions[i, 0] = deterministic ? Categorical.Mode(z) : Categorical.Sample(z, _probs, _rng);
        }
        return actions;
    }

    private void Train()
    {
        // Returns-to-go, backwards per copy; an episode's end stops the sum.
        for (int i = 0; i < _n; i++)
        {
            float g = 0;
            for (int t = _s.Steps - 1; t >= 0; t--)
            {
                int k = t * _n + i;
                if (_ends[k]) g = 0;
                g = _rewards[k] + _s.Gamma * g;
                _returns[k] = g;
            }
        }
        int total = _total;
        float mean = TP.Sum(_returns.AsSpan(0, total)) / total;
        if (!_baselineSet) { _baseline = mean; _baselineSet = true; }
        var adv = _returns.AsSpan(0, total);
        TP.Subtract(adv, _baseline, adv);
        _baseline += _s.BaselineRate * (mean - _baseline);
        if (_s.NormalizeAdvantages)
        {
            float m = TP.Sum(adv) / total;
            TP.Subtract(adv, m, adv);
            float sd = MathF.Sqrt(TP.Dot(adv, adv) / total) + 1e-8f;
            TP.Divide(adv, sd, adv);
        }

        // d(-A log pi(a|s)) / dscores = A (pi - onehot(a)), averaged over the rollout.
        var scoresAll = _policy.Forward(_states);
        var gs = _grad.Span;
        for (int k = 0; k < total; k++)
        {
            var row = gs.Slice(k * _actions, _actions);
            TP.SoftMax(scoresAll.Span.Slice(k * _actions, _actions), row);
            row[_taken[k]] -= 1f;
            TP.Multiply(row, adv[k] / total, row);
        }
        _optimizer.ZeroGrad();
        _policy.Backward(_states, _grad);
        _optimizer.Step();
        _actor.Refresh();
        Updates++;
        Metrics["train/baseline"] = _baseline;
    }
}
