using System.Numerics;
using System.Runtime.InteropServices;

namespace ScriptableNN.Tensors;

/// <summary>
/// An element-wise function y = g(x) in the shape of TensorPrimitives' operators: a small struct
/// with the forward and the derivative side by side. One family serves the units (nn.Tanh is
/// <c>Pointwise&lt;TanhOp&gt;</c>), autograd (<c>Ops.Apply</c>) and tensor methods (<c>t:tanh()</c>).
/// Backward receives x, y = g(x) and dJ/dy, and writes dJ/dx = g'(x) * dJ/dy.
/// </summary>
public interface IPointwise
{
    /// <summary>y = g(x) element-wise (y may be x).</summary>
    void Forward(ReadOnlySpan<float> x, Span<float> y);
    /// <summary>dx = g'(x) * dy, given x, y = g(x) and dy.</summary>
    void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx);
}

/// <summary>The rule of a piecewise-linear unit: a slope below and above a threshold window.</summary>
internal interface IMaskRule
{
    Vector<float> Apply(Vector<float> x, Vector<float> v);
    float Apply(float x, float v);
}

internal static class MaskLoop
{
    /// <summary>d[i] = rule(x[i], v[i]) over SIMD vectors with a scalar tail.</summary>
    public static void Run<TRule>(TRule rule, ReadOnlySpan<float> x, ReadOnlySpan<float> v, Span<float> d) where TRule : struct, IMaskRule
    {
        if (x.Length != v.Length || x.Length != d.Length) throw new ArgumentException("pointwise: span lengths differ.");
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var xv = MemoryMarshal.Cast<float, Vector<float>>(x);
            var vv = MemoryMarshal.Cast<float, Vector<float>>(v);
            var dv = MemoryMarshal.Cast<float, Vector<float>>(d);
            for (int k = 0; k < xv.Length; k++) dv[k] = rule.Apply(xv[k], vv[k]);
            i = xv.Length * Vector<float>.Count;
        }
        for (; i < x.Length; i++) d[i] = rule.Apply(x[i], v[i]);
    }
}


/// <summary>
/// The element-wise functions scripts call by name (<c>t:tanh()</c>, <c>torch.exp(x)</c>): one
/// registration line each. A host adds its own with <see cref="Register"/>.
/// </summary>
public static class PointwiseFunctions
{
    private static readonly Dictionary<string, IPointwise> ByName = new(StringComparer.Ordinal)
    {
        ["exp"] = new ExpOp(), ["log"] = new LogOp(), ["sqrt"] = new SqrtOp(), ["abs"] = new AbsOp(),
        ["neg"] = new NegOp(), ["tanh"] = new TanhOp(), ["sigmoid"] = new SigmoidOp(), ["relu"] = new ReluOp(0f),
        ["softplus"] = new SoftPlusOp(), ["cos"] = new CosOp(),
    };

    /// <summary>The function called <paramref name="name"/>, or null.</summary>
    public static IPointwise? Named(string name) { lock (ByName) return ByName.GetValueOrDefault(name); }

    /// <summary>Every name.</summary>
    public static IReadOnlyList<string> Names { get { lock (ByName) return ByName.Keys.ToArray(); } }

    /// <summary>Adds a function under a new name.</summary>
    public static void Register(string name, IPointwise function)
    {
        lock (ByName)
            if (!ByName.TryAdd(name, function)) throw new ArgumentException($"an element-wise function called '{name}' is already registered.");
    }
}
