using ScriptableNN.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

using ScriptableNN.Registry;

namespace ScriptableNN.Losses;

/// <summary>
/// Binary cross-entropy on logits z: softplus((1 - 2y) z) for y in {0, 1}, in general
/// softplus(z) - y z, computed as max(z, 0) - y z + log(1 + e^-|z|). It never saturates: the
/// gradient sigmoid(z) - y stays near 1 in size when the answer is confidently wrong.
/// </summary>
public sealed class BCEWithLogitsCriterion : Criterion
{
    /// <summary>nn.BCEWithLogitsCriterion(sizeAverage) (PyTorch: nn.BCEWithLogitsLoss).</summary>
    public static readonly CriterionType<BCEWithLogitsCriterion, CriterionSettings> Type = new("BCEWithLogitsCriterion", "sizeAverage")
    {
        Aliases = new[] { "BCEWithLogitsLoss" },
        New = static s => new BCEWithLogitsCriterion(s.Resolved),
    };

    /// <summary>With the given reduction (mean by default).</summary>
    public BCEWithLogitsCriterion(Reduction reduction = Reduction.Mean) : base(reduction) { }
    /// <inheritdoc/>
    protected override void CheckTarget(Tensor input, Tensor target) => CheckSameShape(input, target);

    /// <inheritdoc/>
    protected override void ItemLosses(Tensor input, Tensor target, Span<float> items)
    {
        // (max(z, 0) - y z) + log1p(e^-|z|), the first part exact for a 0/1 target, so the loss
        // of a confident right answer is e^-|z| and not log(1 + e^-|z|) rounded to 0. The log1p
        // is softplus(-|z|).
        var z = input.Span; var y = target.Span;
        TP.Abs(z, items);
        TP.Negate(items, items);
        Transcendentals.SoftPlus(items, items);
        for (int i = 0; i < items.Length; i++) items[i] = (MathF.Max(z[i], 0f) - y[i] * z[i]) + items[i];
    }

    /// <inheritdoc/>
    protected override void ItemGradient(Tensor input, Tensor target, float scale, ReadOnlySpan<float> weights, Span<float> grad)
    {
        Transcendentals.Sigmoid(input.Span, grad);
        TP.Subtract(grad, target.Span, grad);
        TP.Multiply(grad, scale, grad);
        if (!weights.IsEmpty) TP.Multiply(grad, weights, grad);
    }
}
