using System.Numerics;
using System.Runtime.CompilerServices;
using ScriptableNN.NN;
using ScriptableNN.Registry;

namespace ScriptableNN.Optim;

/// <summary>Settings of <see cref="Adam"/>.</summary>
public sealed record AdamConfig
{
    /// <summary>The step size.</summary>
    public float LearningRate { get; init; } = 1e-3f;
    /// <summary>Decay of the running mean of gradients.</summary>
    public float Beta1 { get; init; } = 0.9f;
    /// <summary>Decay of the running mean of squared gradients.</summary>
    public float Beta2 { get; init; } = 0.999f;
    /// <summary>Added to the denominator for stability.</summary>
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
    /// <summary>optim.Adam(params, {learningRate =, beta1 =, beta2 =, epsilon =, weightDecay =}).</summary>
    public static readonly OptimizerType<Adam, AdamConfig> Type = new("Adam")
    {
        New = static (ps, c) => new Adam(ps, c),
        SettingsOf = static o => o.Config,
    };

    /// <summary>optim.AdamW: Adam with decoupled weight decay, 0.01 by default (PyTorch's AdamW).</summary>
    public static readonly OptimizerType<Adam, AdamConfig> WType = new("AdamW")
    {
        New = static (ps, c) => new Adam(ps, c),
        SettingsOf = static o => o.Config,
        Default = new AdamConfig { WeightDecay = 0.01f, Decoupled = true },
    };

    /// <summary>The settings.</summary>
    public AdamConfig Config { get; }

    /// <summary>Updates <paramref name="parameters"/> with <paramref name="config"/> (defaults if null).</summary>
    public Adam(IEnumerable<Parameter> parameters, AdamConfig? config = null) : base(parameters, (config ?? new()).LearningRate)
        => Config = config ?? new AdamConfig();

    /// <summary>AdamW: Adam with decoupled weight decay (default 0.01).</summary>
    public static Adam W(IEnumerable<Parameter> parameters, AdamConfig? config = null) =>
        new(parameters, (config ?? WType.Default) with { Decoupled = true });

    /// <summary>Parameters at least this long are updated on all GEMM threads.</summary>
    public static int ParallelThreshold { get; set; } = 32 * 1024;

    private readonly AdamWork _work = new();

    /// <inheritdoc/>
    protected override unsafe void Update(int index, Parameter p)
    {
        float wd = p.Decay || Config.DecayAll ? Config.WeightDecay : 0f;
        float lr = LearningRate;
        var c = new Coefficients
        {
            B1 = Config.Beta1, B2 = Config.Beta2, Eps = Config.Epsilon, Lr = lr,
            L2 = Config.Decoupled ? 0f : wd,
            Shrink = Config.Decoupled ? 1f - lr * wd : 1f,
            C1 = 1f / (1f - MathF.Pow(Config.Beta1, State.Step)),
            C2 = 1f / (1f - MathF.Pow(Config.Beta2, State.Step)),
        };
        fixed (float* w = p.Value.Span) fixed (float* g = p.Grad.Span)
        fixed (float* m = Buffer(0, index, p).Span) fixed (float* v = Buffer(1, index, p).Span)
        {
            _work.Set(w, g, m, v, p.Length, c);
            int parts = Kernels.Parallelism.PartsFor(p.Length, ParallelThreshold);
            Kernels.WorkerPool.Run(_work, parts);
        }
    }

    private struct Coefficients
    {
        public float B1, B2, Eps, Lr, L2, Shrink, C1, C2;
    }

    // The update of elements [start, end): one fused pass over w, g, m, v.
    private static unsafe void Kernel(float* pw, float* pg, float* pm, float* pv, int start, int end, in Coefficients k)
    {
        float b1 = k.B1, b2 = k.B2, lr = k.Lr, l2 = k.L2, shrink = k.Shrink, c1 = k.C1, c2 = k.C2;
        var eps = new Vector<float>(k.Eps);
        int i = start;
        int width = Vector<float>.Count;
        for (; i + width <= end; i += width)
        {
            var w = Unsafe.Read<Vector<float>>(pw + i);
            var g = Unsafe.Read<Vector<float>>(pg + i) + l2 * w;
            var m = b1 * Unsafe.Read<Vector<float>>(pm + i) + (1f - b1) * g;
            var v = b2 * Unsafe.Read<Vector<float>>(pv + i) + (1f - b2) * g * g;
            Unsafe.Write(pm + i, m);
            Unsafe.Write(pv + i, v);
            Unsafe.Write(pw + i, shrink * w - lr * (m * c1) / (Vector.SquareRoot(v * c2) + eps));
        }
        for (; i < end; i++)
        {
            float g = pg[i] + l2 * pw[i];
            pm[i] = b1 * pm[i] + (1f - b1) * g;
            pv[i] = b2 * pv[i] + (1f - b2) * g * g;
            pw[i] = shrink * pw[i] - lr * (pm[i] * c1) / (MathF.Sqrt(pv[i] * c2) + k.Eps);
        }
    }

    private sealed unsafe class AdamWork : Kernels.IParallelWork
    {
        private float* _w, _g, _m, _v;
        private int _n;
        private Coefficients _c;

        public void Set(float* w, float* g, float* m, float* v, int n, in Coefficients c)
        {
            _w = w; _g = g; _m = m; _v = v; _n = n; _c = c;
        }

        // Boundaries on multiples of 64 elements, so both halves keep whole cache lines.
        public void RunPart(int part, int parts)
        {
            int start = (int)((long)_n * part / parts) & ~63, end = part == parts - 1 ? _n : (int)((long)_n * (part + 1) / parts) & ~63;
            Kernel(_w, _g, _m, _v, start, end, in _c);
        }
    }
}
