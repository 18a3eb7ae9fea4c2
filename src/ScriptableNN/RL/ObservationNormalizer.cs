using System.Text.Json.Nodes;
using ScriptableNN.Tensors;

namespace ScriptableNN.RL;

/// <summary>
/// Observation normalisation with running statistics, as Stable-Baselines3's VecNormalize: each
/// value is shifted by the running mean and divided by the running standard deviation (plus
/// 1e-8), then clipped to +-<see cref="Clip"/>; the statistics follow every batch the agent acts on
/// (Chan's parallel update of mean and variance), start at mean 0 and variance 1 with a count of
/// 1e-4, and are kept in agent checkpoints.
/// </summary>
public sealed class ObservationNormalizer
{
    private readonly double[] _mean, _var;
    private double _count = 1e-4;

    /// <summary>Statistics for observations of <paramref name="size"/> values.</summary>
    public ObservationNormalizer(int size, float clip = 10f)
    {
        _mean = new double[size];
        _var = new double[size];
        Array.Fill(_var, 1.0);
        Clip = clip;
    }

    /// <summary>The clip after scaling (clip_obs).</summary>
    public float Clip { get; }
    /// <summary>Values per observation.</summary>
    public int Size => _mean.Length;
    /// <summary>Observations counted so far (plus the starting 1e-4).</summary>
    public double Count => _count;
    /// <summary>The running mean of value <paramref name="j"/>.</summary>
    public double Mean(int j) => _mean[j];
    /// <summary>The running variance of value <paramref name="j"/>.</summary>
    public double Variance(int j) => _var[j];

    /// <summary>Folds a batch of rows into the statistics.</summary>
    public void Update(ReadOnlySpan<float> rows)
    {
        int n = rows.Length / Size;
        if (n == 0) return;
        for (int j = 0; j < Size; j++)
        {
            double m = 0;
            for (int i = 0; i < n; i++) m += rows[i * Size + j];
            m /= n;
            double v = 0;
            for (int i = 0; i < n; i++) { double d = rows[i * Size + j] - m; v += d * d; }
            v /= n;
            double delta = m - _mean[j], total = _count + n;
            _mean[j] += delta * n / total;
            _var[j] = (_var[j] * _count + v * n + delta * delta * _count * n / total) / total;
        }
        _count += n;
    }

    /// <summary>Writes the normalised <paramref name="rows"/> into <paramref name="into"/>.</summary>
    public void Normalize(ReadOnlySpan<float> rows, Span<float> into)
    {
        for (int k = 0; k < rows.Length; k++)
        {
            int j = k % Size;
            into[k] = (float)Math.Clamp((rows[k] - _mean[j]) / Math.Sqrt(_var[j] + 1e-8), -Clip, Clip);
        }
    }

    internal JsonObject Save() => new()
    {
        ["count"] = _count, ["clip"] = Clip,
        ["mean"] = new JsonArray(_mean.Select(v => (JsonNode)v).ToArray()),
        ["var"] = new JsonArray(_var.Select(v => (JsonNode)v).ToArray()),
    };

    internal void Load(JsonObject j)
    {
        var mean = j["mean"]!.AsArray(); var var = j["var"]!.AsArray();
        if (mean.Count != Size || var.Count != Size) throw new InvalidDataException($"checkpoint: normalisation statistics for {mean.Count} values, this agent observes {Size}.");
        for (int k = 0; k < Size; k++) { _mean[k] = (double)mean[k]!; _var[k] = (double)var[k]!; }
        _count = (double)j["count"]!;
    }
}
