using ScriptableNN.IO;
using ScriptableNN.Registry;
using ScriptableNN.Tensors;

namespace ScriptableNN.NN;

/// <summary>clamp(z, min, max), default [-1, 1].</summary>
public sealed class HardTanh : Pointwise<HardTanhOp>
{
    /// <summary>nn.HardTanh(min, max), ONNX Clip.</summary>
    public static readonly ModuleType<HardTanh, HardTanhSettings> Type = new("HardTanh", "min", "max", "inplace")
    {
        Aliases = new[] { "Hardtanh" },
        New = static (s, _) => new HardTanh(s.Min, s.Max),
        SettingsOf = static m => new HardTanhSettings { Min = m.Min, Max = m.Max },
        Onnx = static (m, g) =>
        {
            string lo = g.Initializer(new[] { m.Min }), hi = g.Initializer(new[] { m.Max });
            g.Node("Clip", new[] { lo, hi });
        },
        Pointwise = static m => new HardTanhOp(m.Min, m.Max),
    };

    /// <summary>The lower bound.</summary>
    public float Min { get; }
    /// <summary>The upper bound.</summary>
    public float Max { get; }
    /// <summary>Clamping to [min, max].</summary>
    public HardTanh(float min = -1f, float max = 1f) : base(new HardTanhOp(min, max)) { Min = min; Max = max; }
    /// <inheritdoc/>
    public override string ToString() => $"nn.HardTanh({Min}, {Max})";
}

/// <summary>Settings of a hard tanh.</summary>
public sealed record HardTanhSettings : InPlaceSettings
{
    /// <summary>The lower bound.</summary>
    public float Min { get; init; } = -1f;
    /// <summary>The upper bound.</summary>
    public float Max { get; init; } = 1f;
}
