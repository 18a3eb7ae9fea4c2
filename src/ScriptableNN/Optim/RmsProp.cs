using ScriptableNN.NN;
using ScriptableNN.Registry;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace ScriptableNN.Optim;

/// <summary>Settings of <see cref="RmsProp"/>.</summary>
public sealed record RmsPropConfig
{
    /// <summary>The step size.</summary>
    public float LearningRate { get; init; } = 0.01f;
    /// <summary>Decay of the running mean of squared gradients.</summary>
    public float Alpha { get; init; } = 0.99f;
    /// <summary>Added to the denominator for stability.</summary>
    public float Epsilon { get; init; } = 1e-8f;
    /// <summary>Momentum on the scaled step (0 for none).</summary>
    public float Momentum { get; init; }
    /// <summary>L2 weight decay added to the gradient.</summary>
    public float WeightDecay { get; init; }
    /// <summary>Decay biases and PReLU slopes too.</summary>
    public bool DecayAll { get; init; }
}

/// <summary>RMSProp: divide the step by a running root-mean-square of the gradient.</summary>
public sealed class RmsProp : Optimizer
{
    /// <summary>optim.RMSprop(params, {learningRate =, alpha =, epsilon =, momentum =, weightDecay =}): PyTorch's RMSprop and its defaults.</summary>
    public static readonly OptimizerType<RmsProp, RmsPropConfig> Type = new("RMSprop")
    {
        New = static (ps, c) => new RmsProp(ps, c),
        SettingsOf = static o => o.Config,
    };

    /// <summary>The settings.</summary>
    public RmsPropConfig Config { get; }

    /// <summary>Updates <paramref name="parameters"/> with <paramref name="config"/> (defaults if null).</summary>
    public RmsProp(IEnumerable<Parameter> parameters, RmsPropConfig? config = null) : base(parameters, (config ?? new()).LearningRate)
        => Config = config ?? new RmsPropConfig();

    /// <inheritdoc/>
    protected override void Update(int index, Parameter p)
    {
        var w = p.Value.Span; var g = p.Grad.Span;
        float wd = p.Decay || Config.DecayAll ? Config.WeightDecay : 0f;
        float a = Config.Alpha;
        var sq = Buffer(0, index, p).Span;
        var step = Buffer(1, index, p).Span;               // scratch: g + wd w, then the step
        var den = Buffer(2, index, p).Span;                // scratch: sqrt(sq) + eps
        // Weight decay enters the step, never the gradient buffer.
        if (wd != 0f) TP.MultiplyAdd(w, wd, g, step); else g.CopyTo(step);
        TP.Multiply(sq, a, sq);
        TP.Multiply(step, step, den);
        TP.MultiplyAdd(den, 1f - a, sq, sq);                 // sq = a sq + (1 - a) g^2
        TP.Sqrt(sq, den);
        TP.Add(den, Config.Epsilon, den);
        TP.Divide(step, den, step);                          // g / (sqrt(sq) + eps)
        if (Config.Momentum != 0f)
        {
            var buf = Buffer(3, index, p).Span;
            TP.Multiply(buf, Config.Momentum, buf);
            TP.Add(buf, step, buf);
            TP.MultiplyAdd(buf, -LearningRate, w, w);
        }
        else TP.MultiplyAdd(step, -LearningRate, w, w);
    }

}
