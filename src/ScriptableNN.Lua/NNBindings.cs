using System.Runtime.CompilerServices;
using ScriptableNN.Losses;
using ScriptableNN.NN;
using ScriptableNN.Registry;
using ScriptableNN.Tensors;
using static ScriptableNN.Lua.Native;

namespace ScriptableNN.Lua;

/// <summary>nn.*: module and criterion constructors by Torch7 name, and their methods.</summary>
internal static class NNBindings
{
    public static readonly Binding[] Functions =
    {
        new("module", 1, NewModule),
        new("criterion", 1, NewCriterion),
        new("names", 0, Names),
        new("loadOnnx", 1, LoadOnnx),
        new("isModule", 1, a => a.Push(a.Host.Objects.Get<Module>(a.L, 1, ObjectKind.Module) != null)),
    };

    public static readonly Binding[] ModuleMethods =
    {
        new("forward", 2, a => a.Push(a.Module(1).Forward(a.Tensor(2)))),
        new("backward", 3, a => AfterForward(a, "backward", static (m, a) => a.Push(m.Backward(a.Tensor(2), a.Tensor(3), (float)a.OptNumber(4, 1))))),
        new("updateGradInput", 3, a => AfterForward(a, "updateGradInput", static (m, a) => a.Push(m.UpdateGradInput(a.Tensor(2), a.Tensor(3))))),
        new("accGradParameters", 3, a => AfterForward(a, "accGradParameters", static (m, a) => { m.AccGradParameters(a.Tensor(2), a.Tensor(3), (float)a.OptNumber(4, 1)); return 0; })),
        new("zeroGradParameters", 1, a => { a.Module(1).ZeroGradParameters(); return 0; }),
        new("updateParameters", 2, a => { a.Module(1).UpdateParameters(a.Float(2)); return 0; }),
        new("parameters", 1, Parameters),
        new("getParameters", 1, GetParameters),
        new("flattenInto", 4, a => a.Push((long)a.Module(1).FlattenInto(a.Tensor(2), a.Tensor(3), a.Int(4)))),
        new("clone", 1, Clone),
        new("share", 2, Share),
        new("reset", 1, Reset),
        new("training", 1, a => a.Push(a.Module(1).Training())),
        new("evaluate", 1, a => a.Push(a.Module(1).Evaluate())),
        new("add", 2, Add),
        new("get", 2, Get),
        new("size", 1, a => a.Push((long)(a.Module(1) is Sequential s ? s.Count : 0))),
        new("tostring", 1, a => a.Push(a.Module(1).ToString())),
        new("field", 2, Field),
        new("exportOnnx", 3, ExportOnnx),
        new("compile", 1, a => a.Push(a.IsNoneOrNil(2) ? Inference.CompiledNetwork.Compile(a.Module(1)) : Inference.CompiledNetwork.Compile(a.Module(1), a.Int(2)))),
    };

    /// <summary>A compiled network's methods: inference only, so no backward and no parameters.</summary>
    public static readonly Binding[] CompiledMethods =
    {
        new("forward", 2, a => a.Push(a.Compiled(1).Forward(a.Tensor(2)))),
        new("run", 3, Run),
        new("refresh", 1, a => { a.Compiled(1).Refresh(); return 0; }),
        new("tostring", 1, a => a.Push(a.Compiled(1).ToString())),
        new("inputSize", 1, a => a.Push((long)a.Compiled(1).InputSize)),
        new("outputSize", 1, a => a.Push((long)a.Compiled(1).OutputSize)),
    };

    // compiled:run(x, y): one sample from tensor x into tensor y, allocating nothing.
    private static int Run(Args a)
    {
        var y = a.Tensor(3);
        a.Compiled(1).Run(a.Tensor(2).Span, y.Span);
        return a.Push(y);
    }

    public static readonly Binding[] CriterionMethods =
    {
        new("forward", 3, a => a.Push((double)a.Criterion(1).Forward(a.Tensor(2), Target(a, a.Criterion(1), 3)))),
        new("backward", 3, a => a.Push(a.Criterion(1).Backward(a.Tensor(2), Target(a, a.Criterion(1), 3)))),
        new("tostring", 1, a => a.Push(a.Criterion(1).ToString())),
        new("output", 1, a => a.Criterion(1).Output is { } o ? a.Push(o) : a.Nil()),
        new("gradInput", 1, a => a.Criterion(1).GradInput is { } g ? a.Push(g) : a.Nil()),
        new("sizeAverage", 1, a => a.Push(a.Criterion(1).Reduction == Reduction.Mean)),
        new("setSizeAverage", 2, SetSizeAverage),
        new("parameters", 1, CriterionParameters),
    };

    /// <summary>Where each weight tensor handed to Lua came from, so optimizers can find its gradient and flags.</summary>
    internal static readonly ConditionalWeakTable<Tensor, Parameter> ParameterOf = new();

    /// <summary>The module whose parameters a flat vector from getParameters holds.</summary>
    internal static readonly ConditionalWeakTable<Tensor, Module> FlatOwner = new();

    // nn.<Name>(...): any registered module, its arguments read by its settings schema. The
    // parameters and gradients (8 bytes an element) are reserved under the memory cap before
    // the layer allocates them.
    private static int NewModule(Args a)
    {
        string name = a.String(1);
        var type = Catalog.Module(name) ?? throw new ScriptError($"nn.{name}: no such module");
        string call = "nn." + name;
        var settings = SettingsReader.Read(a, 2, type.Schema, call);
        long elements = type.ParameterCount(settings);
        if (elements < 0) throw new ScriptError($"{call}: sizes must not be negative");
        if (elements > int.MaxValue) throw new ScriptError($"{call}: {elements} parameters is more than a layer can hold");
        a.Host.Reserve(8 * elements, $"{call}'s parameters");
        return a.Push(type.Create(settings));
    }

    private static int NewCriterion(Args a)
    {
        string name = a.String(1);
        var type = Catalog.Criterion(name) ?? throw new ScriptError($"nn.{name}: no such criterion");
        return a.Push(type.Create(SettingsReader.Read(a, 2, type.Schema, "nn." + name)));
    }

    // nn.loadOnnx(path): a chain exported by PyTorch, Keras or Stable-Baselines3, as an
    // nn.Sequential. The file's size is reserved under the memory cap (its weights become tensors).
    private static int LoadOnnx(Args a)
    {
        string path = a.Host.ResolvePath(a.String(1));
        if (File.Exists(path)) a.Host.Reserve(new FileInfo(path).Length * 3, $"loading {a.String(1)}");
        return a.Push(IO.OnnxImporter.Load(path));
    }

    // model:exportOnnx(path, inputs): the chain as an ONNX file for other runtimes.
    private static int ExportOnnx(Args a)
    {
        IO.OnnxExporter.Export(a.Host.ResolvePath(a.String(2), forWriting: true), a.Module(1), a.Int(3));
        return 0;
    }

    // nn.names(): two tables, module names and criterion names (aliases included), each name
    // mapped to its Torch7 name, for the prelude.
    private static int Names(Args a)
    {
        void Map(IEnumerable<(string Name, IReadOnlyList<string> Aliases)> types)
        {
            lua_createtable(a.L, 0, 0);
            foreach (var (name, aliases) in types)
                foreach (var n in aliases.Prepend(name)) { PushString(a.L, name); RawSetField(a.L, -2, n); }
        }
        if (lua_checkstack(a.L, 4) == 0) throw new ScriptError("nn.names: out of stack space");
        Map(Catalog.Modules.Select(t => (t.Name, t.Aliases)));
        Map(Catalog.Criteria.Select(t => (t.Name, t.Aliases)));
        return 2;
    }

    private static readonly ConditionalWeakTable<Criterion, StrongBox<Tensor?>> Shifted = new();

    // Class criteria take Torch7's 1-based labels (a tensor, or a number for one sample); the engine counts from 0.
    private static Tensor Target(Args a, Criterion c, int idx)
    {
        if (c is not ClassCriterion)
        {
            if (a.Type(idx) == TNumber) return Tensor.Full(a.Float(idx), 1);
            return a.Tensor(idx);
        }
        var box = Shifted.GetValue(c, _ => new StrongBox<Tensor?>());
        if (a.Type(idx) == TNumber)
        {
            var one = Tensor.Reuse(ref box.Value, 1);
            one[0] = ClassLabels.ToEngine(a.Float(idx));
            return one;
        }
        return ClassLabels.ToEngine(a.Tensor(idx), ref box.Value);
    }

    // parameters(): two tables, the weights and their gradients (Torch7).
    private static int Parameters(Args a)
    {
        var ps = a.Module(1).ParameterArray();
        PushParameterTables(a, ps);
        return 2;
    }

    private static int CriterionParameters(Args a)
    {
        var ps = a.Criterion(1).Parameters().ToArray();
        PushParameterTables(a, ps);
        return 2;
    }

    private static void PushParameterTables(Args a, Parameter[] ps)
    {
        lua_createtable(a.L, ps.Length, 0);
        for (int i = 0; i < ps.Length; i++)
        {
            ParameterOf.AddOrUpdate(ps[i].Value, ps[i]);
            a.Push(ps[i].Value);
            lua_rawseti(a.L, -2, i + 1);
        }
        lua_createtable(a.L, ps.Length, 0);
        for (int i = 0; i < ps.Length; i++) { a.Push(ps[i].Grad); lua_rawseti(a.L, -2, i + 1); }
    }

    // Torch7's clone(): the same architecture and settings, the parameter values copied, the
    // mode kept (a fresh build, so buffers and dropout generators are its own).
    private static int Clone(Args a)
    {
        var m = a.Module(1);
        Module c;
        try { c = IO.Checkpoint.Build(IO.Checkpoint.Describe(m)); }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or KeyNotFoundException) { throw new ScriptError($"clone: {e.Message}"); }
        var from = m.ParameterArray();
        var to = c.ParameterArray();
        for (int i = 0; i < from.Length; i++) { to[i].Value.CopyFrom(from[i].Value); to[i].Grad.CopyFrom(from[i].Grad); }
        if (!m.IsTraining) c.Evaluate();
        return a.Push(c);
    }

    // share(other, names...): the named parameters become other's (names as strings after the module).
    private static int Share(Args a)
    {
        var names = new List<string>();
        for (int i = 3; i <= a.Count; i++) names.Add(a.String(i));
        try { a.Module(1).ShareFrom(a.Module(2), names); }
        catch (ArgumentException e) { throw new ScriptError(e.Message); }
        return a.Push(a.Module(1));
    }

    // reset([stdv]): parameters drawn again, from torch's generator: the module's own
    // initialisation, or uniform in [-stdv, stdv] when stdv is given (Torch7's reset(stdv)).
    private static int Reset(Args a)
    {
        var m = a.Module(1);
        var ps = m.ParameterArray();
        if (!a.IsNoneOrNil(2))
        {
            float stdv = a.Float(2);
            foreach (var p in ps) p.Value.CopyFrom(Tensor.Uniform(Rng.Global, -stdv, stdv, p.Value.Shape.ToArray()));
            return a.Push(m);
        }
        Module fresh;
        try { fresh = IO.Checkpoint.Build(IO.Checkpoint.Describe(m), Rng.Global); }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or KeyNotFoundException) { throw new ScriptError($"reset: {e.Message}"); }
        var from = fresh.ParameterArray();
        for (int i = 0; i < ps.Length; i++) ps[i].Value.CopyFrom(from[i].Value);
        return a.Push(m);
    }

    private static int SetSizeAverage(Args a)
    {
        var c = a.Criterion(1);
        if (c.Reduction == Reduction.None) throw new ScriptError("sizeAverage: this criterion gives one loss per element (reduction none)");
        c.Reduction = a.Bool(2) ? Reduction.Mean : Reduction.Sum;
        return 0;
    }

    private static int GetParameters(Args a)
    {
        var m = a.Module(1);
        var (p, g) = m.GetParameters();
        FlatOwner.AddOrUpdate(p, m);
        a.Push(p);
        a.Push(g);
        return 2;
    }

    // Torch7's backward uses what forward kept (outputs, masks). A layer that needs none (Linear)
    // goes back without a forward, as in Torch7; one that does names the mistake instead of
    // failing deep inside.
    private static int AfterForward(Args a, string what, Func<Module, Args, int> body)
    {
        var m = a.Module(1);
        try { return body(m, a); }
        catch (NullReferenceException)
        {
            string name = m is Sequential ? "nn.Sequential" : m.ToString() ?? "the module";
            throw new ScriptError($"{what}: {name} has no forward pass to go back through; call forward(input) first");
        }
    }

    private static int Add(Args a)
    {
        if (a.Module(1) is not Sequential s) throw new ScriptError($"add: {a.Module(1)} is not a container");
        s.Add(a.Module(2));
        return a.Push(s);
    }

    private static int Get(Args a)
    {
        if (a.Module(1) is not Sequential s) throw new ScriptError($"get: {a.Module(1)} is not a container");
        int i = a.Int(2);
        if (i < 1 || i > s.Count) throw new ScriptError($"get: index {i} out of range (1..{s.Count})");
        return a.Push(s[i - 1]);
    }

    // module.weight, .bias, .gradWeight, .gradBias, .output, .gradInput, .train
    private static int Field(Args a)
    {
        var m = a.Module(1);
        string f = a.String(2);
        Parameter? P(string name)
        {
            foreach (var p in m.Parameters()) if (p.Name == name) return p;
            return null;
        }
        Tensor? t = f switch
        {
            "weight" => P("weight")?.Value ?? P("centres")?.Value,
            "bias" => P("bias")?.Value,
            "gradWeight" => P("weight")?.Grad ?? P("centres")?.Grad,
            "gradBias" => P("bias")?.Grad,
            "output" => m.Output,
            "gradInput" => m.GradInput,
            _ => null,
        };
        if (f == "train") return a.Push(m.IsTraining);
        if (f == "modules" && m is Sequential s)
        {
            lua_createtable(a.L, s.Count, 0);
            for (int i = 0; i < s.Count; i++) { a.Push(s[i]); lua_rawseti(a.L, -2, i + 1); }
            return 1;
        }
        if (t != null && f is "weight" or "bias") ParameterOf.AddOrUpdate(t, (P(f) ?? P("centres"))!);
        return t == null ? a.Nil() : a.Push(t);
    }
}
