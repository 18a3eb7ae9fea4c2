using ScriptableNN.NN;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace ScriptableNN.Optim;

/// <summary>Settings of <see cref="Sgd"/>.</summary>
public sealed record SgdConfig
{
    /// <summary>The step size.</summary>
    public float LearningRate { get; init; } = 0.01f;
    /// <summary>Momentum mu (0 for plain gradient descent).</summary>
    public float Momentum { get; init; }
    /// <summary>Dampening of the gradient added to the momentum.</summary>
    public float Dampening { get; init; }
    /// <summary>Nesterov's look-ahead momentum.</summary>
    public bool Nesterov { get; init; }
    /// <summary>L2 weight decay added to the gradient of parameters that take decay.</summary>
    public float WeightDecay { get; init; }
    /// <summary>Decay biases and PReLU slopes too (off: they are left out).</summary>
    public bool DecayAll { get; init; }
}

/// <summary>
/// Gradient descent theta -= lr * g (minibatch SGD when g is a minibatch gradient), with
/// optional momentum v = mu v + (1 - dampening) g, and Nesterov's look-ahead g + mu v.
/// </summary>
public sealed class Sgd : Optimizer
{
    /// <summary>The settings.</summary>
    public SgdConfig Config { get; }

    /// <summary>Updates <paramref name="parameters"/> with <paramref name="config"/> (defaults if null).</summary>
    public Sgd(IEnumerable<Parameter> parameters, SgdConfig? config = null) : base(parameters, (config ?? new()).LearningRate)
    {
        Config = config ?? new SgdConfig();
        if (Config.Nesterov && (Config.Momentum <= 0 || Config.Dampening != 0))
            throw new ArgumentException("optim.sgd: Nesterov momentum needs momentum > 0 and dampening 0.");
    }

    /// <inheritdoc/>
    protected override void Update(int index, Parameter p)
    {
        var w = p.Value.Span;
        var g = p.Grad.Span;
        float wd = p.Decay || Config.DecayAll ? Config.WeightDecay : 0f;
        if (wd != 0f) TP.MultiplyAdd(w, wd, g, g);
        if (Config.Momentum != 0f)
        {
            var v = Buffer(0, index, p).Span;
            if (State.Step == 1) g.CopyTo(v);
            else
            {
                TP.Multiply(v, Config.Momentum, v);
                TP.MultiplyAdd(g, 1f - Config.Dampening, v, v);
            }
            if (Config.Nesterov) TP.MultiplyAdd(v, Config.Momentum, g, g); // g + mu v
            else g = v;
        }
        TP.MultiplyAdd(g, -LearningRate, w, w);
    }
}
