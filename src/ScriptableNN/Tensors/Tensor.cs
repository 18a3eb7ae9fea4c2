using System.Globalization;
using System.Text;
using ScriptableNN.Kernels;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace ScriptableNN.Tensors;

/// <summary>
/// A float32 tensor: row-major, contiguous, rank 1 to 4. Views (rows, row ranges, reshapes)
/// share storage with the tensor they come from. A batch is a matrix [batch, features];
/// row-wise operations treat a rank-1 tensor as one row, and a tensor of rank 3 or 4 as a
/// matrix whose rows are its last dimension.
/// </summary>
public sealed partial class Tensor
{
    // Not readonly only for ResizeInPlace (the Lua layer's Torch7 resize); the engine never resizes.
    private float[] _data;
    private int _offset;
    private int[] _shape;

    /// <summary>Number of elements.</summary>
    public int Length { get; private set; }

    /// <summary>The gradient of some scalar with respect to this tensor, when autograd has computed one.</summary>
    public Tensor? Grad { get; set; }

    /// <summary>Set on a module's parameters and gradients (and getParameters' flat vectors): <see cref="ResizeInPlace"/> refuses them.</summary>
    internal bool FixedShape;

    /// <summary>Whether autograd records operations on this tensor and computes its <see cref="Grad"/>.</summary>
    public bool RequiresGrad { get; set; }

    private Tensor(float[] data, int offset, int[] shape)
    {
        int length = CheckShape(shape);
        if (offset < 0 || offset + length > data.Length)
            throw new ArgumentException($"Tensor: a {ShapeString(shape)} view at offset {offset} does not fit storage of {data.Length} floats.");
        _data = data; _offset = offset; _shape = shape; Length = length;
    }

    private static int CheckShape(int[] shape)
    {
        if (shape.Length is < 1 or > 4) throw new ArgumentException($"Tensor: rank {shape.Length} is not supported (1 to 4).");
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"Tensor: negative dimension in shape {ShapeString(shape)}.");
            n = Math.Min(n * d, (long)int.MaxValue + 1);   // clamped, so the product never wraps
        }
        if (n > int.MaxValue) throw new ArgumentException($"Tensor: shape {ShapeString(shape)} has more than {int.MaxValue} elements.");
        return (int)n;
    }

    // ---- creation -------------------------------------------------------------------

    /// <summary>A new tensor of zeros.</summary>
    public static Tensor Zeros(params int[] shape) => new(new float[CheckShape(shape)], 0, (int[])shape.Clone());

    /// <summary>A new tensor of ones.</summary>
    public static Tensor Ones(params int[] shape) => Full(1f, shape);

    /// <summary>A new tensor with every element equal to <paramref name="value"/>.</summary>
    public static Tensor Full(float value, params int[] shape)
    {
        var t = Zeros(shape);
        t.Span.Fill(value);
        return t;
    }

    /// <summary>A new tensor holding a copy of <paramref name="values"/>; shape defaults to [values.Length].</summary>
    public static Tensor FromArray(ReadOnlySpan<float> values, params int[] shape)
    {
        if (shape.Length == 0) shape = new[] { values.Length };
        var t = Zeros(shape);
        if (values.Length != t.Length)
            throw new ArgumentException($"Tensor.FromArray: {values.Length} values do not fill shape {ShapeString(shape)} ({t.Length} elements).");
        values.CopyTo(t.Span);
        return t;
    }

    /// <summary>A tensor over <paramref name="storage"/> without copying it (the caller keeps ownership).</summary>
    public static Tensor Wrap(float[] storage, params int[] shape)
    {
        if (shape.Length == 0) shape = new[] { storage.Length };
        return new Tensor(storage, 0, (int[])shape.Clone());
    }

    /// <summary>A matrix from rows of equal length.</summary>
    public static Tensor FromRows(params float[][] rows)
    {
        int cols = rows.Length == 0 ? 0 : rows[0].Length;
        var t = Zeros(rows.Length, cols);
        for (int i = 0; i < rows.Length; i++)
        {
            if (rows[i].Length != cols)
                throw new ArgumentException($"Tensor.FromRows: row {i + 1} has {rows[i].Length} values, row 1 has {cols}.");
            rows[i].CopyTo(t._data, i * cols);
        }
        return t;
    }

    /// <summary>Uniform random values in [low, high) from a seeded generator.</summary>
    public static Tensor Uniform(Rng rng, float low, float high, params int[] shape)
    {
        var t = Zeros(shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = low + (high - low) * rng.NextFloat();
        return t;
    }

    /// <summary>Normal random values with the given mean and standard deviation from a seeded generator.</summary>
    public static Tensor Normal(Rng rng, float mean, float std, params int[] shape)
    {
        var t = Zeros(shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = mean + std * rng.NextNormal();
        return t;
    }

    // ---- shape and storage ----------------------------------------------------------

    /// <summary>The dimensions.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>Number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>Size of dimension <paramref name="dim"/> (0-based).</summary>
    public int Size(int dim)
    {
        if ((uint)dim >= (uint)_shape.Length) throw new ArgumentOutOfRangeException(nameof(dim), $"Tensor.Size: dimension {dim} of a {ShapeText} tensor.");
        return _shape[dim];
    }

    /// <summary>Rows when seen as a matrix: 1 for rank 1, else all dimensions but the last multiplied.</summary>
    public int Rows
    {
        get
        {
            int rows = 1;
            for (int i = 0; i < _shape.Length - 1; i++) rows *= _shape[i];
            return rows;
        }
    }

    /// <summary>Columns when seen as a matrix: the last dimension.</summary>
    public int Cols => _shape[^1];

    /// <summary>The elements, in row-major order.</summary>
    public Span<float> Span => new(_data, _offset, Length);

    /// <summary>The storage array and the offset of element 0 in it, for interop without copying.</summary>
    public (float[] Storage, int Offset) Memory => (_data, _offset);

    /// <summary>Shape as text, e.g. [128, 784].</summary>
    public string ShapeText => ShapeString(_shape);

    internal static string ShapeString(ReadOnlySpan<int> shape)
    {
        var sb = new StringBuilder("[");
        for (int i = 0; i < shape.Length; i++) { if (i > 0) sb.Append(", "); sb.Append(shape[i]); }
        return sb.Append(']').ToString();
    }

    /// <summary>Whether both tensors have the same shape.</summary>
    public bool SameShape(Tensor other) => _shape.AsSpan().SequenceEqual(other._shape);

    /// <summary>Element i of the flattened tensor.</summary>
    public float this[int i]
    {
        get => Span[i];
        set => Span[i] = value;
    }

    /// <summary>Element (i, j) of the tensor seen as a matrix.</summary>
    public float this[int i, int j]
    {
        get
        {
            if ((uint)i >= (uint)Rows || (uint)j >= (uint)Cols) throw new IndexOutOfRangeException($"Tensor: index ({i}, {j}) outside {ShapeText}.");
            return _data[_offset + i * Cols + j];
        }
        set
        {
            if ((uint)i >= (uint)Rows || (uint)j >= (uint)Cols) throw new IndexOutOfRangeException($"Tensor: index ({i}, {j}) outside {ShapeText}.");
            _data[_offset + i * Cols + j] = value;
        }
    }

    /// <summary>Sub-tensor <paramref name="i"/> along the first dimension, as a view (a row of a matrix).</summary>
    public Tensor Select(int i)
    {
        if (Rank == 1) throw new InvalidOperationException($"Tensor.Select: a rank-1 tensor {ShapeText} has no rows; index its elements.");
        if ((uint)i >= (uint)_shape[0]) throw new IndexOutOfRangeException($"Tensor.Select: index {i} outside {ShapeText}.");
        int inner = Length / Math.Max(1, _shape[0]);
        return new Tensor(_data, _offset + i * inner, _shape[1..]);
    }

    /// <summary>Rows <paramref name="start"/> .. start+count-1 along the first dimension, as a view.</summary>
    public Tensor Narrow(int start, int count)
    {
        if (start < 0 || count < 0 || start + count > _shape[0])
            throw new ArgumentOutOfRangeException(nameof(start), $"Tensor.Narrow: rows {start}..{start + count - 1} outside {ShapeText}.");
        int inner = Length / Math.Max(1, _shape[0]);
        var shape = (int[])_shape.Clone();
        shape[0] = count;
        return new Tensor(_data, _offset + start * inner, shape);
    }

    /// <summary>The same elements with another shape, as a view; one dimension may be -1 (inferred).</summary>
    public Tensor Reshape(params int[] shape)
    {
        shape = (int[])shape.Clone();
        int infer = -1; long known = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == -1)
            {
                if (infer >= 0) throw new ArgumentException($"Tensor.Reshape: more than one -1 in {ShapeString(shape)}.");
                infer = i;
            }
            else known *= shape[i];
        }
        if (infer >= 0)
        {
            if (known == 0 || Length % known != 0) throw new ArgumentException($"Tensor.Reshape: cannot view {ShapeText} as {ShapeString(shape)}.");
            shape[infer] = (int)(Length / known);
        }
        if (CheckShape(shape) != Length) throw new ArgumentException($"Tensor.Reshape: cannot view {ShapeText} ({Length} elements) as {ShapeString(shape)}.");
        return new Tensor(_data, _offset, shape);
    }

    /// <summary>
    /// Torch7's resize, for the Lua layer: this tensor takes <paramref name="shape"/> in place.
    /// While the storage holds enough elements from the tensor's offset it stays (a tensor made
    /// smaller and then larger again gets its elements back, as in Torch7). Otherwise a new
    /// storage holds the old storage's elements first and zeros after; views taken before keep
    /// the old one, as a Torch7 storage that grows may move.
    /// </summary>
    internal void ResizeInPlace(int[] shape)
    {
        if (FixedShape) throw new InvalidOperationException($"resize: this {ShapeText} tensor is a module's parameter or gradient (or getParameters' flat vector), whose shape the module relies on; resize a clone");
        int length = CheckShape(shape);
        if (_offset + length > _data.Length)
        {
            var data = new float[length];
            _data.AsSpan(_offset).CopyTo(data);
            _data = data;
            _offset = 0;
        }
        _shape = (int[])shape.Clone();
        Length = length;
    }

    /// <summary>A new tensor with a copy of the elements.</summary>
    public Tensor Clone() => FromArray(Span, _shape);

    /// <summary>Copies the elements of <paramref name="source"/> (same number of elements) into this tensor.</summary>
    public Tensor CopyFrom(Tensor source)
    {
        if (source.Length != Length) throw new ArgumentException($"Tensor.CopyFrom: source {source.ShapeText} and destination {ShapeText} differ in size.");
        source.Span.CopyTo(Span);
        return this;
    }

    /// <summary>Sets every element to <paramref name="value"/>.</summary>
    public Tensor Fill(float value) { Span.Fill(value); return this; }

    /// <summary>Sets every element to zero.</summary>
    public Tensor Zero() { Span.Clear(); return this; }

    /// <summary>A copy of the elements as an array.</summary>
    public float[] ToArray() => Span.ToArray();

    /// <summary>Prints the values like Torch7 does, followed by the type and shape.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        int rows = Rows, cols = Cols;
        var s = Span;
        const int maxRows = 20;
        for (int i = 0; i < rows; i++)
        {
            if (i == maxRows && rows > maxRows + 1) { sb.Append(" ...\n"); i = rows - 1; }
            for (int j = 0; j < cols; j++) sb.Append(' ').Append(s[i * cols + j].ToString("0.0000", CultureInfo.InvariantCulture).PadLeft(9));
            sb.Append('\n');
        }
        sb.Append("[torch.FloatTensor of size ");
        for (int d = 0; d < Rank; d++) { if (d > 0) sb.Append('x'); sb.Append(_shape[d]); }
        return sb.Append(']').ToString();
    }

    internal static Tensor Result(string op, Tensor? into, ReadOnlySpan<int> shape)
    {
        if (into == null) return Zeros(shape.ToArray());
        if (!into._shape.AsSpan().SequenceEqual(shape))
            throw new ArgumentException($"{op}: output has shape {into.ShapeText}, expected {ShapeString(shape)}.");
        return into;
    }
}

public sealed partial class Tensor
{
    /// <summary>The gradient buffer, created (zeroed) on first use and reused afterwards.</summary>
    public Tensor EnsureGrad()
    {
        if (Grad == null || !Grad.SameShape(this)) Grad = Zeros(_shape);
        return Grad;
    }

    /// <summary>Returns <paramref name="buffer"/> if it already has the shape [rows, cols], else a new one.
    /// How modules keep one output buffer per batch size without allocating per step.</summary>
    public static Tensor Reuse(ref Tensor? buffer, int rows, int cols)
    {
        if (buffer == null || buffer.Rank != 2 || buffer._shape[0] != rows || buffer._shape[1] != cols)
            buffer = Zeros(rows, cols);
        return buffer;
    }

    /// <summary>Returns <paramref name="buffer"/> if it already is a vector of <paramref name="length"/>, else a new one.</summary>
    public static Tensor Reuse(ref Tensor? buffer, int length)
    {
        if (buffer == null || buffer.Rank != 1 || buffer.Length != length) buffer = Zeros(length);
        return buffer;
    }

    /// <summary>Returns <paramref name="buffer"/> if it already has the shape of <paramref name="like"/>, else a new one.</summary>
    public static Tensor Reuse(ref Tensor? buffer, Tensor like)
    {
        if (buffer == null || !buffer.SameShape(like)) buffer = Zeros(like._shape);
        return buffer;
    }
}
