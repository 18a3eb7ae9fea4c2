using System.Runtime.CompilerServices;
using ScriptableNN.Optim;
using ScriptableNN.RL;
using ScriptableNN.Tensors;
using static ScriptableNN.Lua.Native;

namespace ScriptableNN.Lua;

/// <summary>
/// rl.*: environments by Gymnasium's names, stepped N copies at a time, and the REINFORCE trainer.
/// Discrete actions cross into Lua 1-based, as class labels do (ClassLabels owns the shift).
/// </summary>
internal static class RLBindings
{
    public static readonly Binding[] Functions =
    {
        new("make", 1, Make),
        new("reset", 1, a => a.Push(a.Environment(1).Reset((ulong)Math.Clamp(a.OptNumber(2, 0), 0, 9e15)))),
        new("step", 2, Step),
        new("info", 1, Info),
        new("reinforce", 1, NewReinforce),
        new("update", 1, a => { var r = a.Agent(1); r.Update(); return double.IsNaN(r.LastMeanReturn) ? a.Nil() : a.Push(r.LastMeanReturn); }),
        new("updates", 1, a => a.Push((long)a.Agent(1).Updates)),
    };

    private static readonly ConditionalWeakTable<VectorEnvironment, StrongBox<Tensor?>> Shifted = new();

    // rl.make(name, {n = copies}) -> a vector of n copies (reset with env:reset(seed)).
    private static int Make(Args a)
    {
        string name = a.String(1);
        double n = a.Field(2, "n", 1);
        if (!(n >= 1 && n <= 4096) || n != Math.Floor(n)) throw new ScriptError($"rl.make: n must be a whole number of copies from 1 to 4096, got {n}");
        if (Environments.Make(name) == null) throw new ScriptError($"rl.make: no environment '{name}' ({string.Join(", ", Environments.Names)})");
        var env = new VectorEnvironment((int)n, _ => Environments.Make(name)!);
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
        if (lua_checkstack(a.L, 4) == 0) throw new ScriptError("env:step: out of stack space");
        foreach (var flags in new[] { env.Terminated, env.Truncated })
        {
            lua_createtable(a.L, flags.Length, 0);
            for (int i = 0; i < flags.Length; i++) { lua_pushboolean(a.L, flags[i] ? 1 : 0); lua_rawseti(a.L, -2, i + 1); }
        }
        return 4;
    }

    // env:info() -> {n =, observations =, actions =}
    private static int Info(Args a)
    {
        var env = a.Environment(1);
        lua_createtable(a.L, 0, 3);
        lua_pushinteger(a.L, env.Count); RawSetField(a.L, -2, "n");
        lua_pushinteger(a.L, env.ObservationSize); RawSetField(a.L, -2, "observations");
        lua_pushinteger(a.L, env.ActionCount); RawSetField(a.L, -2, "actions");
        return 1;
    }

    // rl.Reinforce{policy =, env =, optimizer =, steps =, gamma =, baselineRate =, normalize =, seed =}
    private static int NewReinforce(Args a)
    {
        if (a.Type(1) != TTable) throw a.Bad(1, "table of options");
        var policy = a.ObjectField<NN.Module>(1, "policy", ObjectKind.Module) ?? throw new ScriptError("rl.Reinforce: 'policy' must be an nn module");
        var env = a.ObjectField<VectorEnvironment>(1, "env", ObjectKind.Environment) ?? throw new ScriptError("rl.Reinforce: 'env' must be made by rl.make");
        var optimizer = a.ObjectField<Optimizer>(1, "optimizer", ObjectKind.Optimizer) ?? Registry.Catalog.DefaultOptimizer.Create(policy.ParameterArray());
        var settings = new ReinforceSettings
        {
            Steps = (int)Math.Clamp(a.Field(1, "steps", 128), 1, 1 << 20), Gamma = (float)a.Field(1, "gamma", 0.99),
            BaselineRate = (float)a.Field(1, "baselineRate", 0.05), NormalizeAdvantages = a.Field(1, "normalize", 1) != 0,
            Seed = (ulong)a.Field(1, "seed", 0),
        };
        long values = (long)settings.Steps * env.Count * (env.ObservationSize + 8);
        a.Host.Reserve(8 * values, "rl.Reinforce's rollout buffers");
        try { return a.Push(new Reinforce(policy, env, optimizer, settings)); }
        catch (ArgumentException e) { throw new ScriptError("rl.Reinforce: " + e.Message); }
    }
}
