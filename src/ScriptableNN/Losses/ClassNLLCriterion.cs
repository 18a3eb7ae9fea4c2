using ScriptableNN.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

using ScriptableNN.Registry;

namespace ScriptableNN.Losses;

/// <summary>Negative log-likelihood on log-probabilities (after LogSoftMax): -w[y] * x[y].</summary>
public sealed class ClassNLLCriterion : ClassCriterion
{
    /// <summary>nn.ClassNLLCriterion(weights, sizeAverage) (PyTorch: nn.NLLLoss).</summary>
    public static readonly CriterionType<ClassNLLCriterion, ClassCriterionSettings> Type = new("ClassNLLCriterion", "weights", "sizeAverage")
    {
        Aliases = new[] { "NLLLoss" },
        New = static s => new ClassNLLCriterion(s.Resolved, s.Weights),
    };

    /// <summary>With a reduction and optional per-class weights.</summary>
    public ClassNLLCriterion(Reduction reduction = Reduction.Mean, float[]? classWeights = null) : base(reduction, classWeights) { }

    /// <inheritdoc/>
    protected override void ItemLosses(Tensor input, Tensor target, Span<float> items)
    {
        int cols = input.Cols; var x = input.Span; var t = target.Span;
        for (int i = 0; i < items.Length; i++) { int c = (int)t[i]; items[i] = -Weight(c) * x[i * cols + c]; }
    }

    /// <inheritdoc/>
    protected override void ItemGradient(Tensor input, Tensor target, float scale, ReadOnlySpan<float> weights, Span<float> grad)
    {
        grad.Clear();
        int cols = input.Cols; var t = target.Span;
        for (int i = 0; i < input.Rows; i++)
        {
            int c = (int)t[i];
            grad[i * cols + c] = -Weight(c) * (weights.IsEmpty ? scale : scale * weights[i]);
        }
    }
}
