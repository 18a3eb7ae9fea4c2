using ScriptableNN.NN;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace ScriptableNN.Optim;

/// <summary>Gradient clipping.</summary>
public static class GradClip
{
    /// <summary>
    /// Scales all gradients together so their joint L2 norm is at most <paramref name="maxNorm"/>;
    /// returns the norm before clipping.
    /// </summary>
    public static float ByNorm(IReadOnlyList<Parameter> parameters, float maxNorm)
    {
        double sq = 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            var g = parameters[i].Grad.Span;
            sq += TP.Dot(g, g);
        }
        float norm = (float)Math.Sqrt(sq);
        if (norm > maxNorm && norm > 0f)
        {
            float s = maxNorm / norm;
            for (int i = 0; i < parameters.Count; i++) TP.Multiply(parameters[i].Grad.Span, s, parameters[i].Grad.Span);
        }
        return norm;
    }

    /// <summary>Limits every gradient element to [-<paramref name="maxValue"/>, <paramref name="maxValue"/>] (Keras' clipvalue).</summary>
    public static void ByValue(IReadOnlyList<Parameter> parameters, float maxValue)
    {
        if (!(maxValue > 0f)) throw new ArgumentException($"clip: the value limit must be positive, got {maxValue}.");
        for (int i = 0; i < parameters.Count; i++)
        {
            var g = parameters[i].Grad.Span;
            TP.Max(g, -maxValue, g);
            TP.Min(g, maxValue, g);
        }
    }
}
