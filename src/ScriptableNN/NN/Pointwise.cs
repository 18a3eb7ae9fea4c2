using System.Numerics;
using System.Runtime.InteropServices;
using ScriptableNN.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace ScriptableNN.NN;

/// <summary>
/// An element-wise unit h = g(z) in the shape of TensorPrimitives' operators: a small struct
/// with the forward and the derivative, so <see cref="Pointwise{TOp}"/> serves them all.
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

/// <summary>A module applying an element-wise unit; keeps its buffers between steps.</summary>
public class Pointwise<TOp> : Module where TOp : struct, IPointwise
{
    /// <summary>The unit's operator.</summary>
    protected TOp Op;
    private Tensor? _out, _gradIn;

    /// <summary>A module applying <paramref name="op"/>.</summary>
    protected Pointwise(TOp op) => Op = op;

    /// <inheritdoc/>
    protected override Tensor UpdateOutput(Tensor input)
    {
        var y = Tensor.Reuse(ref _out, input);
        Op.Forward(input.Span, y.Span);
        Output = y;
        return y;
    }

    /// <inheritdoc/>
    public override Tensor UpdateGradInput(Tensor input, Tensor gradOutput)
    {
        if (!gradOutput.SameShape(input))
            throw new ArgumentException($"{this}: gradOutput {gradOutput.ShapeText} does not match input {input.ShapeText}.");
        if (Output == null || !Output.SameShape(input))
            throw new InvalidOperationException($"{this}: backward before forward for input {input.ShapeText}.");
        var gi = Tensor.Reuse(ref _gradIn, input);
        Op.Backward(input.Span, Output.Span, gradOutput.Span, gi.Span);
        GradInput = gi;
        return gi;
    }
}

// ---- the units ------------------------------------------------------------------------

/// <summary>g(z) = z: the linear output unit.</summary>
public readonly struct IdentityOp : IPointwise
{
    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> x, Span<float> y) => x.CopyTo(y);
    /// <inheritdoc/>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => dy.CopyTo(dx);
}

/// <summary>g(z) = max(0, z), or max(0, z) + slope * min(0, z) with a slope (leaky).</summary>
public readonly struct ReluOp : IPointwise, IMaskRule
{
    private readonly float _slope;
    /// <summary>With <paramref name="slope"/> below zero (0 for ReLU).</summary>
    public ReluOp(float slope) => _slope = slope;

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        if (_slope == 0f) TP.Max(x, 0f, y);
        else MaskLoop.Run(this, x, x, y);
    }

    /// <inheritdoc/>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => MaskLoop.Run(this, x, dy, dx);

    // v where x > 0, slope * v elsewhere: the forward with v = x, the derivative with v = dy.
    /// <inheritdoc/>
    public Vector<float> Apply(Vector<float> x, Vector<float> v) =>
        Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<float>.Zero), v, v * _slope);
    /// <inheritdoc/>
    public float Apply(float x, float v) => x > 0f ? v : _slope * v;
}

/// <summary>g(z) = |z|: absolute-value rectification.</summary>
public readonly struct AbsRectOp : IPointwise, IMaskRule
{
    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> x, Span<float> y) => TP.Abs(x, y);
    /// <inheritdoc/>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => MaskLoop.Run(this, x, dy, dx);
    /// <inheritdoc/>
    public Vector<float> Apply(Vector<float> x, Vector<float> v) =>
        Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<float>.Zero), v,
            Vector.ConditionalSelect(Vector.LessThan(x, Vector<float>.Zero), -v, Vector<float>.Zero));
    /// <inheritdoc/>
    public float Apply(float x, float v) => x > 0f ? v : x < 0f ? -v : 0f;
}

/// <summary>g(z) = clamp(z, min, max); derivative 1 strictly inside, 0 outside.</summary>
public readonly struct HardTanhOp : IPointwise, IMaskRule
{
    private readonly float _min, _max;
    /// <summary>Clamping to [min, max].</summary>
    public HardTanhOp(float min, float max)
    {
        if (!(min < max)) throw new ArgumentException($"nn.HardTanh: min {min} must be below max {max}.");
        _min = min; _max = max;
    }
    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> x, Span<float> y) { TP.Max(x, _min, y); TP.Min(y, _max, y); }
    /// <inheritdoc/>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => MaskLoop.Run(this, x, dy, dx);
    /// <inheritdoc/>
    public Vector<float> Apply(Vector<float> x, Vector<float> v) =>
        Vector.ConditionalSelect(Vector.GreaterThan(x, new Vector<float>(_min)) & Vector.LessThan(x, new Vector<float>(_max)), v, Vector<float>.Zero);
    /// <inheritdoc/>
    public float Apply(float x, float v) => x > _min && x < _max ? v : 0f;
}

/// <summary>g(z) = 1 / (1 + e^-z); g' = y (1 - y).</summary>
public readonly struct SigmoidOp : IPointwise
{
    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> x, Span<float> y) => TP.Sigmoid(x, y);
    /// <inheritdoc/>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        TP.Subtract(1f, y, dx);   // 1 - y
        TP.Multiply(dx, y, dx);
        TP.Multiply(dx, dy, dx);
    }
}

/// <summary>g(z) = tanh(z); g' = 1 - y^2.</summary>
public readonly struct TanhOp : IPointwise
{
    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> x, Span<float> y) => TP.Tanh(x, y);
    /// <inheritdoc/>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        TP.Multiply(y, y, dx);
        TP.Subtract(1f, dx, dx);
        TP.Multiply(dx, dy, dx);
    }
}

/// <summary>
/// g(z) = log(1 + e^z), computed as max(z, 0) + log(1 + e^-|z|) so it never overflows;
/// g' = sigmoid(z).
/// </summary>
public readonly struct SoftPlusOp : IPointwise
{
    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        TP.Abs(x, y);
        TP.Negate(y, y);
        TP.Exp(y, y);
        TP.Add(y, 1f, y);
        TP.Log(y, y);
        for (int i = 0; i < x.Length; i++) if (x[i] > 0f) y[i] += x[i];
    }
    /// <inheritdoc/>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        TP.Sigmoid(x, dx);
        TP.Multiply(dx, dy, dx);
    }
}

/// <summary>g(z) = cos(z): the h = cos(Wx + b) unit; g' = -sin(z).</summary>
public readonly struct CosOp : IPointwise
{
    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> x, Span<float> y) => TP.Cos(x, y);
    /// <inheritdoc/>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        TP.Sin(x, dx);
        TP.Multiply(dx, dy, dx);
        TP.Negate(dx, dx);
    }
}

// ---- the modules ----------------------------------------------------------------------

/// <summary>The linear unit: passes its input through.</summary>
public sealed class Identity : Pointwise<IdentityOp>
{
    /// <summary>Creates the unit (it has no parameters).</summary>
    public Identity() : base(default) { }
}

/// <summary>Rectified linear unit, max(0, z).</summary>
public sealed class ReLU : Pointwise<ReluOp>
{
    /// <summary>Creates the unit (it has no parameters).</summary>
    public ReLU() : base(new ReluOp(0f)) { }
}

/// <summary>Leaky ReLU: max(0, z) + slope * min(0, z) with a fixed slope (default 0.01).</summary>
public sealed class LeakyReLU : Pointwise<ReluOp>
{
    /// <summary>The slope below zero.</summary>
    public float Slope { get; }
    /// <summary>With a fixed slope below zero.</summary>
    public LeakyReLU(float slope = 0.01f) : base(new ReluOp(slope)) => Slope = slope;
    /// <inheritdoc/>
    public override string ToString() => $"nn.LeakyReLU({Slope})";
}

/// <summary>Absolute-value rectification |z|.</summary>
public sealed class Abs : Pointwise<AbsRectOp>
{
    /// <summary>Creates the unit (it has no parameters).</summary>
    public Abs() : base(default) { }
}

/// <summary>Logistic sigmoid.</summary>
public sealed class Sigmoid : Pointwise<SigmoidOp>
{
    /// <summary>Creates the unit (it has no parameters).</summary>
    public Sigmoid() : base(default) { }
}

/// <summary>Hyperbolic tangent.</summary>
public sealed class Tanh : Pointwise<TanhOp>
{
    /// <summary>Creates the unit (it has no parameters).</summary>
    public Tanh() : base(default) { }
}

/// <summary>Smooth ReLU log(1 + e^z), stable for any z.</summary>
public sealed class SoftPlus : Pointwise<SoftPlusOp>
{
    /// <summary>Creates the unit (it has no parameters).</summary>
    public SoftPlus() : base(default) { }
}

/// <summary>clamp(z, min, max), default [-1, 1].</summary>
public sealed class HardTanh : Pointwise<HardTanhOp>
{
    /// <summary>The lower bound.</summary>
    public float Min { get; }
    /// <summary>The upper bound.</summary>
    public float Max { get; }
    /// <summary>Clamping to [min, max].</summary>
    public HardTanh(float min = -1f, float max = 1f) : base(new HardTanhOp(min, max)) { Min = min; Max = max; }
    /// <inheritdoc/>
    public override string ToString() => $"nn.HardTanh({Min}, {Max})";
}

/// <summary>cos(z).</summary>
public sealed class Cos : Pointwise<CosOp>
{
    /// <summary>Creates the unit (it has no parameters).</summary>
    public Cos() : base(default) { }
}
