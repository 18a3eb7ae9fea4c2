using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ScriptableNN.Kernels;

/// <summary>
/// Matrix-vector products for one sample through a layer (compiled networks): y = b + W x, with
/// W stored in column blocks: the weights of outputs [16j, 16j + 16) are one contiguous run,
/// input after input (<see cref="BlockIndex"/>). A block is read front to back, so the hardware
/// prefetcher streams it: on Zen 3 a layer read this way ran at about 80 GB/s, against 45-60
/// GB/s for the same weights as rows of a [inputs, outputs] matrix, whose power-of-two row
/// stride maps the rows read together onto few cache sets.
/// </summary>
internal static class Gemv
{
    /// <summary>Outputs per block.</summary>
    public const int Block = 16;

    /// <summary>Where weight (input <paramref name="i"/>, output <paramref name="o"/>) is kept.</summary>
    public static int BlockIndex(int i, int o, int inputs) => (o / Block) * inputs * Block + i * Block + (o % Block);

    /// <summary>
    /// y[o0..o1) = b + W x for the outputs [o0, o1) (multiples of 16), so that two threads can
    /// each take part of a layer's outputs and keep their part of the weights in their own
    /// core's cache. Every output is summed in the same order whatever range it falls in
    /// (inputs of even index into one sum, odd into another, added at the end): a split layer
    /// gives the same bits as a whole one.
    /// </summary>
    // Compiled with full optimisation from the first call (no tier-0 code): a game's first
    // frames run the same kernel as its thousandth.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(ReadOnlySpan<float> x, float[] w, float[] bias, float[] y, int inputs, int o0, int o1)
    {
        if (Vector512.IsHardwareAccelerated) Run512(x, w, bias, y, inputs, o0, o1);
        else RunVector(x, w, bias, y, inputs, o0, o1);
    }

    // One zmm per block; four blocks at a time give eight independent chains of multiply-adds
    // (two per block, by input parity), enough to cover their latency.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Run512(ReadOnlySpan<float> x, float[] w, float[] bias, float[] y, int inputs, int o0, int o1)
    {
        ref float wref = ref MemoryMarshal.GetArrayDataReference(w);
        ref float bref = ref MemoryMarshal.GetArrayDataReference(bias);
        ref float yref = ref MemoryMarshal.GetArrayDataReference(y);
        ref float xref = ref MemoryMarshal.GetReference(x);
        int blockSize = inputs * Block;
        int o = o0;
        for (; o + 4 * Block <= o1; o += 4 * Block)
        {
            ref float r0 = ref Unsafe.Add(ref wref, (o / Block) * blockSize);
            ref float r1 = ref Unsafe.Add(ref r0, blockSize);
            ref float r2 = ref Unsafe.Add(ref r1, blockSize);
            ref float r3 = ref Unsafe.Add(ref r2, blockSize);
            var a0 = Vector512.LoadUnsafe(ref bref, (nuint)o); var a1 = Vector512.LoadUnsafe(ref bref, (nuint)(o + 16));
            var a2 = Vector512.LoadUnsafe(ref bref, (nuint)(o + 32)); var a3 = Vector512.LoadUnsafe(ref bref, (nuint)(o + 48));
            Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default;
            int i = 0;
            for (; i + 2 <= inputs; i += 2)
            {
                var x0 = Vector512.Create(Unsafe.Add(ref xref, i));
                var x1 = Vector512.Create(Unsafe.Add(ref xref, i + 1));
                nuint at = (nuint)(i * Block);
                a0 += x0 * Vector512.LoadUnsafe(ref r0, at); b0 += x1 * Vector512.LoadUnsafe(ref r0, at + Block);
                a1 += x0 * Vector512.LoadUnsafe(ref r1, at); b1 += x1 * Vector512.LoadUnsafe(ref r1, at + Block);
                a2 += x0 * Vector512.LoadUnsafe(ref r2, at); b2 += x1 * Vector512.LoadUnsafe(ref r2, at + Block);
                a3 += x0 * Vector512.LoadUnsafe(ref r3, at); b3 += x1 * Vector512.LoadUnsafe(ref r3, at + Block);
            }
            if (i < inputs)
            {
                var x0 = Vector512.Create(Unsafe.Add(ref xref, i));
                nuint at = (nuint)(i * Block);
                a0 += x0 * Vector512.LoadUnsafe(ref r0, at); a1 += x0 * Vector512.LoadUnsafe(ref r1, at);
                a2 += x0 * Vector512.LoadUnsafe(ref r2, at); a3 += x0 * Vector512.LoadUnsafe(ref r3, at);
            }
            (a0 + b0).StoreUnsafe(ref yref, (nuint)o); (a1 + b1).StoreUnsafe(ref yref, (nuint)(o + 16));
            (a2 + b2).StoreUnsafe(ref yref, (nuint)(o + 32)); (a3 + b3).StoreUnsafe(ref yref, (nuint)(o + 48));
        }
        for (; o < o1; o += Block)
        {
            ref float r0 = ref Unsafe.Add(ref wref, (o / Block) * blockSize);
            var a0 = Vector512.LoadUnsafe(ref bref, (nuint)o);
            Vector512<float> b0 = default;
            int i = 0;
            for (; i + 2 <= inputs; i += 2)
            {
                nuint at = (nuint)(i * Block);
                a0 += Vector512.Create(Unsafe.Add(ref xref, i)) * Vector512.LoadUnsafe(ref r0, at);
                b0 += Vector512.Create(Unsafe.Add(ref xref, i + 1)) * Vector512.LoadUnsafe(ref r0, at + Block);
            }
            if (i < inputs) a0 += Vector512.Create(Unsafe.Add(ref xref, i)) * Vector512.LoadUnsafe(ref r0, (nuint)(i * Block));
            (a0 + b0).StoreUnsafe(ref yref, (nuint)o);
        }
    }

    // Vector<float>: two ymm per block on AVX2 (two blocks at a time: eight chains), four
    // 128-bit vectors per block on ARM64 and SSE (one block: eight chains).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void RunVector(ReadOnlySpan<float> x, float[] w, float[] bias, float[] y, int inputs, int o0, int o1)
    {
        int vw = Vector<float>.Count;
        if (vw == 8 || vw == 4) o0 = RunFourVectors(x, w, bias, y, inputs, o0, o1);
        ref float wref = ref MemoryMarshal.GetArrayDataReference(w);
        ref float bref = ref MemoryMarshal.GetArrayDataReference(bias);
        ref float yref = ref MemoryMarshal.GetArrayDataReference(y);
        ref float xref = ref MemoryMarshal.GetReference(x);
        int blockSize = inputs * Block;
        // What is left (AVX2's last odd block; any other width that divides the block): each
        // vector of a block on its own, summed by input parity as the other paths do.
        for (int o = o0; o < o1; o += Block)
        {
            ref float r = ref Unsafe.Add(ref wref, (o / Block) * blockSize);
            for (int v = 0; v < Block; v += vw)
            {
                var a = V(ref bref, o + v);
                Vector<float> b = default;
                int i = 0;
                for (; i + 2 <= inputs; i += 2)
                {
                    a += new Vector<float>(Unsafe.Add(ref xref, i)) * V(ref r, i * Block + v);
                    b += new Vector<float>(Unsafe.Add(ref xref, i + 1)) * V(ref r, (i + 1) * Block + v);
                }
                if (i < inputs) a += new Vector<float>(Unsafe.Add(ref xref, i)) * V(ref r, i * Block + v);
                Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref yref, o + v)) = a + b;
            }
        }
    }

    // Four vectors of outputs at a time, each summed by input parity: eight chains. With 8-wide
    // vectors that is two blocks (two vectors from each); with 4-wide ones, one whole block.
    // Returns where it stopped (a last odd block of the 8-wide case is left to the caller).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int RunFourVectors(ReadOnlySpan<float> x, float[] w, float[] bias, float[] y, int inputs, int o0, int o1)
    {
        int vw = Vector<float>.Count, group = 4 * vw;
        ref float wref = ref MemoryMarshal.GetArrayDataReference(w);
        ref float bref = ref MemoryMarshal.GetArrayDataReference(bias);
        ref float yref = ref MemoryMarshal.GetArrayDataReference(y);
        ref float xref = ref MemoryMarshal.GetReference(x);
        int blockSize = inputs * Block;
        // Where the third and fourth vectors start: the next block's weights, or the same
        // block's second half.
        int half = 2 * vw, halfW = group > Block ? blockSize : half;
        int o = o0;
        for (; o + group <= o1; o += group)
        {
            ref float r0 = ref Unsafe.Add(ref wref, (o / Block) * blockSize);
            ref float r1 = ref Unsafe.Add(ref r0, halfW);
            var a0 = V(ref bref, o); var a1 = V(ref bref, o + vw);
            var a2 = V(ref bref, o + half); var a3 = V(ref bref, o + half + vw);
            Vector<float> b0 = default, b1 = default, b2 = default, b3 = default;
            int i = 0;
            for (; i + 2 <= inputs; i += 2)
            {
                var x0 = new Vector<float>(Unsafe.Add(ref xref, i));
                var x1 = new Vector<float>(Unsafe.Add(ref xref, i + 1));
                int at = i * Block;
                a0 += x0 * V(ref r0, at); a1 += x0 * V(ref r0, at + vw);
                b0 += x1 * V(ref r0, at + Block); b1 += x1 * V(ref r0, at + Block + vw);
                a2 += x0 * V(ref r1, at); a3 += x0 * V(ref r1, at + vw);
                b2 += x1 * V(ref r1, at + Block); b3 += x1 * V(ref r1, at + Block + vw);
            }
            if (i < inputs)
            {
                var x0 = new Vector<float>(Unsafe.Add(ref xref, i));
                int at = i * Block;
                a0 += x0 * V(ref r0, at); a1 += x0 * V(ref r0, at + vw);
                a2 += x0 * V(ref r1, at); a3 += x0 * V(ref r1, at + vw);
            }
            Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref yref, o)) = a0 + b0;
            Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref yref, o + vw)) = a1 + b1;
            Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref yref, o + half)) = a2 + b2;
            Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref yref, o + half + vw)) = a3 + b3;
        }
        return o;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> V(ref float at, int offset) => Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref at, offset));
}
