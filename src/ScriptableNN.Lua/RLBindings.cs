using System.Runtime.CompilerServices;
using ScriptableNN.NN;
using ScriptableNN.Optim;
using ScriptableNN.RL;
using ScriptableNN.Tensors;
using static ScriptableNN.Lua.Native;

namespace ScriptableNN.Lua;

/// <summary>
/// rl.*: environments by Gymnasium's names, stepped N copies at a time, and the agents (REINFORCE,
/// PPO, DQN). Discrete actions cross into Lua 1-based, as class labels do (ClassLabels owns the
/// shift). Environments written in Lua are stepped by the prelude, in Lua's own frames, and talk to
/// an agent through act and observe; this side only copies and checks their values.
/// </summary>
internal static unsafe class RLBindings
{
    public static readonly Binding[] Functions =
    {
        new("make", 1, Make),
        new("names", 0, a => a.PushStrings(Environments.Names)),
        new("reset", 1, a => a.Push(a.Environment(1).Reset((ulong)Math.Clamp(a.OptNumber(2, 0), 0, 9e15)))),
        new("step", 2, Step),
        new("info", 1, Info),
        new("final", 1, a => a.Push(a.Environment(1).FinalObservations)),
        new("setrow", 3, SetRow),
        new("reinforce", 1, NewReinforce),
        new("ppo", 1, NewPpo),
        new("dqn", 1, NewDqn),
        new("act", 2, Act),
        new("observe", 6, Observe),
        new("predict", 2, Predict),
        new("learn", 2, a => { a.RLAgent(1).Learn((long)Math.Clamp(a.Number(2), 0, 1e15)); return 0; }),
        new("stepagent", 2, a => a.Push((long)a.RLAgent(1).Step((int)Math.Clamp(a.Number(2), 0, int.MaxValue)))),
        new("stepFor", 2, StepFor),
        new("total", 2, a => { a.RLAgent(1).TotalSteps = (long)Math.Clamp(a.Number(2), 0, 1e15); return 0; }),
        new("stats", 1, Stats),
        new("update", 1, Update),
        new("updates", 1, a => a.Push(a.RLAgent(1).Updates)),
        new("steps", 1, a => a.Push(a.RLAgent(1).Steps)),
        new("copies", 1, a => a.Push((long)a.RLAgent(1).Copies)),
        new("networks", 1, Networks),
        new("compile", 1, a => a.Push(a.RLAgent(1).CompilePolicy())),
        new("save", 2, a => { a.RLAgent(1).Save(a.Host.ResolvePath(a.String(2), forWriting: true)); return 0; }),
        new("resume", 2, Resume),
        new("progress", 2, Progress),
        new("evaluate", 2, Evaluate),
        new("train", 2, TrainFor),
        new("catLogProb", 2, a => Dist(() => Categorical.LogProb(Rows(a, 1), FromLua(a.Tensor(2))), a)),
        new("catEntropy", 1, a => Dist(() => Categorical.Entropy(Rows(a, 1)), a)),
        new("catSample", 1, CatSample),
        new("gaussLogProb", 3, a => Dist(() => DiagonalGaussian.LogProb(a.Tensor(1), a.Tensor(2), a.Tensor(3)), a)),
        new("gaussEntropy", 1, a => Dist(() => DiagonalGaussian.Entropy(a.Tensor(1)), a)),
        new("gaussSample", 2, GaussSample),
        new("pending", 1, a => a.Push(a.RLAgent(1).UpdatePending)),
    };

    private static readonly ConditionalWeakTable<object, StrongBox<Tensor?>> Shifted = new();

    // rl.make(name, {n = copies}) -> a vector of n copies (reset with env:reset(seed)).
    private static int Make(Args a)
    {
        string name = a.String(1);
        double n = a.Field(2, "n", 1);
        if (!(n >= 1 && n <= 4096) || n != Math.Floor(n)) throw new ScriptError($"rl.make: n must be a whole number of copies from 1 to 4096, got {n}");
        if (Environments.Make(name) == null) throw new ScriptError($"rl.make: no environment '{name}' ({string.Join(", ", Environments.Names)})");
        var env = new VectorEnvironment((int)n, _ => Environments.Make(name)!) { Name = name };
        a.Host.Reserve(16L * (long)n * env.ObservationSize, $"rl.make('{name}')");
        return a.Push(env);
    }

    // env:step(actions) -> observations, rewards, terminated, truncated (the flags as tables of booleans).
    private static int Step(Args a)
    {
        var env = a.Environment(1);
        var actions = a.Tensor(2);
        if (actions.Length != env.Count * env.ActionSize) throw new ScriptError($"env:step: {actions.Length} actions for {env.Count} copies");
        // Discrete actions are counted from 1 in scripts; continuous ones pass as they are. The
        // shifted copy is kept per environment, so a step allocates nothing.
        var shifted = Shifted.GetValue(env, _ => new StrongBox<Tensor?>());
        env.Step(env.ActionCount > 0 ? ClassLabels.ToEngine(actions.Reshape(actions.Length), ref shifted.Value).Span : actions.Span);
        a.Push(env.Observations);
        a.Push(env.Rewards);
        PushFlags(a, env.Terminated);
        PushFlags(a, env.Truncated);
        return 4;
    }

    private static void PushFlags(Args a, bool[] flags)
    {
        if (lua_checkstack(a.L, 2) == 0) throw new ScriptError($"{a.Name}: out of stack space");
        lua_createtable(a.L, flags.Length, 0);
        for (int i = 0; i < flags.Length; i++) { lua_pushboolean(a.L, flags[i] ? 1 : 0); lua_rawseti(a.L, -2, i + 1); }
    }

    // env:info() -> {n =, observations =, actions =, action_size =, name =}
    private static int Info(Args a)
    {
        var env = a.Environment(1);
        lua_createtable(a.L, 0, 5);
        lua_pushinteger(a.L, env.Count); RawSetField(a.L, -2, "n");
        lua_pushinteger(a.L, env.ObservationSize); RawSetField(a.L, -2, "observations");
        lua_pushinteger(a.L, env.ActionCount); RawSetField(a.L, -2, "actions");
        lua_pushinteger(a.L, env.ActionSize); RawSetField(a.L, -2, "action_size");
        if (env.Name != null) { PushString(a.L, env.Name); RawSetField(a.L, -2, "name"); }
        return 1;
    }

    // setrow(target, row, values): row `row` (1-based) of target from a list of numbers or a tensor,
    // every value checked finite. The prelude names the script that gave the values.
    private static int SetRow(Args a)
    {
        var target = a.Tensor(1);
        int row = a.Int(2) - 1;
        int width = target.Rank == 2 ? target.Size(1) : target.Length;
        if (row < 0 || (row + 1) * width > target.Length) throw new ScriptError($"row {row + 1} outside {target.ShapeText}");
        var dst = target.Span.Slice(row * width, width);
        if (a.Type(3) == TTable)
        {
            long n = (long)lua_rawlen(a.L, 3);
            if (n != width) throw new ScriptError($"gave {n} values; expected {width}");
            for (int j = 0; j < width; j++)
            {
                int t = lua_rawgeti(a.L, 3, j + 1);
                int ok;
                double v = lua_tonumberx(a.L, -1, &ok);
                lua_settop(a.L, -2);
                if (t != TNumber || ok == 0) throw new ScriptError($"value {j + 1} is a {TypeName(t)}, not a number");
                if (!double.IsFinite(v)) throw new ScriptError($"value {j + 1} is {FormatNumber(v)}");
                dst[j] = (float)v;
            }
            return 0;
        }
        if (a.Type(3) == TNumber && width == 1)
        {
            double v = a.Number(3);
            if (!double.IsFinite(v)) throw new ScriptError($"value 1 is {FormatNumber(v)}");
            dst[0] = (float)v;
            return 0;
        }
        var src = a.Host.Objects.Get<Tensor>(a.L, 3, ObjectKind.Tensor) ?? throw new ScriptError($"gave a {TypeName(a.Type(3))}; expected a list of {width} numbers or a tensor");
        if (src.Length != width) throw new ScriptError($"gave {src.Length} values ({src.ShapeText}); expected {width}");
        var s = src.Span;
        for (int j = 0; j < width; j++)
            if (!float.IsFinite(s[j])) throw new ScriptError($"value {j + 1} is {FormatNumber(s[j])}");
        s.CopyTo(dst);
        return 0;
    }

    private static string FormatNumber(double v) => double.IsNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";

    // The sizes an agent is built for: from a built-in environment, or the fields the prelude
    // read from a vector of Lua environments.
    private static (VectorEnvironment? Env, int Copies, int Obs, int Actions, int ActionSize) Sizes(Args a, string who)
    {
        var env = a.ObjectField<VectorEnvironment>(1, "env", ObjectKind.Environment);
        if (env != null) return (env, env.Count, env.ObservationSize, env.ActionCount, env.ActionSize);
        int copies = (int)a.Field(1, "copies", 0), obs = (int)a.Field(1, "observations", 0);
        int actions = (int)a.Field(1, "actions", 0), size = (int)a.Field(1, "action_size", 1);
        if (copies < 1 || obs < 1) throw new ScriptError($"{who}: 'env' must be made by rl.make, rl.env.* or rl.vec");
        return (null, copies, obs, actions, size);
    }

    private static Module? ModuleField(Args a, string key) => a.ObjectField<Module>(1, key, ObjectKind.Module);

    private static int[]? Hidden(Args a)
    {
        if (a.Type(1) != TTable) return null;
        int t = RawField(a.L, 1, "net_arch");
        try
        {
            if (t == TNil) return null;
            if (t != TTable) throw new ScriptError($"{a.Name}: net_arch must be a list of layer widths");
            int n = (int)Math.Min((long)lua_rawlen(a.L, -1), 64);
            var h = new int[n];
            for (int k = 0; k < n; k++)
            {
                lua_rawgeti(a.L, -1, k + 1);
                int ok;
                double v = lua_tonumberx(a.L, -1, &ok);
                lua_settop(a.L, -2);
                if (ok == 0 || !(v >= 1 && v <= 65536)) throw new ScriptError($"{a.Name}: net_arch[{k + 1}] must be a layer width from 1 to 65536");
                h[k] = (int)v;
            }
            return h;
        }
        finally { lua_settop(a.L, -2); }
    }

    private static int Whole(Args a, string key, int def, int min, int max)
    {
        double v = a.Field(1, key, def);
        if (!(v >= min && v <= max) || v != Math.Floor(v)) throw new ScriptError($"{a.Name}: {key} must be a whole number from {min} to {max}, got {v}");
        return (int)v;
    }

    private static float Real(Args a, string key, double def, double min = double.NegativeInfinity)
    {
        double v = a.Field(1, key, def);
        if (!double.IsFinite(v) || v < min) throw new ScriptError($"{a.Name}: {key} must be a finite number{(min > double.NegativeInfinity ? $" of at least {min}" : "")}, got {v}");
        return (float)v;
    }

    private static ulong SeedField(Args a) => (ulong)Math.Clamp(a.Field(1, "seed", 0), 0, 9e15);

    private static int PushAgent(Args a, Func<Agent> make, long bufferValues)
    {
        a.Host.Reserve(4 * bufferValues, $"{a.Name}'s buffers");
        try { return a.Push(make()); }
        catch (ArgumentException e) { throw new ScriptError(e.Message); }
    }

    // rl.Reinforce{policy =, env =, optimizer =, steps =, gamma =, baselineRate =, normalize =, seed =}
    private static int NewReinforce(Args a)
    {
        if (a.Type(1) != TTable) throw a.Bad(1, "table of options");
        var (env, copies, obs, actions, _) = Sizes(a, "rl.Reinforce");
        var policy = ModuleField(a, "policy") ?? throw new ScriptError("rl.Reinforce: 'policy' must be an nn module");
        var optimizer = a.ObjectField<Optimizer>(1, "optimizer", ObjectKind.Optimizer) ?? Registry.Catalog.DefaultOptimizer.Create(policy.ParameterArray());
        var settings = new ReinforceSettings
        {
            Steps = Whole(a, "steps", 128, 1, 1 << 20), Gamma = Real(a, "gamma", 0.99),
            BaselineRate = Real(a, "baselineRate", 0.05), NormalizeAdvantages = a.Field(1, "normalize", 1) != 0, Seed = SeedField(a),
        };
        return PushAgent(a, () => Deferred(a, env != null ? new Reinforce(policy, env, optimizer, settings) : new Reinforce(policy, copies, obs, actions, optimizer, settings)),
            (long)settings.Steps * copies * (obs + 8));
    }

    // rl.PPO{env =, policy =, value =, net_arch =, learning_rate =, n_steps =, ...}: Stable-Baselines3's names.
    private static int NewPpo(Args a)
    {
        if (a.Type(1) != TTable) throw a.Bad(1, "table of options");
        var (env, copies, obs, actions, size) = Sizes(a, "rl.PPO");
        var s = new PpoSettings
        {
            LearningRate = Real(a, "learning_rate", 3e-4, 0), AnnealLearningRate = a.Field(1, "anneal_lr", 0) != 0,
            NSteps = Whole(a, "n_steps", 2048, 1, 1 << 20), BatchSize = Whole(a, "batch_size", 64, 1, 1 << 20), NEpochs = Whole(a, "n_epochs", 10, 1, 10000),
            Gamma = Real(a, "gamma", 0.99, 0), GaeLambda = Real(a, "gae_lambda", 0.95, 0), ClipRange = Real(a, "clip_range", 0.2, 0),
            AnnealClipRange = a.Field(1, "anneal_clip_range", 0) != 0,
            ClipRangeVf = a.Field(1, "clip_range_vf", -1) is var cv && cv >= 0 ? (float)cv : null,
            NormalizeAdvantage = a.Field(1, "normalize_advantage", 1) != 0, EntCoef = Real(a, "ent_coef", 0), VfCoef = Real(a, "vf_coef", 0.5, 0),
            MaxGradNorm = Real(a, "max_grad_norm", 0.5, 0), TargetKl = a.Field(1, "target_kl", -1) is var kl && kl > 0 ? (float)kl : null,
            LogStdInit = Real(a, "log_std_init", 0), Seed = SeedField(a),
        };
        var policy = ModuleField(a, "policy");
        var value = ModuleField(a, "value");
        if (policy == null || value == null)
        {
            var (p, v) = PPO.DefaultNetworks(obs, actions > 0 ? actions : size, Hidden(a));
            policy ??= p; value ??= v;
        }
        var optimizer = a.ObjectField<Optimizer>(1, "optimizer", ObjectKind.Optimizer);
        return PushAgent(a, () => Deferred(a, new PPO(policy, value, copies, obs, actions, size, s, optimizer) { Environment = env }),
            (long)s.NSteps * copies * (obs + size + 6));
    }

    // rl.DQN{env =, q =, net_arch =, learning_rate =, buffer_size =, ...}: Stable-Baselines3's names.
    private static int NewDqn(Args a)
    {
        if (a.Type(1) != TTable) throw a.Bad(1, "table of options");
        var (env, copies, obs, actions, _) = Sizes(a, "rl.DQN");
        if (actions < 2) throw new ScriptError("rl.DQN: DQN needs discrete actions; use rl.PPO for continuous ones");
        var s = new DqnSettings
        {
            LearningRate = Real(a, "learning_rate", 1e-4, 0), BufferSize = Whole(a, "buffer_size", 1_000_000, 1, 1 << 26),
            LearningStarts = Whole(a, "learning_starts", 100, 0, int.MaxValue), BatchSize = Whole(a, "batch_size", 32, 1, 1 << 20),
            Tau = Real(a, "tau", 1, 0), Gamma = Real(a, "gamma", 0.99, 0), TrainFreq = Whole(a, "train_freq", 4, 1, 1 << 24),
            GradientSteps = Whole(a, "gradient_steps", 1, 0, 1 << 24), TargetUpdateInterval = Whole(a, "target_update_interval", 10_000, 1, int.MaxValue),
            ExplorationFraction = Real(a, "exploration_fraction", 0.1, 0), ExplorationInitialEps = Real(a, "exploration_initial_eps", 1, 0),
            ExplorationFinalEps = Real(a, "exploration_final_eps", 0.05, 0), MaxGradNorm = Real(a, "max_grad_norm", 10, 0),
            DoubleQ = a.Field(1, "double_q", 0) != 0, Seed = SeedField(a),
        };
        var q = ModuleField(a, "q") ?? DQN.DefaultNetwork(obs, actions, Hidden(a));
        var optimizer = a.ObjectField<Optimizer>(1, "optimizer", ObjectKind.Optimizer);
        return PushAgent(a, () => Deferred(a, new DQN(q, copies, obs, actions, s, optimizer) { Environment = env }),
            (long)Math.Min(s.BufferSize, 1L << 26) * (2 * obs + 3));
    }

    // agent:act(observations) -> actions [n, size] (discrete ones 1-based).
    private static int Act(Args a)
    {
        var agent = a.RLAgent(1);
        try { return PushActions(a, agent, agent.Act(a.Tensor(2))); }
        catch (ArgumentException e) { throw new ScriptError(e.Message); }
    }

    private static int PushActions(Args a, Agent agent, Tensor actions)
    {
        if (agent.ActionCount == 0) return a.Push(actions);
        var box = Shifted.GetValue(agent, _ => new StrongBox<Tensor?>());
        if (box.Value == null || box.Value.Length != actions.Length) box.Value = Tensor.Zeros(actions.Length);
        System.Numerics.Tensors.TensorPrimitives.Add(actions.Span, 1f, box.Value.Span);
        return a.Push(box.Value);
    }

    // agent:predict(observations, deterministic) -> actions (a new tensor).
    private static int Predict(Args a)
    {
        var agent = a.RLAgent(1);
        Tensor actions;
        try { actions = agent.Predict(a.Tensor(2), a.IsNoneOrNil(3) || a.Bool(3)); }
        catch (ArgumentException e) { throw new ScriptError(e.Message); }
        if (agent.ActionCount > 0) System.Numerics.Tensors.TensorPrimitives.Add(actions.Span, 1f, actions.Span);
        return a.Push(actions);
    }

    // observe(agent, rewards, terminated, truncated, next, final): flags as lists of booleans.
    private static int Observe(Args a)
    {
        var agent = a.RLAgent(1);
        var rewards = a.Tensor(2);
        var term = Flags(a, 3, agent.Copies);
        var trunc = Flags(a, 4, agent.Copies);
        try { agent.Observe(rewards.Span, term, trunc, a.Tensor(5), a.Tensor(6)); }
        catch (ArgumentException e) { throw new ScriptError(e.Message); }
        return 0;
    }

    private static readonly ConditionalWeakTable<Agent, bool[][]> FlagBuffers = new();

    private static bool[] Flags(Args a, int i, int n)
    {
        var bufs = FlagBuffers.GetValue(a.RLAgent(1), _ => new[] { new bool[n], new bool[n] });
        var f = bufs[i - 3];
        if (a.Type(i) != TTable) throw a.Bad(i, "list of booleans");
        for (int k = 0; k < n; k++)
        {
            int t = lua_rawgeti(a.L, i, k + 1);
            f[k] = lua_toboolean(a.L, -1) != 0;
            lua_settop(a.L, -2);
            if (t != TBoolean) throw new ScriptError($"{a.Name}: flag {k + 1} of argument #{i} is a {TypeName(t)}, not a boolean");
        }
        return f;
    }

    private static int StepFor(Args a)
    {
        double seconds = a.Number(2);
        if (double.IsNaN(seconds) || seconds < 0) throw new ScriptError($"stepFor: seconds must be a non-negative number, got {seconds}");
        seconds = Math.Min(Math.Min(seconds, a.Host.SecondsLeft), TimeSpan.MaxValue.TotalSeconds / 2);
        return a.Push((long)a.RLAgent(1).StepFor(TimeSpan.FromSeconds(seconds)));
    }

    // rl.Categorical / rl.DiagGaussian: PyTorch's distribution methods over this library's autograd.
    private static int Dist(Func<Tensor> f, Args a)
    {
        try { return a.Push(f()); }
        catch (ArgumentException e) { throw new ScriptError(e.Message); }
    }

    private static Tensor Rows(Args a, int i)
    {
        var t = a.Tensor(i);
        return t.Rank == 1 ? t.Reshape(1, t.Length) : t;
    }

    // Actions counted from 1 in scripts, from 0 here.
    private static Tensor FromLua(Tensor actions)
    {
        var zero = Tensor.Zeros(actions.Length);
        System.Numerics.Tensors.TensorPrimitives.Subtract(actions.Span, 1f, zero.Span);
        return zero;
    }

    private static int CatSample(Args a)
    {
        var logits = Rows(a, 1);
        int b = logits.Size(0), k = logits.Size(1);
        var actions = Tensor.Zeros(b);
        var probs = new float[k];
        for (int i = 0; i < b; i++) actions[i] = Categorical.Sample(logits.Span.Slice(i * k, k), probs, Rng.Global) + 1;
        return a.Push(actions);
    }

    private static int GaussSample(Args a)
    {
        var mean = a.Tensor(1); var logStd = a.Tensor(2);
        int d = logStd.Length;
        if (d < 1 || mean.Length % d != 0) throw new ScriptError($"DiagGaussian:sample: means {mean.ShapeText} do not match log deviations {logStd.ShapeText}");
        var actions = Tensor.Zeros(mean.Shape.ToArray());
        for (int i = 0; i < mean.Length / d; i++) DiagonalGaussian.Sample(mean.Span.Slice(i * d, d), logStd.Span, Rng.Global, actions.Span.Slice(i * d, d));
        return a.Push(actions);
    }

    // agent:train(seconds): minibatches of a deferred update until it is done or the time is up.
    private static int TrainFor(Args a)
    {
        double seconds = a.Number(2);
        if (double.IsNaN(seconds) || seconds < 0) throw new ScriptError($"train: seconds must be a non-negative number, got {seconds}");
        seconds = Math.Min(Math.Min(seconds, a.Host.SecondsLeft), TimeSpan.MaxValue.TotalSeconds / 2);
        return a.Push((long)a.RLAgent(1).TrainFor(TimeSpan.FromSeconds(seconds)));
    }

    // Options every agent takes: defer_updates, and VecNormalize's norm_obs and clip_obs.
    private static T Deferred<T>(Args a, T agent) where T : Agent
    {
        agent.DeferUpdates = a.Field(1, "defer_updates", 0) != 0;
        if (a.Field(1, "norm_obs", 0) != 0) agent.Normalizer = new ObservationNormalizer(agent.ObservationSize, Real(a, "clip_obs", 10, 0));
        return agent;
    }

    // agent:resume(path): the agent as saved, into this one (same algorithm and shapes).
    private static int Resume(Args a)
    {
        var agent = a.RLAgent(1);
        string path = a.Host.ResolvePath(a.String(2), forWriting: false);
        try { agent.Resume(path); }
        catch (InvalidDataException e) { throw new ScriptError(e.Message); }
        return 0;
    }

    // agent:update() (REINFORCE): one rollout and one step; the mean return of the rollout's episodes.
    private static int Update(Args a)
    {
        if (a.RLAgent(1) is not Reinforce r) throw new ScriptError("update: only rl.Reinforce updates one rollout at a time; use agent:learn{steps =}");
        r.Update();
        return double.IsNaN(r.LastMeanReturn) ? a.Nil() : a.Push(r.LastMeanReturn);
    }

    // agent:stats() -> {steps =, updates =, episodes =, mean_return =, mean_length =, ["train/..."] = ...}
    private static int Stats(Args a)
    {
        var agent = a.RLAgent(1);
        if (lua_checkstack(a.L, 4) == 0) throw new ScriptError("stats: out of stack space");
        lua_createtable(a.L, 0, 5 + agent.Metrics.Count);
        lua_pushinteger(a.L, agent.Steps); RawSetField(a.L, -2, "steps");
        lua_pushinteger(a.L, agent.Updates); RawSetField(a.L, -2, "updates");
        lua_pushinteger(a.L, agent.Episodes.Finished); RawSetField(a.L, -2, "episodes");
        if (!double.IsNaN(agent.Episodes.MeanReturn))
        {
            lua_pushnumber(a.L, agent.Episodes.MeanReturn); RawSetField(a.L, -2, "mean_return");
            lua_pushnumber(a.L, agent.Episodes.MeanLength); RawSetField(a.L, -2, "mean_length");
        }
        foreach (var (k, v) in agent.Metrics) { lua_pushnumber(a.L, v); RawSetField(a.L, -2, k); }
        return 1;
    }

    // agent:networks() -> policy (or Q) module, value module (PPO)
    private static int Networks(Args a)
    {
        var agent = a.RLAgent(1);
        a.Push(agent.PolicyNetwork);
        if (agent is PPO p) { a.Push(p.Value); return 2; }
        return 1;
    }

    // rl.evaluate(agent, env, {episodes =, deterministic =, seed =}) -> mean, std of the returns.
    private static int Evaluate(Args a)
    {
        var agent = a.RLAgent(1);
        var env = a.Environment(2);
        int episodes = (int)Math.Clamp(a.Field(3, "episodes", 10), 1, 1e6);
        try
        {
            var (mean, std) = agent.Evaluate(env, episodes, a.Field(3, "deterministic", 1) != 0, (ulong)Math.Clamp(a.Field(3, "seed", 0), 0, 9e15));
            a.Push(mean);
            return a.Push(std) + 1;
        }
        catch (ArgumentException e) { throw new ScriptError(e.Message); }
    }

    // progress(agent, total): one progress report to the host (snn prints it).
    private static int Progress(Args a)
    {
        var agent = a.RLAgent(1);
        if (a.Host.AgentProgress is { } report)
            report(new AgentProgress(agent.Name, agent.Steps, (long)a.Number(2), agent.Episodes.MeanReturn, agent.Episodes.MeanLength,
                a.OptNumber(3, double.NaN), new Dictionary<string, double>(agent.Metrics)));
        return 0;
    }
}
