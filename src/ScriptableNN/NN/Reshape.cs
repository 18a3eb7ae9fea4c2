using ScriptableNN.Registry;
using ScriptableNN.Tensors;

namespace ScriptableNN.NN;

/// <summary>
/// Torch7's nn.Reshape(d1, d2, ... [, batchMode]): each sample's elements, row-wise, as a
/// d1 x d2 x ... tensor (a view, nothing copied). With batchMode true the first dimension is the
/// batch and keeps its size; false reshapes the whole input; left out, the input is one sample when
/// it has d1 d2 ... elements and its first size is not 1, and a batch otherwise. The usual use: nn.Reshape(784) turns [batch, 28, 28]
/// images into [batch, 784] rows for the Linear layers.
/// </summary>
public sealed class Reshape : Module
{
    /// <summary>nn.Reshape(d1, d2, ... [, batchMode]): the sizes in a row, or a list (x:size()); then the batch mode.</summary>
    public static readonly ModuleType<Reshape, ReshapeSettings> Type = new("Reshape", "sizes", "batchMode")
    {
        New = static (s, _) => new Reshape(Sizes(s.Sizes), s.BatchMode),
        SettingsOf = static m => new ReshapeSettings { Sizes = m.Dimensions.Select(d => (float)d).ToArray(), BatchMode = m.BatchMode },
    };

    private static int[] Sizes(float[]? sizes)
    {
        if (sizes == null || sizes.Length == 0) throw new ArgumentException("nn.Reshape: give the sizes of a sample, as nn.Reshape(784) or nn.Reshape(28, 28).");
        var d = new int[sizes.Length];
        for (int i = 0; i < d.Length; i++)
        {
            if (!(sizes[i] >= 1) || sizes[i] != MathF.Floor(sizes[i])) throw new ArgumentException($"nn.Reshape: size {i + 1} must be a whole number of at least 1, got {sizes[i]}.");
            d[i] = (int)sizes[i];
        }
        return d;
    }

    /// <summary>The sizes of one sample after reshaping.</summary>
    public int[] Dimensions { get; }
    /// <summary>True: the first dimension is the batch; false: no batch; null: decided by the element count.</summary>
    public bool? BatchMode { get; }
    private readonly int _size;

    /// <summary>Reshapes samples to <paramref name="dimensions"/>.</summary>
    public Reshape(int[] dimensions, bool? batchMode = null)
    {
        if (dimensions.Length == 0 || dimensions.Length > 3) throw new ArgumentException($"nn.Reshape: between 1 and 3 sizes (tensors here have at most 4 dimensions with the batch), got {dimensions.Length}.");
        long size = 1;
        foreach (int d in dimensions)
        {
            if (d < 1) throw new ArgumentException($"nn.Reshape: sizes must be at least 1, got {d}.");
            size *= d;
        }
        if (size > int.MaxValue) throw new ArgumentException("nn.Reshape: the sample is too large.");
        Dimensions = (int[])dimensions.Clone();
        BatchMode = batchMode;
        _size = (int)size;
    }

    /// <inheritdoc/>
    protected override Tensor UpdateOutput(Tensor input)
    {
        // Torch7's rule: one sample when the count matches and the first size is not 1.
        bool batch = BatchMode ?? !(input.Length == _size && input.Size(0) != 1);
        Tensor y;
        if (!batch)
        {
            if (input.Length != _size) throw new ArgumentException($"{this}: input {input.ShapeText} holds {input.Length} elements, a sample {_size}.");
            y = input.Reshape(Dimensions);
        }
        else
        {
            int rows = input.Size(0);
            if (input.Length != (long)rows * _size)
                throw new ArgumentException($"{this}: input {input.ShapeText} is not a batch of {rows} samples of {_size} elements.");
            var shape = new int[Dimensions.Length + 1];
            shape[0] = rows;
            Dimensions.CopyTo(shape, 1);
            y = input.Reshape(shape);
        }
        Output = y;
        return y;
    }

    /// <inheritdoc/>
    public override Tensor UpdateGradInput(Tensor input, Tensor gradOutput)
    {
        if (gradOutput.Length != input.Length) throw new ArgumentException($"{this}: gradOutput {gradOutput.ShapeText} does not match input {input.ShapeText}.");
        var gi = gradOutput.Reshape(input.Shape.ToArray());
        GradInput = gi;
        return gi;
    }

    /// <inheritdoc/>
    public override int OutputWidth(int inputWidth) => Dimensions[^1];

    /// <inheritdoc/>
    public override string ToString() => $"nn.Reshape({string.Join("x", Dimensions)})";
}

/// <summary>Settings of a reshape.</summary>
public sealed record ReshapeSettings
{
    /// <summary>The sizes of one sample.</summary>
    public float[]? Sizes { get; init; }
    /// <summary>Whether the first dimension is the batch (null: decided by the element count).</summary>
    public bool? BatchMode { get; init; }
}
