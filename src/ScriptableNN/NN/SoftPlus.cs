using ScriptableNN.IO;
using ScriptableNN.Registry;
using ScriptableNN.Tensors;

namespace ScriptableNN.NN;

/// <summary>Smooth ReLU log(1 + e^z), stable for any z.</summary>
public sealed class SoftPlus : Pointwise<SoftPlusOp>
{
    /// <summary>nn.SoftPlus() (ONNX Softplus).</summary>
    public static readonly ModuleType<SoftPlus, NoSettings> Type = new("SoftPlus")
    {
        New = static (_, _) => new SoftPlus(),
        SettingsOf = static _ => new NoSettings(),
        Aliases = new[] { "Softplus" },
        Onnx = static (_, g) => g.Node("Softplus"),
        Pointwise = static _ => new SoftPlusOp(),
        OnnxOps = new[] { "Softplus" },
        FromOnnx = static _ => new SoftPlus(),
    };

    /// <summary>Creates the unit (it has no parameters).</summary>
    public SoftPlus() : base(default) { }
}
