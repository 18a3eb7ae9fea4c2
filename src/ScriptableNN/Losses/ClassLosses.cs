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

/// <summary>Negative log-likelihood on log-probabilities (after LogSoftMax): -w[y] * x[y].</summary>
public sealed class ClassNLLCriterion : ClassCriterion
{
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

/// <summary>
/// Cross-entropy on logits: log-softmax and NLL fused, -w[y] (z_y - logsumexp(z)). Stable for
/// any logits; gradient w[y] (softmax(z) - onehot(y)).
/// </summary>
public sealed class CrossEntropyCriterion : ClassCriterion
{
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
