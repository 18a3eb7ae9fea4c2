using ScriptableNN.NN;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace ScriptableNN.Optim;

/// <summary>Which norm a <see cref="Penalty"/> uses.</summary>
public enum PenaltyKind
{
    /// <summary>Omega = 1/2 ||theta||^2, gradient theta.</summary>
    L2,
    /// <summary>Omega = ||theta||_1, gradient sign(theta).</summary>
    L1,
}

/// <summary>
/// Regularisation lambda * Omega(theta) over a group of parameters, added to the cost. Only
/// parameters that take decay count (biases and PReLU slopes are left out) unless asked.
/// </summary>
public sealed class Penalty
{
    private readonly Parameter[] _params;

    /// <summary>The norm.</summary>
    public PenaltyKind Kind { get; }
    /// <summary>The weight lambda of the penalty.</summary>
    public float Lambda { get; }

    /// <summary>lambda * Omega over <paramref name="group"/> (only parameters that take decay unless <paramref name="includeAll"/>).</summary>
    public Penalty(PenaltyKind kind, float lambda, IEnumerable<Parameter> group, bool includeAll = false)
    {
        Kind = kind;
        Lambda = lambda;
        _params = group.Where(p => includeAll || p.Decay).ToArray();
    }

    /// <summary>lambda * Omega(theta), without touching gradients.</summary>
    public float Value()
    {
        double s = 0;
        foreach (var p in _params)
        {
            var w = p.Value.Span;
            s += Kind == PenaltyKind.L2 ? 0.5 * TP.Dot(w, w) : TP.SumOfMagnitudes(w);
        }
        return (float)(Lambda * s);
    }

    /// <summary>Adds lambda * dOmega/dtheta into the gradients and returns lambda * Omega(theta).</summary>
    public float Apply()
    {
        float value = Value();
        foreach (var p in _params)
        {
            var w = p.Value.Span; var g = p.Grad.Span;
            if (Kind == PenaltyKind.L2) TP.MultiplyAdd(w, Lambda, g, g);
            else for (int i = 0; i < w.Length; i++) g[i] += Lambda * MathF.Sign(w[i]);
        }
        return value;
    }
}
