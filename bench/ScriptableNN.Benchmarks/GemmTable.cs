using System.Diagnostics;
using ScriptableNN.Kernels;

/// <summary>
/// One run that measures the FMA peak and the GEMM on the benchmark shapes, on 1 and 2 threads,
/// and prints GFLOP/s and percent of the peak as a markdown table. Each figure is the median
/// of 9 timed batches after warm-up; C feeds a checksum so no work can be elided.
/// </summary>
public static class GemmTable
{
    // The shapes first (A*B forms and the A^T*B dW form), then the forms our Linear
    // actually runs with W stored [out, in]: forward X W^T and dW = dY^T X.
    public static readonly (string Name, int M, int N, int K, bool TA, bool TB)[] Shapes =
    {
        ("512x512 @ 512x512", 512, 512, 512, false, false),
        ("128x784 @ 784x256", 128, 256, 784, false, false),
        ("128x256 @ 256x784 (dX = dY W)", 128, 784, 256, false, false),
        ("784x128 @ 128x256 (dW = X^T dY)", 784, 256, 128, true, false),
        ("128x784 @ (256x784)^T (Linear forward X W^T)", 128, 256, 784, false, true),
        ("(128x256)^T @ 128x784 (Linear dW = dY^T X)", 256, 784, 128, true, false),
        ("128x256 @ 256x10 (narrow output)", 128, 10, 256, false, false),
    };

    public static double Median(Action action, double minSeconds = 0.02)
    {
        for (int i = 0; i < 5; i++) action();
        var sw = Stopwatch.StartNew();
        int reps = 1;
        while (true)
        {
            sw.Restart();
            for (int i = 0; i < reps; i++) action();
            if (sw.Elapsed.TotalSeconds >= minSeconds) break;
            reps *= 2;
        }
        var t = new double[9];
        for (int r = 0; r < t.Length; r++)
        {
            sw.Restart();
            for (int i = 0; i < reps; i++) action();
            t[r] = sw.Elapsed.TotalSeconds / reps;
        }
        Array.Sort(t);
        return t[t.Length / 2];
    }

    /// <summary>The table for the detected kernel, or for each family named in SNN_KERNELS (e.g. "Avx2,Vector128").</summary>
    public static void Run()
    {
        var names = Environment.GetEnvironmentVariable("SNN_KERNELS");
        var kernels = string.IsNullOrEmpty(names) ? new[] { Gemm.Detected } : names.Split(',').Select(Enum.Parse<GemmKernel>).ToArray();
        foreach (var k in kernels)
        {
            Gemm.Kernel = k;
            RunKernel();
            Console.WriteLine();
        }
        Gemm.Kernel = Gemm.Detected;
    }

    private static void RunKernel()
    {
        if (Environment.GetEnvironmentVariable("SNN_PACK_B") == "1") Gemm.BInPlace = false;
        // Short runs: on these machines a sustained two-core FMA load is throttled after ~10 ms
        // (to ~285 GFLOP/s), while a product lasts well under that; both figures are printed.
        double peak1 = Peak.Measure(1, 5_000_000), peak2 = Peak.Measure(2, 5_000_000);
        Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {Peak.Flags()}; GEMM kernel {Gemm.Kernel} (detected {Gemm.Detected}), .NET {Environment.Version}");
        Console.WriteLine($"FMA peak at the kernel's width ({Peak.Lanes(Gemm.Kernel) * 32} bits, short bursts): {peak1:F1} GFLOP/s on 1 thread, {peak2:F1} on 2");
        Console.WriteLine();
        Console.WriteLine("| shape | 1 thread GFLOP/s | % of 1-thread peak | 2 threads GFLOP/s | % of 2-thread peak | 2T / 1T |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        var rng = new Random(1);
        double checksum = 0;
        foreach (var (name, m, n, k, ta, tb) in Shapes)
        {
            var a = new float[m * k]; var b = new float[k * n]; var c = new float[m * n];
            for (int i = 0; i < a.Length; i++) a[i] = (float)rng.NextDouble();
            for (int i = 0; i < b.Length; i++) b[i] = (float)rng.NextDouble();
            var g = new double[3];
            foreach (int th in new[] { 1, 2 })
            {
                Gemm.MaxThreads = th;
                double s = Median(() => Gemm.Multiply(ta ? Transpose.Yes : Transpose.No, tb ? Transpose.Yes : Transpose.No,
                    m, n, k, 1f, a, ta ? m : k, b, tb ? k : n, 0f, c, n));
                g[th] = 2.0 * m * n * k / s / 1e9;
                checksum += c[c.Length - 1];
            }
            Console.WriteLine($"| {name} | {g[1]:F1} | {100 * g[1] / peak1:F0}% | {g[2]:F1} | {100 * g[2] / peak2:F0}% | {g[2] / g[1]:F2}x |");
        }
        Gemm.MaxThreads = 2;
        Console.WriteLine();
        // Measured last: a long two-core FMA load is what gets throttled.
        Console.WriteLine($"Sustained FMA peak (75 ms) on 2 threads: {Peak.Measure(2, 50_000_000):F1} GFLOP/s (checksum {checksum:E3})");
    }
}
