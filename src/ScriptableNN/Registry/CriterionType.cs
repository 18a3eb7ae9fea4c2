using System.Text.Json.Nodes;
using ScriptableNN.Losses;

namespace ScriptableNN.Registry;

/// <summary>
/// One kind of criterion (cost function), said once: its Torch7 name, PyTorch aliases, settings
/// and constructor. Lua's <c>nn.*Criterion</c> constructors are made from it.
/// </summary>
public abstract class CriterionType
{
    /// <summary>The Torch7 name (<c>nn.MSECriterion</c>).</summary>
    public string Name { get; }

    /// <summary>Other names scripts may use (PyTorch's <c>nn.MSELoss</c>).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = Array.Empty<string>();

    /// <summary>The settings: names, kinds, positional order.</summary>
    public SettingsSchema Schema { get; }

    /// <summary>The criterion's class.</summary>
    public abstract Type CriterionClass { get; }

    private protected CriterionType(string name, Type settings, IReadOnlyList<string> positional)
    {
        Name = name;
        Schema = new SettingsSchema(settings, positional);
    }

    /// <summary>A new criterion from its settings.</summary>
    public abstract Criterion Create(JsonObject settings);

    /// <inheritdoc/>
    public override string ToString() => "nn." + Name;
}

/// <summary>The description of criteria of class <typeparamref name="TCriterion"/> with settings <typeparamref name="TSettings"/>.</summary>
public sealed class CriterionType<TCriterion, TSettings> : CriterionType where TCriterion : Criterion where TSettings : class
{
    /// <summary>Builds the criterion.</summary>
    public required Func<TSettings, TCriterion> New { get; init; }

    /// <summary>A criterion called <paramref name="name"/> taking <paramref name="positional"/> settings by position.</summary>
    public CriterionType(string name, params string[] positional) : base(name, typeof(TSettings), positional) { }

    /// <inheritdoc/>
    public override Type CriterionClass => typeof(TCriterion);

    /// <inheritdoc/>
    public override Criterion Create(JsonObject settings) => New((TSettings)Schema.Read(settings, ToString()));
}

/// <summary>
/// What every criterion takes: the reduction over items ("mean", "sum" or "none"), and Torch7's
/// sizeAverage (false means "sum"), which wins when given.
/// </summary>
public record CriterionSettings
{
    /// <summary>How item losses combine.</summary>
    public Reduction Reduction { get; init; } = Reduction.Mean;
    /// <summary>Torch7's switch: true averages, false sums.</summary>
    public bool? SizeAverage { get; init; }

    /// <summary>The reduction after Torch7's switch.</summary>
    public Reduction Resolved => SizeAverage is { } avg ? (avg ? Reduction.Mean : Reduction.Sum) : Reduction;
}
