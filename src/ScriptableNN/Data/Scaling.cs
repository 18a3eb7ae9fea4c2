using ScriptableNN.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace ScriptableNN.Data;

/// <summary>
/// Per-feature standardisation (x - mean) / std, with the statistics of the data it was fitted
/// on kept, so later inputs (validation, a game's live data) are scaled the same way.
/// </summary>
public sealed class Standardizer
{
    /// <summary>The fitted mean of each feature.</summary>
    public float[] Mean { get; }
    /// <summary>The fitted standard deviation of each feature (1 for a constant one).</summary>
    public float[] Std { get; }

    /// <summary>A standardizer with given statistics (from a fit saved earlier).</summary>
    public Standardizer(float[] mean, float[] std)
    {
        if (mean.Length != std.Length) throw new ArgumentException("Standardizer: mean and std differ in length.");
        Mean = mean; Std = std;
    }

    /// <summary>Fits mean and standard deviation per column of <paramref name="x"/> [n, features].</summary>
    public static Standardizer Fit(Tensor x)
    {
        int n = x.Rows, f = x.Cols;
        var s = x.Span;
        // Rows are summed a block at a time in float with vector adds, each block's sum then added
        // in double: the rounding error stays that of a 256-term float sum, and a 60,000 x 784
        // image set takes a few vector passes instead of 47 million scalar double additions.
        const int Block = 256;
        var mean = new double[f]; var sq = new double[f];
        var acc = new float[f]; var d = new float[f];
        for (int start = 0; start < n; start += Block)
        {
            Array.Clear(acc);
            for (int i = start, end = Math.Min(n, start + Block); i < end; i++) TP.Add(acc, s.Slice(i * f, f), acc);
            for (int j = 0; j < f; j++) mean[j] += acc[j];
        }
        var m = new float[f];
        for (int j = 0; j < f; j++) { mean[j] /= Math.Max(1, n); m[j] = (float)mean[j]; }
        for (int start = 0; start < n; start += Block)
        {
            Array.Clear(acc);
            for (int i = start, end = Math.Min(n, start + Block); i < end; i++)
            {
                TP.Subtract(s.Slice(i * f, f), m, d);
                TP.MultiplyAdd(d, d, acc, acc);
            }
            for (int j = 0; j < f; j++) sq[j] += acc[j];
        }
        var sd = new float[f];
        for (int j = 0; j < f; j++)
        {
            // the centring used the float mean; the square of the float mean's error is taken back out
            double shift = m[j] - mean[j];
            double v = Math.Sqrt(Math.Max(0, sq[j] / Math.Max(1, n) - shift * shift));
            sd[j] = v > 1e-12 ? (float)v : 1f;       // a constant column stays as it is, centred
        }
        return new Standardizer(m, sd);
    }

    /// <summary>(x - mean) / std per column, into a new tensor or <paramref name="into"/>.</summary>
    public Tensor Transform(Tensor x, Tensor? into = null) => ColumnScaling.Apply("Standardizer", x, Mean, Std, into);
}

internal static class ColumnScaling
{
    /// <summary>(x - shift) / scale per column: what every scaler applies once fitted.</summary>
    public static Tensor Apply(string who, Tensor x, float[] shift, float[] scale, Tensor? into)
    {
        if (x.Cols != shift.Length) throw new ArgumentException($"{who}: input {x.ShapeText} has {x.Cols} features, fitted on {shift.Length}.");
        var d = into ?? Tensor.Zeros(x.Shape.ToArray());
        int f = x.Cols;
        for (int i = 0; i < x.Rows; i++)
        {
            var row = d.Span.Slice(i * f, f);
            TP.Subtract(x.Span.Slice(i * f, f), shift, row);
            TP.Divide(row, scale, row);
        }
        return d;
    }
}

/// <summary>Per-feature min-max scaling to [0, 1], keeping the fitted minimum and range.</summary>
public sealed class MinMaxScaler
{
    /// <summary>The fitted minimum of each feature.</summary>
    public float[] Min { get; }
    /// <summary>The fitted range of each feature (1 for a constant one).</summary>
    public float[] Range { get; }

    /// <summary>A scaler with given statistics.</summary>
    public MinMaxScaler(float[] min, float[] range) { Min = min; Range = range; }

    /// <summary>Fits minimum and range per column of <paramref name="x"/>.</summary>
    public static MinMaxScaler Fit(Tensor x)
    {
        int f = x.Cols;
        var min = new float[f]; var max = new float[f];
        Array.Fill(min, float.PositiveInfinity); Array.Fill(max, float.NegativeInfinity);
        var s = x.Span;
        for (int i = 0; i < x.Rows; i++)
            for (int j = 0; j < f; j++) { float v = s[i * f + j]; if (v < min[j]) min[j] = v; if (v > max[j]) max[j] = v; }
        var range = new float[f];
        for (int j = 0; j < f; j++) range[j] = max[j] - min[j] > 0 ? max[j] - min[j] : 1f;
        return new MinMaxScaler(min, range);
    }

    /// <summary>(x - min) / range per column.</summary>
    public Tensor Transform(Tensor x, Tensor? into = null) => ColumnScaling.Apply("MinMaxScaler", x, Min, Range, into);
}

/// <summary>One-hot encoding of class indices.</summary>
public static class OneHot
{
    /// <summary>[n] class indices (0-based) to [n, classes] rows of zeros with a one.</summary>
    public static Tensor Encode(Tensor labels, int classes)
    {
        var t = labels.Span;
        var d = Tensor.Zeros(t.Length, classes);
        for (int i = 0; i < t.Length; i++)
        {
            int c = (int)t[i];
            if (c < 0 || c >= classes || c != t[i]) throw new ArgumentException($"OneHot: label {t[i]} at row {i} is outside [0, {classes}).");
            d[i, c] = 1f;
        }
        return d;
    }
}
