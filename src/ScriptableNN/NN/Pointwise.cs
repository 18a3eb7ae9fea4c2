using ScriptableNN.Tensors;

namespace ScriptableNN.NN;

/// <summary>A module applying an element-wise unit; keeps its buffers between steps.</summary>
public class Pointwise<TOp> : Module where TOp : struct, IPointwise
{
    /// <summary>The unit's operator.</summary>
    protected TOp Op;
    private Tensor? _out, _gradIn;

    /// <summary>A module applying <paramref name="op"/>.</summary>
    protected Pointwise(TOp op) => Op = op;

    /// <inheritdoc/>
    protected override Tensor UpdateOutput(Tensor input)
    {
        var y = Tensor.Reuse(ref _out, input);
        Op.Forward(input.Span, y.Span);
        Output = y;
        return y;
    }

    /// <inheritdoc/>
    public override Tensor UpdateGradInput(Tensor input, Tensor gradOutput)
    {
        if (!gradOutput.SameShape(input))
            throw new ArgumentException($"{this}: gradOutput {gradOutput.ShapeText} does not match input {input.ShapeText}.");
        if (Output == null || !Output.SameShape(input))
            throw new InvalidOperationException($"{this}: backward before forward for input {input.ShapeText}.");
        var gi = Tensor.Reuse(ref _gradIn, input);
        Op.Backward(input.Span, Output.Span, gradOutput.Span, gi.Span);
        GradInput = gi;
        return gi;
    }
}
