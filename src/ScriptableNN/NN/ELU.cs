using System.Numerics;
using ScriptableNN.IO;
using ScriptableNN.Registry;
using ScriptableNN.Tensors;

namespace ScriptableNN.NN;

/// <summary>
/// The exponential linear unit f(z) = max(0, z) + min(0, alpha (e^z - 1)) (Clevert et al. 2015;
/// Torch7's nn.ELU); f' = 1 above zero, f + alpha below.
/// </summary>
public sealed class ELU : Pointwise<EluOp>
{
    /// <summary>nn.ELU(alpha), ONNX Elu.</summary>
    public static readonly ModuleType<ELU, EluSettings> Type = new("ELU", "alpha", "inplace")
    {
        New = static (s, _) => new ELU(s.Alpha),
        SettingsOf = static m => new EluSettings { Alpha = m.Alpha },
        Onnx = static (m, g) => g.Node("Elu", null, OnnxAttribute.Of("alpha", m.Alpha)),
        OnnxOps = new[] { "Elu" },
        FromOnnx = static n => new ELU(n.Float("alpha", 1f)),
        Pointwise = static m => new EluOp(m.Alpha),
    };

    /// <summary>The value approached below zero is -alpha.</summary>
    public float Alpha { get; }

    /// <summary>With <paramref name="alpha"/> (default 1).</summary>
    public ELU(float alpha = 1f) : base(new EluOp(alpha)) => Alpha = alpha;

    /// <inheritdoc/>
    public override string ToString() => $"nn.ELU (alpha:{Alpha})";
}

/// <summary>Settings of an ELU.</summary>
public sealed record EluSettings : InPlaceSettings
{
    /// <summary>The scale of the negative part.</summary>
    public float Alpha { get; init; } = 1f;
}

/// <summary>f(z) = z above zero, alpha (e^z - 1) below; f' = 1 above, f + alpha below.</summary>
public readonly struct EluOp : IPointwise
{
    private readonly float _alpha;
    /// <summary>With <paramref name="alpha"/>.</summary>
    public EluOp(float alpha) => _alpha = alpha;

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> x, Span<float> y) => Transcendentals.Elu(x, y, _alpha);

    /// <inheritdoc/>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        if (dx.Length < x.Length || y.Length < x.Length || dy.Length < x.Length) throw new ArgumentException("ELU backward: spans shorter than the input.");
        int w = Vector<float>.Count, i = 0;
        var alpha = new Vector<float>(_alpha);
        for (; i + w <= x.Length; i += w)
        {
            var xv = new Vector<float>(x[i..]);
            var g = new Vector<float>(dy[i..]);
            var below = g * (new Vector<float>(y[i..]) + alpha);
            Vector.ConditionalSelect(Vector.GreaterThan(xv, Vector<float>.Zero), g, below).CopyTo(dx[i..]);
        }
        for (; i < x.Length; i++) dx[i] = x[i] > 0f ? dy[i] : dy[i] * (y[i] + _alpha);
    }
}
