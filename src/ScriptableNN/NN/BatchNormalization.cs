using ScriptableNN.IO;
using ScriptableNN.Registry;
using ScriptableNN.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace ScriptableNN.NN;

/// <summary>
/// Batch normalisation (Ioffe and Szegedy 2015) of [batch, features] inputs, as Torch7's
/// nn.BatchNormalization: in training each feature is shifted by the batch mean and scaled by
/// 1/sqrt(biased batch variance + eps), then multiplied by a learned weight and shifted by a learned
/// bias (when affine); the running mean and variance follow with momentum (running = momentum * batch
/// + (1 - momentum) * running, the variance's batch value unbiased, n - 1). Evaluating uses the
/// running statistics. Torch7's defaults: eps 1e-5, momentum 0.1, weight uniform in [0, 1), bias 0,
/// running mean 0 and variance 1. The running statistics are settings, so checkpoints keep them.
/// </summary>
public sealed class BatchNormalization : Module
{
    /// <summary>nn.BatchNormalization(features [, eps] [, momentum] [, affine]); ONNX BatchNormalization.</summary>
    public static readonly ModuleType<BatchNormalization, BatchNormalizationSettings> Type = new("BatchNormalization", "features", "eps", "momentum", "affine")
    {
        New = static (s, rng) => new BatchNormalization(s.Features, s.Eps, s.Momentum, s.Affine, rng, s.RunningMean, s.RunningVar),
        SettingsOf = static m => new BatchNormalizationSettings
        {
            Features = m.Features, Eps = m.Eps, Momentum = m.Momentum, Affine = m.Weight != null,
            RunningMean = m.RunningMean.ToArray(), RunningVar = m.RunningVar.ToArray(),
        },
        Parameters = static s => s.Affine ? 2L * s.Features : 0,
        Onnx = static (m, g) => Export(m, g),
        OnnxOps = new[] { "BatchNormalization" },
        FromOnnx = static n => Import(n),
    };

    /// <summary>Features normalised.</summary>
    public int Features { get; }
    /// <summary>Added to the variance.</summary>
    public float Eps { get; }
    /// <summary>The weight of a batch's statistics in the running ones.</summary>
    public float Momentum { get; }
    /// <summary>The learned scale (null when not affine).</summary>
    public Parameter? Weight { get; }
    /// <summary>The learned shift (null when not affine).</summary>
    public Parameter? Bias { get; }
    /// <summary>The running mean of each feature.</summary>
    public float[] RunningMean { get; }
    /// <summary>The running variance of each feature.</summary>
    public float[] RunningVar { get; }

    private readonly float[] _mean, _invStd;
    private Tensor? _out, _gradIn, _xhat;

    /// <summary>Normalises <paramref name="features"/> features.</summary>
    public BatchNormalization(int features, float eps = 1e-5f, float momentum = 0.1f, bool affine = true, Rng? rng = null,
        float[]? runningMean = null, float[]? runningVar = null)
    {
        if (features < 1) throw new ArgumentException($"nn.BatchNormalization: features must be at least 1, got {features} (Torch7: nn.BatchNormalization(N [, eps] [, momentum] [, affine])).");
        if (!(eps >= 0) || !float.IsFinite(eps)) throw new ArgumentException($"nn.BatchNormalization: eps must be a non-negative number, got {eps}.");
        if (!(momentum >= 0 && momentum <= 1)) throw new ArgumentException($"nn.BatchNormalization: momentum must be in [0, 1], got {momentum}.");
        Features = features; Eps = eps; Momentum = momentum;
        if (affine)
        {
            Weight = new Parameter("weight", Tensor.Uniform(rng ?? Rng.Global, 0f, 1f, features), decay: false);
            Bias = new Parameter("bias", Tensor.Zeros(features), decay: false);
        }
        RunningMean = Stats(runningMean, features, 0f, "running mean");
        RunningVar = Stats(runningVar, features, 1f, "running variance");
        _mean = new float[features];
        _invStd = new float[features];
    }

    private static float[] Stats(float[]? given, int n, float fill, string what)
    {
        if (given == null) { var a = new float[n]; Array.Fill(a, fill); return a; }
        if (given.Length != n) throw new ArgumentException($"nn.BatchNormalization: a {what} of {given.Length} values for {n} features.");
        return (float[])given.Clone();
    }

    /// <inheritdoc/>
    protected override Tensor UpdateOutput(Tensor input)
    {
        CheckWidth(input, Features);
        int rows = input.Rank == 1 ? 1 : input.Rows, n = Features;
        var y = Tensor.Reuse(ref _out, input);
        var x = input.Span; var ys = y.Span;
        if (IsTraining)
        {
            if (rows < 2) throw new ArgumentException($"{this}: training normalises over the batch and needs at least 2 rows, got {input.ShapeText} (call evaluate() to use the running statistics).");
            var xhat = Tensor.Reuse(ref _xhat, rows, n).Span;
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int i = 0; i < rows; i++) sum += x[i * n + j];
                double mean = sum / rows, sq = 0;
                for (int i = 0; i < rows; i++) { double d = x[i * n + j] - mean; sq += d * d; }
                _mean[j] = (float)mean;
                _invStd[j] = (float)(1 / Math.Sqrt(sq / rows + Eps));
                RunningMean[j] = (float)(Momentum * mean + (1 - Momentum) * RunningMean[j]);
                RunningVar[j] = (float)(Momentum * (sq / (rows - 1)) + (1 - Momentum) * RunningVar[j]);
            }
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < n; j++)
                {
                    float h = (x[i * n + j] - _mean[j]) * _invStd[j];
                    xhat[i * n + j] = h;
                    ys[i * n + j] = Weight != null ? h * Weight.Value.Span[j] + Bias!.Value.Span[j] : h;
                }
        }
        else
        {
            for (int j = 0; j < n; j++) { _mean[j] = RunningMean[j]; _invStd[j] = 1f / MathF.Sqrt(RunningVar[j] + Eps); }
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < n; j++)
                {
                    float h = (x[i * n + j] - _mean[j]) * _invStd[j];
                    ys[i * n + j] = Weight != null ? h * Weight.Value.Span[j] + Bias!.Value.Span[j] : h;
                }
        }
        Output = y;
        return y;
    }

    /// <inheritdoc/>
    public override Tensor UpdateGradInput(Tensor input, Tensor gradOutput)
    {
        CheckWidth(input, Features);
        if (!gradOutput.SameShape(input)) throw new ArgumentException($"{this}: gradOutput {gradOutput.ShapeText} does not match input {input.ShapeText}.");
        int rows = input.Rank == 1 ? 1 : input.Rows, n = Features;
        var gi = Tensor.Reuse(ref _gradIn, input);
        var dy = gradOutput.Span; var dx = gi.Span;
        if (!IsTraining)
        {
            // The running statistics are constants: dx = dy w / sqrt(var + eps).
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < n; j++) dx[i * n + j] = dy[i * n + j] * (Weight?.Value.Span[j] ?? 1f) * _invStd[j];
            GradInput = gi;
            return gi;
        }
        // Through the batch statistics: dx = invstd / B (B dxhat - sum dxhat - xhat sum(dxhat xhat)), dxhat = dy w.
        var xhat = XHat(input, rows);
        for (int j = 0; j < n; j++)
        {
            float w = Weight?.Value.Span[j] ?? 1f;
            double s1 = 0, s2 = 0;
            for (int i = 0; i < rows; i++) { double g = dy[i * n + j] * w; s1 += g; s2 += g * xhat[i * n + j]; }
            for (int i = 0; i < rows; i++)
            {
                double g = dy[i * n + j] * w;
                dx[i * n + j] = (float)(_invStd[j] / rows * (rows * g - s1 - xhat[i * n + j] * s2));
            }
        }
        GradInput = gi;
        return gi;
    }

    // The normalised input of the last training forward (recomputed if the input changed since).
    private ReadOnlySpan<float> XHat(Tensor input, int rows)
    {
        var xhat = Tensor.Reuse(ref _xhat, rows, Features).Span;
        var x = input.Span;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < Features; j++) xhat[i * Features + j] = (x[i * Features + j] - _mean[j]) * _invStd[j];
        return xhat;
    }

    /// <inheritdoc/>
    public override void AccGradParameters(Tensor input, Tensor gradOutput, float scale = 1f)
    {
        if (Weight == null) return;
        int rows = input.Rank == 1 ? 1 : input.Rows, n = Features;
        var dy = gradOutput.Span;
        var xhat = IsTraining ? XHat(input, rows) : default;
        var gw = Weight.Grad.Span; var gb = Bias!.Grad.Span; var x = input.Span;
        for (int j = 0; j < n; j++)
        {
            double sw = 0, sb = 0;
            for (int i = 0; i < rows; i++)
            {
                float h = IsTraining ? xhat[i * n + j] : (x[i * n + j] - _mean[j]) * _invStd[j];
                sw += dy[i * n + j] * h; sb += dy[i * n + j];
            }
            gw[j] += scale * (float)sw;
            gb[j] += scale * (float)sb;
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<Parameter> Parameters()
    {
        if (Weight == null) yield break;
        yield return Weight;
        yield return Bias!;
    }

    // ONNX's BatchNormalization in inference form; its momentum weighs the running value (1 - ours).
    private static void Export(BatchNormalization m, OnnxGraph g)
    {
        int n = m.Features;
        var ones = new float[n]; Array.Fill(ones, 1f);
        var scale = m.Weight?.Value.Span.ToArray() ?? ones;
        var bias = m.Bias?.Value.Span.ToArray() ?? new float[n];
        g.Node("BatchNormalization", new[] { g.Initializer(scale, n), g.Initializer(bias, n), g.Initializer(m.RunningMean, n), g.Initializer(m.RunningVar, n) },
            OnnxAttribute.Of("epsilon", m.Eps), OnnxAttribute.Of("momentum", 1f - m.Momentum));
    }

    private static BatchNormalization Import(OnnxNode n)
    {
        var scale = n.Constant(1).Values; var bias = n.Constant(2).Values; var mean = n.Constant(3).Values; var var = n.Constant(4).Values;
        int f = scale.Length;
        if (bias.Length != f || mean.Length != f || var.Length != f || f != n.Width)
            throw n.Error($"scale, bias, mean and variance of {scale.Length}, {bias.Length}, {mean.Length} and {var.Length} values for {n.Width} features");
        var m = new BatchNormalization(f, n.Float("epsilon", 1e-5f), 1f - n.Float("momentum", 0.9f), true, null, mean, var);
        scale.CopyTo(m.Weight!.Value.Span);
        bias.CopyTo(m.Bias!.Value.Span);
        return m;
    }

    /// <inheritdoc/>
    public override string ToString() => $"nn.BatchNormalization({Features})";
}

/// <summary>Settings of a batch normalisation.</summary>
public sealed record BatchNormalizationSettings
{
    /// <summary>Features normalised.</summary>
    public int Features { get; init; }
    /// <summary>Added to the variance (1e-5).</summary>
    public float Eps { get; init; } = 1e-5f;
    /// <summary>The weight of a batch's statistics in the running ones (0.1).</summary>
    public float Momentum { get; init; } = 0.1f;
    /// <summary>A learned weight and bias (true).</summary>
    public bool Affine { get; init; } = true;
    /// <summary>The running mean (zeros when absent).</summary>
    public float[]? RunningMean { get; init; }
    /// <summary>The running variance (ones when absent).</summary>
    public float[]? RunningVar { get; init; }
}
