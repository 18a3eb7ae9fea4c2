using ScriptableNN.Registry;
using ScriptableNN.Tensors;

namespace ScriptableNN.NN;

/// <summary>
/// Layer normalisation (Ba et al. 2016) as PyTorch's nn.LayerNorm over the last dimension of
/// [batch, features]: each row is shifted by its own mean and scaled by 1/sqrt(its biased variance
/// + eps), then multiplied by a learned weight (ones at first) and shifted by a learned bias (zeros)
/// when elementwise_affine. No running statistics: training and evaluation compute the same.
/// </summary>
public sealed class LayerNorm : Module
{
    /// <summary>nn.LayerNorm(features [, eps] [, elementwiseAffine]), PyTorch's.</summary>
    public static readonly ModuleType<LayerNorm, LayerNormSettings> Type = new("LayerNorm", "features", "eps", "elementwiseAffine")
    {
        New = static (s, _) => new LayerNorm(s.Features, s.Eps, s.ElementwiseAffine),
        SettingsOf = static m => new LayerNormSettings { Features = m.Features, Eps = m.Eps, ElementwiseAffine = m.Weight != null },
        Parameters = static s => s.ElementwiseAffine ? 2L * s.Features : 0,
    };

    /// <summary>Values per row.</summary>
    public int Features { get; }
    /// <summary>Added to the variance.</summary>
    public float Eps { get; }
    /// <summary>The learned scale (null without elementwise_affine).</summary>
    public Parameter? Weight { get; }
    /// <summary>The learned shift (null without elementwise_affine).</summary>
    public Parameter? Bias { get; }

    private float[] _mean = Array.Empty<float>(), _invStd = Array.Empty<float>();
    private Tensor? _out, _gradIn;

    /// <summary>Normalises rows of <paramref name="features"/> values.</summary>
    public LayerNorm(int features, float eps = 1e-5f, bool elementwiseAffine = true)
    {
        if (features < 1) throw new ArgumentException($"nn.LayerNorm: features must be at least 1, got {features}.");
        if (!(eps >= 0) || !float.IsFinite(eps)) throw new ArgumentException($"nn.LayerNorm: eps must be a non-negative number, got {eps}.");
        Features = features; Eps = eps;
        if (elementwiseAffine)
        {
            Weight = new Parameter("weight", Tensor.Ones(features), decay: false);
            Bias = new Parameter("bias", Tensor.Zeros(features), decay: false);
        }
    }

    private int Rows(Tensor input)
    {
        CheckWidth(input, Features);
        int rows = input.Rank == 1 ? 1 : input.Rows;
        if (_mean.Length < rows) { _mean = new float[rows]; _invStd = new float[rows]; }
        return rows;
    }

    /// <inheritdoc/>
    protected override Tensor UpdateOutput(Tensor input)
    {
        int rows = Rows(input), n = Features;
        var y = Tensor.Reuse(ref _out, input);
        var x = input.Span; var ys = y.Span;
        for (int i = 0; i < rows; i++)
        {
            var row = x.Slice(i * n, n);
            double sum = 0;
            foreach (float v in row) sum += v;
            double mean = sum / n, sq = 0;
            foreach (float v in row) { double d = v - mean; sq += d * d; }
            _mean[i] = (float)mean;
            _invStd[i] = (float)(1 / Math.Sqrt(sq / n + Eps));
            for (int j = 0; j < n; j++)
            {
                float h = (row[j] - _mean[i]) * _invStd[i];
                ys[i * n + j] = Weight != null ? h * Weight.Value.Span[j] + Bias!.Value.Span[j] : h;
            }
        }
        Output = y;
        return y;
    }

    /// <inheritdoc/>
    public override Tensor UpdateGradInput(Tensor input, Tensor gradOutput)
    {
        int rows = Rows(input), n = Features;
        if (!gradOutput.SameShape(input)) throw new ArgumentException($"{this}: gradOutput {gradOutput.ShapeText} does not match input {input.ShapeText}.");
        var gi = Tensor.Reuse(ref _gradIn, input);
        var x = input.Span; var dy = gradOutput.Span; var dx = gi.Span;
        for (int i = 0; i < rows; i++)
        {
            Stats(x.Slice(i * n, n), i);
            // dx = invstd / n (n dxhat - sum dxhat - xhat sum(dxhat xhat)), dxhat = dy w, over the row.
            double s1 = 0, s2 = 0;
            for (int j = 0; j < n; j++)
            {
                double g = dy[i * n + j] * (Weight?.Value.Span[j] ?? 1f), h = (x[i * n + j] - _mean[i]) * _invStd[i];
                s1 += g; s2 += g * h;
            }
            for (int j = 0; j < n; j++)
            {
                double g = dy[i * n + j] * (Weight?.Value.Span[j] ?? 1f), h = (x[i * n + j] - _mean[i]) * _invStd[i];
                dx[i * n + j] = (float)(_invStd[i] / n * (n * g - s1 - h * s2));
            }
        }
        GradInput = gi;
        return gi;
    }

    // The row's statistics, as the forward computed them (the input may be another than the last one's).
    private void Stats(ReadOnlySpan<float> row, int i)
    {
        double sum = 0;
        foreach (float v in row) sum += v;
        double mean = sum / row.Length, sq = 0;
        foreach (float v in row) { double d = v - mean; sq += d * d; }
        _mean[i] = (float)mean;
        _invStd[i] = (float)(1 / Math.Sqrt(sq / row.Length + Eps));
    }

    /// <inheritdoc/>
    public override void AccGradParameters(Tensor input, Tensor gradOutput, float scale = 1f)
    {
        if (Weight == null) return;
        int rows = Rows(input), n = Features;
        var x = input.Span; var dy = gradOutput.Span;
        var gw = Weight.Grad.Span; var gb = Bias!.Grad.Span;
        for (int i = 0; i < rows; i++)
        {
            Stats(x.Slice(i * n, n), i);
            for (int j = 0; j < n; j++)
            {
                float h = (x[i * n + j] - _mean[i]) * _invStd[i];
                gw[j] += scale * dy[i * n + j] * h;
                gb[j] += scale * dy[i * n + j];
            }
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<Parameter> Parameters()
    {
        if (Weight == null) yield break;
        yield return Weight;
        yield return Bias!;
    }

    /// <inheritdoc/>
    public override string ToString() => $"nn.LayerNorm({Features})";
}

/// <summary>Settings of a layer normalisation.</summary>
public sealed record LayerNormSettings
{
    /// <summary>Values per row (PyTorch's normalized_shape, one dimension).</summary>
    public int Features { get; init; }
    /// <summary>Added to the variance (1e-5).</summary>
    public float Eps { get; init; } = 1e-5f;
    /// <summary>A learned weight and bias (true).</summary>
    public bool ElementwiseAffine { get; init; } = true;
}
