using ScriptableNN.Autograd;
using ScriptableNN.NN;
using ScriptableNN.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace ScriptableNN.Losses;

/// <summary>How per-item losses become the cost: their mean, their sum, or each kept.</summary>
public enum Reduction
{
    /// <summary>The mean of the items (weighted classes: divided by the summed weights).</summary>
    Mean,
    /// <summary>The sum of the items.</summary>
    Sum,
    /// <summary>Every item kept (<see cref="Criterion.Output"/>); Forward returns their sum.</summary>
    None,
}

/// <summary>A loss that became NaN or infinite; nothing was updated.</summary>
public sealed class NonFiniteLossException : ArithmeticException
{
    /// <summary>With a message naming the loss and where.</summary>
    public NonFiniteLossException(string message) : base(message) { }
}

/// <summary>
/// A cost J(theta) from per-item losses (elements for regression losses, rows for class
/// losses), reduced the same way for one example and for a batch. Subclasses give the
/// per-item loss and the gradient of a weighted sum of items; the reduction lives here once.
/// </summary>
public abstract class Criterion
{
    private Tensor? _items, _gradIn, _scalar;
    private readonly CriterionNode _node;

    /// <summary>With the given reduction.</summary>
    protected Criterion(Reduction reduction)
    {
        Reduction = reduction;
        _node = new CriterionNode(this);
    }

    /// <summary>How the item losses are reduced.</summary>
    public Reduction Reduction { get; set; }

    /// <summary>The per-item losses of the last forward.</summary>
    public Tensor? Output => _items;

    /// <summary>dJ/dinput of the last backward.</summary>
    public Tensor? GradInput { get; private set; }

    /// <summary>Learned parameters of the loss itself (a learned sigma); none for most.</summary>
    public virtual IEnumerable<Parameter> Parameters() => Array.Empty<Parameter>();

    /// <summary>Number of loss items for this input (elements, or rows for class losses).</summary>
    protected virtual int ItemCount(Tensor input) => input.Length;

    /// <summary>The divisor of the mean (the item count; the summed class weights for weighted class losses).</summary>
    protected virtual float MeanDenominator(Tensor input, Tensor target) => ItemCount(input);

    /// <summary>Throws naming the criterion and both shapes when the target does not fit the input.</summary>
    protected abstract void CheckTarget(Tensor input, Tensor target);

    /// <summary>Writes the loss of every item.</summary>
    protected abstract void ItemLosses(Tensor input, Tensor target, Span<float> items);

    /// <summary>Writes d(sum_i w_i loss_i)/dinput, with w_i = scale, or scale * weights[i] when given.</summary>
    protected abstract void ItemGradient(Tensor input, Tensor target, float scale, ReadOnlySpan<float> weights, Span<float> grad);

    /// <summary>Torch7's forward: the reduced loss (with reduction none, the sum of the items).</summary>
    public float Forward(Tensor input, Tensor target)
    {
        CheckTarget(input, target);
        var items = Tensor.Reuse(ref _items, ItemCount(input));
        ItemLosses(input, target, items.Span);
        float sum = TP.Sum(items.Span);
        if (!float.IsFinite(sum)) throw NonFinite(input, items.Span);
        return Reduction == Reduction.Mean ? sum / MeanDenominator(input, target) : sum;
    }

    /// <summary>dJ/dinput for the last input and target (Torch7's backward). With reduction none,
    /// <paramref name="gradOutput"/> weights each item (default: all ones).</summary>
    public Tensor Backward(Tensor input, Tensor target, Tensor? gradOutput = null)
    {
        CheckTarget(input, target);
        var gi = Tensor.Reuse(ref _gradIn, input);
        float scale = Reduction == Reduction.Mean ? 1f / MeanDenominator(input, target) : 1f;
        ReadOnlySpan<float> weights = default;
        if (gradOutput != null)
        {
            if (Reduction == Reduction.None)
            {
                if (gradOutput.Length != ItemCount(input))
                    throw new ArgumentException($"{this}: gradOutput {gradOutput.ShapeText} has {gradOutput.Length} values for {ItemCount(input)} loss items.");
                weights = gradOutput.Span;
            }
            else scale *= gradOutput[0];
        }
        ItemGradient(input, target, scale, weights, gi.Span);
        GradInput = gi;
        return gi;
    }

    /// <summary>
    /// The loss as a tensor that autograd can start from: [1] for mean and sum, the items for
    /// none. Recorded on the current tape, if any.
    /// </summary>
    public Tensor Loss(Tensor input, Tensor target)
    {
        float value = Forward(input, target);
        Tensor result;
        if (Reduction == Reduction.None) result = _items!;
        else { result = Tensor.Reuse(ref _scalar, 1); result[0] = value; }
        if (Tape.Current != null)
        {
            _node.Input = input; _node.Target = target; _node.Result = result;
            result.RequiresGrad = true;
            Tape.Record(_node);
        }
        return result;
    }

    private NonFiniteLossException NonFinite(Tensor input, ReadOnlySpan<float> items)
    {
        int bad = 0;
        while (bad < items.Length && float.IsFinite(items[bad])) bad++;
        int badInput = 0;
        var x = input.Span;
        while (badInput < x.Length && float.IsFinite(x[badInput])) badInput++;
        string where = badInput < x.Length ? $"; the input holds {x[badInput]} at element {badInput}" : "";
        return new NonFiniteLossException($"{this}: the loss is {(bad < items.Length ? items[bad] : float.NaN)} at item {bad}{where}.");
    }

    /// <summary>Throws naming the criterion and both shapes unless target and input hold the same elements.</summary>
    protected void CheckSameShape(Tensor input, Tensor target)
    {
        if (input.Length != target.Length || (target.Rank > 1 && !input.SameShape(target)))
            throw new ArgumentException($"{this}: target {target.ShapeText} does not match input {input.ShapeText}.");
    }

    /// <inheritdoc/>
    public override string ToString() => "nn." + GetType().Name;

    private sealed class CriterionNode : INode
    {
        private readonly Criterion _c;
        public Tensor? Input, Target, Result;
        public CriterionNode(Criterion c) => _c = c;
        public Tensor Output => Result!;

        public void Backward()
        {
            var g = Result!.Grad;
            if (g == null || Input == null || Target == null) return;
            _c.Backward(Input, Target, g); // also accumulates the loss's own parameter gradients
            if (!Input.RequiresGrad) return;
            var target = Input.EnsureGrad();
            Tensor.Add(target, _c.GradInput!, target);
        }
    }
}
