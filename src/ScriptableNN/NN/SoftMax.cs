using ScriptableNN.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace ScriptableNN.NN;

/// <summary>Row-wise softmax output unit, stable for any logits: a distribution over classes.</summary>
public sealed class SoftMax : Module
{
    private Tensor? _out, _gradIn;

    /// <inheritdoc/>
    protected override Tensor UpdateOutput(Tensor input)
    {
        Output = input.Softmax(Tensor.Reuse(ref _out, input));
        return Output;
    }

    // dx = y * (dy - sum(dy * y)) per row
    /// <inheritdoc/>
    public override Tensor UpdateGradInput(Tensor input, Tensor gradOutput)
    {
        var gi = Tensor.Reuse(ref _gradIn, input);
        int cols = input.Cols;
        for (int i = 0; i < input.Rows; i++)
        {
            var y = Output!.Span.Slice(i * cols, cols); var dy = gradOutput.Span.Slice(i * cols, cols); var dx = gi.Span.Slice(i * cols, cols);
            float dot = TP.Dot(dy, y);
            TP.Subtract(dy, dot, dx);
            TP.Multiply(dx, y, dx);
        }
        GradInput = gi;
        return gi;
    }
}

/// <summary>Row-wise log-softmax by log-sum-exp: log-probabilities that stay finite.</summary>
public sealed class LogSoftMax : Module
{
    private Tensor? _out, _gradIn;

    /// <inheritdoc/>
    protected override Tensor UpdateOutput(Tensor input)
    {
        Output = input.LogSoftmax(Tensor.Reuse(ref _out, input));
        return Output;
    }

    // dx = dy - exp(y) * sum(dy) per row
    /// <inheritdoc/>
    public override Tensor UpdateGradInput(Tensor input, Tensor gradOutput)
    {
        var gi = Tensor.Reuse(ref _gradIn, input);
        int cols = input.Cols;
        for (int i = 0; i < input.Rows; i++)
        {
            var y = Output!.Span.Slice(i * cols, cols); var dy = gradOutput.Span.Slice(i * cols, cols); var dx = gi.Span.Slice(i * cols, cols);
            float s = TP.Sum(dy);
            TP.Exp(y, dx);
            TP.MultiplyAdd(dx, -s, dy, dx);
        }
        GradInput = gi;
        return gi;
    }
}
