using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace ScriptableNN.Tensors;

// The element-wise functions, each a struct with its forward and its derivative side by side.
// The units of nn (ReLU, Tanh...) apply them as modules, autograd records them (Ops.Apply), and
// tensors map them (t:tanh()); PointwiseFunctions names the ones scripts call.

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
public readonly struct AbsOp : IPointwise, IMaskRule
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
    public void Forward(ReadOnlySpan<float> x, Span<float> y) => Transcendentals.Sigmoid(x, y);
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
    public void Forward(ReadOnlySpan<float> x, Span<float> y) => Transcendentals.Tanh(x, y);
    /// <inheritdoc/>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        TP.Multiply(y, y, dx);
        TP.Subtract(1f, dx, dx);
        TP.Multiply(dx, dy, dx);
    }
}

/// <summary>
/// g(z) = log(1 + e^z), computed as max(z, 0) + log1p(e^-|z|) so it never overflows and keeps
/// its tiny values far below zero; g' = sigmoid(z).
/// </summary>
public readonly struct SoftPlusOp : IPointwise
{
    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> x, Span<float> y) => Transcendentals.SoftPlus(x, y);
    /// <inheritdoc/>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Transcendentals.Sigmoid(x, dx);
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

/// <summary>g(x) = e^x; g' = y.</summary>
public readonly struct ExpOp : IPointwise
{
    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> x, Span<float> y) => TP.Exp(x, y);
    /// <inheritdoc/>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => TP.Multiply(y, dy, dx);
}

/// <summary>g(x) = ln x; g' = 1 / x.</summary>
public readonly struct LogOp : IPointwise
{
    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> x, Span<float> y) => TP.Log(x, y);
    /// <inheritdoc/>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => TP.Divide(dy, x, dx);
}

/// <summary>g(x) = sqrt(x); g' = 1 / (2 y).</summary>
public readonly struct SqrtOp : IPointwise
{
    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> x, Span<float> y) => TP.Sqrt(x, y);
    /// <inheritdoc/>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        TP.Divide(dy, y, dx);
        TP.Multiply(dx, 0.5f, dx);
    }
}

/// <summary>g(x) = -x; g' = -1.</summary>
public readonly struct NegOp : IPointwise
{
    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> x, Span<float> y) => TP.Negate(x, y);
    /// <inheritdoc/>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => TP.Negate(dy, dx);
}
