using ScriptableNN.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace ScriptableNN.RL;

/// <summary>
/// The categorical distribution over K actions given by a row of scores (logits z):
/// pi(a) = softmax(z)_a. Sampling, log-probability and entropy, and the gradient with respect to
/// the scores of w log pi(a) + e H, which is what a policy-gradient loss needs:
/// d log pi(a) / dz = onehot(a) - pi and dH / dz_k = -pi_k (log pi_k + H).
/// </summary>
public static class Categorical
{
    /// <summary>An action drawn from softmax(<paramref name="logits"/>); <paramref name="probs"/> receives the probabilities.</summary>
    public static int Sample(ReadOnlySpan<float> logits, Span<float> probs, Rng rng)
    {
        TP.SoftMax(logits, probs);
        float u = rng.NextFloat(), acc = 0;
        for (int k = 0; k < probs.Length; k++) { acc += probs[k]; if (u < acc) return k; }
        // Rounding may leave the sum a hair under 1: the last action with any mass takes the rest.
        for (int k = probs.Length - 1; k > 0; k--) if (probs[k] > 0) return k;
        return 0;
    }

    /// <summary>The most probable action.</summary>
    public static int Mode(ReadOnlySpan<float> logits) => TP.IndexOfMax(logits);

    /// <summary>log pi(<paramref name="action"/>) = z_a - logsumexp(z).</summary>
    public static float LogProb(ReadOnlySpan<float> logits, int action) => logits[action] - LogSumExp(logits);

    /// <summary>H = -sum pi log pi.</summary>
    public static float Entropy(ReadOnlySpan<float> logits)
    {
        float lse = LogSumExp(logits);
        float h = 0;
        for (int k = 0; k < logits.Length; k++)
        {
            float logp = logits[k] - lse;
            h -= MathF.Exp(logp) * logp;
        }
        return h;
    }

    /// <summary>
    /// Writes to <paramref name="grad"/> the gradient with respect to the scores of
    /// <paramref name="wLogProb"/> log pi(a) + <paramref name="wEntropy"/> H.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> logits, int action, float wLogProb, float wEntropy, Span<float> grad)
    {
        float lse = LogSumExp(logits);
        float h = 0;
        for (int k = 0; k < logits.Length; k++)
        {
            float logp = logits[k] - lse;
            h -= MathF.Exp(logp) * logp;
        }
        for (int k = 0; k < logits.Length; k++)
        {
            float logp = logits[k] - lse, p = MathF.Exp(logp);
            grad[k] = -wLogProb * p - wEntropy * p * (logp + h);
        }
        grad[action] += wLogProb;
    }

    private static float LogSumExp(ReadOnlySpan<float> z)
    {
        float m = TP.Max(z), s = 0;
        for (int k = 0; k < z.Length; k++) s += MathF.Exp(z[k] - m);
        return m + MathF.Log(s);
    }
}
