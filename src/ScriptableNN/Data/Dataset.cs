using ScriptableNN.Tensors;

namespace ScriptableNN.Data;

/// <summary>
/// Examples as two tensors: inputs [n, features] and targets [n, outputs] (regression, one-hot)
/// or [n] (0-based class indices). Row i of both is example i.
/// </summary>
public sealed class Dataset
{
    /// <summary>The inputs, [examples, features].</summary>
    public Tensor Inputs { get; }
    /// <summary>The targets, [examples, outputs] or [examples] class indices.</summary>
    public Tensor Targets { get; }

    /// <summary>Pairs inputs and targets row by row.</summary>
    public Dataset(Tensor inputs, Tensor targets)
    {
        if (inputs.Rank != 2) throw new ArgumentException($"Dataset: inputs must be [examples, features], got {inputs.ShapeText}.");
        if (targets.Rank > 2 || targets.Size(0) != inputs.Size(0))
            throw new ArgumentException($"Dataset: targets {targets.ShapeText} do not match inputs {inputs.ShapeText} (one row per example).");
        Inputs = inputs;
        Targets = targets;
    }

    /// <summary>Number of examples.</summary>
    public int Count => Inputs.Size(0);

    /// <summary>Features per example.</summary>
    public int Features => Inputs.Size(1);

    /// <summary>A copy of the examples at <paramref name="indices"/>, in that order.</summary>
    public Dataset Subset(ReadOnlySpan<int> indices)
    {
        var x = Tensor.Zeros(indices.Length, Features);
        var yShape = Targets.Shape.ToArray();
        yShape[0] = indices.Length;
        var y = Tensor.Zeros(yShape);
        Gather(indices, x, y);
        return new Dataset(x, y);
    }

    /// <summary>Copies the examples at <paramref name="indices"/> into the first rows of the batch buffers.</summary>
    public void Gather(ReadOnlySpan<int> indices, Tensor xBatch, Tensor yBatch)
    {
        int f = Features, t = Targets.Length / Math.Max(1, Count);
        var xs = Inputs.Span; var ys = Targets.Span; var xb = xBatch.Span; var yb = yBatch.Span;
        for (int i = 0; i < indices.Length; i++)
        {
            int r = indices[i];
            xs.Slice(r * f, f).CopyTo(xb.Slice(i * f, f));
            ys.Slice(r * t, t).CopyTo(yb.Slice(i * t, t));
        }
    }

    /// <summary>A shuffled split: the first part for training, <paramref name="validationFraction"/> for validation.</summary>
    public (Dataset Train, Dataset Validation) Split(double validationFraction, Rng rng)
    {
        if (!(validationFraction > 0 && validationFraction < 1))
            throw new ArgumentException($"Dataset.Split: the validation fraction must be in (0, 1), got {validationFraction}.");
        var order = Permutation(Count, rng);
        int nVal = Math.Max(1, (int)Math.Round(Count * validationFraction));
        return (Subset(order.AsSpan(nVal)), Subset(order.AsSpan(0, nVal)));
    }

    /// <summary>A random permutation of 0..n-1.</summary>
    public static int[] Permutation(int n, Rng rng)
    {
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        rng.Shuffle<int>(order);
        return order;
    }

    /// <summary>Checks that the targets are class indices in [0, classes); names the first bad row.</summary>
    public void CheckClasses(int classes)
    {
        if (Targets.Rank == 2 && Targets.Size(1) != 1) return;
        var t = Targets.Span;
        for (int i = 0; i < t.Length; i++)
            if (!(t[i] >= 0 && t[i] < classes) || t[i] != MathF.Floor(t[i]))
                throw new ArgumentException($"Dataset: label {t[i]} of example {i} is outside the {classes} classes [0, {classes}).");
    }
}
