using System.Diagnostics;
using ScriptableNN.Kernels;
if (args.Length > 0 && args[0] == "check") { Check.Run(); return; }
if (args.Length > 0 && args[0] == "peak") { Console.WriteLine($"peak1={Peak.Measure(1):F1} peak2={Peak.Measure(2):F1}"); return; }

static double Time(Action a, int reps)
{
    for (int i = 0; i < 3; i++) a();
    var times = new double[7];
    for (int t = 0; t < times.Length; t++)
    {
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < reps; i++) a();
        times[t] = sw.Elapsed.TotalSeconds / reps;
    }
    Array.Sort(times);
    return times[times.Length / 2];
}
var rng = new Random(1);
foreach (var (m, n, k, ta, tb) in new[] { (128, 256, 784, false, false), (1200, 256, 784, false, false), (132, 256, 784, false, false), (132, 256, 768, false, false), (512, 512, 512, false, false), (128, 784, 256, false, true), (784, 256, 128, true, false), (128, 10, 256, false, false) })
{
    var a = new float[m * k]; var b = new float[k * n]; var c = new float[m * n];
    for (int i = 0; i < a.Length; i++) a[i] = (float)rng.NextDouble();
    for (int i = 0; i < b.Length; i++) b[i] = (float)rng.NextDouble();
    foreach (int th in new[] { 1, 2 })
    {
        Gemm.MaxThreads = th;
        double s = Time(() => Gemm.Multiply(ta ? Transpose.Yes : Transpose.No, tb ? Transpose.Yes : Transpose.No, m, n, k, 1f, a, ta ? m : k, b, tb ? k : n, 0f, c, n), 50);
        Console.WriteLine($"{m}x{k} @ {k}x{n} ta={ta} tb={tb} threads={th}: {2.0 * m * n * k / s / 1e9:F1} GFLOP/s");
    }
}
