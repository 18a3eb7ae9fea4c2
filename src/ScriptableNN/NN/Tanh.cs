using ScriptableNN.IO;
using ScriptableNN.Registry;
using ScriptableNN.Tensors;

namespace ScriptableNN.NN;

/// <summary>Hyperbolic tangent.</summary>
public sealed class Tanh : Pointwise<TanhOp>
{
    /// <summary>nn.Tanh() (ONNX Tanh).</summary>
    public static readonly ModuleType<Tanh, NoSettings> Type = new("Tanh")
    {
        New = static (_, _) => new Tanh(),
        SettingsOf = static _ => new NoSettings(),
        Onnx = static (_, g) => g.Node("Tanh"),
        Pointwise = static _ => new TanhOp(),
        OnnxOps = new[] { "Tanh" },
        FromOnnx = static _ => new Tanh(),
    };

    /// <summary>Creates the unit (it has no parameters).</summary>
    public Tanh() : base(default) { }
}
