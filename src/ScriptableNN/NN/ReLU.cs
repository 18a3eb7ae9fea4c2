using ScriptableNN.IO;
using ScriptableNN.Registry;
using ScriptableNN.Tensors;

namespace ScriptableNN.NN;

/// <summary>Rectified linear unit, max(0, z).</summary>
public sealed class ReLU : Pointwise<ReluOp>
{
    /// <summary>nn.ReLU() (ONNX Relu).</summary>
    public static readonly ModuleType<ReLU, InPlaceSettings> Type = new("ReLU", "inplace")
    {
        New = static (_, _) => new ReLU(),
        SettingsOf = static _ => new InPlaceSettings(),
        Onnx = static (_, g) => g.Node("Relu"),
        Pointwise = static _ => new ReluOp(),
        OnnxOps = new[] { "Relu" },
        FromOnnx = static _ => new ReLU(),
    };

    /// <summary>Creates the unit (it has no parameters).</summary>
    public ReLU() : base(default) { }
}

/// <summary>Settings of units that Torch7 lets compute in place; the flag is accepted and the result is the same.</summary>
public record InPlaceSettings
{
    /// <summary>Torch7's in-place flag (results are identical; ScriptableNN keeps its own output buffer).</summary>
    public bool Inplace { get; init; }
}
