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
        OnnxOps = new[] { "Identity", "Flatten", "Reshape" },
        FromOnnx = static n => PassThrough(n),
    };

    /// <summary>Creates the unit (it has no parameters).</summary>
    public Identity() : base(default) { }

    // Nodes that change nothing for a batch of vectors: Identity, Flatten at axis 1, a Reshape to
    // [N, features]. Anything else would change the shape, and is refused.
    private static Module? PassThrough(OnnxNode n)
    {
        switch (n.Op)
        {
            case "Flatten":
                if (n.Int("axis", 1) != 1) throw n.Unsupported($"axis {n.Int("axis", 1)}; only Flatten to [N, features] (axis 1) is read");
                return null;
            case "Reshape":
                var shape = n.Constant(1).Integers ?? throw n.Error("the shape is not an integer tensor");
                bool keeps = shape.Length == 2 && (shape[1] == n.Width && shape[0] is -1 or 0 || shape[0] == 0 && shape[1] == -1);
                if (!keeps) throw n.Unsupported($"reshape to [{string.Join(", ", shape)}]; only a batch of {n.Width}-vectors, [-1, {n.Width}] or [0, -1], is read");
                return null;
            default:
                return null;
        }
    }
}
