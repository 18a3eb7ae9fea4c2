using ScriptableNN.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

using ScriptableNN.Registry;

namespace ScriptableNN.Losses;

/// <summary>
/// Cross-entropy on logits: log-softmax and NLL fused, -w[y] (z_y - logsumexp(z)). Stable for
/// any logits; gradient w[y] (softmax(z) - onehot(y)).
/// </summary>
public sealed class CrossEntropyCriterion : ClassCriterion
{
    /// <summary>nn.CrossEntropyCriterion(weights, sizeAverage) (PyTorch: nn.CrossEntropyLoss).</summary>
    public static readonly CriterionType<CrossEntropyCriterion, ClassCriterionSettings> Type = new("CrossEntropyCriterion", "weights", "sizeAverage")
    {
        Aliases = new[] { "CrossEntropyLoss" },
        New = static s => new CrossEntropyCriterion(s.Resolved, s.Weights),
    };

    private Tensor? _logp;

    /// <summary>With a reduction and optional per-class weights.</summary>
    public CrossEntropyCriterion(Reduction reduction = Reduction.Mean, float[]? classWeights = null) : base(reduction, classWeights) { }

    /// <inheritdoc/>
    protected override void ItemLosses(Tensor input, Tensor target, Span<float> items)
    {
        var lp = input.LogSoftmax(Tensor.Reuse(ref _logp, input));
        int cols = input.Cols; var l = lp.Span; var t = target.Span;
        for (int i = 0; i < items.Length; i++) { int c = (int)t[i]; items[i] = -Weight(c) * l[i * cols + c]; }
    }

    /// <inheritdoc/>
    protected override void ItemGradient(Tensor input, Tensor target, float scale, ReadOnlySpan<float> weights, Span<float> grad)
    {
        int cols = input.Cols; var t = target.Span; var z = input.Span;
        for (int i = 0; i < input.Rows; i++)
        {
            int c = (int)t[i];
            var row = grad.Slice(i * cols, cols);
            Tensor.SoftmaxRow(z.Slice(i * cols, cols), row);
            row[c] -= 1f;
            TP.Multiply(row, Weight(c) * (weights.IsEmpty ? scale : scale * weights[i]), row);
        }
    }
}
