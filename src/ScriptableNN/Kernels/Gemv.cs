using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ScriptableNN.Kernels;

/// <summary>
/// Matrix-vector products for one sample through a layer (compiled networks): y = b + x Wt with
/// Wt [inputs, n] row-major and n a multiple of 16, so each input scales one contiguous row.
/// </summary>
internal static class Gemv
{
    /// <summary>
    /// The AVX-512 form: blocks of 64 outputs (four zmm), the inputs taken two at a time into
    /// two sets of accumulators, so eight independent FMA chains hide the FMA latency.
    /// </summary>
    // Compiled with full optimisation from the first call (no tier-0 code): a game's first
    // frames run the same kernel as its thousandth.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run512(ReadOnlySpan<float> x, float[] wt, float[] bias, float[] y, int inputs, int n, int o0, int o1)
    {
        ref float wref = ref MemoryMarshal.GetArrayDataReference(wt);
        ref float bref = ref MemoryMarshal.GetArrayDataReference(bias);
        ref float yref = ref MemoryMarshal.GetArrayDataReference(y);
        ref float xref = ref MemoryMarshal.GetReference(x);
        int o = o0;
        for (; o + 64 <= o1; o += 64)
        {
            var a0 = Vector512.LoadUnsafe(ref bref, (nuint)o); var a1 = Vector512.LoadUnsafe(ref bref, (nuint)(o + 16));
            var a2 = Vector512.LoadUnsafe(ref bref, (nuint)(o + 32)); var a3 = Vector512.LoadUnsafe(ref bref, (nuint)(o + 48));
            Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default;
            int i = 0;
            for (; i + 2 <= inputs; i += 2)
            {
                var x0 = Vector512.Create(Unsafe.Add(ref xref, i));
                var x1 = Vector512.Create(Unsafe.Add(ref xref, i + 1));
                ref float r0 = ref Unsafe.Add(ref wref, i * n + o);
                ref float r1 = ref Unsafe.Add(ref wref, (i + 1) * n + o);
                a0 += x0 * Vector512.LoadUnsafe(ref r0); a1 += x0 * Vector512.LoadUnsafe(ref r0, 16);
                a2 += x0 * Vector512.LoadUnsafe(ref r0, 32); a3 += x0 * Vector512.LoadUnsafe(ref r0, 48);
                b0 += x1 * Vector512.LoadUnsafe(ref r1); b1 += x1 * Vector512.LoadUnsafe(ref r1, 16);
                b2 += x1 * Vector512.LoadUnsafe(ref r1, 32); b3 += x1 * Vector512.LoadUnsafe(ref r1, 48);
            }
            if (i < inputs)
            {
                var x0 = Vector512.Create(Unsafe.Add(ref xref, i));
                ref float r0 = ref Unsafe.Add(ref wref, i * n + o);
                a0 += x0 * Vector512.LoadUnsafe(ref r0); a1 += x0 * Vector512.LoadUnsafe(ref r0, 16);
                a2 += x0 * Vector512.LoadUnsafe(ref r0, 32); a3 += x0 * Vector512.LoadUnsafe(ref r0, 48);
            }
            (a0 + b0).StoreUnsafe(ref yref, (nuint)o); (a1 + b1).StoreUnsafe(ref yref, (nuint)(o + 16));
            (a2 + b2).StoreUnsafe(ref yref, (nuint)(o + 32)); (a3 + b3).StoreUnsafe(ref yref, (nuint)(o + 48));
        }
        for (; o < o1; o += 16)
        {
            // One vector of outputs: eight partial sums over the inputs, added at the end.
            Vector512<float> s0 = Vector512.LoadUnsafe(ref bref, (nuint)o), s1 = default, s2 = default, s3 = default;
            Vector512<float> s4 = default, s5 = default, s6 = default, s7 = default;
            int i = 0;
            for (; i + 8 <= inputs; i += 8)
            {
                ref float r = ref Unsafe.Add(ref wref, i * n + o);
                s0 += Vector512.Create(Unsafe.Add(ref xref, i)) * Vector512.LoadUnsafe(ref r);
                s1 += Vector512.Create(Unsafe.Add(ref xref, i + 1)) * Vector512.LoadUnsafe(ref r, (nuint)n);
                s2 += Vector512.Create(Unsafe.Add(ref xref, i + 2)) * Vector512.LoadUnsafe(ref r, (nuint)(2 * n));
                s3 += Vector512.Create(Unsafe.Add(ref xref, i + 3)) * Vector512.LoadUnsafe(ref r, (nuint)(3 * n));
                s4 += Vector512.Create(Unsafe.Add(ref xref, i + 4)) * Vector512.LoadUnsafe(ref r, (nuint)(4 * n));
                s5 += Vector512.Create(Unsafe.Add(ref xref, i + 5)) * Vector512.LoadUnsafe(ref r, (nuint)(5 * n));
                s6 += Vector512.Create(Unsafe.Add(ref xref, i + 6)) * Vector512.LoadUnsafe(ref r, (nuint)(6 * n));
                s7 += Vector512.Create(Unsafe.Add(ref xref, i + 7)) * Vector512.LoadUnsafe(ref r, (nuint)(7 * n));
            }
            for (; i < inputs; i++) s0 += Vector512.Create(Unsafe.Add(ref xref, i)) * Vector512.LoadUnsafe(ref wref, (nuint)(i * n + o));
            (((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))).StoreUnsafe(ref yref, (nuint)o);
        }
    }

    /// <summary>
    /// y[0..n) = b + sum_i x[i] * Wt[i, 0..n): four vector accumulators per block of outputs,
    /// each input broadcast once per block. n is a multiple of 16.
    /// </summary>
    public static void Run(ReadOnlySpan<float> x, float[] wt, float[] bias, float[] y, int inputs, int n) => Run(x, wt, bias, y, inputs, n, 0, n);

    /// <summary>
    /// Outputs [o0, o1) only (multiples of 16): two threads can each take half of a layer's
    /// outputs, and so each keep its half of the weights in its own core's cache.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(ReadOnlySpan<float> x, float[] wt, float[] bias, float[] y, int inputs, int n, int o0, int o1)
    {
        if (Vector512.IsHardwareAccelerated) { Run512(x, wt, bias, y, inputs, n, o0, o1); return; }
        int w = Vector<float>.Count;
        ref float wref = ref MemoryMarshal.GetArrayDataReference(wt);
        ref float bref = ref MemoryMarshal.GetArrayDataReference(bias);
        ref float yref = ref MemoryMarshal.GetArrayDataReference(y);
        int block = 4 * w;
        int o = o0;
        ref float xref = ref MemoryMarshal.GetReference(x);
        for (; o + block <= o1; o += block)
        {
            // Two inputs at a time into two sets of four accumulators: eight independent
            // chains of multiply-adds, enough to cover the add latency (four left the units half idle).
            var a0 = Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref bref, o));
            var a1 = Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref bref, o + w));
            var a2 = Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref bref, o + 2 * w));
            var a3 = Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref bref, o + 3 * w));
            Vector<float> b0 = default, b1 = default, b2 = default, b3 = default;
            int i = 0;
            for (; i + 2 <= inputs; i += 2)
            {
                var x0 = new Vector<float>(Unsafe.Add(ref xref, i));
                var x1 = new Vector<float>(Unsafe.Add(ref xref, i + 1));
                ref float r0 = ref Unsafe.Add(ref wref, i * n + o);
                ref float r1 = ref Unsafe.Add(ref r0, n);
                a0 += x0 * Unsafe.As<float, Vector<float>>(ref r0);
                a1 += x0 * Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref r0, w));
                a2 += x0 * Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref r0, 2 * w));
                a3 += x0 * Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref r0, 3 * w));
                b0 += x1 * Unsafe.As<float, Vector<float>>(ref r1);
                b1 += x1 * Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref r1, w));
                b2 += x1 * Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref r1, 2 * w));
                b3 += x1 * Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref r1, 3 * w));
            }
            if (i < inputs)
            {
                var x0 = new Vector<float>(Unsafe.Add(ref xref, i));
                ref float r0 = ref Unsafe.Add(ref wref, i * n + o);
                a0 += x0 * Unsafe.As<float, Vector<float>>(ref r0);
                a1 += x0 * Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref r0, w));
                a2 += x0 * Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref r0, 2 * w));
                a3 += x0 * Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref r0, 3 * w));
            }
            Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref yref, o)) = a0 + b0;
            Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref yref, o + w)) = a1 + b1;
            Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref yref, o + 2 * w)) = a2 + b2;
            Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref yref, o + 3 * w)) = a3 + b3;
        }
        for (; o < o1; o += w)
        {
            var a0 = Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref bref, o));
            for (int i = 0; i < inputs; i++)
                a0 += new Vector<float>(x[i]) * Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref wref, i * n + o));
            Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref yref, o)) = a0;
        }
    }
}
