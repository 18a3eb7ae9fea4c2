using ScriptableNN.Tensors;

namespace ScriptableNN.NN;

/// <summary>How a layer's weights start.</summary>
public enum Init
{
    /// <summary>Torch7's and PyTorch's default: U(-1/sqrt(fanIn), 1/sqrt(fanIn)).</summary>
    Default,
    /// <summary>Glorot and Bengio: U(-a, a), a = sqrt(6 / (fanIn + fanOut)); for tanh and sigmoid units.</summary>
    XavierUniform,
    /// <summary>Glorot and Bengio: N(0, 2 / (fanIn + fanOut)).</summary>
    XavierNormal,
    /// <summary>He et al.: U(-a, a), a = sqrt(6 / fanIn); for ReLU units.</summary>
    HeUniform,
    /// <summary>He et al.: N(0, 2 / fanIn).</summary>
    HeNormal,
}

internal static class Initializer
{
    public static void Fill(Tensor w, Init init, int fanIn, int fanOut, Rng rng)
    {
        var s = w.Span;
        switch (init)
        {
            case Init.Default: Uniform(s, 1.0 / Math.Sqrt(fanIn), rng); break;
            case Init.XavierUniform: Uniform(s, Math.Sqrt(6.0 / (fanIn + fanOut)), rng); break;
            case Init.HeUniform: Uniform(s, Math.Sqrt(6.0 / fanIn), rng); break;
            case Init.XavierNormal: Normal(s, Math.Sqrt(2.0 / (fanIn + fanOut)), rng); break;
            case Init.HeNormal: Normal(s, Math.Sqrt(2.0 / fanIn), rng); break;
            default: throw new ArgumentOutOfRangeException(nameof(init), init, "unknown initialisation");
        }
    }

    private static void Uniform(Span<float> s, double a, Rng rng)
    {
        for (int i = 0; i < s.Length; i++) s[i] = (float)(a * (2 * rng.NextDouble() - 1));
    }

    private static void Normal(Span<float> s, double std, Rng rng)
    {
        for (int i = 0; i < s.Length; i++) s[i] = (float)(std * rng.NextNormal());
    }
}
