using ScriptableNN.IO;
using ScriptableNN.Registry;
using ScriptableNN.Tensors;

namespace ScriptableNN.NN;

/// <summary>The linear unit: passes its input through.</summary>
public sealed class Identity : Pointwise<IdentityOp>
{
    /// <summary>nn.Identity(): nothing at inference and no ONNX node.</summary>
    public static readonly ModuleType<Identity, NoSettings> Type = new("Identity")
    {
        New = static (_, _) => new Identity(),
        SettingsOf = static _ => new NoSettings(),
        Onnx = static (_, _) => { },
        PassThroughAtInference = true,
    };

    /// <summary>Creates the unit (it has no parameters).</summary>
    public Identity() : base(default) { }
}
