using ScriptableNN.Tensors;

namespace ScriptableNN.RL;

/// <summary>
/// The diagonal Gaussian over D continuous action values: a mean per row (the policy network's
/// output) and one learned log standard deviation per value, independent of the state (as
/// Stable-Baselines3's and CleanRL's continuous PPO). With sigma = exp(s):
/// log pi(a) = sum_d [-(a_d - mu_d)^2 / (2 sigma_d^2) - s_d - log(2 pi) / 2],
/// H = sum_d [s_d + (1 + log(2 pi)) / 2]; so d log pi / d mu = (a - mu) / sigma^2,
/// d log pi / d s = (a - mu)^2 / sigma^2 - 1 and dH / ds = 1.
/// </summary>
public static class DiagonalGaussian
{
    private static readonly float HalfLog2Pi = 0.5f * MathF.Log(2 * MathF.PI);

    /// <summary>Draws <paramref name="action"/> = mu + sigma * n with n standard normal.</summary>
    public static void Sample(ReadOnlySpan<float> mean, ReadOnlySpan<float> logStd, Rng rng, Span<float> action)
    {
        for (int d = 0; d < mean.Length; d++) action[d] = mean[d] + MathF.Exp(logStd[d]) * rng.NextNormal();
    }

    /// <summary>log pi(<paramref name="action"/>).</summary>
    public static float LogProb(ReadOnlySpan<float> mean, ReadOnlySpan<float> logStd, ReadOnlySpan<float> action)
    {
        float sum = 0;
        for (int d = 0; d < mean.Length; d++)
        {
            float z = (action[d] - mean[d]) * MathF.Exp(-logStd[d]);
            sum += -0.5f * z * z - logStd[d] - HalfLog2Pi;
        }
        return sum;
    }

    /// <summary>The entropy, which depends on the deviations only.</summary>
    public static float Entropy(ReadOnlySpan<float> logStd)
    {
        float sum = 0;
        for (int d = 0; d < logStd.Length; d++) sum += logStd[d] + 0.5f + HalfLog2Pi;
        return sum;
    }

    /// <summary>
    /// Writes to <paramref name="gradMean"/> and adds to <paramref name="gradLogStd"/> the gradient of
    /// <paramref name="wLogProb"/> log pi(a) + <paramref name="wEntropy"/> H.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> mean, ReadOnlySpan<float> logStd, ReadOnlySpan<float> action,
        float wLogProb, float wEntropy, Span<float> gradMean, Span<float> gradLogStd)
    {
        for (int d = 0; d < mean.Length; d++)
        {
            float inv = MathF.Exp(-logStd[d]);
            float z = (action[d] - mean[d]) * inv;
            gradMean[d] = wLogProb * z * inv;
            gradLogStd[d] += wLogProb * (z * z - 1f) + wEntropy;
        }
    }
}
