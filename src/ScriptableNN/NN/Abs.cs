using ScriptableNN.IO;
using ScriptableNN.Registry;
using ScriptableNN.Tensors;

namespace ScriptableNN.NN;

/// <summary>Absolute-value rectification |z|.</summary>
public sealed class Abs : Pointwise<AbsOp>
{
    /// <summary>nn.Abs() (ONNX Abs).</summary>
    public static readonly ModuleType<Abs, NoSettings> Type = new("Abs")
    {
        New = static (_, _) => new Abs(),
        SettingsOf = static _ => new NoSettings(),
        Onnx = static (_, g) => g.Node("Abs"),
        Pointwise = static _ => new AbsOp(),
        OnnxOps = new[] { "Abs" },
        FromOnnx = static _ => new Abs(),
    };

    /// <summary>Creates the unit (it has no parameters).</summary>
    public Abs() : base(default) { }
}
