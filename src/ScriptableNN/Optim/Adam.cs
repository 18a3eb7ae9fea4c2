using System.Numerics;
using System.Runtime.InteropServices;
using ScriptableNN.NN;

namespace ScriptableNN.Optim;

/// <summary>Settings of <see cref="Adam"/>.</summary>
public sealed record AdamConfig
{
    public float LearningRate { get; init; } = 1e-3f;
    public float Beta1 { get; init; } = 0.9f;
    public float Beta2 { get; init; } = 0.999f;
    public float Epsilon { get; init; } = 1e-8f;
    /// <summary>Weight decay: L2 added to the gradient (Adam), or decoupled shrinking (AdamW).</summary>
    public float WeightDecay { get; init; }
    /// <summary>Decoupled weight decay, theta -= lr * wd * theta, as AdamW.</summary>
    public bool Decoupled { get; init; }
    /// <summary>Decay biases and PReLU slopes too (off: they are left out).</summary>
    public bool DecayAll { get; init; }
}

/// <summary>
/// Adam: bias-corrected running means of g and g^2, theta -= lr * m_hat / (sqrt(v_hat) + eps).
/// With <see cref="AdamConfig.Decoupled"/>, AdamW. The whole update of a parameter is one fused
/// SIMD pass.
/// </summary>
public sealed class Adam : Optimizer
{
    public AdamConfig Config { get; }

    public Adam(IEnumerable<Parameter> parameters, AdamConfig? config = null) : base(parameters, (config ?? new()).LearningRate)
        => Config = config ?? new AdamConfig();

    /// <summary>AdamW: Adam with decoupled weight decay (default 0.01).</summary>
    public static Adam W(IEnumerable<Parameter> parameters, AdamConfig? config = null) =>
        new(parameters, (config ?? new AdamConfig { WeightDecay = 0.01f }) with { Decoupled = true });

    protected override void Update(int index, Parameter p)
    {
        var w = p.Value.Span; var g = p.Grad.Span;
        var m = Buffer(0, index, p).Span; var v = Buffer(1, index, p).Span;
        float b1 = Config.Beta1, b2 = Config.Beta2, eps = Config.Epsilon, lr = LearningRate;
        float wd = p.Decay || Config.DecayAll ? Config.WeightDecay : 0f;
        float l2 = Config.Decoupled ? 0f : wd;
        float shrink = Config.Decoupled ? 1f - lr * wd : 1f;
        float c1 = 1f / (1f - MathF.Pow(b1, State.Step)), c2 = 1f / (1f - MathF.Pow(b2, State.Step));
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var wv = MemoryMarshal.Cast<float, Vector<float>>(w); var gv = MemoryMarshal.Cast<float, Vector<float>>(g);
            var mv = MemoryMarshal.Cast<float, Vector<float>>(m); var vv = MemoryMarshal.Cast<float, Vector<float>>(v);
            for (int k = 0; k < wv.Length; k++)
            {
                var gk = gv[k] + l2 * wv[k];
                var mk = b1 * mv[k] + (1f - b1) * gk;
                var vk = b2 * vv[k] + (1f - b2) * gk * gk;
                mv[k] = mk; vv[k] = vk;
                wv[k] = shrink * wv[k] - lr * (mk * c1) / (Vector.SquareRoot(vk * c2) + new Vector<float>(eps));
            }
            i = wv.Length * Vector<float>.Count;
        }
        for (; i < w.Length; i++)
        {
            float gk = g[i] + l2 * w[i];
            m[i] = b1 * m[i] + (1f - b1) * gk;
            v[i] = b2 * v[i] + (1f - b2) * gk * gk;
            w[i] = shrink * w[i] - lr * (m[i] * c1) / (MathF.Sqrt(v[i] * c2) + eps);
        }
    }
}
