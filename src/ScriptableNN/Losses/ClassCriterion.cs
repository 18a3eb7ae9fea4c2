using ScriptableNN.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace ScriptableNN.Losses;

/// <summary>
/// The shared part of the class losses: input [batch, classes] (or [classes] for one sample),
/// target the 0-based class index of each row, optional per-class weights. With weights, the
/// mean divides by the summed weights of the targets (as PyTorch does).
/// </summary>
public abstract class ClassCriterion : Criterion
{
    private readonly float[]? _weights;

    /// <summary>With a reduction and optional per-class weights.</summary>
    protected ClassCriterion(Reduction reduction, float[]? classWeights) : base(reduction) => _weights = classWeights;

    /// <inheritdoc/>
    protected override int ItemCount(Tensor input) => input.Rows;

    /// <summary>The weight of class <paramref name="cls"/> (1 without weights).</summary>
    protected float Weight(int cls) => _weights == null ? 1f : _weights[cls];

    /// <inheritdoc/>
    protected override float MeanDenominator(Tensor input, Tensor target)
    {
        if (_weights == null) return input.Rows;
        float s = 0;
        for (int i = 0; i < input.Rows; i++) s += _weights[(int)target.Span[i]];
        return s;
    }

    /// <inheritdoc/>
    protected override void CheckTarget(Tensor input, Tensor target)
    {
        if (input.Rank > 2) throw new ArgumentException($"{this}: input {input.ShapeText}, expected [batch, classes] or [classes].");
        if (target.Length != input.Rows || target.Rank > 2 || (target.Rank == 2 && target.Cols != 1))
            throw new ArgumentException($"{this}: target {target.ShapeText} does not match input {input.ShapeText}: expected one class index per row ([{input.Rows}]).");
        int classes = input.Cols;
        if (_weights != null && _weights.Length != classes)
            throw new ArgumentException($"{this}: {_weights.Length} class weights for {classes} classes.");
        var t = target.Span;
        for (int i = 0; i < t.Length; i++)
        {
            float c = t[i];
            if (!(c >= 0 && c < classes) || c != MathF.Floor(c))
                throw new ArgumentException($"{this}: class index {c} at row {i} is outside [0, {classes}) or not whole.");
        }
    }
}

/// <summary>Settings of the class losses: per-class weights (Torch7 passes them first).</summary>
public sealed record ClassCriterionSettings : Registry.CriterionSettings
{
    /// <summary>One weight per class, or none.</summary>
    public float[]? Weights { get; init; }
}
