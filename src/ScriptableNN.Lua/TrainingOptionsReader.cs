using System.Text.Json.Nodes;
using ScriptableNN.NN;
using ScriptableNN.Optim;
using ScriptableNN.Training;
using static ScriptableNN.Lua.Native;

namespace ScriptableNN.Lua;

/// <summary>
/// The parts of <c>train.fit{...}</c> and <c>train.Trainer{...}</c> that shape the optimisation:
/// schedule, penalties, clipping and Keras-style callbacks. Options read from the table at index 1;
/// Keras' snake_case spellings are read too.
/// </summary>
internal static class TrainingOptionsReader
{
    // A number under either spelling, or def.
    private static double Num(Args a, int idx, string camel, string snake, double def) =>
        a.Field(idx, camel, a.Field(idx, snake, def));

    private static string? Str(Args a, int idx, string key)
    {
        int t = RawField(a.L, idx, key);
        try
        {
            if (t == TNil) return null;
            if (t != TString) throw new ScriptError($"train: '{key}' must be a string, got {TypeName(t)}");
            return Native.ToString(a.L, -1);
        }
        finally { lua_settop(a.L, -2); }
    }

    /// <summary>schedule = {kind = "step"|"exponential"|"cosine"|"constant", warmup = n, ...}</summary>
    public static LearningRateSchedule? Schedule(Args a)
    {
        if (RawField(a.L, 1, "schedule") != TTable) { lua_settop(a.L, -2); return null; }
        int idx = lua_gettop(a.L);
        try
        {
            string kind = Str(a, idx, "kind") ?? throw new ScriptError("train: schedule needs a kind (constant, step, exponential, cosine)");
            var schema = LearningRateSchedule.SchemaOf(kind) ?? throw new ScriptError($"train: unknown schedule kind '{kind}' (constant, step, exponential, cosine)");
            var settings = SettingsReader.ReadNamed(a, idx, schema, $"schedule '{kind}'", null, strict: true, ignore: "kind");
            return LearningRateSchedule.Create(kind, settings);
        }
        finally { lua_settop(a.L, idx - 1); }
    }

    /// <summary>l1 = lambda, l2 = lambda (the whole model), and penalties = {{kind = "l1"|"l2", lambda =, params = module, all = bool}, ...}.</summary>
    public static List<Penalty> Penalties(Args a, Module model)
    {
        var list = new List<Penalty>();
        double l1 = a.Field(1, "l1", 0), l2 = a.Field(1, "l2", 0);
        if (l1 != 0) list.Add(new Penalty(PenaltyKind.L1, (float)l1, model.ParameterArray()));
        if (l2 != 0) list.Add(new Penalty(PenaltyKind.L2, (float)l2, model.ParameterArray()));
        if (RawField(a.L, 1, "penalties") != TTable) { lua_settop(a.L, -2); return list; }
        int idx = lua_gettop(a.L);
        try
        {
            int n = (int)Math.Min(lua_rawlen(a.L, idx), 1024);
            for (int i = 1; i <= n; i++)
            {
                if (lua_rawgeti(a.L, idx, i) != TTable) throw new ScriptError($"train: penalty {i} must be a table {{kind = \"l2\", lambda = ...}}");
                int p = lua_gettop(a.L);
                string kind = Str(a, p, "kind") ?? "l2";
                var k = kind switch { "l1" or "L1" => PenaltyKind.L1, "l2" or "L2" => PenaltyKind.L2, _ => throw new ScriptError($"train: penalty {i}: unknown kind '{kind}' (l1, l2)") };
                double lambda = a.Field(p, "lambda", double.NaN);
                if (!(lambda >= 0)) throw new ScriptError($"train: penalty {i} needs lambda >= 0");
                var group = a.ObjectField<Module>(p, "params", ObjectKind.Module) ?? model;
                list.Add(new Penalty(k, (float)lambda, group.ParameterArray(), includeAll: a.Field(p, "all", 0) != 0));
                lua_settop(a.L, p - 1);
            }
        }
        finally { lua_settop(a.L, idx - 1); }
        return list;
    }

    /// <summary>clipNorm / clipnorm and clipValue / clipvalue, as Keras spells them.</summary>
    public static (float? Norm, float? Value) Clipping(Args a)
    {
        double norm = a.Field(1, "clipNorm", a.Field(1, "clipnorm", double.NaN));
        double value = a.Field(1, "clipValue", a.Field(1, "clipvalue", double.NaN));
        if (!double.IsNaN(norm) && !(norm > 0)) throw new ScriptError($"train: clipNorm must be positive, got {norm}");
        if (!double.IsNaN(value) && !(value > 0)) throw new ScriptError($"train: clipValue must be positive, got {value}");
        return (double.IsNaN(norm) ? null : (float)norm, double.IsNaN(value) ? null : (float)value);
    }

    /// <summary>
    /// callbacks = {train.ReduceLROnPlateau{...}, train.ModelCheckpoint{...}, train.EarlyStopping{...}};
    /// each is a table naming its kind in field "callback". Early stopping becomes the trainer's own.
    /// </summary>
    public static (List<TrainingCallback> Callbacks, EarlyStopping? Early) Callbacks(Args a)
    {
        var list = new List<TrainingCallback>();
        EarlyStopping? early = null;
        if (RawField(a.L, 1, "earlyStopping") == TTable) early = EarlyStoppingOf(a, lua_gettop(a.L));
        lua_settop(a.L, -2);
        if (RawField(a.L, 1, "callbacks") != TTable) { lua_settop(a.L, -2); return (list, early); }
        int idx = lua_gettop(a.L);
        try
        {
            int n = (int)Math.Min(lua_rawlen(a.L, idx), 1024);
            for (int i = 1; i <= n; i++)
            {
                if (lua_rawgeti(a.L, idx, i) != TTable) throw new ScriptError($"train: callback {i} must be made by train.ReduceLROnPlateau, train.ModelCheckpoint or train.EarlyStopping");
                int c = lua_gettop(a.L);
                string monitor = Str(a, c, "monitor") ?? "val_loss";
                switch (Str(a, c, "callback"))
                {
                    case "ReduceLROnPlateau":
                        list.Add(new ReduceLROnPlateau
                        {
                            Monitor = monitor, Factor = (float)a.Field(c, "factor", 0.1), Patience = (int)a.Field(c, "patience", 10),
                            MinDelta = Num(a, c, "minDelta", "min_delta", 1e-4), Cooldown = (int)a.Field(c, "cooldown", 0),
                            MinLearningRate = (float)Num(a, c, "minLr", "min_lr", 0),
                        });
                        break;
                    case "ModelCheckpoint":
                        string path = Str(a, c, "path") ?? Str(a, c, "filepath") ?? throw new ScriptError($"train: callback {i} (ModelCheckpoint) needs a path");
                        list.Add(new ModelCheckpoint
                        {
                            Path = a.Host.ResolvePath(path, forWriting: true), Monitor = monitor,
                            SaveBestOnly = Num(a, c, "saveBestOnly", "save_best_only", 1) != 0,
                        });
                        break;
                    case "EarlyStopping":
                        early = EarlyStoppingOf(a, c);
                        break;
                    default: throw new ScriptError($"train: callback {i} must be made by train.ReduceLROnPlateau, train.ModelCheckpoint or train.EarlyStopping");
                }
                lua_settop(a.L, c - 1);
            }
        }
        finally { lua_settop(a.L, idx - 1); }
        return (list, early);
    }

    private static EarlyStopping EarlyStoppingOf(Args a, int idx) => new()
    {
        Monitor = Str(a, idx, "monitor") ?? "val_loss",
        Patience = (int)a.Field(idx, "patience", 5),
        MinDelta = Num(a, idx, "minDelta", "min_delta", 0),
        RestoreBest = Num(a, idx, "restoreBest", "restore_best_weights", 1) != 0,
    };
}
