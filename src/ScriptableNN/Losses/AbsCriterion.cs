using ScriptableNN.NN;
using ScriptableNN.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

using ScriptableNN.Registry;

namespace ScriptableNN.Losses;

/// <summary>Absolute error |x - y| (Torch7's AbsCriterion): Laplace likelihood; its minimiser is the conditional median.</summary>
public sealed class AbsCriterion : Criterion
{
    /// <summary>nn.AbsCriterion(sizeAverage) (PyTorch: nn.L1Loss).</summary>
    public static readonly CriterionType<AbsCriterion, CriterionSettings> Type = new("AbsCriterion", "sizeAverage")
    {
        Aliases = new[] { "L1Loss", "L1Criterion" },
        New = static s => new AbsCriterion(s.Resolved),
    };

    /// <summary>With the given reduction (mean by default).</summary>
    public AbsCriterion(Reduction reduction = Reduction.Mean) : base(reduction) { }
    /// <inheritdoc/>
    protected override void CheckTarget(Tensor input, Tensor target) => CheckSameShape(input, target);

    /// <inheritdoc/>
    protected override void ItemLosses(Tensor input, Tensor target, Span<float> items)
    {
        TP.Subtract(input.Span, target.Span, items);
        TP.Abs(items, items);
    }

    /// <inheritdoc/>
    protected override void ItemGradient(Tensor input, Tensor target, float scale, ReadOnlySpan<float> weights, Span<float> grad)
    {
        var x = input.Span; var y = target.Span;
        for (int i = 0; i < grad.Length; i++)
        {
            float d = x[i] - y[i];
            float s = d > 0f ? scale : d < 0f ? -scale : 0f;
            grad[i] = weights.IsEmpty ? s : s * weights[i];
        }
    }
}
