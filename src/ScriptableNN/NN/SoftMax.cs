using ScriptableNN.IO;
using ScriptableNN.Registry;
using ScriptableNN.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace ScriptableNN.NN;

/// <summary>A function applied to each row on its own (the softmax family); buffers kept between steps.</summary>
public abstract class RowFunction : Module
{
    private Tensor? _out, _gradIn;

    // ONNX's axis: before opset 13 it defaults to 1 (and flattens the rest); from 13, -1. On a
    // batch of vectors both mean the row.
    internal static bool CheckLastAxis(IO.OnnxNode n)
    {
        long axis = n.Int("axis", n.Opset < 13 ? 1 : -1);
        if (axis != 1 && axis != -1) throw n.Unsupported($"axis {axis}; on a batch of vectors only the last axis (1 or -1) is read");
        return true;
    }

    /// <summary>y = f(z) for one row.</summary>
    protected abstract void Row(ReadOnlySpan<float> z, Span<float> y);

    /// <summary>dz for one row, given y = f(z) and dy.</summary>
    protected abstract void RowGrad(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz);

    /// <inheritdoc/>
    protected override Tensor UpdateOutput(Tensor input)
    {
        var y = Tensor.Reuse(ref _out, input);
        int cols = input.Cols;
        for (int i = 0; i < input.Rows; i++) Row(input.Span.Slice(i * cols, cols), y.Span.Slice(i * cols, cols));
        Output = y;
        return y;
    }

    /// <inheritdoc/>
    public override Tensor UpdateGradInput(Tensor input, Tensor gradOutput)
    {
        if (!gradOutput.SameShape(input)) throw new ArgumentException($"{this}: gradOutput {gradOutput.ShapeText} does not match input {input.ShapeText}.");
        var gi = Tensor.Reuse(ref _gradIn, input);
        int cols = input.Cols;
        for (int i = 0; i < input.Rows; i++)
            RowGrad(Output!.Span.Slice(i * cols, cols), gradOutput.Span.Slice(i * cols, cols), gi.Span.Slice(i * cols, cols));
        GradInput = gi;
        return gi;
    }
}

/// <summary>Row-wise softmax output unit, stable for any logits: a distribution over classes.</summary>
public sealed class SoftMax : RowFunction
{
    /// <summary>nn.SoftMax() (PyTorch: nn.Softmax), ONNX Softmax over the last axis.</summary>
    public static readonly ModuleType<SoftMax, NoSettings> Type = new("SoftMax")
    {
        Aliases = new[] { "Softmax" },
        New = static (_, _) => new SoftMax(),
        SettingsOf = static _ => new NoSettings(),
        Onnx = static (_, g) => g.Node("Softmax", null, OnnxAttribute.Of("axis", -1L)),
        OnnxOps = new[] { "Softmax" },
        FromOnnx = static n => RowFunction.CheckLastAxis(n) ? new SoftMax() : null,
    };

    /// <inheritdoc/>
    protected override void Row(ReadOnlySpan<float> z, Span<float> y) => Tensor.SoftmaxRow(z, y);

    // dz = y * (dy - sum(dy * y))
    /// <inheritdoc/>
    protected override void RowGrad(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz)
    {
        TP.Subtract(dy, TP.Dot(dy, y), dz);
        TP.Multiply(dz, y, dz);
    }
}
