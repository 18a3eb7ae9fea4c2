using TP = System.Numerics.Tensors.TensorPrimitives;

namespace ScriptableNN.Tensors;

/// <summary>
/// A binary element-wise operation in the shape of TensorPrimitives' operators: one struct per
/// function, with the three span forms, so one generic broadcasting loop serves them all.
/// </summary>
public interface IBinaryOp
{
    /// <summary>The name used in error messages.</summary>
    static abstract string Name { get; }
    /// <summary>d = op(x, y) element-wise.</summary>
    static abstract void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d);
    /// <summary>d = op(x, y) with a scalar y.</summary>
    static abstract void Apply(ReadOnlySpan<float> x, float y, Span<float> d);
    /// <summary>d = op(x, y) with a scalar x.</summary>
    static abstract void Apply(float x, ReadOnlySpan<float> y, Span<float> d);
}

/// <summary>Addition.</summary>
public readonly struct AddOp : IBinaryOp
{
    /// <inheritdoc/>
    public static string Name => "add";
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TP.Add(x, y, d);
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<float> x, float y, Span<float> d) => TP.Add(x, y, d);
    /// <inheritdoc/>
    public static void Apply(float x, ReadOnlySpan<float> y, Span<float> d) => TP.Add(y, x, d);
}

/// <summary>Subtraction.</summary>
public readonly struct SubOp : IBinaryOp
{
    /// <inheritdoc/>
    public static string Name => "sub";
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TP.Subtract(x, y, d);
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<float> x, float y, Span<float> d) => TP.Subtract(x, y, d);
    /// <inheritdoc/>
    public static void Apply(float x, ReadOnlySpan<float> y, Span<float> d) => TP.Subtract(x, y, d);
}

/// <summary>Element-wise multiplication.</summary>
public readonly struct MulOp : IBinaryOp
{
    /// <inheritdoc/>
    public static string Name => "mul";
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TP.Multiply(x, y, d);
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<float> x, float y, Span<float> d) => TP.Multiply(x, y, d);
    /// <inheritdoc/>
    public static void Apply(float x, ReadOnlySpan<float> y, Span<float> d) => TP.Multiply(y, x, d);
}

/// <summary>Element-wise division.</summary>
public readonly struct DivOp : IBinaryOp
{
    /// <inheritdoc/>
    public static string Name => "div";
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TP.Divide(x, y, d);
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<float> x, float y, Span<float> d) => TP.Divide(x, y, d);
    /// <inheritdoc/>
    public static void Apply(float x, ReadOnlySpan<float> y, Span<float> d) => TP.Divide(x, y, d);
}

/// <summary>Element-wise maximum.</summary>
public readonly struct MaximumOp : IBinaryOp
{
    /// <inheritdoc/>
    public static string Name => "max";
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TP.Max(x, y, d);
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<float> x, float y, Span<float> d) => TP.Max(x, y, d);
    /// <inheritdoc/>
    public static void Apply(float x, ReadOnlySpan<float> y, Span<float> d) => TP.Max(y, x, d);
}

/// <summary>Element-wise minimum.</summary>
public readonly struct MinimumOp : IBinaryOp
{
    /// <inheritdoc/>
    public static string Name => "min";
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TP.Min(x, y, d);
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<float> x, float y, Span<float> d) => TP.Min(x, y, d);
    /// <inheritdoc/>
    public static void Apply(float x, ReadOnlySpan<float> y, Span<float> d) => TP.Min(y, x, d);
}

public sealed partial class Tensor
{
    /// <summary>
    /// d = op(a, b) where the shapes are equal, or one side is a row vector ([n] or [1, n])
    /// broadcast over every row of the other, or one side has a single element. Shapes are
    /// checked before anything is written.
    /// </summary>
    public static Tensor Binary<TOp>(Tensor a, Tensor b, Tensor? into = null) where TOp : IBinaryOp
    {
        if (a.SameShape(b))
        {
            var d = Result(TOp.Name, into, a.Shape);
            TOp.Apply(a.Span, b.Span, d.Span);
            return d;
        }
        if (b.Length == 1 && a.Length != 1) return Binary<TOp>(a, b.Span[0], into);
        if (a.Length == 1 && b.Length != 1) return Binary<TOp>(a.Span[0], b, into);
        if (IsRowOf(b, a))
        {
            var d = Result(TOp.Name, into, a.Shape);
            int cols = a.Cols, rows = a.Rows;
            for (int i = 0; i < rows; i++) TOp.Apply(a.Span.Slice(i * cols, cols), b.Span, d.Span.Slice(i * cols, cols));
            return d;
        }
        if (IsRowOf(a, b))
        {
            var d = Result(TOp.Name, into, b.Shape);
            int cols = b.Cols, rows = b.Rows;
            for (int i = 0; i < rows; i++) TOp.Apply(a.Span, b.Span.Slice(i * cols, cols), d.Span.Slice(i * cols, cols));
            return d;
        }
        throw new ArgumentException($"{TOp.Name}: shapes {a.ShapeText} and {b.ShapeText} do not broadcast (equal shapes, a row vector over rows, or a single element).");
    }

    // r is a row vector ([n] or [1, n]) that matches the rows of m (rank >= 2, last dim n).
    private static bool IsRowOf(Tensor r, Tensor m) =>
        m.Rank >= 2 && r.Length == m.Cols && (r.Rank == 1 || (r.Rank == 2 && r._shape[0] == 1));

    /// <summary>d = op(a, scalar).</summary>
    public static Tensor Binary<TOp>(Tensor a, float b, Tensor? into = null) where TOp : IBinaryOp
    {
        var d = Result(TOp.Name, into, a.Shape);
        TOp.Apply(a.Span, b, d.Span);
        return d;
    }

    /// <summary>d = op(scalar, b).</summary>
    public static Tensor Binary<TOp>(float a, Tensor b, Tensor? into = null) where TOp : IBinaryOp
    {
        var d = Result(TOp.Name, into, b.Shape);
        TOp.Apply(a, b.Span, d.Span);
        return d;
    }

    /// <summary>d = g(a) element-wise for the function <paramref name="g"/>.</summary>
    public static Tensor Map<TOp>(Tensor a, TOp g, Tensor? into = null) where TOp : IPointwise
    {
        var d = Result("map", into, a.Shape);
        g.Forward(a.Span, d.Span);
        return d;
    }

    /// <summary>a + b, broadcasting as <see cref="Binary{TOp}(Tensor, Tensor, Tensor?)"/> does.</summary>
    public static Tensor Add(Tensor a, Tensor b, Tensor? into = null) => Binary<AddOp>(a, b, into);
    /// <summary>a - b, broadcasting.</summary>
    public static Tensor Sub(Tensor a, Tensor b, Tensor? into = null) => Binary<SubOp>(a, b, into);
    /// <summary>a * b element-wise, broadcasting.</summary>
    public static Tensor Mul(Tensor a, Tensor b, Tensor? into = null) => Binary<MulOp>(a, b, into);
    /// <summary>a / b element-wise, broadcasting.</summary>
    public static Tensor Div(Tensor a, Tensor b, Tensor? into = null) => Binary<DivOp>(a, b, into);
    /// <summary>Element-wise maximum, broadcasting.</summary>
    public static Tensor Maximum(Tensor a, Tensor b, Tensor? into = null) => Binary<MaximumOp>(a, b, into);
    /// <summary>Element-wise minimum, broadcasting.</summary>
    public static Tensor Minimum(Tensor a, Tensor b, Tensor? into = null) => Binary<MinimumOp>(a, b, into);

    /// <summary>a + b, broadcasting; a new tensor.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => Binary<AddOp>(a, b);
    /// <summary>a - b, broadcasting; a new tensor.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => Binary<SubOp>(a, b);
    /// <summary>a * b element-wise, broadcasting; a new tensor (matrix products: <see cref="MatMul"/>).</summary>
    public static Tensor operator *(Tensor a, Tensor b) => Binary<MulOp>(a, b);
    /// <summary>a / b element-wise, broadcasting; a new tensor.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => Binary<DivOp>(a, b);
    /// <summary>a + b for every element.</summary>
    public static Tensor operator +(Tensor a, float b) => Binary<AddOp>(a, b);
    /// <summary>a - b for every element.</summary>
    public static Tensor operator -(Tensor a, float b) => Binary<SubOp>(a, b);
    /// <summary>a * b for every element.</summary>
    public static Tensor operator *(Tensor a, float b) => Binary<MulOp>(a, b);
    /// <summary>a / b for every element.</summary>
    public static Tensor operator /(Tensor a, float b) => Binary<DivOp>(a, b);
    /// <summary>a + b for every element.</summary>
    public static Tensor operator +(float a, Tensor b) => Binary<AddOp>(a, b);
    /// <summary>a - b for every element.</summary>
    public static Tensor operator -(float a, Tensor b) => Binary<SubOp>(a, b);
    /// <summary>a * b for every element.</summary>
    public static Tensor operator *(float a, Tensor b) => Binary<MulOp>(a, b);
    /// <summary>a / b for every element.</summary>
    public static Tensor operator /(float a, Tensor b) => Binary<DivOp>(a, b);
    /// <summary>-a.</summary>
    public static Tensor operator -(Tensor a) => Map(a, new NegOp());

    /// <summary>e^x element-wise.</summary>
    public Tensor Exp(Tensor? into = null) => Map(this, new ExpOp(), into);
    /// <summary>ln x element-wise.</summary>
    public Tensor Log(Tensor? into = null) => Map(this, new LogOp(), into);
    /// <summary>The square root element-wise.</summary>
    public Tensor Sqrt(Tensor? into = null) => Map(this, new SqrtOp(), into);
    /// <summary>|x| element-wise.</summary>
    public Tensor Abs(Tensor? into = null) => Map(this, new AbsOp(), into);

    /// <summary>Each element raised to <paramref name="exponent"/>.</summary>
    public Tensor Pow(float exponent, Tensor? into = null)
    {
        var d = Result("pow", into, Shape);
        TP.Pow(Span, exponent, d.Span);
        return d;
    }

    /// <summary>Each element limited to [min, max].</summary>
    public Tensor Clamp(float min, float max, Tensor? into = null)
    {
        if (!(min <= max)) throw new ArgumentException($"clamp: min {min} is greater than max {max}.");
        var d = Result("clamp", into, Shape);
        TP.Max(Span, min, d.Span);
        TP.Min(d.Span, max, d.Span);
        return d;
    }

    /// <summary>this += alpha * other (same shape); the axpy of optimizers.</summary>
    public Tensor AddScaled(Tensor other, float alpha)
    {
        if (!SameShape(other)) throw new ArgumentException($"add: shapes {ShapeText} and {other.ShapeText} differ.");
        TP.MultiplyAdd(other.Span, alpha, Span, Span);
        return this;
    }
}
