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
        OnnxOps = new[] { "Clip" },
        FromOnnx = static n => Import(n),
    };

    // ONNX's Clip: bounds as attributes before opset 11, as optional constant inputs from 11.
    // Both finite is a hard tanh; [0, +inf) is a rectifier, kept as clamping to [0, inf).
    private static Module Import(OnnxNode n)
    {
        float lo, hi;
        if (n.Opset < 11) { lo = n.Float("min", float.MinValue); hi = n.Float("max", float.MaxValue); }
        else
        {
            lo = n.HasInput(1) ? Scalar(n, 1) : float.NegativeInfinity;
            hi = n.HasInput(2) ? Scalar(n, 2) : float.PositiveInfinity;
        }
        bool loFinite = float.IsFinite(lo) && lo > float.MinValue, hiFinite = float.IsFinite(hi) && hi < float.MaxValue;
        if (loFinite && hiFinite) return lo < hi ? new HardTanh(lo, hi) : throw n.Error($"min {lo} is not below max {hi}");
        if (lo == 0f && !hiFinite) return new HardTanh(0f, float.PositiveInfinity);
        throw n.Unsupported($"Clip to [{lo}, {hi}]; only both bounds finite, or [0, inf), are read");
    }

    private static float Scalar(OnnxNode n, int i)
    {
        var c = n.Constant(i);
        return c.Values.Length == 1 ? c.Values[0] : throw n.Error($"input {i + 1} must be a single value, has {c.Values.Length}");
    }

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
