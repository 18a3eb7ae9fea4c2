using ScriptableNN.Data;
using ScriptableNN.IO;
using ScriptableNN.Losses;
using ScriptableNN.NN;
using ScriptableNN.Optim;
using ScriptableNN.Tensors;
using ScriptableNN.Training;
using static ScriptableNN.Lua.Native;

namespace ScriptableNN.Lua;

/// <summary>
/// data.* (generators, CSV, IDX), train.* (the stepping trainer under train.fit) and the
/// checkpoint functions. Class labels cross into Lua 1-based, as Torch7 counts.
/// </summary>
internal static unsafe class DataBindings
{
    public static readonly Binding[] Functions =
    {
        new("generate", 2, Generate),
        new("csv", 1, Csv),
        new("idx", 1, a => a.Push(Idx.Read(a.Host.ResolvePath(a.String(1)), a.Host.RoomBytes))),
        new("save", 2, Save),
        new("saveValue", 4, SaveValue),
        new("writeText", 3, WriteText),
        new("load", 1, Load),
        new("standardize", 1, StandardizeFit),
        new("scaleColumns", 3, ScaleColumns),
    };

    // data.standardize's statistics: the mean and standard deviation of each column, as [1, f] rows.
    private static int StandardizeFit(Args a)
    {
        var x = a.Tensor(1);
        if (x.Rank != 2 || x.Rows == 0) throw new ScriptError($"data.standardize: expects a matrix of examples [n, features], got {x.ShapeText}");
        var s = Standardizer.Fit(x);
        a.Push(Tensor.FromArray(s.Mean, 1, s.Mean.Length));
        a.Push(Tensor.FromArray(s.Std, 1, s.Std.Length));
        return 2;
    }

    // A fitted scaler's transform of a matrix: (x - shift) / scale per column in one new tensor.
    private static int ScaleColumns(Args a)
    {
        var x = a.Tensor(1);
        var shift = a.Tensor(2).ToArray();
        var scale = a.Tensor(3).ToArray();
        return a.Push(new Standardizer(shift, scale).Transform(x));
    }

    public static readonly Binding[] TrainerMethods =
    {
        new("new", 1, NewTrainer),
        new("step", 1, Step),
        new("stepFor", 2, StepFor),
        new("done", 1, a => a.Push(a.Trainer(1).Done)),
        new("epoch", 1, a => a.Push((long)a.Trainer(1).Epoch)),
        new("steps", 1, a => a.Push(a.Trainer(1).Steps)),
        new("epochs", 1, a => a.Push((long)a.Trainer(1).Options.Epochs)),
        new("save", 2, a => { a.Trainer(1).Save(a.Host.ResolvePath(a.String(2), forWriting: true)); return 0; }),
        new("learningRate", 1, a => a.Push((double)a.Trainer(1).Options.Optimizer.LearningRate)),
        new("stepsPerEpoch", 1, a => a.Push((long)a.Trainer(1).StepsPerEpoch)),
        new("stoppedEarly", 1, a => a.Push(a.Trainer(1).StoppedEarly)),
        new("stats", 2, Stats),
        new("evaluate", 3, Evaluate),
        new("plot", 2, Plot),
        new("plotBoundary", 3, PlotBoundary),
        new("plotSeries", 2, PlotSeries),
    };

    // trainer:step(n): n steps, stopping early at the host's timeout (the hook then stops the
    // script as soon as control is back in Lua).
    private static int Step(Args a)
    {
        var t = a.Trainer(1);
        int n = a.OptInt(2, 1), done = 0;
        while (done < n && !t.Done && !a.Host.DeadlinePassed)
        {
            int chunk = Math.Min(n - done, 16);
            int took = t.Step(chunk);
            done += took;
            if (took < chunk) break;
        }
        return a.Push((long)done);
    }

    // trainer:stepFor(seconds), never past the host's timeout.
    private static int StepFor(Args a)
    {
        double seconds = a.Number(2);
        if (double.IsNaN(seconds) || seconds < 0) throw new ScriptError($"stepFor: seconds must be a non-negative number, got {seconds}");
        seconds = Math.Min(Math.Min(seconds, a.Host.SecondsLeft), TimeSpan.MaxValue.TotalSeconds / 2);
        return a.Push((long)a.Trainer(1).StepFor(TimeSpan.FromSeconds(seconds)));
    }

    // data.generate(kind, {n =, classes =, noise =, factor =, seed =}) -> x, y
    private static int Generate(Args a)
    {
        string kind = a.String(1);
        var rng = new Rng((ulong)a.Field(2, "seed", 0));
        double nf = a.Field(2, "n", 100), cf = a.Field(2, "classes", 3);
        if (!(nf >= 1 && nf <= int.MaxValue)) throw new ScriptError($"data.{kind}: n must be a whole number of examples from 1, got {nf}");
        if (!(cf >= 1 && cf <= 1 << 20)) throw new ScriptError($"data.{kind}: classes must be from 1 to {1 << 20}, got {cf}");
        int n = (int)nf;
        a.Host.Reserve(12L * n * Math.Max(2, (long)cf), $"data.{kind} of {n} examples");
        float noise = (float)a.Field(2, "noise", kind == "spirals" ? 0.05 : 0.1);
        var (ds, classes) = kind switch
        {
            "xor" => (Generators.Xor(), false),
            "spirals" => (Generators.Spirals(n, (int)a.Field(2, "classes", 3), noise, rng), true),
            "moons" => (Generators.Moons(n, noise, rng), true),
            "circles" => (Generators.Circles(n, noise, (float)a.Field(2, "factor", 0.5), rng), true),
            "sine" => (Generators.Sine(n, noise, rng), false),
            _ => throw new ScriptError($"data.{kind}: no such generator (xor, spirals, moons, circles, sine)"),
        };
        a.Push(ds.Inputs);
        a.Push(classes ? ClassLabels.ToScript(ds.Targets) : ds.Targets);
        return 2;
    }

    // data.csv(path, {label =, features = {...}, categorical =}) -> x, y, classes
    private static int Csv(Args a)
    {
        var opts = new CsvOptions { Categorical = a.Field(2, "categorical", 0) != 0 };
        if (a.Type(2) == TTable)
        {
            RawField(a.L, 2, "label");
            opts.Label = Native.ToString(a.L, -1);
            lua_settop(a.L, -2);
            if (RawField(a.L, 2, "features") == TTable)
            {
                int n = (int)lua_rawlen(a.L, -1);
                var f = new string[n];
                for (int i = 0; i < n; i++) { lua_rawgeti(a.L, -1, i + 1); f[i] = Native.ToString(a.L, -1) ?? ""; lua_settop(a.L, -2); }
                opts.Features = f;
            }
            lua_settop(a.L, -2);
        }
        string path = a.Host.ResolvePath(a.String(1));
        if (File.Exists(path)) a.Host.Reserve(new FileInfo(path).Length * 2, $"loading {a.String(1)}");
        var c = CsvLoader.Load(path, opts);
        a.Push(c.Data.Inputs);
        a.Push(c.Classes != null ? ClassLabels.ToScript(c.Data.Targets) : c.Data.Targets);
        if (c.Classes == null) { lua_pushnil(a.L); return 3; }
        lua_createtable(a.L, c.Classes.Length, 0);
        for (int i = 0; i < c.Classes.Length; i++) { PushString(a.L, c.Classes[i]); lua_rawseti(a.L, -2, i + 1); }
        return 3;
    }

    // data.writeText(path, text, append): a text file under the write roots (optim.Logger's log).
    private static int WriteText(Args a)
    {
        string path = a.Host.ResolvePath(a.String(1), forWriting: true);
        string text = a.String(2);
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir != null) Directory.CreateDirectory(dir);
        if (a.Bool(3)) File.AppendAllText(path, text); else File.WriteAllText(path, text);
        return 0;
    }

    // io.save(path, model[, optimizer])
    private static int Save(Args a)
    {
        var path = a.Host.ResolvePath(a.String(1), forWriting: true);
        var opt = a.IsNoneOrNil(3) ? null : a.Optimizer(3);
        Checkpoint.Save(path, a.Module(2), opt);
        return 0;
    }

    // saveValue(path, graph, modules, tensors): a Lua value torch.save was given, as the prelude
    // encoded it (graph: JSON of its tables and scalars, with references to the modules and tensors
    // lists). The modules become the checkpoint's model (a Sequential carrying them), the tensors
    // go into its metadata, so the file keeps the checkpoint's checksum and atomic write.
    private static int SaveValue(Args a)
    {
        var path = a.Host.ResolvePath(a.String(1), forWriting: true);
        string graph = a.String(2);
        var modules = new List<NN.Module>();
        var tensors = new System.Text.Json.Nodes.JsonArray();
        if (a.Type(3) != TTable || a.Type(4) != TTable) throw new ScriptError("torch.save: internal value lists missing");
        long nm = (long)lua_rawlen(a.L, 3), nt = (long)lua_rawlen(a.L, 4);
        for (int i = 1; i <= nm; i++)
        {
            lua_rawgeti(a.L, 3, i);
            var m = a.Host.Objects.Get<NN.Module>(a.L, -1, ObjectKind.Module) ?? throw new ScriptError($"torch.save: module {i} of the value is not a module");
            lua_settop(a.L, -2);
            modules.Add(m);
        }
        for (int i = 1; i <= nt; i++)
        {
            lua_rawgeti(a.L, 4, i);
            var t = a.Host.Objects.Get<Tensor>(a.L, -1, ObjectKind.Tensor) ?? throw new ScriptError($"torch.save: tensor {i} of the value is not a tensor");
            lua_settop(a.L, -2);
            tensors.Add(new System.Text.Json.Nodes.JsonObject
            {
                ["shape"] = new System.Text.Json.Nodes.JsonArray(t.Shape.ToArray().Select(d => (System.Text.Json.Nodes.JsonNode)d).ToArray()),
                ["data"] = FloatsToBase64(t.Span),
            });
        }
        Checkpoint.Save(path, new NN.Sequential(modules.ToArray()), null,
            new Dictionary<string, string> { ["luavalue"] = graph, ["tensors"] = tensors.ToJsonString() });
        return 0;
    }

    private static string FloatsToBase64(ReadOnlySpan<float> values)
    {
        var bytes = new byte[4 * values.Length];
        for (int i = 0; i < values.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return Convert.ToBase64String(bytes);
    }

    // The Lua value a checkpoint of torch.save(path, value) holds, tables rebuilt with their shared
    // references (a table met twice is one table), modules and tensors as saved.
    private static int PushValue(Args a, CheckpointData c, string graph, string path)
    {
        System.Text.Json.Nodes.JsonObject g;
        System.Text.Json.Nodes.JsonArray tensorsJson;
        try
        {
            g = System.Text.Json.Nodes.JsonNode.Parse(graph, null, new System.Text.Json.JsonDocumentOptions { MaxDepth = 16 })!.AsObject();
            tensorsJson = System.Text.Json.Nodes.JsonNode.Parse(c.Metadata.GetValueOrDefault("tensors", "[]"))!.AsArray();
        }
        catch (System.Text.Json.JsonException e) { throw new ScriptError($"{path}: the saved value is damaged ({e.Message})"); }
        var tensors = new Tensor[tensorsJson.Count];
        for (int i = 0; i < tensors.Length; i++)
        {
            var shape = tensorsJson[i]!["shape"]!.AsArray().Select(d => (int)d!).ToArray();
            var bytes = Convert.FromBase64String((string)tensorsJson[i]!["data"]!);
            var t = Tensor.Zeros(shape);
            if (bytes.Length != 4 * t.Length) throw new ScriptError($"{path}: saved tensor {i + 1} holds {bytes.Length / 4} values for {t.ShapeText}");
            for (int k = 0; k < t.Length; k++) t.Span[k] = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 * k));
            tensors[i] = t;
        }
        var modules = c.Model.Children;
        var tables = g["tables"]!.AsArray();
        if (lua_checkstack(a.L, 8) == 0) throw new ScriptError("torch.load: out of stack space");
        // The allocator lets a binding's own pushes through, so everything is reserved first: a
        // slot per table and entry, and the strings' bytes.
        long entries = 0, stringBytes = 0;
        foreach (var t in tables) entries += t!.AsArray().Count;
        foreach (var t in tables)
            foreach (var e in t!.AsArray())
                foreach (var side in e!.AsArray())
                    if (side!.AsObject().First() is { Key: "s", Value: var sv }) stringBytes += ((string)sv!).Length;
        a.Host.Reserve(64L * (tables.Count + 2 * entries) + stringBytes, "the tables of a saved value");
        // Every table first (empty), then their entries, so references in any order resolve.
        lua_createtable(a.L, tables.Count, 0);
        int holder = lua_gettop(a.L);
        for (int i = 1; i <= tables.Count; i++) { lua_createtable(a.L, 0, 0); lua_rawseti(a.L, holder, i); }
        for (int i = 1; i <= tables.Count; i++)
        {
            lua_rawgeti(a.L, holder, i);
            foreach (var entry in tables[i - 1]!.AsArray())
            {
                var kv = entry!.AsArray();
                PushEncoded(a, kv[0]!.AsObject(), holder, tensors, modules, tables.Count, path);
                PushEncoded(a, kv[1]!.AsObject(), holder, tensors, modules, tables.Count, path);
                // lua_rawset raises on a nil or NaN key; a forged file must not get that far.
                int kt = lua_type(a.L, -2);
                int isnum;
                if (kt == TNil || (kt == TNumber && double.IsNaN(lua_tonumberx(a.L, -2, &isnum))))
                    throw new ScriptError($"{path}: a saved table has a nil or NaN key");
                lua_rawset(a.L, -3);
            }
            lua_settop(a.L, -2);
        }
        PushEncoded(a, g["root"]!.AsObject(), holder, tensors, modules, tables.Count, path);
        lua_copy(a.L, -1, holder);
        lua_settop(a.L, holder);
        return 1;
    }

    private static void PushEncoded(Args a, System.Text.Json.Nodes.JsonObject v, int holder, Tensor[] tensors, IReadOnlyList<NN.Module> modules, int tableCount, string path)
    {
        var (kind, node) = v.First();
        switch (kind)
        {
            case "i": lua_pushinteger(a.L, long.Parse((string)node!, System.Globalization.CultureInfo.InvariantCulture)); break;
            case "n":
                string text = (string)node!;
                lua_pushnumber(a.L, text switch { "inf" => double.PositiveInfinity, "-inf" => double.NegativeInfinity, "nan" => double.NaN,
                    _ => double.Parse(text, System.Globalization.CultureInfo.InvariantCulture) });
                break;
            case "s":
                // Each character stands for one byte of the Lua string (the prelude writes bytes as \u00XX).
                string chars = (string)node!;
                var bytes = new byte[chars.Length];
                for (int k = 0; k < chars.Length; k++)
                {
                    if (chars[k] > 255) throw new ScriptError($"{path}: a saved string is damaged");
                    bytes[k] = (byte)chars[k];
                }
                fixed (byte* p = bytes) lua_pushlstring(a.L, p, (nuint)bytes.Length);
                break;
            case "b": lua_pushboolean(a.L, (bool)node! ? 1 : 0); break;
            case "t":
                int ti = (int)node!;
                if (ti < 1 || ti > tableCount) throw new ScriptError($"{path}: a saved reference to table {ti} of {tableCount}");
                lua_rawgeti(a.L, holder, ti);
                break;
            case "T":
                int tn = (int)node!;
                if (tn < 1 || tn > tensors.Length) throw new ScriptError($"{path}: a saved reference to tensor {tn} of {tensors.Length}");
                a.Push(tensors[tn - 1]);
                break;
            case "M":
                int mn = (int)node!;
                if (mn < 1 || mn > modules.Count) throw new ScriptError($"{path}: a saved reference to module {mn} of {modules.Count}");
                a.Push(modules[mn - 1]);
                break;
            default: throw new ScriptError($"{path}: a saved value of unknown kind '{kind}'");
        }
    }

    // io.load(path) -> model, optimizer; or the value torch.save(path, value) saved
    private static int Load(Args a)
    {
        string path = a.Host.ResolvePath(a.String(1));
        if (File.Exists(path)) a.Host.Reserve(new FileInfo(path).Length * 2, $"loading {a.String(1)}");
        var c = Checkpoint.Load(path);
        if (c.Metadata.TryGetValue("luavalue", out var graph)) { PushValue(a, c, graph, path); lua_pushnil(a.L); return 2; }
        a.Push(c.Model);
        if (c.Optimizer != null) a.Push(c.Optimizer); else lua_pushnil(a.L);
        return 2;
    }

    // A dataset argument: a table {x = tensor, y = tensor}. Class labels arrive 1-based.
    private static Dataset DatasetOf(Args a, int idx, string what, Criterion loss, int classes)
    {
        if (a.Type(idx) != TTable) throw new ScriptError($"train: '{what}' must be a data set {{x = inputs, y = targets}}");
        RawField(a.L, idx, "x");
        var x = a.Host.Objects.Get<Tensor>(a.L, -1, ObjectKind.Tensor);
        RawField(a.L, idx, "y");
        var y = a.Host.Objects.Get<Tensor>(a.L, -1, ObjectKind.Tensor);
        lua_settop(a.L, -3);
        if (x == null || y == null) throw new ScriptError($"train: '{what}' must hold tensors x and y");
        if (x.Rank == 1) x = x.Reshape(x.Length, 1);
        if (loss is ClassCriterion) y = ClassLabels.ToEngineChecked(y, classes, what);
        try { return new Dataset(x, y); }
        catch (ArgumentException e) { throw new ScriptError($"train: {what}: {e.Message}"); }
    }

    // For a class loss, the classes the model tells apart: the width of its output for the data
    // set's inputs, found from the modules' shapes without running the model (0 for other losses).
    private static int ClassesOf(Args a, Module model, Criterion loss, int idx)
    {
        if (loss is not ClassCriterion) return 0;
        if (a.Type(idx) != TTable) throw new ScriptError("train: 'data' must be a data set {x = inputs, y = targets}");
        RawField(a.L, idx, "x");
        var x0 = a.Host.Objects.Get<Tensor>(a.L, -1, ObjectKind.Tensor);
        lua_settop(a.L, -2);
        if (x0 == null) throw new ScriptError("train: 'data' must hold tensors x and y");
        try { return model.OutputWidth(x0.Rank == 1 ? 1 : x0.Cols); }
        catch (ArgumentException e) { throw new ScriptError($"train: the data's {(x0.Rank == 1 ? 1 : x0.Cols)} features do not fit the model: {e.Message}"); }
    }

    // train.new{model =, loss =, optimizer =, data =, validation =, epochs =, batchSize =, shuffle =, seed =, accuracy =, earlyStopping = {...}}
    private static int NewTrainer(Args a)
    {
        if (a.Type(1) != TTable) throw a.Bad(1, "table of options");
        IntPtr L = a.L;
        var model = a.ObjectField<Module>(1, "model", ObjectKind.Module) ?? throw new ScriptError("train: 'model' must be an nn module");
        var loss = a.ObjectField<Criterion>(1, "loss", ObjectKind.Criterion) ?? throw new ScriptError("train: 'loss' must be an nn criterion");
        var optimizer = a.ObjectField<Optimizer>(1, "optimizer", ObjectKind.Optimizer) ?? Registry.Catalog.DefaultOptimizer.Create(model.ParameterArray());
        RawField(L, 1, "data");
        int dataIdx = lua_gettop(L);
        int classes = ClassesOf(a, model, loss, dataIdx);
        var data = DatasetOf(a, dataIdx, "data", loss, classes);
        lua_settop(L, -2);
        Dataset? validation = null;
        RawField(L, 1, "validation");
        if (lua_type(L, -1) == TNumber)
        {
            double fraction = lua_tonumberx(L, -1, null);
            (data, validation) = data.Split(fraction, new Rng((ulong)a.Field(1, "seed", 0) + 1));
        }
        else if (lua_type(L, -1) == TTable) validation = DatasetOf(a, lua_gettop(L), "validation", loss, classes);
        lua_settop(L, -2);
        var (callbacks, early) = TrainingOptionsReader.Callbacks(a);
        var (clipNorm, clipValue) = TrainingOptionsReader.Clipping(a);
        var trainer = new Trainer(new TrainerOptions
        {
            Model = model, Loss = loss, Optimizer = optimizer, Data = data, Validation = validation,
            Epochs = (int)a.Field(1, "epochs", TrainerOptions.DefaultEpochs),
            BatchSize = (int)a.Field(1, "batchSize", a.Field(1, "batch_size", TrainerOptions.DefaultBatchSize)),
            Shuffle = a.Field(1, "shuffle", 1) != 0, Seed = (ulong)a.Field(1, "seed", 0), Accuracy = a.Field(1, "accuracy", 0) != 0,
            EarlyStopping = early, Callbacks = callbacks, ClipNorm = clipNorm, ClipValue = clipValue,
            Schedule = TrainingOptionsReader.Schedule(a), Penalties = TrainingOptionsReader.Penalties(a, model),
        });
        // resume = path: continue from a trainer checkpoint (trainer:save or train.ModelCheckpoint).
        if (RawField(L, 1, "resume") == TString)
        {
            string path = a.Host.ResolvePath(Native.ToString(L, -1)!);
            if (File.Exists(path)) a.Host.Reserve(new FileInfo(path).Length * 2, "resuming from a checkpoint");
            trainer.Resume(path);
        }
        lua_settop(L, -2);
        // log = "dir" (or the host's log folder for fit): the history as CSV and TensorBoard events.
        if (LogOf(a) is { } log)
        {
            trainer.StepEnded += log.Step;
            trainer.EpochEnded += s => log.Epoch(s, trainer.Options.Optimizer.LearningRate);
        }
        // fit's progress line comes straight from the trainer's epoch event to the host.
        if (a.Field(1, "progress", 0) != 0 && a.Host.Progress is { } progress)
            trainer.EpochEnded += s => progress(new TrainingProgress(s.Epoch, trainer.Options.Epochs, s.Loss, s.Accuracy, s.ValidationLoss, s.ValidationAccuracy));
        return a.Push(trainer);
    }

    private static ITrainingPlotter Plotter(Args a, string what) => a.Host.Options.Plotter
        ?? throw new ScriptError($"{what}: this host draws no pictures (the snn tool does; a host sets LuaHostOptions.Plotter)");

    // train.plot(history, path): history as train.fit returns it, a list of {epoch, loss, accuracy, val_loss, val_accuracy}.
    private static int Plot(Args a)
    {
        var plotter = Plotter(a, "train.plot");
        if (a.Type(1) != TTable) throw a.Bad(1, "table (the history train.fit returns)");
        var list = new List<EpochStats>();
        int n = (int)Math.Min(lua_rawlen(a.L, 1), 1_000_000);
        for (int i = 1; i <= n; i++)
        {
            if (lua_rawgeti(a.L, 1, i) != TTable) throw new ScriptError($"train.plot: epoch {i} of the history is not a table");
            int e = lua_gettop(a.L);
            double? Opt(string k) { double v = a.Field(e, k, double.NaN); return double.IsNaN(v) ? null : v; }
            list.Add(new EpochStats((int)a.Field(e, "epoch", i), a.Field(e, "loss", double.NaN), Opt("accuracy"), Opt("val_loss"), Opt("val_accuracy"), (long)a.Field(e, "steps", 0)));
            lua_settop(a.L, e - 1);
        }
        plotter.Curves(list, a.Host.ResolvePath(a.String(2), forWriting: true));
        return 0;
    }

    // optim.Logger:plot: plotSeries({name, {values...}}, ..., path) draws each named list of numbers.
    private static int PlotSeries(Args a)
    {
        var plotter = Plotter(a, "optim.Logger:plot");
        if (a.Type(1) != TTable) throw a.Bad(1, "table of {name, values} pairs");
        var series = new List<(string, double[])>();
        int n = (int)Math.Min(lua_rawlen(a.L, 1), 1000);
        for (int i = 1; i <= n; i++)
        {
            if (lua_rawgeti(a.L, 1, i) != TTable) throw new ScriptError($"optim.Logger:plot: series {i} is not a table");
            int e = lua_gettop(a.L);
            lua_rawgeti(a.L, e, 1);
            string name = lua_type(a.L, -1) == TString ? Native.ToString(a.L, -1) ?? "" : $"series {i}";
            lua_settop(a.L, e);
            if (lua_rawgeti(a.L, e, 2) != TTable) throw new ScriptError($"optim.Logger:plot: the values of series {i} are not a table");
            int v = lua_gettop(a.L);
            int count = (int)Math.Min(lua_rawlen(a.L, v), 10_000_000);
            var values = new double[count];
            for (int k = 1; k <= count; k++)
            {
                values[k - 1] = lua_rawgeti(a.L, v, k) == TNumber ? lua_tonumberx(a.L, -1, null) : double.NaN;
                lua_settop(a.L, v);
            }
            lua_settop(a.L, e - 1);
            series.Add((name, values));
        }
        try { plotter.Series(series, a.Host.ResolvePath(a.String(2), forWriting: true)); }
        catch (NotSupportedException e) { throw new ScriptError(e.Message); }
        return 0;
    }

    // train.plotBoundary(model, {x =, y =}, path): labels 1-based, as scripts count them.
    private static int PlotBoundary(Args a)
    {
        var plotter = Plotter(a, "train.plotBoundary");
        var model = a.Module(1);
        if (a.Type(2) != TTable) throw a.Bad(2, "data set {x = inputs, y = labels}");
        var x = a.ObjectField<Tensor>(2, "x", ObjectKind.Tensor);
        var y = a.ObjectField<Tensor>(2, "y", ObjectKind.Tensor);
        if (x == null || y == null) throw new ScriptError("train.plotBoundary: the data set must hold tensors x and y");
        // one-hot rows: their argmax; class labels for a model of several outputs: 1-based; one output: 0/1 targets
        Tensor? shifted = null;
        var labels = y.Rank == 2 && y.Cols > 1 ? Tensor.FromArray(Enumerable.Range(0, y.Rows).Select(r => (float)System.Numerics.Tensors.TensorPrimitives.IndexOfMax(y.Span.Slice(r * y.Cols, y.Cols))).ToArray())
            : model.OutputWidth(x.Cols) > 1 ? ClassLabels.ToEngine(y.Reshape(y.Length), ref shifted)
            : y.Reshape(y.Length);
        plotter.Boundary(model, x, labels, a.Host.ResolvePath(a.String(3), forWriting: true));
        return 0;
    }

    private static TrainingLog? LogOf(Args a)
    {
        IntPtr L = a.L;
        int t = RawField(L, 1, "log");
        string? dir = t == TString ? Native.ToString(L, -1) : null;
        lua_settop(L, -2);
        if (t != TNil && t != TString) throw new ScriptError("train: 'log' must be a folder name");
        if (dir != null) return new TrainingLog(a.Host.ResolvePath(dir, forWriting: true));
        if (a.Host.Options.LogDirectory is not { } root || a.Field(1, "progress", 0) == 0) return null;
        int n = ++a.Host.FitsLogged;
        return new TrainingLog(n == 1 ? root : Path.Combine(root, $"fit{n}"));
    }

    private static void PushStats(Args a, EpochStats s)
    {
        IntPtr L = a.L;
        lua_createtable(L, 0, 6);
        lua_pushinteger(L, s.Epoch); RawSetField(L, -2, "epoch");
        lua_pushnumber(L, s.Loss); RawSetField(L, -2, "loss");
        lua_pushinteger(L, s.Steps); RawSetField(L, -2, "steps");
        if (s.Accuracy is { } acc) { lua_pushnumber(L, acc); RawSetField(L, -2, "accuracy"); }
        if (s.ValidationLoss is { } vl) { lua_pushnumber(L, vl); RawSetField(L, -2, "val_loss"); }
        if (s.ValidationAccuracy is { } va) { lua_pushnumber(L, va); RawSetField(L, -2, "val_accuracy"); }
    }

    // trainer:stats(i) -> the stats table of epoch i (1-based), or nil
    private static int Stats(Args a)
    {
        var t = a.Trainer(1);
        int i = a.Int(2);
        if (i < 1 || i > t.History.Count) return a.Nil();
        PushStats(a, t.History[i - 1]);
        return 1;
    }

    // train.evaluate(model, loss, {x =, y =}) -> {loss =, accuracy =}
    private static int Evaluate(Args a)
    {
        var model = a.Module(1);
        var loss = a.Criterion(2);
        var data = DatasetOf(a, 3, "data", loss, ClassesOf(a, model, loss, 3));
        var (l, acc) = Trainer.Evaluate(model, loss, data);
        PushStats(a, new EpochStats(0, l, acc, null, null, 0));
        return 1;
    }
}
