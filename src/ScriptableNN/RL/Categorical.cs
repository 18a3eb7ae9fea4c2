using ScriptableNN.Autograd;
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

    /// <summary>
    /// log pi(a_i) for each row i of <paramref name="logits"/> [B, K] and 0-based
    /// <paramref name="actions"/> [B], as a [B] tensor recorded for autograd when the logits
    /// require grad (PyTorch's Categorical(logits).log_prob).
    /// </summary>
    public static Tensor LogProb(Tensor logits, Tensor actions)
    {
        var (b, k) = Rows(logits, "log_prob");
        if (actions.Length != b) throw new ArgumentException($"Categorical.log_prob: {actions.Length} actions for {b} rows of scores.");
        var y = Tensor.Zeros(b);
        for (int i = 0; i < b; i++)
        {
            float a = actions.Span[i];
            if (a != MathF.Floor(a) || a < 0 || a >= k) throw new ArgumentException($"Categorical.log_prob: action {a} of row {i + 1} is not one of the {k} actions.");
            y[i] = LogProb(logits.Span.Slice(i * k, k), (int)a);
        }
        return Record(y, logits, actions, 1f, 0f);
    }

    /// <summary>The entropy of each row of <paramref name="logits"/> [B, K], as a [B] tensor recorded for autograd.</summary>
    public static Tensor Entropy(Tensor logits)
    {
        var (b, k) = Rows(logits, "entropy");
        var y = Tensor.Zeros(b);
        for (int i = 0; i < b; i++) y[i] = Entropy(logits.Span.Slice(i * k, k));
        return Record(y, logits, null, 0f, 1f);
    }

    private static (int B, int K) Rows(Tensor logits, string what)
    {
        if (logits.Rank != 2 || logits.Size(1) < 1) throw new ArgumentException($"Categorical.{what}: scores must be [rows, actions], got {logits.ShapeText}.");
        return (logits.Size(0), logits.Size(1));
    }

    private static Tensor Record(Tensor y, Tensor logits, Tensor? actions, float wLogProb, float wEntropy)
    {
        if (Tape.Current != null && logits.RequiresGrad)
        {
            y.RequiresGrad = true;
            Tape.Record(new Node { Logits = logits, Actions = actions, WLogProb = wLogProb, WEntropy = wEntropy, Out = y });
        }
        return y;
    }

    // dy_i/dz for y_i = w log pi(a_i) + e H_i, scaled by the incoming gradient of each row.
    private sealed class Node : INode
    {
        public Tensor Logits = null!, Out = null!;
        public Tensor? Actions;
        public float WLogProb, WEntropy;
        public Tensor Output => Out;

        public void Backward()
        {
            var g = Out.Grad;
            if (g == null) return;
            int b = Logits.Size(0), k = Logits.Size(1);
            var gl = Logits.EnsureGrad().Span;
            Span<float> row = k <= 256 ? stackalloc float[k] : new float[k];
            for (int i = 0; i < b; i++)
            {
                int a = Actions == null ? 0 : (int)Actions.Span[i];
                Categorical.Backward(Logits.Span.Slice(i * k, k), a, WLogProb * g[i], WEntropy * g[i], row);
                var dst = gl.Slice(i * k, k);
                TP.Add(dst, row, dst);
            }
        }
    }

    private static float LogSumExp(ReadOnlySpan<float> z)
    {
        float m = TP.Max(z), s = 0;
        for (int k = 0; k < z.Length; k++) s += MathF.Exp(z[k] - m);
        return m + MathF.Log(s);
    }
}
