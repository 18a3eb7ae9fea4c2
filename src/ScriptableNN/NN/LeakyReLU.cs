using ScriptableNN.IO;
using ScriptableNN.Registry;
using ScriptableNN.Tensors;

namespace ScriptableNN.NN;

/// <summary>Leaky ReLU: max(0, z) + slope * min(0, z) with a fixed slope (default 0.01).</summary>
public sealed class LeakyReLU : Pointwise<ReluOp>
{
    /// <summary>nn.LeakyReLU(slope) (Torch7's negval), ONNX LeakyRelu.</summary>
    public static readonly ModuleType<LeakyReLU, LeakyReLUSettings> Type = new("LeakyReLU", "slope", "inplace")
    {
        New = static (s, _) => new LeakyReLU(s.Slope),
        SettingsOf = static m => new LeakyReLUSettings { Slope = m.Slope },
        Onnx = static (m, g) => g.Node("LeakyRelu", null, OnnxAttribute.Of("alpha", m.Slope)),
        Pointwise = static m => new ReluOp(m.Slope),
        OnnxOps = new[] { "LeakyRelu" },
        FromOnnx = static n => new LeakyReLU(n.Float("alpha", 0.01f)),
    };

    /// <summary>The slope below zero.</summary>
    public float Slope { get; }
    /// <summary>With a fixed slope below zero.</summary>
    public LeakyReLU(float slope = 0.01f) : base(new ReluOp(slope)) => Slope = slope;
    /// <inheritdoc/>
    public override string ToString() => $"nn.LeakyReLU({Slope})";
}

/// <summary>Settings of a leaky ReLU.</summary>
public sealed record LeakyReLUSettings : InPlaceSettings
{
    /// <summary>The slope below zero.</summary>
    public float Slope { get; init; } = 0.01f;
}
