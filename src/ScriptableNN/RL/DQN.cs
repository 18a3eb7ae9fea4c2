using System.Text.Json.Nodes;
using ScriptableNN.Inference;
using ScriptableNN.IO;
using ScriptableNN.NN;
using ScriptableNN.Optim;
using ScriptableNN.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace ScriptableNN.RL;

/// <summary>Settings of <see cref="DQN"/>, by Stable-Baselines3's names and with its defaults.</summary>
public sealed record DqnSettings
{
    /// <summary>Adam's step size (learning_rate).</summary>
    public float LearningRate { get; init; } = 1e-4f;
    /// <summary>Transitions the replay buffer keeps (buffer_size).</summary>
    public int BufferSize { get; init; } = 1_000_000;
    /// <summary>Transitions of random actions before learning starts (learning_starts).</summary>
    public int LearningStarts { get; init; } = 100;
    /// <summary>Transitions per gradient step (batch_size).</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>How far the target network moves toward the online one at each update, 1 for a copy (tau).</summary>
    public float Tau { get; init; } = 1f;
    /// <summary>Discount (gamma).</summary>
    public float Gamma { get; init; } = 0.99f;
    /// <summary>Vector steps between training rounds (train_freq).</summary>
    public int TrainFreq { get; init; } = 4;
    /// <summary>Gradient steps per training round (gradient_steps).</summary>
    public int GradientSteps { get; init; } = 1;
    /// <summary>Transitions between target network updates (target_update_interval).</summary>
    public int TargetUpdateInterval { get; init; } = 10_000;
    /// <summary>The fraction of the run over which epsilon falls (exploration_fraction).</summary>
    public float ExplorationFraction { get; init; } = 0.1f;
    /// <summary>Epsilon at the start (exploration_initial_eps).</summary>
    public float ExplorationInitialEps { get; init; } = 1f;
    /// <summary>Epsilon at the end (exploration_final_eps).</summary>
    public float ExplorationFinalEps { get; init; } = 0.05f;
    /// <summary>The gradient norm limit (max_grad_norm).</summary>
    public float MaxGradNorm { get; init; } = 10f;
    /// <summary>Double DQN (van Hasselt et al. 2016): the online network picks the next action, the target network values it.</summary>
    public bool DoubleQ { get; init; }
    /// <summary>Seed of the environments' resets, exploration and sampling.</summary>
    public ulong Seed { get; init; }
}

/// <summary>
/// Deep Q-learning (Mnih et al. 2015) as Stable-Baselines3 implements it: epsilon-greedy actions
/// from a Q network (random ones until learning_starts), transitions kept in a replay buffer, every
/// train_freq vector steps gradient_steps minibatches minimising the Huber loss between Q(s, a) and
/// r + gamma (1 - terminated) max_a' Q_target(s', a'), with the gradient norm clipped, and the target
/// network moved toward the online one every target_update_interval transitions. Epsilon falls
/// linearly from exploration_initial_eps to exploration_final_eps over exploration_fraction of
/// <see cref="Agent.TotalSteps"/>. One difference from Stable-Baselines3: each environment draws its
/// own exploration coin, where Stable-Baselines3 explores with all of them or none at a step.
/// </summary>
public sealed class DQN : Agent
{
    private readonly Module _q, _target;
    private readonly Parameter[] _params, _targetParams;
    private readonly DqnSettings _s;
    private readonly Optimizer _optimizer;
    private readonly ReplayBuffer _buffer;
    private readonly Rng _rng;
    private readonly CompiledNetwork _actor;
    private readonly Tensor _rolloutQ, _states, _next, _grad;
    private readonly float[] _actions, _rewards, _nextQ;
    private readonly bool[] _terminated;
    private readonly Tensor _stepStates;
    private long _calls;
    private int _sinceTrain;

    /// <summary>The online Q network (one output per action).</summary>
    public Module Q => _q;
    /// <summary>The target network.</summary>
    public Module Target => _target;
    /// <summary>The optimizer of the online network.</summary>
    public Optimizer Optimizer => _optimizer;
    /// <summary>The replay buffer.</summary>
    public ReplayBuffer Buffer => _buffer;
    /// <summary>The settings.</summary>
    public DqnSettings Settings => _s;
    /// <summary>The current exploration rate.</summary>
    public double Epsilon { get; private set; }
    /// <inheritdoc/>
    protected override ulong Seed => _s.Seed;
    /// <inheritdoc/>
    public override Module PolicyNetwork => _q;
    /// <inheritdoc/>
    protected override Module[] Networks => new[] { _q, _target };

    /// <inheritdoc/>
    protected override JsonObject SaveState() => new()
    {
        ["optimizer"] = AgentState.Optimizer(_optimizer), ["rng"] = AgentState.Rng(_rng),
        ["calls"] = _calls, ["sinceTrain"] = _sinceTrain, ["epsilon"] = Epsilon,
    };

    /// <inheritdoc/>
    protected override void LoadState(JsonObject state)
    {
        AgentState.Optimizer(state["optimizer"], _optimizer);
        AgentState.Rng(state["rng"], _rng);
        _calls = (long)state["calls"]!; _sinceTrain = (int)state["sinceTrain"]!; Epsilon = (double)state["epsilon"]!;
        _owed = 0;
        _actor.Refresh();
    }

    /// <summary>DQN over <paramref name="q"/> for <paramref name="copies"/> environments with <paramref name="actionCount"/> actions.</summary>
    public DQN(Module q, int copies, int observationSize, int actionCount, DqnSettings? settings = null, Optimizer? optimizer = null)
        : base(copies, observationSize, actionCount, 1)
    {
        _s = settings ?? new DqnSettings();
        if (actionCount < 2) throw new ArgumentException("DQN: a discrete action space of at least 2 actions.");
        if (_s.BatchSize < 1 || _s.TrainFreq < 1 || _s.GradientSteps < 0 || _s.TargetUpdateInterval < 1)
            throw new ArgumentException($"DQN: batch_size, train_freq and target_update_interval must be at least 1 and gradient_steps not negative.");
        int w = q.OutputWidth(observationSize);
        if (w != actionCount) throw new ArgumentException($"DQN: the Q network gives {w} outputs per observation; {actionCount} actions need one value each.");
        _q = q;
        _params = q.ParameterArray();
        _target = Checkpoint.Build(Checkpoint.Describe(q));
        _targetParams = _target.ParameterArray();
        Polyak(1f);
        _optimizer = optimizer ?? MlpPolicy.Adam(_params, _s.LearningRate, 1e-8f);
        _buffer = new ReplayBuffer(_s.BufferSize, observationSize, 1);
        _rng = new Rng(_s.Seed);
        _actor = CompiledNetwork.Compile(q, observationSize);
        _rolloutQ = Tensor.Zeros(copies, actionCount);
        _stepStates = Tensor.Zeros(copies, observationSize);
        _states = Tensor.Zeros(_s.BatchSize, observationSize);
        _next = Tensor.Zeros(_s.BatchSize, observationSize);
        _grad = Tensor.Zeros(_s.BatchSize, actionCount);
        _actions = new float[_s.BatchSize]; _rewards = new float[_s.BatchSize]; _nextQ = new float[_s.BatchSize * actionCount];
        _terminated = new bool[_s.BatchSize];
        Epsilon = _s.ExplorationInitialEps;
    }

    /// <summary>Stable-Baselines3's DQN MlpPolicy: two hidden layers of 64 ReLU units.</summary>
    public static Module DefaultNetwork(int observationSize, int actionCount, int[]? hidden = null, Rng? rng = null)
        => MlpPolicy.Mlp(observationSize, actionCount, hidden ?? new[] { 64, 64 }, rng, relu: true);

    /// <inheritdoc/>
    protected override void ActCore(Tensor observations)
    {
        observations.Span.CopyTo(_stepStates.Span);
        var a = Actions.Span;
        bool warmup = Steps < _s.LearningStarts;
        if (!warmup) _actor.RunBatch(observations.Span, _rolloutQ.Span, Copies);
        for (int i = 0; i < Copies; i++)
            a[i] = warmup || _rng.NextDouble() < Epsilon ? _rng.NextInt(ActionCount) : TP.IndexOfMax(_rolloutQ.Span.Slice(i * ActionCount, ActionCount));
    }

    /// <inheritdoc/>
    protected override void ObserveCore(ReadOnlySpan<float> rewards, ReadOnlySpan<bool> terminated, ReadOnlySpan<bool> truncated, Tensor next, Tensor final)
    {
        // While a training round is pending (see Agent.DeferUpdates) the step is not recorded.
        if (_owed > 0) return;
        int o = ObservationSize;
        for (int i = 0; i < Copies; i++)
        {
            var after = terminated[i] || truncated[i] ? final.Span.Slice(i * o, o) : next.Span.Slice(i * o, o);
            _buffer.Add(_stepStates.Span.Slice(i * o, o), Actions.Span.Slice(i, 1), rewards[i], after, terminated[i]);
        }
        _calls++;
        if (_calls % Math.Max(_s.TargetUpdateInterval / Copies, 1) == 0) Polyak(_s.Tau);
        double progress = 1 - ProgressRemaining;
        Epsilon = progress > _s.ExplorationFraction ? _s.ExplorationFinalEps
            : _s.ExplorationInitialEps + progress * (_s.ExplorationFinalEps - _s.ExplorationInitialEps) / _s.ExplorationFraction;
        if (++_sinceTrain < _s.TrainFreq) return;
        _sinceTrain = 0;
        if (Steps > _s.LearningStarts && _s.GradientSteps > 0)
        {
            _owed = _s.GradientSteps;
            _lossSum = 0;
            if (!DeferUpdates) while (TrainOne()) { }
        }
    }

    /// <inheritdoc/>
    protected override Tensor PredictCore(Tensor observations, bool deterministic)
    {
        int rows = observations.Size(0);
        var q = _q.Forward(observations).Span;
        var actions = Tensor.Zeros(rows, 1);
        for (int i = 0; i < rows; i++)
            actions[i, 0] = !deterministic && _rng.NextDouble() < Epsilon ? _rng.NextInt(ActionCount) : TP.IndexOfMax(q.Slice(i * ActionCount, ActionCount));
        return actions;
    }

    private int _owed;
    private double _lossSum;

    /// <inheritdoc/>
    public override bool UpdatePending => _owed > 0;

    /// <inheritdoc/>
    protected override bool TrainOne()
    {
        if (_owed == 0) return false;
        if (Kernels.Deadline.Passed) throw Kernels.Deadline.Stopped("DQN.Train");
        int b = _s.BatchSize, k = ActionCount;
        _buffer.Sample(_rng, _states, _actions, _rewards, _next, _terminated);
        _target.Forward(_next).Span.CopyTo(_nextQ);
        if (_s.DoubleQ)
        {
            // The online network chooses a', the target network values it.
            var online = _q.Forward(_next).Span;
            for (int j = 0; j < b; j++) _nextQ[j * k] = _nextQ[j * k + TP.IndexOfMax(online.Slice(j * k, k))];
        }
        else for (int j = 0; j < b; j++) _nextQ[j * k] = TP.Max(_nextQ.AsSpan(j * k, k));
        var q = _q.Forward(_states).Span;
        var grad = _grad.Span;
        grad.Clear();
        double loss = 0;
        for (int j = 0; j < b; j++)
        {
            float y = _rewards[j] + (_terminated[j] ? 0f : _s.Gamma * _nextQ[j * k]);
            int a = (int)_actions[j];
            float d = q[j * k + a] - y, ad = MathF.Abs(d);
            // Huber (smooth L1 with beta 1), averaged over the batch.
            loss += ad < 1 ? 0.5 * d * d : ad - 0.5;
            grad[j * k + a] = Math.Clamp(d, -1f, 1f) / b;
        }
        _optimizer.ZeroGrad();
        _q.Backward(_states, _grad);
        if (_s.MaxGradNorm > 0) GradClip.ByNorm(_params, _s.MaxGradNorm);
        _optimizer.Step();
        _lossSum += loss / b;
        Updates++;
        if (--_owed > 0) return true;
        _actor.Refresh();
        Metrics["train/loss"] = _lossSum / _s.GradientSteps;
        Metrics["train/learning_rate"] = _optimizer.LearningRate;
        Metrics["rollout/exploration_rate"] = Epsilon;
        return false;
    }

    private void Polyak(float tau)
    {
        for (int i = 0; i < _params.Length; i++)
        {
            var t = _targetParams[i].Value.Span; var p = _params[i].Value.Span;
            if (tau >= 1f) p.CopyTo(t);
            else for (int j = 0; j < t.Length; j++) t[j] += tau * (p[j] - t[j]);
        }
    }
}
