using System.Text.Json.Nodes;
using ScriptableNN.IO;
using ScriptableNN.NN;
using ScriptableNN.Tensors;

namespace ScriptableNN.RL;

/// <summary>
/// A learning agent, asked for actions and told what they brought: <see cref="Act"/> takes a batch
/// of observations (one row per copy of the environment) and returns the actions it samples;
/// <see cref="Observe"/> takes the rewards, terminations and truncations of the step, and the
/// agent learns when it has gathered enough (a rollout for PPO, a train interval for DQN). A game
/// drives its own world this way, one frame at a time; <see cref="Step"/> and
/// <see cref="StepFor"/> drive a <see cref="VectorEnvironment"/> the same way. Nothing is recorded
/// until <see cref="Observe"/>, so a step whose environment failed between the two calls leaves the
/// agent as it was.
/// </summary>
public abstract class Agent
{
    private bool _pending;

    /// <summary>An agent for <paramref name="copies"/> environments of the given sizes.</summary>
    protected Agent(int copies, int observationSize, int actionCount, int actionSize)
    {
        if (copies < 1) throw new ArgumentException($"{Name}: at least one environment, got {copies}.");
        if (observationSize < 1) throw new ArgumentException($"{Name}: observations need at least one value, got {observationSize}.");
        if (actionCount == 1 || actionCount < 0) throw new ArgumentException($"{Name}: a discrete action space needs at least 2 actions, got {actionCount}.");
        if (actionCount > 0 && actionSize != 1) throw new ArgumentException($"{Name}: a discrete action is one value, got {actionSize}.");
        if (actionSize < 1) throw new ArgumentException($"{Name}: actions need at least one value, got {actionSize}.");
        Copies = copies; ObservationSize = observationSize; ActionCount = actionCount; ActionSize = actionSize;
        Actions = Tensor.Zeros(copies, actionSize);
        Episodes = new EpisodeStats(copies);
    }

    /// <summary>The algorithm's name, for messages.</summary>
    public virtual string Name => GetType().Name;
    /// <summary>Environments stepped together.</summary>
    public int Copies { get; }
    /// <summary>Values per observation.</summary>
    public int ObservationSize { get; }
    /// <summary>Actions to choose from, or 0 for continuous actions.</summary>
    public int ActionCount { get; }
    /// <summary>Values per action.</summary>
    public int ActionSize { get; }
    /// <summary>The environments <see cref="Step"/> drives, if the agent was given them.</summary>
    public VectorEnvironment? Environment { get; init; }
    /// <summary>Transitions observed (environment steps summed over copies, Stable-Baselines3's num_timesteps).</summary>
    public long Steps { get; protected set; }
    /// <summary>The step count schedules run to (learning-rate and exploration annealing); set by <see cref="Learn"/>.</summary>
    public long TotalSteps { get; set; }
    /// <summary>Gradient updates made.</summary>
    public long Updates { get; protected set; }
    /// <summary>Returns and lengths of the last 100 finished episodes.</summary>
    public EpisodeStats Episodes { get; }
    /// <summary>
    /// Observation normalisation (Stable-Baselines3's VecNormalize for observations), or null. Set
    /// it before the first step; the agent then learns and acts on normalised observations, and
    /// <see cref="CompilePolicy"/> builds the normalisation into the compiled network.
    /// </summary>
    public ObservationNormalizer? Normalizer
    {
        get => _normalizer;
        set
        {
            if (value != null && value.Size != ObservationSize) throw new ArgumentException($"{Name}: a normaliser for {value.Size} values; observations have {ObservationSize}.");
            _normalizer = value;
            if (value != null) { _norm = Tensor.Zeros(Copies, ObservationSize); _normNext = Tensor.Zeros(Copies, ObservationSize); _normFinal = Tensor.Zeros(Copies, ObservationSize); }
        }
    }
    private ObservationNormalizer? _normalizer;
    private Tensor? _norm, _normNext, _normFinal;

    /// <summary>The loss terms and diagnostics of the last update, by Stable-Baselines3's names (train/...).</summary>
    public Dictionary<string, double> Metrics { get; } = new();

    /// <summary>
    /// Leave updates to <see cref="TrainFor"/> instead of making them inside <see cref="Observe"/>:
    /// a host with a frame budget spreads an update over frames. While an update is pending the
    /// agent still acts (with the policy from before it) but records no transitions, so what it
    /// learns does not depend on how long the update took; a host that wants identical runs holds
    /// its world still until <see cref="UpdatePending"/> clears.
    /// </summary>
    public bool DeferUpdates { get; set; }

    /// <summary>Whether gathered experience awaits training (only with <see cref="DeferUpdates"/>).</summary>
    public virtual bool UpdatePending => false;

    /// <summary>
    /// Trains on pending experience, one minibatch at a time, until it is used up or
    /// <paramref name="budget"/> would be overrun: after the first minibatch, another starts only
    /// if the recent minibatch time still fits. Returns the minibatches taken.
    /// </summary>
    public int TrainFor(TimeSpan budget)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        long end = start + (long)(budget.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        int done = 0;
        long now = start;
        while (UpdatePending && (done == 0 ? now < end : now + _minibatchTicks < end))
        {
            TrainOne();
            done++;
            long after = System.Diagnostics.Stopwatch.GetTimestamp();
            long took = after - now;
            // A running estimate that follows slow minibatches at once and fast ones gradually.
            _minibatchTicks = took > _minibatchTicks ? took : (_minibatchTicks * 7 + took) / 8;
            now = after;
        }
        return done;
    }

    private long _minibatchTicks;

    /// <summary>Takes one minibatch step of a pending update; false when none remains after it.</summary>
    protected virtual bool TrainOne() => false;

    /// <summary>The actions of the last <see cref="Act"/>, [Copies, ActionSize] (discrete ones as 0-based indices).</summary>
    protected Tensor Actions { get; }

    /// <summary>How far through <see cref="TotalSteps"/> the agent is, from 1 down to 0 (Stable-Baselines3's progress_remaining).</summary>
    protected double ProgressRemaining => TotalSteps <= 0 ? 1.0 : Math.Max(0.0, 1.0 - (double)Steps / TotalSteps);

    /// <summary>Samples actions for <paramref name="observations"/> [Copies, ObservationSize] and remembers what learning needs.</summary>
    public Tensor Act(Tensor observations)
    {
        Check(observations, Copies, "observations");
        if (_normalizer != null)
        {
            _normalizer.Update(observations.Span);
            _normalizer.Normalize(observations.Span, _norm!.Span);
            observations = _norm;
        }
        ActCore(observations);
        _pending = true;
        return Actions;
    }

    /// <summary>The actions the policy would take now, without exploring (or sampled, if not <paramref name="deterministic"/>); nothing is recorded.</summary>
    public Tensor Predict(Tensor observations, bool deterministic = true)
    {
        Check(observations, observations.Rank == 2 ? observations.Size(0) : 1, "observations");
        var rows = observations.Rank == 2 ? observations : observations.Reshape(1, ObservationSize);
        if (_normalizer != null)
        {
            var scaled = Tensor.Zeros(rows.Size(0), ObservationSize);
            _normalizer.Normalize(rows.Span, scaled.Span);
            rows = scaled;
        }
        return PredictCore(rows, deterministic);
    }

    /// <summary>
    /// Tells the agent what the actions of the last <see cref="Act"/> brought. <paramref name="next"/>
    /// holds the observations after the step (new episodes' first ones where an episode ended);
    /// <paramref name="final"/>, the observations episodes ended on (read only for truncated ones,
    /// whose value is bootstrapped).
    /// </summary>
    public void Observe(ReadOnlySpan<float> rewards, ReadOnlySpan<bool> terminated, ReadOnlySpan<bool> truncated, Tensor next, Tensor final)
    {
        if (!_pending) throw new InvalidOperationException($"{Name}: Observe without Act: ask for the actions first.");
        if (rewards.Length != Copies || terminated.Length != Copies || truncated.Length != Copies)
            throw new ArgumentException($"{Name}: {rewards.Length} rewards, {terminated.Length} terminations and {truncated.Length} truncations for {Copies} environments.");
        for (int i = 0; i < Copies; i++)
            if (!float.IsFinite(rewards[i])) throw new ArgumentException($"{Name}: the reward of environment {i + 1} is {rewards[i]}.");
        Check(next, Copies, "next observations");
        Check(final, Copies, "final observations");
        _pending = false;
        for (int i = 0; i < Copies; i++) Episodes.Add(i, rewards[i], terminated[i] || truncated[i]);
        Steps += Copies;
        if (_normalizer != null)
        {
            _normalizer.Normalize(next.Span, _normNext!.Span);
            _normalizer.Normalize(final.Span, _normFinal!.Span);
            next = _normNext; final = _normFinal;
        }
        ObserveCore(rewards, terminated, truncated, next, final);
    }

    /// <summary>Runs <paramref name="n"/> steps of every copy of <see cref="Environment"/>, learning as it goes; returns the steps taken.</summary>
    public int Step(int n = 1)
    {
        var env = Environment ?? throw new InvalidOperationException($"{Name}: no environment to step; call Act and Observe.");
        for (int k = 0; k < n; k++) OneStep(env);
        return n;
    }

    /// <summary>Steps <see cref="Environment"/> until <paramref name="budget"/> has passed (at least one step).</summary>
    public int StepFor(TimeSpan budget)
    {
        var env = Environment ?? throw new InvalidOperationException($"{Name}: no environment to step; call Act and Observe.");
        long end = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(budget.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        int done = 0;
        do { OneStep(env); done++; } while (System.Diagnostics.Stopwatch.GetTimestamp() < end);
        return done;
    }

    /// <summary>Learns for <paramref name="steps"/> more transitions (rounded up to whole vector steps), Stable-Baselines3's learn(total_timesteps).</summary>
    public void Learn(long steps)
    {
        if (steps < 0) throw new ArgumentException($"{Name}: steps must not be negative, got {steps}.");
        if (TotalSteps < Steps + steps) TotalSteps = Steps + steps;
        long target = Steps + steps;
        while (Steps < target) Step(1);
    }

    private bool _started;

    /// <summary>
    /// Stable-Baselines3's evaluate_policy: runs the policy (greedy unless not
    /// <paramref name="deterministic"/>) on <paramref name="env"/> until <paramref name="episodes"/>
    /// episodes have ended, copy i contributing (episodes + i) / N of them; returns the mean and the
    /// standard deviation of their returns. Learning is untouched.
    /// </summary>
    public (double Mean, double Std) Evaluate(VectorEnvironment env, int episodes = 10, bool deterministic = true, ulong seed = 0)
    {
        if (episodes < 1) throw new ArgumentException($"{Name}: evaluate at least one episode, got {episodes}.");
        if (env.ObservationSize != ObservationSize || env.ActionCount != ActionCount || env.ActionSize != ActionSize)
            throw new ArgumentException($"{Name}: the evaluation environment's sizes differ from the agent's.");
        int n = env.Count;
        var targets = new int[n]; var counts = new int[n]; var running = new double[n];
        for (int i = 0; i < n; i++) targets[i] = (episodes + i) / n;
        var returns = new List<double>(episodes);
        env.Reset(seed);
        while (returns.Count < episodes)
        {
            if (Kernels.Deadline.Passed) throw Kernels.Deadline.Stopped($"{Name}.Evaluate");
            env.Step(Predict(env.Observations, deterministic).Span);
            for (int i = 0; i < n; i++)
            {
                running[i] += env.Rewards[i];
                if (!(env.Terminated[i] || env.Truncated[i])) continue;
                if (counts[i] < targets[i]) { returns.Add(running[i]); counts[i]++; }
                running[i] = 0;
            }
        }
        double mean = 0;
        foreach (var r in returns) mean += r;
        mean /= returns.Count;
        double var = 0;
        foreach (var r in returns) var += (r - mean) * (r - mean);
        return (mean, Math.Sqrt(var / returns.Count));
    }

    private void OneStep(VectorEnvironment env)
    {
        // A resumed agent starts its environments afresh, seeded by how far it had got.
        if (!_started) { env.Reset(Seed + (ulong)Steps); Episodes.Restart(); _started = true; }
        if (Kernels.Deadline.Passed) throw Kernels.Deadline.Stopped($"{Name}.Step");
        var actions = Act(env.Observations);
        env.Step(actions.Span);
        Observe(env.Rewards.Span, env.Terminated, env.Truncated, env.Observations, env.FinalObservations);
    }

    /// <summary>The network that maps an observation to the policy's outputs (scores, means or Q values).</summary>
    public abstract Module PolicyNetwork { get; }

    /// <summary>
    /// The policy frozen for per-frame inference (no allocation per call): its outputs are scores
    /// (take the largest), Gaussian means or Q values. With a <see cref="Normalizer"/>, the current
    /// normalisation comes first (a diagonal linear map and a clip), so raw observations go in.
    /// </summary>
    public Inference.CompiledNetwork CompilePolicy()
    {
        var net = _normalizer == null ? PolicyNetwork : MlpPolicy.Normalizing(_normalizer, PolicyNetwork);
        return Inference.CompiledNetwork.Compile(net, ObservationSize);
    }

    /// <summary>The networks a checkpoint keeps, in a fixed order.</summary>
    protected abstract Module[] Networks { get; }

    /// <summary>The algorithm's own state (optimizer, generator, counters) for a checkpoint.</summary>
    protected abstract JsonObject SaveState();

    /// <summary>Restores what <see cref="SaveState"/> wrote.</summary>
    protected abstract void LoadState(JsonObject state);

    /// <summary>
    /// Saves the agent atomically: the networks (a model checkpoint of them, with its checksum),
    /// the optimizer's state, the step and update counts, the generator, the episode statistics
    /// and the normalisation. A rollout under way is not kept: a resumed agent starts a new one.
    /// The replay buffer of a DQN is not kept either (Stable-Baselines3 saves it only on request);
    /// it refills as the agent goes on.
    /// </summary>
    public void Save(string path)
    {
        var state = new JsonObject
        {
            ["algorithm"] = Name, ["copies"] = Copies, ["observations"] = ObservationSize, ["actions"] = ActionCount, ["actionSize"] = ActionSize,
            ["steps"] = Steps, ["totalSteps"] = TotalSteps, ["updates"] = Updates,
            ["episodes"] = Episodes.Save(), ["normalizer"] = _normalizer?.Save(), ["state"] = SaveState(),
            ["metrics"] = new JsonObject(Metrics.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
        };
        Checkpoint.Save(path, new Sequential(Networks), null, new Dictionary<string, string> { ["agent"] = state.ToJsonString() });
    }

    /// <summary>
    /// Continues from a checkpoint <see cref="Save"/> wrote, into this agent, which must be the same
    /// algorithm with networks of the same shapes.
    /// </summary>
    public void Resume(string path)
    {
        try { ResumeFrom(path); }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException or KeyNotFoundException or System.Text.Json.JsonException)
        {
            throw new InvalidDataException($"{path}: the agent's state in this checkpoint is incomplete or damaged ({e.Message}).", e);
        }
    }

    private void ResumeFrom(string path)
    {
        var c = Checkpoint.Load(path);
        if (!c.Metadata.TryGetValue("agent", out var text)) throw new InvalidDataException($"{path}: a model checkpoint, not an agent's (saved by agent:save?).");
        var s = JsonNode.Parse(text)!.AsObject();
        if ((string?)s["algorithm"] != Name) throw new InvalidDataException($"{path}: saved by {(string?)s["algorithm"]}, this agent is {Name}.");
        if ((int)s["observations"]! != ObservationSize || (int)s["actions"]! != ActionCount || (int)s["actionSize"]! != ActionSize)
            throw new InvalidDataException($"{path}: saved for observations of {(int)s["observations"]!} and {(int)s["actions"]!} actions of {(int)s["actionSize"]!}; this agent has {ObservationSize}, {ActionCount}, {ActionSize}.");
        var mine = new Sequential(Networks).ParameterArray();
        var theirs = c.Model.ParameterArray();
        if (mine.Length != theirs.Length) throw new InvalidDataException($"{path}: the saved networks have {theirs.Length} parameters, this agent's have {mine.Length}.");
        for (int i = 0; i < mine.Length; i++)
            if (!mine[i].Value.SameShape(theirs[i].Value))
                throw new InvalidDataException($"{path}: parameter {i + 1} ({mine[i].Name}) saved as {theirs[i].Value.ShapeText}, this agent has {mine[i].Value.ShapeText}.");
        if ((s["normalizer"] != null) != (_normalizer != null))
            throw new InvalidDataException($"{path}: saved {(s["normalizer"] != null ? "with" : "without")} observation normalisation, this agent is {(_normalizer != null ? "with" : "without")}.");
        // Everything is checked before anything changes.
        for (int i = 0; i < mine.Length; i++) mine[i].Value.CopyFrom(theirs[i].Value);
        Steps = (long)s["steps"]!; TotalSteps = (long)s["totalSteps"]!; Updates = (long)s["updates"]!;
        Episodes.Load(s["episodes"]!.AsObject());
        if (s["normalizer"] is JsonObject nj) _normalizer!.Load(nj);
        LoadState(s["state"]!.AsObject());
        Metrics.Clear();
        if (s["metrics"] is JsonObject metrics) foreach (var (k, v) in metrics) Metrics[k] = (double)v!;
        _pending = false;
        _started = false;
    }

    /// <summary>The seed the environments are reset with when <see cref="Step"/> first runs.</summary>
    protected abstract ulong Seed { get; }

    /// <summary>Writes <see cref="Actions"/> for <paramref name="observations"/> and keeps what <see cref="ObserveCore"/> will record.</summary>
    protected abstract void ActCore(Tensor observations);

    /// <summary>Records the step and learns when it is time.</summary>
    protected abstract void ObserveCore(ReadOnlySpan<float> rewards, ReadOnlySpan<bool> terminated, ReadOnlySpan<bool> truncated, Tensor next, Tensor final);

    /// <summary>The policy's actions for a batch, without recording.</summary>
    protected abstract Tensor PredictCore(Tensor observations, bool deterministic);

    private void Check(Tensor t, int rows, string what)
    {
        if (t.Length != rows * ObservationSize)
            throw new ArgumentException($"{Name}: {what} hold {t.Length} values ({t.ShapeText}); expected {rows} x {ObservationSize}.");
        var s = t.Span;
        for (int k = 0; k < s.Length; k++)
            if (!float.IsFinite(s[k])) throw new ArgumentException($"{Name}: {what}: value {k % ObservationSize + 1} of row {k / ObservationSize + 1} is {s[k]}.");
    }
}
