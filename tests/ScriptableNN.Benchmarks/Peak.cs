using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

/// <summary>The machine's FP32 FMA peak: independent Vector512 FMA chains, no memory traffic.</summary>
public static class Peak
{
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static float Chains(long iterations)
    {
        // 12 independent chains cover the FMA latency (4 cycles) on two pipes with room to spare.
        var m = Vector512.Create(0.999999f); var add = Vector512.Create(1e-7f);
        Vector512<float> a0 = Vector512.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        Vector512<float> a6 = a0, a7 = a0, a8 = a0, a9 = a0, aA = a0, aB = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Avx512F.FusedMultiplyAdd(a0, m, add); a1 = Avx512F.FusedMultiplyAdd(a1, m, add);
            a2 = Avx512F.FusedMultiplyAdd(a2, m, add); a3 = Avx512F.FusedMultiplyAdd(a3, m, add);
            a4 = Avx512F.FusedMultiplyAdd(a4, m, add); a5 = Avx512F.FusedMultiplyAdd(a5, m, add);
            a6 = Avx512F.FusedMultiplyAdd(a6, m, add); a7 = Avx512F.FusedMultiplyAdd(a7, m, add);
            a8 = Avx512F.FusedMultiplyAdd(a8, m, add); a9 = Avx512F.FusedMultiplyAdd(a9, m, add);
            aA = Avx512F.FusedMultiplyAdd(aA, m, add); aB = Avx512F.FusedMultiplyAdd(aB, m, add);
        }
        var s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + aA + aB;
        return Vector512.Sum(s);
    }

    /// <summary>FLOPs per FMA-chain iteration: 12 vectors x 16 lanes x 2.</summary>
    public const double FlopsPerIteration = 12 * 16 * 2;

    /// <summary>
    /// Measured GFLOP/s on <paramref name="threads"/> threads (median of 5): each thread times
    /// its own chains after a common start, and the rates add up, so a late-starting thread does
    /// not dilute the figure.
    /// </summary>
    public static double Measure(int threads, long iterations = 50_000_000)
    {
        Chains(1000);
        var results = new double[5];
        for (int r = 0; r < results.Length; r++)
        {
            var rates = new double[threads];
            using var start = new Barrier(threads);
            var ts = new Thread[threads];
            for (int t = 0; t < threads; t++)
            {
                int id = t;
                ts[t] = new Thread(() =>
                {
                    Chains(100_000);
                    start.SignalAndWait();
                    var sw = Stopwatch.StartNew();
                    Chains(iterations);
                    rates[id] = iterations * FlopsPerIteration / sw.Elapsed.TotalSeconds / 1e9;
                });
                ts[t].Start();
            }
            foreach (var t in ts) t.Join();
            results[r] = rates.Sum();
        }
        Array.Sort(results);
        return results[2];
    }
}
