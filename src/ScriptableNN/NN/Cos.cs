using ScriptableNN.IO;
using ScriptableNN.Registry;
using ScriptableNN.Tensors;

namespace ScriptableNN.NN;

/// <summary>cos(z).</summary>
public sealed class Cos : Pointwise<CosOp>
{
    /// <summary>nn.Cos() (ONNX Cos).</summary>
    public static readonly ModuleType<Cos, NoSettings> Type = new("Cos")
    {
        New = static (_, _) => new Cos(),
        SettingsOf = static _ => new NoSettings(),
        Onnx = static (_, g) => g.Node("Cos"),
        Pointwise = static _ => new CosOp(),
        OnnxOps = new[] { "Cos" },
        FromOnnx = static _ => new Cos(),
    };

    /// <summary>Creates the unit (it has no parameters).</summary>
    public Cos() : base(default) { }
}
