using ScriptableNN.NN;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace ScriptableNN.Optim;

/// <summary>Settings of <see cref="RmsProp"/>.</summary>
public sealed record RmsPropConfig
{
    public float LearningRate { get; init; } = 0.01f;
    public float Alpha { get; init; } = 0.99f;
    public float Epsilon { get; init; } = 1e-8f;
    public float Momentum { get; init; }
    public float WeightDecay { get; init; }
    public bool DecayAll { get; init; }
}

/// <summary>RMSProp: divide the step by a running root-mean-square of the gradient.</summary>
public sealed class RmsProp : Optimizer
{
    public RmsPropConfig Config { get; }

    public RmsProp(IEnumerable<Parameter> parameters, RmsPropConfig? config = null) : base(parameters, (config ?? new()).LearningRate)
        => Config = config ?? new RmsPropConfig();

    protected override void Update(int index, Parameter p)
    {
        var w = p.Value.Span; var g = p.Grad.Span;
        float wd = p.Decay || Config.DecayAll ? Config.WeightDecay : 0f;
        if (wd != 0f) TP.MultiplyAdd(w, wd, g, g);
        var sq = Buffer(0, index, p).Span;
        var step = Buffer(1, index, p).Span;             // scratch: the step before momentum
        TP.Multiply(sq, Config.Alpha, sq);
        TP.Multiply(g, g, step);
        TP.MultiplyAdd(step, 1f - Config.Alpha, sq, sq);   // sq = a sq + (1 - a) g^2
        TP.Sqrt(sq, step);
        TP.Add(step, Config.Epsilon, step);
        TP.Divide(g, step, step);                          // g / (sqrt(sq) + eps)
        if (Config.Momentum != 0f)
        {
            var buf = Buffer(2, index, p).Span;
            TP.Multiply(buf, Config.Momentum, buf);
            TP.Add(buf, step, buf);
            TP.MultiplyAdd(buf, -LearningRate, w, w);
        }
        else TP.MultiplyAdd(step, -LearningRate, w, w);
    }
}
