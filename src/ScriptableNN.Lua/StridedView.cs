using ScriptableNN.Tensors;

namespace ScriptableNN.Lua;

/// <summary>
/// Torch7's non-contiguous views (a column, a transpose, a slice along a later dimension, an
/// expanded tensor): sizes and strides over a contiguous engine tensor. The engine computes on
/// contiguous tensors only, so a script's operation on a view reads the view into a new tensor
/// (<see cref="Gather"/>) and, when it changes it, writes the result back through the strides
/// (<see cref="Scatter"/>); a write through a view therefore reaches the tensor it views, as in
/// Torch7. Views exist only on the Lua side; the engine never sees one.
/// </summary>
internal sealed class StridedView
{
    /// <summary>The tensor whose elements the view addresses (offsets count from its first element).</summary>
    public readonly Tensor Base;
    public readonly int Offset;
    public readonly int[] Sizes;
    public readonly int[] Strides;
    public readonly int Length;
    private readonly long _last;     // the furthest element of Base the view reaches

    private StridedView(Tensor @base, int offset, int[] sizes, int[] strides, int length, long last)
    {
        Base = @base; Offset = offset; Sizes = sizes; Strides = strides; Length = length; _last = last;
    }

    /// <summary>
    /// The view of <paramref name="base"/> at these sizes and strides: a plain engine tensor
    /// (sharing storage) when the elements lie contiguously in row-major order, else a view.
    /// Geometry that would address anything outside the base is refused.
    /// </summary>
    public static object Make(Tensor @base, int offset, int[] sizes, int[] strides)
    {
        if (sizes.Length is < 1 or > 4) throw new ScriptError($"a view has 1 to 4 dimensions, not {sizes.Length}");
        if (strides.Length != sizes.Length) throw new ScriptError("a view needs one stride per size");
        long length = 1, last = offset;
        for (int d = 0; d < sizes.Length; d++)
        {
            if (sizes[d] < 1) throw new ScriptError($"a view's size {sizes[d]} at dimension {d + 1} must be at least 1");
            if (strides[d] < 0) throw new ScriptError($"a view's stride {strides[d]} at dimension {d + 1} must not be negative");
            length *= sizes[d];
            last += (long)(sizes[d] - 1) * strides[d];
        }
        if (offset < 0 || last >= @base.Length)
            throw new ScriptError($"a view reaching element {last + 1} of a tensor of {@base.Length} elements");
        if (IsRowMajor(sizes, strides))
            return @base.Reshape(@base.Length).Narrow(offset, (int)length).Reshape(sizes);
        return new StridedView(@base, offset, sizes, strides, (int)length, last);
    }

    // Row-major contiguous: each stride is the product of the later sizes (a dimension of
    // size 1 may have any stride, as it is never stepped).
    private static bool IsRowMajor(int[] sizes, int[] strides)
    {
        long expected = 1;
        for (int d = sizes.Length - 1; d >= 0; d--)
        {
            if (sizes[d] != 1 && strides[d] != expected) return false;
            expected *= sizes[d];
        }
        return true;
    }

    public string ShapeText => string.Join("x", Sizes);

    /// <summary>A new contiguous tensor holding the view's elements in row-major order.</summary>
    public Tensor Gather()
    {
        var t = Tensor.Zeros(Sizes);
        Walk(t.Span, toView: false);
        return t;
    }

    /// <summary>Writes <paramref name="values"/> (row-major, the view's element count) through the view.</summary>
    public void Scatter(Tensor values)
    {
        if (values.Length != Length) throw new ScriptError($"writing {values.Length} elements into a view of {ShapeText}");
        Walk(values.Span, toView: true);
    }

    /// <summary>Sets every element the view reaches to <paramref name="value"/>, with no copy made.</summary>
    public void Fill(float value) => Walk(Span<float>.Empty, toView: true, value);

    /// <summary>The index in <see cref="Base"/> of element <paramref name="i"/> (0-based) of a one-dimensional view.</summary>
    public int IndexOf(int i) { CheckBase(); return Offset + i * Strides[0]; }

    // The tensor viewed may have been resized smaller since (Torch7's resize).
    private void CheckBase()
    {
        if (_last >= Base.Length) throw new ScriptError($"the tensor this {ShapeText} view looks at was resized to {Base.ShapeText}; take the view again");
    }

    // Visits the view's elements in row-major order, copying between it and a dense span (or
    // filling it, given no span); the innermost dimension runs as one strided loop.
    private void Walk(Span<float> dense, bool toView, float fill = 0f)
    {
        bool filling = dense.IsEmpty && Length > 0;
        CheckBase();
        var b = Base.Span;
        int rank = Sizes.Length, inner = Sizes[rank - 1], innerStride = Strides[rank - 1];
        Span<int> index = stackalloc int[4];
        int pos = 0;
        while (true)
        {
            int start = Offset;
            for (int d = 0; d < rank - 1; d++) start += index[d] * Strides[d];
            if (filling) for (int j = 0; j < inner; j++) b[start + j * innerStride] = fill;
            else if (toView) for (int j = 0; j < inner; j++) b[start + j * innerStride] = dense[pos + j];
            else for (int j = 0; j < inner; j++) dense[pos + j] = b[start + j * innerStride];
            pos += inner;
            int k = rank - 2;
            while (k >= 0)
            {
                if (++index[k] < Sizes[k]) break;
                index[k] = 0;
                k--;
            }
            if (k < 0) return;
        }
    }
}
