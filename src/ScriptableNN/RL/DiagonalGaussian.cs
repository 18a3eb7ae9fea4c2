using ScriptableNN.Autograd;
using ScriptableNN.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

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

    /// <summary>
    /// log pi(a_i) for each row of <paramref name="mean"/> [B, D] and <paramref name="actions"/>
    /// [B, D] under the deviations exp(<paramref name="logStd"/>) [D], as a [B] tensor recorded for
    /// autograd with respect to the means and the log deviations that require grad.
    /// </summary>
    public static Tensor LogProb(Tensor mean, Tensor logStd, Tensor actions)
    {
        int d = logStd.Length;
        if (d < 1 || mean.Length % d != 0 || actions.Length != mean.Length)
            throw new ArgumentException($"DiagonalGaussian.log_prob: means {mean.ShapeText}, log deviations {logStd.ShapeText} and actions {actions.ShapeText} do not match.");
        int b = mean.Length / d;
        var y = Tensor.Zeros(b);
        for (int i = 0; i < b; i++) y[i] = LogProb(mean.Span.Slice(i * d, d), logStd.Span, actions.Span.Slice(i * d, d));
        if (Tape.Current != null && (mean.RequiresGrad || logStd.RequiresGrad))
        {
            y.RequiresGrad = true;
            Tape.Record(new Node { Mean = mean, LogStd = logStd, Actions = actions, Out = y });
        }
        return y;
    }

    /// <summary>The entropy for the log deviations <paramref name="logStd"/> [D], as a [1] tensor recorded for autograd.</summary>
    public static Tensor Entropy(Tensor logStd)
    {
        var y = Tensor.Full(Entropy(logStd.Span), 1);
        if (Tape.Current != null && logStd.RequiresGrad)
        {
            y.RequiresGrad = true;
            Tape.Record(new Node { LogStd = logStd, Out = y });
        }
        return y;
    }

    // Log-probability rows (Mean and Actions set) or the entropy (only LogStd).
    private sealed class Node : INode
    {
        public Tensor? Mean, Actions;
        public Tensor LogStd = null!, Out = null!;
        public Tensor Output => Out;

        public void Backward()
        {
            var g = Out.Grad;
            if (g == null) return;
            int d = LogStd.Length;
            var gs = LogStd.RequiresGrad ? LogStd.EnsureGrad().Span : new float[d];
            if (Mean == null) { TP.Add(gs, g[0], gs); return; }
            int b = Mean.Length / d;
            var gm = Mean.RequiresGrad ? Mean.EnsureGrad().Span : Span<float>.Empty;
            Span<float> row = d <= 256 ? stackalloc float[d] : new float[d];
            for (int i = 0; i < b; i++)
            {
                DiagonalGaussian.Backward(Mean.Span.Slice(i * d, d), LogStd.Span, Actions!.Span.Slice(i * d, d), g[i], 0f, row, gs);
                if (!gm.IsEmpty) { var dst = gm.Slice(i * d, d); TP.Add(dst, row, dst); }
            }
        }
    }
}
