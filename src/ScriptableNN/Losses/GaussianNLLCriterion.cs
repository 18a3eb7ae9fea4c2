using ScriptableNN.NN;
using ScriptableNN.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

using ScriptableNN.Registry;

namespace ScriptableNN.Losses;

/// <summary>
/// Gaussian negative log-likelihood of the target under N(input, sigma^2):
/// log sigma + (y - x)^2 / (2 sigma^2) (+ log(2 pi)/2 when <c>full</c>). Sigma is either given,
/// or learned (per output column) as log sigma, a parameter of the loss itself.
/// </summary>
public sealed class GaussianNLLCriterion : Criterion
{
    /// <summary>nn.GaussianNLLCriterion(sigma) or nn.GaussianNLLCriterion{outputs = n, sigma = s0} for a learned sigma (PyTorch: nn.GaussianNLLLoss).</summary>
    public static readonly CriterionType<GaussianNLLCriterion, GaussianNLLSettings> Type = new("GaussianNLLCriterion", "sigma")
    {
        Aliases = new[] { "GaussianNLLLoss" },
        New = static s => s.Outputs > 0 ? new GaussianNLLCriterion(s.Outputs, s.Sigma, s.Resolved, s.Full) : new GaussianNLLCriterion(s.Sigma, s.Resolved, s.Full),
    };

    private readonly float _fixedSigma;
    private readonly bool _full;

    /// <summary>The learned log sigma, one per output column; null when sigma is given.</summary>
    public Parameter? LogSigma { get; }

    /// <summary>Fixed sigma.</summary>
    public GaussianNLLCriterion(float sigma, Reduction reduction = Reduction.Mean, bool full = false) : base(reduction)
    {
        if (!(sigma > 0f)) throw new ArgumentException($"nn.GaussianNLLCriterion: sigma must be positive, got {sigma}.");
        _fixedSigma = sigma; _full = full;
    }

    /// <summary>Learned sigma for <paramref name="outputs"/> columns, starting at <paramref name="initialSigma"/>.</summary>
    public GaussianNLLCriterion(int outputs, float initialSigma = 1f, Reduction reduction = Reduction.Mean, bool full = false) : base(reduction)
    {
        LogSigma = new Parameter("logSigma", Tensor.Full(MathF.Log(initialSigma), outputs), decay: false);
        _full = full;
    }

    /// <inheritdoc/>
    protected override void CheckTarget(Tensor input, Tensor target)
    {
        CheckSameShape(input, target);
        if (LogSigma != null && input.Cols != LogSigma.Length)
            throw new ArgumentException($"{this}: input {input.ShapeText} has {input.Cols} columns, the learned sigma has {LogSigma.Length}.");
    }

    private float LogSigmaAt(int i, int cols) => LogSigma != null ? LogSigma.Value.Span[i % cols] : MathF.Log(_fixedSigma);

    /// <inheritdoc/>
    protected override void ItemLosses(Tensor input, Tensor target, Span<float> items)
    {
        var x = input.Span; var y = target.Span; int cols = input.Cols;
        float c = _full ? 0.5f * MathF.Log(2f * MathF.PI) : 0f;
        for (int i = 0; i < items.Length; i++)
        {
            float s = LogSigmaAt(i, cols), d = y[i] - x[i];
            items[i] = s + 0.5f * d * d * MathF.Exp(-2f * s) + c;
        }
    }

    /// <inheritdoc/>
    protected override void ItemGradient(Tensor input, Tensor target, float scale, ReadOnlySpan<float> weights, Span<float> grad)
    {
        var x = input.Span; var y = target.Span; int cols = input.Cols;
        var ds = LogSigma != null ? LogSigma.Grad.Span : default;
        for (int i = 0; i < grad.Length; i++)
        {
            float w = weights.IsEmpty ? scale : scale * weights[i];
            float s = LogSigmaAt(i, cols), d = x[i] - y[i], invVar = MathF.Exp(-2f * s);
            grad[i] = w * d * invVar;
            if (LogSigma != null) ds[i % cols] += w * (1f - d * d * invVar);
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<Parameter> Parameters() => LogSigma == null ? Array.Empty<Parameter>() : new[] { LogSigma };
}

/// <summary>Settings of the Gaussian negative log-likelihood.</summary>
public sealed record GaussianNLLSettings : CriterionSettings
{
    /// <summary>The fixed sigma, or the starting sigma when learned.</summary>
    public float Sigma { get; init; } = 1f;
    /// <summary>Columns of a learned sigma (0: sigma is fixed).</summary>
    public int Outputs { get; init; }
    /// <summary>Add the constant log(2 pi)/2.</summary>
    public bool Full { get; init; }
}
