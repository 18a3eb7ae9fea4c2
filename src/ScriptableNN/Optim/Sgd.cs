using ScriptableNN.NN;
using ScriptableNN.Registry;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace ScriptableNN.Optim;

/// <summary>Settings of <see cref="Sgd"/>.</summary>
public sealed record SgdConfig
{
    /// <summary>The step size (PyTorch's default, 1e-3, as Torch7's optim.sgd).</summary>
    public float LearningRate { get; init; } = 1e-3f;
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
    /// <summary>optim.SGD(params, {learningRate =, momentum =, dampening =, nesterov =, weightDecay =}): PyTorch's SGD and its defaults.</summary>
    public static readonly OptimizerType<Sgd, SgdConfig> Type = new("SGD")
    {
        New = static (ps, c) => new Sgd(ps, c),
        SettingsOf = static o => o.Config,
    };

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
        // Weight decay enters the step, never the gradient buffer: dJ/dtheta stays as computed.
        var w = p.Value.Span;
        var g = p.Grad.Span;
        float lr = LearningRate, mu = Config.Momentum;
        float wd = p.Decay || Config.DecayAll ? Config.WeightDecay : 0f;
        if (mu == 0f)
        {
            if (wd != 0f) TP.Multiply(w, 1f - lr * wd, w);          // w -= lr wd w
            TP.MultiplyAdd(g, -lr, w, w);
            return;
        }
        var v = Buffer(0, index, p).Span;
        if (State.Step == 1)
        {
            g.CopyTo(v);                                              // v = g + wd w
            if (wd != 0f) TP.MultiplyAdd(w, wd, v, v);
        }
        else
        {
            float keep = 1f - Config.Dampening;                       // v = mu v + (1 - d)(g + wd w)
            TP.Multiply(v, mu, v);
            TP.MultiplyAdd(g, keep, v, v);
            if (wd != 0f) TP.MultiplyAdd(w, keep * wd, v, v);
        }
        if (Config.Nesterov)
        {
            // w -= lr (g + wd w + mu v), applied in parts so no scratch buffer is needed
            if (wd != 0f) TP.Multiply(w, 1f - lr * wd, w);
            TP.MultiplyAdd(g, -lr, w, w);
            TP.MultiplyAdd(v, -lr * mu, w, w);
        }
        else TP.MultiplyAdd(v, -lr, w, w);
    }

}
