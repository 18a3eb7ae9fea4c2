using ScriptableNN.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

using ScriptableNN.Registry;

namespace ScriptableNN.Losses;

/// <summary>
/// Binary cross-entropy on probabilities p (after a sigmoid): -(y log p + (1 - y) log(1 - p)).
/// Logs are floored at -100, as PyTorch does, so p = 0 or 1 gives a large finite loss. Prefer
/// <see cref="BCEWithLogitsCriterion"/>: a saturated sigmoid here has a vanishing gradient.
/// </summary>
public sealed class BCECriterion : Criterion
{
    /// <summary>nn.BCECriterion(sizeAverage) (PyTorch: nn.BCELoss).</summary>
    public static readonly CriterionType<BCECriterion, CriterionSettings> Type = new("BCECriterion", "sizeAverage")
    {
        Aliases = new[] { "BCELoss" },
        New = static s => new BCECriterion(s.Resolved),
    };

    /// <summary>With the given reduction (mean by default).</summary>
    public BCECriterion(Reduction reduction = Reduction.Mean) : base(reduction) { }
    /// <inheritdoc/>
    protected override void CheckTarget(Tensor input, Tensor target) => CheckSameShape(input, target);

    /// <inheritdoc/>
    protected override void ItemLosses(Tensor input, Tensor target, Span<float> items)
    {
        var p = input.Span; var y = target.Span;
        for (int i = 0; i < items.Length; i++)
            items[i] = -(y[i] * MathF.Max(MathF.Log(p[i]), -100f) + (1f - y[i]) * MathF.Max(MathF.Log(1f - p[i]), -100f));
    }

    /// <inheritdoc/>
    protected override void ItemGradient(Tensor input, Tensor target, float scale, ReadOnlySpan<float> weights, Span<float> grad)
    {
        var p = input.Span; var y = target.Span;
        for (int i = 0; i < grad.Length; i++)
        {
            float d = MathF.Max(p[i] * (1f - p[i]), 1e-12f);
            float w = weights.IsEmpty ? scale : scale * weights[i];
            grad[i] = w * (p[i] - y[i]) / d;
        }
    }
}
