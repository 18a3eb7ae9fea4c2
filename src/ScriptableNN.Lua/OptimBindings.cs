using ScriptableNN.NN;
using ScriptableNN.Optim;
using ScriptableNN.Registry;
using ScriptableNN.Tensors;
using static ScriptableNN.Lua.Native;

namespace ScriptableNN.Lua;

/// <summary>
/// optim.*: Torch7's functional form (optim.sgd(feval, x, config, state)) runs feval in Lua and
/// calls <c>step</c> here; the object form (optim.Adam(params, config)) holds an optimizer.
/// </summary>
internal static class OptimBindings
{
    public static readonly Binding[] Functions =
    {
        new("step", 5, FunctionalStep),
        new("new", 2, New),
        new("objstep", 1, a => { a.Optimizer(1).Step(); return 0; }),
        new("zeroGrad", 1, a => { a.Optimizer(1).ZeroGrad(); return 0; }),
        new("learningRate", 1, LearningRate),
        new("config", 1, Config),
        new("names", 0, Names),
        new("stepCount", 1, a => a.Push(a.Optimizer(1).State.Step)),
    };

    // The registered optimizer called kind, its settings read from the table at cfg by name
    // (PyTorch's spellings too: lr, weight_decay, eps). The object form refuses unknown names;
    // Torch7's functional form keeps its state in the same table, so there they are skipped.
    private static Optimizer Create(Args a, string kind, IEnumerable<Parameter> ps, int cfg, bool strict)
    {
        var type = Catalog.Optimizer(kind) ?? throw new ScriptError($"optim.{kind}: no such optimizer");
        var settings = SettingsReader.ReadNamed(a, cfg, type.Schema, type.ToString(), type.SettingAliases, strict);
        return type.Create(ps, settings);
    }

    // optim.names(): every registered optimizer's name.
    private static int Names(Args a)
    {
        var types = Catalog.Optimizers;
        var names = new string[types.Count];
        for (int i = 0; i < names.Length; i++) names[i] = types[i].Name;
        return a.PushStrings(names);
    }

    // optimizer:config(): the settings as a table, defaults filled in.
    private static int Config(Args a)
    {
        var o = a.Optimizer(1);
        SettingsReader.Push(a, Catalog.TypeOf(o).Describe(o));
        return 1;
    }

    // The parameters behind x and dfdx: a module's own, when x is its flat getParameters vector
    // and dfdx its flat gradient (so biases keep their no-decay flag); else x itself.
    private static Parameter[] ParametersOf(Tensor x, Tensor dfdx)
    {
        if (NNBindings.FlatOwner.TryGetValue(x, out var m))
        {
            var (p, g) = m.GetParameters();
            if (ReferenceEquals(p, x) && ReferenceEquals(g.Memory.Storage, dfdx.Memory.Storage) && g.Memory.Offset == dfdx.Memory.Offset)
                return m.ParameterArray();
        }
        if (x.Length != dfdx.Length) throw new ScriptError($"optim: gradient {dfdx.ShapeText} does not match parameters {x.ShapeText}");
        return new[] { new Parameter("x", x, dfdx, decay: true) };
    }

    // optim.step(kind, x, dfdx, config, state): the update of the functional form; the optimizer
    // lives in state._snn between calls. Torch7's learningRateDecay: lr / (1 + n * decay).
    private static int FunctionalStep(Args a)
    {
        string kind = a.String(1);
        var x = a.Tensor(2);
        var dfdx = a.Tensor(3);
        if (a.Type(5) != TTable) throw a.Bad(5, "table (state)");
        RawField(a.L, 5, "_snn");
        var opt = a.Host.Objects.Get<Optimizer>(a.L, -1, ObjectKind.Optimizer);
        lua_settop(a.L, -2);
        if (opt == null)
        {
            opt = Create(a, kind, ParametersOf(x, dfdx), 4, strict: false);
            a.Push(opt);
            RawSetField(a.L, 5, "_snn");
        }
        double baseLr = a.Field(4, "learningRate", a.Field(4, "lr", opt.BaseLearningRate));
        double decay = a.Field(4, "learningRateDecay", 0);
        opt.LearningRate = (float)(baseLr / (1 + opt.State.Step * decay));
        opt.Step();
        lua_pushinteger(a.L, opt.State.Step);
        RawSetField(a.L, 5, "evalCounter");
        return 0;
    }

    // optim.new(kind, params, config): params is a module, a table of weight tensors (from
    // module:parameters()), or a flat vector from module:getParameters().
    private static int New(Args a)
    {
        string kind = a.String(1);
        var ps = new List<Parameter>();
        if (a.Host.Objects.Get<Module>(a.L, 2, ObjectKind.Module) is { } m) ps.AddRange(m.ParameterArray());
        else if (a.Host.Objects.Get<Tensor>(a.L, 2, ObjectKind.Tensor) is { } flat)
        {
            if (!NNBindings.FlatOwner.TryGetValue(flat, out var owner)) throw new ScriptError($"optim.{kind}: the tensor is not a module's getParameters() vector");
            ps.AddRange(owner.ParameterArray());
        }
        else if (a.Type(2) == TTable)
        {
            int n = (int)lua_rawlen(a.L, 2);
            for (int i = 1; i <= n; i++)
            {
                lua_rawgeti(a.L, 2, i);
                var t = a.Tensor(-1);
                lua_settop(a.L, -2);
                if (!NNBindings.ParameterOf.TryGetValue(t, out var p)) throw new ScriptError($"optim.{kind}: parameter {i} is not a module parameter (pass model:parameters())");
                ps.Add(p);
            }
        }
        else throw a.Bad(2, "module, parameter table or flat parameter vector");
        return a.Push(Create(a, kind, ps, 3, strict: true));
    }

    private static int LearningRate(Args a)
    {
        var o = a.Optimizer(1);
        if (!a.IsNoneOrNil(2)) o.LearningRate = a.Float(2);
        return a.Push((double)o.LearningRate);
    }
}
