using ScriptableNN.IO;
using ScriptableNN.Registry;
using ScriptableNN.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace ScriptableNN.NN;

/// <summary>Row-wise log-softmax by log-sum-exp: log-probabilities that stay finite.</summary>
public sealed class LogSoftMax : RowFunction
{
    /// <summary>nn.LogSoftMax() (PyTorch: nn.LogSoftmax), ONNX LogSoftmax over the last axis.</summary>
    public static readonly ModuleType<LogSoftMax, NoSettings> Type = new("LogSoftMax")
    {
        Aliases = new[] { "LogSoftmax" },
        New = static (_, _) => new LogSoftMax(),
        SettingsOf = static _ => new NoSettings(),
        Onnx = static (_, g) => g.Node("LogSoftmax", null, OnnxAttribute.Of("axis", -1L)),
        OnnxOps = new[] { "LogSoftmax" },
        FromOnnx = static n => RowFunction.CheckLastAxis(n) ? new LogSoftMax() : null,
    };

    /// <inheritdoc/>
    protected override void Row(ReadOnlySpan<float> z, Span<float> y) => Tensor.LogSoftmaxRow(z, y);

    // dz = dy - exp(y) * sum(dy)
    /// <inheritdoc/>
    protected override void RowGrad(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz)
    {
        float s = TP.Sum(dy);
        TP.Exp(y, dz);
        TP.MultiplyAdd(dz, -s, dy, dz);
    }
}
