using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using ScriptableNN.Kernels;

/// <summary>
/// The machine's FP32 FMA peak at the width a GEMM kernel family uses: independent FMA
/// chains, no memory traffic (512-bit for the AVX-512 kernel, 256 for AVX2, 128 for the
/// Vector128 kernel, scalar for the scalar one), so each table compares a kernel with the
/// peak it can reach.
/// </summary>
public static class Peak
{
    // 12 independent chains cover the FMA latency (4 cycles) on two pipes with room to spare.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains512(long iterations)
    {
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
        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + aA + aB);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains256(long iterations)
    {
        var m = Vector256.Create(0.999999f); var add = Vector256.Create(1e-7f);
        Vector256<float> a0 = Vector256.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        Vector256<float> a6 = a0, a7 = a0, a8 = a0, a9 = a0, aA = a0, aB = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Fma.MultiplyAdd(a0, m, add); a1 = Fma.MultiplyAdd(a1, m, add);
            a2 = Fma.MultiplyAdd(a2, m, add); a3 = Fma.MultiplyAdd(a3, m, add);
            a4 = Fma.MultiplyAdd(a4, m, add); a5 = Fma.MultiplyAdd(a5, m, add);
            a6 = Fma.MultiplyAdd(a6, m, add); a7 = Fma.MultiplyAdd(a7, m, add);
            a8 = Fma.MultiplyAdd(a8, m, add); a9 = Fma.MultiplyAdd(a9, m, add);
            aA = Fma.MultiplyAdd(aA, m, add); aB = Fma.MultiplyAdd(aB, m, add);
        }
        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + aA + aB);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> F128(Vector128<float> x, Vector128<float> y, Vector128<float> acc) =>
        Fma.IsSupported ? Fma.MultiplyAdd(x, y, acc) : AdvSimd.IsSupported ? AdvSimd.FusedMultiplyAdd(acc, x, y) : x * y + acc;

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains128(long iterations)
    {
        var m = Vector128.Create(0.999999f); var add = Vector128.Create(1e-7f);
        Vector128<float> a0 = Vector128.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        Vector128<float> a6 = a0, a7 = a0, a8 = a0, a9 = a0, aA = a0, aB = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = F128(a0, m, add); a1 = F128(a1, m, add); a2 = F128(a2, m, add); a3 = F128(a3, m, add);
            a4 = F128(a4, m, add); a5 = F128(a5, m, add); a6 = F128(a6, m, add); a7 = F128(a7, m, add);
            a8 = F128(a8, m, add); a9 = F128(a9, m, add); aA = F128(aA, m, add); aB = F128(aB, m, add);
        }
        return Vector128.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + aA + aB);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float ChainsScalar(long iterations)
    {
        float m = 0.999999f, add = 1e-7f;
        float a0 = 1f, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, aA = a0, aB = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = MathF.FusedMultiplyAdd(a0, m, add); a1 = MathF.FusedMultiplyAdd(a1, m, add);
            a2 = MathF.FusedMultiplyAdd(a2, m, add); a3 = MathF.FusedMultiplyAdd(a3, m, add);
            a4 = MathF.FusedMultiplyAdd(a4, m, add); a5 = MathF.FusedMultiplyAdd(a5, m, add);
            a6 = MathF.FusedMultiplyAdd(a6, m, add); a7 = MathF.FusedMultiplyAdd(a7, m, add);
            a8 = MathF.FusedMultiplyAdd(a8, m, add); a9 = MathF.FusedMultiplyAdd(a9, m, add);
            aA = MathF.FusedMultiplyAdd(aA, m, add); aB = MathF.FusedMultiplyAdd(aB, m, add);
        }
        return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + aA + aB;
    }

    /// <summary>Lanes of the vectors the kernel family uses.</summary>
    public static int Lanes(GemmKernel k) => k switch { GemmKernel.Avx512 => 16, GemmKernel.Avx2 => 8, GemmKernel.Vector128 => 4, _ => 1 };

    private static float Chains(GemmKernel k, long iterations) => k switch
    {
        GemmKernel.Avx512 => Chains512(iterations),
        GemmKernel.Avx2 => Chains256(iterations),
        GemmKernel.Vector128 => Chains128(iterations),
        _ => ChainsScalar(iterations),
    };

    /// <summary>What the CPU offers, for the heading of every table.</summary>
    public static string Flags() =>
        $"{System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}; AVX-512F {Avx512F.IsSupported}, AVX2 {Avx2.IsSupported}, FMA {Fma.IsSupported}, AdvSimd {AdvSimd.IsSupported}";

    /// <summary>
    /// Measured GFLOP/s at the width of <paramref name="kernel"/> on <paramref name="threads"/>
    /// threads (median of 5): each thread times its own chains after a common start, and the
    /// rates add up, so a late-starting thread does not dilute the figure.
    /// </summary>
    public static double Measure(int threads, long iterations = 50_000_000) => Measure(Gemm.Kernel, threads, iterations);

    public static double Measure(GemmKernel kernel, int threads, long iterations)
    {
        if (kernel == GemmKernel.Scalar) iterations /= 4;
        Chains(kernel, 1000);
        double flopsPerIteration = 12 * Lanes(kernel) * 2;
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
                    Chains(kernel, 100_000);
                    start.SignalAndWait();
                    var sw = Stopwatch.StartNew();
                    Chains(kernel, iterations);
                    rates[id] = iterations * flopsPerIteration / sw.Elapsed.TotalSeconds / 1e9;
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
