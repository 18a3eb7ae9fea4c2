using ScriptableNN.IO;
using ScriptableNN.Registry;
using ScriptableNN.Tensors;

namespace ScriptableNN.NN;

/// <summary>Logistic sigmoid.</summary>
public sealed class Sigmoid : Pointwise<SigmoidOp>
{
    /// <summary>nn.Sigmoid() (ONNX Sigmoid).</summary>
    public static readonly ModuleType<Sigmoid, NoSettings> Type = new("Sigmoid")
    {
        New = static (_, _) => new Sigmoid(),
        SettingsOf = static _ => new NoSettings(),
        Onnx = static (_, g) => g.Node("Sigmoid"),
        Pointwise = static _ => new SigmoidOp(),
        OnnxOps = new[] { "Sigmoid" },
        FromOnnx = static _ => new Sigmoid(),
    };

    /// <summary>Creates the unit (it has no parameters).</summary>
    public Sigmoid() : base(default) { }
}
