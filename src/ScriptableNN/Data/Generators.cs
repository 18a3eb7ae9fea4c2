using ScriptableNN.Tensors;

namespace ScriptableNN.Data;

/// <summary>Seeded synthetic data sets: the lecture's XOR and the classic toy problems.</summary>
public static class Generators
{
    /// <summary>The four XOR points and their labels (as [4, 1] targets in {0, 1}).</summary>
    public static Dataset Xor() => new(
        Tensor.FromRows(new float[] { 0, 0 }, new float[] { 1, 0 }, new float[] { 0, 1 }, new float[] { 1, 1 }),
        Tensor.FromRows(new float[] { 0 }, new float[] { 1 }, new float[] { 1 }, new float[] { 0 }));

    /// <summary>
    /// <paramref name="classes"/> interleaved spiral arms of <paramref name="perClass"/> points each in
    /// 2-D, with Gaussian noise on the angle; targets are class indices.
    /// </summary>
    public static Dataset Spirals(int perClass, int classes, float noise, Rng rng)
    {
        if (perClass < 1 || classes < 2) throw new ArgumentException($"Generators.Spirals: need at least 1 point per class and 2 classes, got {perClass} and {classes}.");
        int n = perClass * classes;
        var x = Tensor.Zeros(n, 2); var y = Tensor.Zeros(n);
        for (int c = 0; c < classes; c++)
            for (int i = 0; i < perClass; i++)
            {
                int k = c * perClass + i;
                float r = (float)i / perClass;
                float t = c * 2f * MathF.PI / classes + 4f * r + noise * rng.NextNormal();
                x[k, 0] = r * MathF.Sin(t);
                x[k, 1] = r * MathF.Cos(t);
                y[k] = c;
            }
        return new Dataset(x, y);
    }

    /// <summary>Two interleaving half circles; targets are 0 or 1.</summary>
    public static Dataset Moons(int n, float noise, Rng rng)
    {
        var x = Tensor.Zeros(n, 2); var y = Tensor.Zeros(n);
        for (int i = 0; i < n; i++)
        {
            int c = i % 2;
            float t = MathF.PI * rng.NextFloat();
            x[i, 0] = c == 0 ? MathF.Cos(t) : 1f - MathF.Cos(t);
            x[i, 1] = c == 0 ? MathF.Sin(t) : 0.5f - MathF.Sin(t);
            x[i, 0] += noise * rng.NextNormal();
            x[i, 1] += noise * rng.NextNormal();
            y[i] = c;
        }
        return new Dataset(x, y);
    }

    /// <summary>A circle inside a larger one (radius ratio <paramref name="factor"/>); targets 0 (outer) or 1 (inner).</summary>
    public static Dataset Circles(int n, float noise, float factor, Rng rng)
    {
        var x = Tensor.Zeros(n, 2); var y = Tensor.Zeros(n);
        for (int i = 0; i < n; i++)
        {
            int c = i % 2;
            float t = 2f * MathF.PI * rng.NextFloat();
            float r = c == 0 ? 1f : factor;
            x[i, 0] = r * MathF.Cos(t) + noise * rng.NextNormal();
            x[i, 1] = r * MathF.Sin(t) + noise * rng.NextNormal();
            y[i] = c;
        }
        return new Dataset(x, y);
    }

    /// <summary>y = sin(x) + N(0, noise^2) for x uniform in [-pi, pi]; inputs and targets are [n, 1].</summary>
    public static Dataset Sine(int n, float noise, Rng rng)
    {
        var x = Tensor.Zeros(n, 1); var y = Tensor.Zeros(n, 1);
        for (int i = 0; i < n; i++)
        {
            float v = MathF.PI * (2f * rng.NextFloat() - 1f);
            x[i, 0] = v;
            y[i, 0] = MathF.Sin(v) + noise * rng.NextNormal();
        }
        return new Dataset(x, y);
    }
}
