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
/// policy pi(a|s). Each <see cref="Update"/> runs every copy of the environment for
/// <see cref="ReinforceSettings.Steps"/> steps, sampling actions from pi, computes each step's
/// discounted return-to-go G (a terminated episode ends the sum; a truncated one and the rollout's
/// end are cut there), the advantage G - b with b a running mean of returns, and ascends
/// sum A log pi(a|s): the gradient with respect to the scores is A (pi - onehot(a)).
/// </summary>
public sealed class Reinforce
{
    private readonly Module _policy;
    private readonly VectorEnvironment _envs;
    private readonly Optimizer _optimizer;
    private readonly ReinforceSettings _s;
    private readonly Rng _rng;
    private readonly int _n, _obs, _actions;
    private readonly Tensor _states, _grad;
    private readonly int[] _taken;
    private readonly float[] _rewards, _returns, _probs, _action;
    private readonly bool[] _ends, _cuts;
    private float _baseline;
    private bool _baselineSet;

    /// <summary>Trains <paramref name="policy"/> on <paramref name="envs"/> with <paramref name="optimizer"/>.</summary>
    public Reinforce(Module policy, VectorEnvironment envs, Optimizer optimizer, ReinforceSettings? settings = null)
    {
        _policy = policy; _envs = envs; _optimizer = optimizer; _s = settings ?? new ReinforceSettings();
        if (_s.Steps < 1) throw new ArgumentException($"Reinforce: steps must be at least 1, got {_s.Steps}.");
        _n = envs.Count; _obs = envs.ObservationSize;
        _actions = policy.OutputWidth(_obs);
        if (_actions < 2) throw new ArgumentException($"Reinforce: the policy gives {_actions} score(s) per observation; a discrete policy needs one per action.");
        _rng = new Rng(_s.Seed);
        int total = _s.Steps * _n;
        _states = Tensor.Zeros(total, _obs);
        _grad = Tensor.Zeros(total, _actions);
        _taken = new int[total];
        _rewards = new float[total]; _returns = new float[total];
        _ends = new bool[total]; _cuts = new bool[total];
        _probs = new float[_actions];
        _action = new float[_n];
        envs.Reset(_s.Seed);
    }

    /// <summary>Updates done.</summary>
    public int Updates { get; private set; }

    /// <summary>The mean return of the episodes that ended during the last update (NaN if none did).</summary>
    public double LastMeanReturn { get; private set; } = double.NaN;

    /// <summary>One rollout and one gradient step.</summary>
    public void Update()
    {
        bool was = _policy.IsTraining;
        _policy.Evaluate();
        var action = _action;
        double returnSum = 0; int episodes = 0;
        for (int t = 0; t < _s.Steps; t++)
        {
            if (Kernels.Deadline.Passed) throw Kernels.Deadline.Stopped("Reinforce.Update");
            var obs = _envs.Observations;
            obs.Span.CopyTo(_states.Span.Slice(t * _n * _obs, _n * _obs));
            var scores = _policy.Forward(obs);
            for (int i = 0; i < _n; i++)
            {
                TP.SoftMax(scores.Span.Slice(i * _actions, _actions), _probs);
                float u = _rng.NextFloat(), acc = 0;
                int a = _actions - 1;
                for (int k = 0; k < _actions; k++) { acc += _probs[k]; if (u < acc) { a = k; break; } }
                _taken[t * _n + i] = a;
                action[i] = a;
            }
            _envs.Step(action);
            for (int i = 0; i < _n; i++)
            {
                int k = t * _n + i;
                _rewards[k] = _envs.Rewards[i];
                _ends[k] = _envs.Terminated[i];
                _cuts[k] = _envs.Truncated[i];
                if (_envs.Terminated[i] || _envs.Truncated[i]) { returnSum += _envs.LastReturns[i]; episodes++; }
            }
        }
        if (was) _policy.Training();
        LastMeanReturn = episodes > 0 ? returnSum / episodes : double.NaN;

        // Returns-to-go, backwards per copy; an episode's end stops the sum.
        for (int i = 0; i < _n; i++)
        {
            float g = 0;
            for (int t = _s.Steps - 1; t >= 0; t--)
            {
                int k = t * _n + i;
                if (_ends[k] || _cuts[k]) g = 0;
                g = _rewards[k] + _s.Gamma * g;
                _returns[k] = g;
            }
        }
        int total = _s.Steps * _n;
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
        Updates++;
    }
}
