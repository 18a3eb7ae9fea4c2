using ScriptableNN.IO;
using ScriptableNN.Registry;
using ScriptableNN.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace ScriptableNN.NN;

/// <summary>
/// Dropout: in training mode each unit is zeroed with probability p and the survivors scaled by
/// 1/(1-p) (inverted dropout, so evaluation is the identity). The mask comes from the module's
/// own seeded generator, so runs repeat.
/// </summary>
public sealed class Dropout : Module
{
    /// <summary>nn.Dropout(p): the identity at inference and in ONNX.</summary>
    public static readonly ModuleType<Dropout, DropoutSettings> Type = new("Dropout", "p", "v1", "inplace")
    {
        New = static (s, rng) => s.V1 ? throw new ArgumentException("nn.Dropout: v1 (scaling at test time) is not supported; leave it false, Torch7's default.") : new Dropout(s.P, rng),
        SettingsOf = static m => new DropoutSettings { P = m.P },
        Onnx = static (_, _) => { },
        PassThroughAtInference = true,
        // An exported graph is for inference, where dropout is the identity: nothing to build.
        OnnxOps = new[] { "Dropout" },
        FromOnnx = static _ => null,
    };

    /// <summary>The probability of zeroing a unit.</summary>
    public float P { get; }
    private readonly Rng _rng;
    private Tensor? _out, _mask, _gradIn;

    /// <summary>Drops with probability <paramref name="p"/>; masks come from a generator seeded from <paramref name="rng"/>.</summary>
    public Dropout(float p = 0.5f, Rng? rng = null)
    {
        if (!(p >= 0f && p < 1f)) throw new ArgumentException($"nn.Dropout: p must be in [0, 1), got {p}.");
        P = p;
        _rng = new Rng((rng ?? Rng.Global).NextUInt64());
    }

    /// <inheritdoc/>
    protected override Tensor UpdateOutput(Tensor input)
    {
        var y = Tensor.Reuse(ref _out, input);
        if (!IsTraining || P == 0f) { y.CopyFrom(input); Output = y; return y; }
        var m = Tensor.Reuse(ref _mask, input).Span;
        // Uniform draws first, then the mask from them in vectors: a branch per unit on a
        // 20% event mispredicts too often to be cheap.
        _rng.NextFloats(m);
        var p = new System.Numerics.Vector<float>(P);
        var keep = new System.Numerics.Vector<float>(1f / (1f - P));
        int w = System.Numerics.Vector<float>.Count, i = 0;
        for (; i + w <= m.Length; i += w)
        {
            var u = new System.Numerics.Vector<float>(m.Slice(i, w));
            System.Numerics.Vector.ConditionalSelect(System.Numerics.Vector.LessThan(u, p), System.Numerics.Vector<float>.Zero, keep).CopyTo(m.Slice(i, w));
        }
        for (; i < m.Length; i++) m[i] = m[i] < P ? 0f : keep[0];
        TP.Multiply(input.Span, m, y.Span);
        Output = y;
        return y;
    }

    /// <inheritdoc/>
    public override Tensor UpdateGradInput(Tensor input, Tensor gradOutput)
    {
        var gi = Tensor.Reuse(ref _gradIn, input);
        if (!IsTraining || P == 0f) gi.CopyFrom(gradOutput);
        else TP.Multiply(gradOutput.Span, _mask!.Span, gi.Span);
        GradInput = gi;
        return gi;
    }

    /// <inheritdoc/>
    public override string ToString() => $"nn.Dropout({P})";
}

/// <summary>Settings of dropout.</summary>
public sealed record DropoutSettings : InPlaceSettings
{
    /// <summary>The probability of zeroing a unit.</summary>
    public float P { get; init; } = 0.5f;
    /// <summary>Torch7's v1 flag (scaling at test time instead of training time); only false, Torch7's default, is supported.</summary>
    public bool V1 { get; init; }
}
