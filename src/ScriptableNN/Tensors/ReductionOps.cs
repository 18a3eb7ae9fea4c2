using ScriptableNN.Kernels;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace ScriptableNN.Tensors;

public sealed partial class Tensor
{
    /// <summary>Sum of all elements.</summary>
    public float Sum() => TP.Sum(Span);

    /// <summary>Mean of all elements.</summary>
    public float Mean() => Length == 0 ? float.NaN : TP.Sum(Span) / Length;

    /// <summary>Largest element.</summary>
    public float Max() => Length == 0 ? throw new InvalidOperationException("max: the tensor is empty.") : TP.Max(Span);

    /// <summary>Smallest element.</summary>
    public float Min() => Length == 0 ? throw new InvalidOperationException("min: the tensor is empty.") : TP.Min(Span);

    /// <summary>Flat index of the largest element (the first one on ties).</summary>
    public int ArgMax() => Length == 0 ? throw new InvalidOperationException("argmax: the tensor is empty.") : TP.IndexOfMax(Span);

    /// <summary>Sum of each row, into a [rows] tensor.</summary>
    public Tensor SumRows(Tensor? into = null)
    {
        var d = Result("sum", into, stackalloc int[] { Rows });
        int cols = Cols;
        for (int i = 0; i < d.Length; i++) d.Span[i] = TP.Sum(Span.Slice(i * cols, cols));
        return d;
    }

    /// <summary>Mean of each row, into a [rows] tensor.</summary>
    public Tensor MeanRows(Tensor? into = null)
    {
        var d = SumRows(into);
        TP.Divide(d.Span, Cols, d.Span);
        return d;
    }

    /// <summary>Largest element of each row, into a [rows] tensor.</summary>
    public Tensor MaxRows(Tensor? into = null)
    {
        var d = Result("max", into, stackalloc int[] { Rows });
        int cols = Cols;
        for (int i = 0; i < d.Length; i++) d.Span[i] = TP.Max(Span.Slice(i * cols, cols));
        return d;
    }

    /// <summary>Column index of the largest element of each row (0-based).</summary>
    public int[] ArgMaxRows(int[]? into = null)
    {
        into ??= new int[Rows];
        if (into.Length != Rows) throw new ArgumentException($"argmax: output holds {into.Length} indices, {ShapeText} has {Rows} rows.");
        int cols = Cols;
        for (int i = 0; i < into.Length; i++) into[i] = TP.IndexOfMax(Span.Slice(i * cols, cols));
        return into;
    }

    /// <summary>Sum over the rows (dimension 0 of a matrix), into a [cols] tensor: a bias gradient.</summary>
    public Tensor SumColumns(Tensor? into = null)
    {
        var d = Result("sum", into, stackalloc int[] { Cols });
        var ds = d.Span;
        ds.Clear();
        int cols = Cols;
        for (int i = 0; i < Rows; i++) TP.Add(ds, Span.Slice(i * cols, cols), ds);
        return d;
    }

    /// <summary>
    /// Row-wise softmax. The row maximum is subtracted first, so logits of any size (±1e4)
    /// give finite probabilities, and adding a constant to a row changes nothing.
    /// </summary>
    public Tensor Softmax(Tensor? into = null)
    {
        var d = Result("softmax", into, Shape);
        int cols = Cols;
        for (int i = 0; i < Rows; i++) SoftmaxRow(Span.Slice(i * cols, cols), d.Span.Slice(i * cols, cols));
        return d;
    }

    /// <summary>Row-wise log-softmax by log-sum-exp: z - max - log(sum(exp(z - max))).</summary>
    public Tensor LogSoftmax(Tensor? into = null)
    {
        var d = Result("logsoftmax", into, Shape);
        int cols = Cols;
        for (int i = 0; i < Rows; i++) LogSoftmaxRow(Span.Slice(i * cols, cols), d.Span.Slice(i * cols, cols));
        return d;
    }

    internal static void SoftmaxRow(ReadOnlySpan<float> z, Span<float> d)
    {
        float max = TP.Max(z);
        TP.Subtract(z, max, d);
        TP.Exp(d, d);
        TP.Divide(d, TP.Sum(d), d);
    }

    internal static void LogSoftmaxRow(ReadOnlySpan<float> z, Span<float> d)
    {
        float max = TP.Max(z);
        TP.Subtract(z, max, d);
        // exp into d, sum, then recompute the shifted values: d is the only scratch we have.
        // Subtract max and lse in two steps: max + lse would round away lse at |z| ~ 1e4.
        TP.Exp(d, d);
        float lse = MathF.Log(TP.Sum(d));
        TP.Subtract(z, max, d);
        TP.Subtract(d, lse, d);
    }

    /// <summary>
    /// Matrix product op(a) * op(b) of two matrices, into a new or given [m, n] tensor, through
    /// the packed GEMM. A shape mismatch names both shapes and writes nothing.
    /// </summary>
    public static Tensor MatMul(Tensor a, Tensor b, Tensor? into = null, bool transposeA = false, bool transposeB = false,
        float alpha = 1f, float beta = 0f)
    {
        if (a.Rank != 2 || b.Rank != 2)
            throw new ArgumentException($"matmul: needs two matrices, got {a.ShapeText} and {b.ShapeText}.");
        int m = transposeA ? a._shape[1] : a._shape[0], ka = transposeA ? a._shape[0] : a._shape[1];
        int kb = transposeB ? b._shape[1] : b._shape[0], n = transposeB ? b._shape[0] : b._shape[1];
        if (ka != kb)
            throw new ArgumentException($"matmul: {a.ShapeText}{(transposeA ? "^T" : "")} times {b.ShapeText}{(transposeB ? "^T" : "")}: inner dimensions {ka} and {kb} differ.");
        var d = Result("matmul", into, stackalloc int[] { m, n });
        Gemm.Multiply(transposeA ? Transpose.Yes : Transpose.No, transposeB ? Transpose.Yes : Transpose.No, m, n, ka,
            alpha, a.Span, a._shape[1], b.Span, b._shape[1], beta, d.Span, n);
        return d;
    }
}
