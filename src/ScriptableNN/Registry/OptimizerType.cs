using System.Text.Json.Nodes;
using ScriptableNN.NN;
using ScriptableNN.Optim;

namespace ScriptableNN.Registry;

/// <summary>
/// One kind of optimizer, said once: its name (<c>optim.SGD</c>), its settings record with the
/// defaults (the only place they are written), the other spellings of its settings, and its
/// constructor. Lua's optimizer constructors and checkpoints read it.
/// </summary>
public abstract class OptimizerType
{
    /// <summary>The name scripts call it by and checkpoints store.</summary>
    public string Name { get; }

    /// <summary>Other names (matched without regard to case, as older checkpoints wrote them).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = Array.Empty<string>();

    /// <summary>Other spellings of settings: PyTorch's <c>lr</c> for <c>learningRate</c>, and so on.</summary>
    public IReadOnlyDictionary<string, string> SettingAliases { get; init; } = CommonAliases;

    /// <summary>The spellings every optimizer accepts.</summary>
    public static readonly IReadOnlyDictionary<string, string> CommonAliases = new Dictionary<string, string>
    {
        ["lr"] = "learningRate", ["weight_decay"] = "weightDecay", ["eps"] = "epsilon",
    };

    /// <summary>The settings: names and kinds.</summary>
    public SettingsSchema Schema { get; }

    /// <summary>The optimizer's class.</summary>
    public abstract Type OptimizerClass { get; }

    private protected OptimizerType(string name, Type settings)
    {
        Name = name;
        Schema = new SettingsSchema(settings, Array.Empty<string>());
    }

    /// <summary>The default settings as JSON.</summary>
    public abstract JsonObject Defaults { get; }

    /// <summary>A new optimizer over <paramref name="parameters"/>; settings absent from <paramref name="settings"/> take the defaults.</summary>
    public abstract Optimizer Create(IEnumerable<Parameter> parameters, JsonObject settings);

    /// <summary>A new optimizer over <paramref name="parameters"/> with the default settings.</summary>
    public Optimizer Create(IEnumerable<Parameter> parameters) => Create(parameters, new JsonObject());

    /// <summary>The optimizer's settings as JSON.</summary>
    public abstract JsonObject Describe(Optimizer optimizer);

    /// <inheritdoc/>
    public override string ToString() => "optim." + Name;
}

/// <summary>The description of optimizers of class <typeparamref name="TOptimizer"/> with settings <typeparamref name="TSettings"/>.</summary>
public sealed class OptimizerType<TOptimizer, TSettings> : OptimizerType where TOptimizer : Optimizer where TSettings : class, new()
{
    /// <summary>Builds the optimizer.</summary>
    public required Func<IEnumerable<Parameter>, TSettings, TOptimizer> New { get; init; }

    /// <summary>The settings the optimizer was built with.</summary>
    public required Func<TOptimizer, TSettings> SettingsOf { get; init; }

    /// <summary>The defaults (by default, the record's own).</summary>
    public TSettings Default { get; init; } = new();

    /// <summary>An optimizer called <paramref name="name"/>.</summary>
    public OptimizerType(string name) : base(name, typeof(TSettings)) { }

    /// <inheritdoc/>
    public override Type OptimizerClass => typeof(TOptimizer);

    /// <inheritdoc/>
    public override JsonObject Defaults => Schema.Write(Default);

    /// <inheritdoc/>
    public override Optimizer Create(IEnumerable<Parameter> parameters, JsonObject settings)
    {
        var merged = Defaults;
        foreach (var (k, v) in settings) merged[k] = v?.DeepClone();
        return New(parameters, (TSettings)Schema.Read(merged, ToString()));
    }

    /// <inheritdoc/>
    public override JsonObject Describe(Optimizer optimizer) => Schema.Write(SettingsOf((TOptimizer)optimizer));
}
