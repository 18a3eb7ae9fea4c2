using ScriptableNN.Kernels;
static class Check
{
    public static void Run()
    {
        var rng = new Random(2);
        foreach (var (m, n, k, ta, tb) in new[] { (128, 256, 784, false, false), (13, 33, 5, false, false), (128, 784, 256, false, true), (784, 256, 128, true, false), (128, 10, 256, false, false) })
        {
            var a = new float[m * k]; var b = new float[k * n]; var c = new float[m * n];
            for (int i = 0; i < a.Length; i++) a[i] = (float)rng.NextDouble();
            for (int i = 0; i < b.Length; i++) b[i] = (float)rng.NextDouble();
            Gemm.Multiply(ta ? Transpose.Yes : Transpose.No, tb ? Transpose.Yes : Transpose.No, m, n, k, 1f, a, ta ? m : k, b, tb ? k : n, 0f, c, n);
            double maxErr = 0;
            for (int i = 0; i < m; i++) for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++) s += (double)(ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
                maxErr = Math.Max(maxErr, Math.Abs(s - c[i * n + j]));
            }
            Console.WriteLine($"{m} {n} {k} {ta} {tb} maxErr={maxErr}");
        }
    }
}
