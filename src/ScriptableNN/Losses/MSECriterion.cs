using ScriptableNN.NN;
using ScriptableNN.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

using ScriptableNN.Registry;

namespace ScriptableNN.Losses;

/// <summary>Squared error (x - y)^2: maximum likelihood under Gaussian noise; its minimiser is the conditional mean.</summary>
public sealed class MSECriterion : Criterion
{
    /// <summary>nn.MSECriterion(sizeAverage) (PyTorch: nn.MSELoss).</summary>
    public static readonly CriterionType<MSECriterion, CriterionSettings> Type = new("MSECriterion", "sizeAverage")
    {
        Aliases = new[] { "MSELoss" },
        New = static s => new MSECriterion(s.Resolved),
    };

    /// <summary>With the given reduction (mean by default).</summary>
    public MSECriterion(Reduction reduction = Reduction.Mean) : base(reduction) { }
    /// <inheritdoc/>
    protected override void CheckTarget(Tensor input, Tensor target) => CheckSameShape(input, target);

    /// <inheritdoc/>
    protected override void ItemLosses(Tensor input, Tensor target, Span<float> items)
    {
        TP.Subtract(input.Span, target.Span, items);
        TP.Multiply(items, items, items);
    }

    /// <inheritdoc/>
    protected override void ItemGradient(Tensor input, Tensor target, float scale, ReadOnlySpan<float> weights, Span<float> grad)
    {
        TP.Subtract(input.Span, target.Span, grad);
        TP.Multiply(grad, 2f * scale, grad);
        if (!weights.IsEmpty) TP.Multiply(grad, weights, grad);
    }
}
