using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace ScriptableNN.Kernels;

/// <summary>
/// Register-blocked inner kernels of the GEMM. Each computes a tile of MR = 12 rows of C
/// from a strip of A, element (r, p) at byte offset r*rs + p*ks (so one kernel reads a packed
/// strip, a row-major A in place, or a transposed A in place), and a packed panel of B
/// (NR values per k, contiguous), and adds alpha times the result into C. Row addresses come
/// from four bases plus 0, rs or 2*rs, which x64 addressing folds into each broadcast.
/// Every C element is a sum over k in the same order whatever the partition, which is what
/// makes the GEMM bit-identical across thread counts.
/// </summary>
internal static unsafe class MicroKernels
{
    public const int MR = 12;

    // 12 x 32: 24 zmm accumulators + 2 for B + 1 broadcast fit the 32 AVX-512 registers.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx512_12x32(int kc, float* a, nint rs, nint ks, float* b, nint bStep, float* c, nint ldc, float alpha, bool add)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default;
        Vector512<float> c90 = default, c91 = default, cA0 = default, cA1 = default, cB0 = default, cB1 = default;
        byte* a0 = (byte*)a, a3 = a0 + 3 * rs, a6 = a0 + 6 * rs, a9 = a0 + 9 * rs;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            Vector512<float> x;
            x = Vector512.Create(*(float*)a0); c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(*(float*)(a0 + rs)); c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(*(float*)(a0 + 2 * rs)); c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(*(float*)a3); c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(*(float*)(a3 + rs)); c40 = Avx512F.FusedMultiplyAdd(x, b0, c40); c41 = Avx512F.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(*(float*)(a3 + 2 * rs)); c50 = Avx512F.FusedMultiplyAdd(x, b0, c50); c51 = Avx512F.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(*(float*)a6); c60 = Avx512F.FusedMultiplyAdd(x, b0, c60); c61 = Avx512F.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(*(float*)(a6 + rs)); c70 = Avx512F.FusedMultiplyAdd(x, b0, c70); c71 = Avx512F.FusedMultiplyAdd(x, b1, c71);
            x = Vector512.Create(*(float*)(a6 + 2 * rs)); c80 = Avx512F.FusedMultiplyAdd(x, b0, c80); c81 = Avx512F.FusedMultiplyAdd(x, b1, c81);
            x = Vector512.Create(*(float*)a9); c90 = Avx512F.FusedMultiplyAdd(x, b0, c90); c91 = Avx512F.FusedMultiplyAdd(x, b1, c91);
            x = Vector512.Create(*(float*)(a9 + rs)); cA0 = Avx512F.FusedMultiplyAdd(x, b0, cA0); cA1 = Avx512F.FusedMultiplyAdd(x, b1, cA1);
            x = Vector512.Create(*(float*)(a9 + 2 * rs)); cB0 = Avx512F.FusedMultiplyAdd(x, b0, cB0); cB1 = Avx512F.FusedMultiplyAdd(x, b1, cB1);
            a0 += ks; a3 += ks; a6 += ks; a9 += ks;
            b += bStep;
        }
        var al = Vector512.Create(alpha);
        Store2(c, al, add, c00, c01); c += ldc; Store2(c, al, add, c10, c11); c += ldc;
        Store2(c, al, add, c20, c21); c += ldc; Store2(c, al, add, c30, c31); c += ldc;
        Store2(c, al, add, c40, c41); c += ldc; Store2(c, al, add, c50, c51); c += ldc;
        Store2(c, al, add, c60, c61); c += ldc; Store2(c, al, add, c70, c71); c += ldc;
        Store2(c, al, add, c80, c81); c += ldc; Store2(c, al, add, c90, c91); c += ldc;
        Store2(c, al, add, cA0, cA1); c += ldc; Store2(c, al, add, cB0, cB1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store2(float* c, Vector512<float> alpha, bool add, Vector512<float> v0, Vector512<float> v1)
    {
        if (add)
        {
            Avx512F.FusedMultiplyAdd(alpha, v0, Vector512.Load(c)).Store(c);
            Avx512F.FusedMultiplyAdd(alpha, v1, Vector512.Load(c + 16)).Store(c + 16);
        }
        else
        {
            // The first k block of a beta = 0 product writes C without reading it.
            (alpha * v0).Store(c);
            (alpha * v1).Store(c + 16);
        }
    }

    // 12 x 16: the narrow path for outputs of 16 columns or fewer (a 10-class layer), so a
    // 32-wide panel does not waste two thirds of its work on padding.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx512_12x16(int kc, float* a, nint rs, nint ks, float* b, float* c, nint ldc, float alpha, bool add)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        Vector512<float> c6 = default, c7 = default, c8 = default, c9 = default, cA = default, cB = default;
        byte* a0 = (byte*)a, a3 = a0 + 3 * rs, a6 = a0 + 6 * rs, a9 = a0 + 9 * rs;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            c0 = Avx512F.FusedMultiplyAdd(Vector512.Create(*(float*)a0), b0, c0);
            c1 = Avx512F.FusedMultiplyAdd(Vector512.Create(*(float*)(a0 + rs)), b0, c1);
            c2 = Avx512F.FusedMultiplyAdd(Vector512.Create(*(float*)(a0 + 2 * rs)), b0, c2);
            c3 = Avx512F.FusedMultiplyAdd(Vector512.Create(*(float*)a3), b0, c3);
            c4 = Avx512F.FusedMultiplyAdd(Vector512.Create(*(float*)(a3 + rs)), b0, c4);
            c5 = Avx512F.FusedMultiplyAdd(Vector512.Create(*(float*)(a3 + 2 * rs)), b0, c5);
            c6 = Avx512F.FusedMultiplyAdd(Vector512.Create(*(float*)a6), b0, c6);
            c7 = Avx512F.FusedMultiplyAdd(Vector512.Create(*(float*)(a6 + rs)), b0, c7);
            c8 = Avx512F.FusedMultiplyAdd(Vector512.Create(*(float*)(a6 + 2 * rs)), b0, c8);
            c9 = Avx512F.FusedMultiplyAdd(Vector512.Create(*(float*)a9), b0, c9);
            cA = Avx512F.FusedMultiplyAdd(Vector512.Create(*(float*)(a9 + rs)), b0, cA);
            cB = Avx512F.FusedMultiplyAdd(Vector512.Create(*(float*)(a9 + 2 * rs)), b0, cB);
            a0 += ks; a3 += ks; a6 += ks; a9 += ks;
            b += 16;
        }
        var al = Vector512.Create(alpha);
        Store1(c, al, add, c0); c += ldc; Store1(c, al, add, c1); c += ldc; Store1(c, al, add, c2); c += ldc;
        Store1(c, al, add, c3); c += ldc; Store1(c, al, add, c4); c += ldc; Store1(c, al, add, c5); c += ldc;
        Store1(c, al, add, c6); c += ldc; Store1(c, al, add, c7); c += ldc; Store1(c, al, add, c8); c += ldc;
        Store1(c, al, add, c9); c += ldc; Store1(c, al, add, cA); c += ldc; Store1(c, al, add, cB);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store1(float* c, Vector512<float> alpha, bool add, Vector512<float> v)
    {
        if (add) Avx512F.FusedMultiplyAdd(alpha, v, Vector512.Load(c)).Store(c);
        else (alpha * v).Store(c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store8(float* c, Vector256<float> alpha, bool add, Vector256<float> v)
    {
        if (add) Fma.MultiplyAdd(alpha, v, Vector256.Load(c)).Store(c);
        else (alpha * v).Store(c);
    }

    // 12 x 16 with AVX2+FMA, as two 6 x 16 passes over one B panel: each pass holds 12 ymm
    // accumulators, 2 for B and 1 broadcast (15 of the 16 registers), and does 12 FMAs for 8
    // loads per k (the 12 x 8 tile needed 13 loads for 12 FMAs: load-bound on two load ports).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    // A strip of at most 6 wanted rows (an edge) runs the first pass only: the same arithmetic
    // for those rows, half the work.
    public static void Avx2_12x16(int kc, float* a, nint rs, nint ks, float* b, nint bStep, float* c, nint ldc, float alpha, bool add, int rows = MR)
    {
        Avx2_6x16(kc, a, rs, ks, b, bStep, c, ldc, alpha, add);
        if (rows > 6) Avx2_6x16(kc, (float*)((byte*)a + 6 * rs), rs, ks, b, bStep, c + 6 * ldc, ldc, alpha, add);
    }

    // B's rows bStep floats apart: 16 in a packed panel, B's stride when it is read in place.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Avx2_6x16(int kc, float* a, nint rs, nint ks, float* b, nint bStep, float* c, nint ldc, float alpha, bool add)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        byte* a0 = (byte*)a, a3 = a0 + 3 * rs;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            Vector256<float> x;
            x = Vector256.Create(*(float*)a0); c00 = Fma.MultiplyAdd(x, b0, c00); c01 = Fma.MultiplyAdd(x, b1, c01);
            x = Vector256.Create(*(float*)(a0 + rs)); c10 = Fma.MultiplyAdd(x, b0, c10); c11 = Fma.MultiplyAdd(x, b1, c11);
            x = Vector256.Create(*(float*)(a0 + 2 * rs)); c20 = Fma.MultiplyAdd(x, b0, c20); c21 = Fma.MultiplyAdd(x, b1, c21);
            x = Vector256.Create(*(float*)a3); c30 = Fma.MultiplyAdd(x, b0, c30); c31 = Fma.MultiplyAdd(x, b1, c31);
            x = Vector256.Create(*(float*)(a3 + rs)); c40 = Fma.MultiplyAdd(x, b0, c40); c41 = Fma.MultiplyAdd(x, b1, c41);
            x = Vector256.Create(*(float*)(a3 + 2 * rs)); c50 = Fma.MultiplyAdd(x, b0, c50); c51 = Fma.MultiplyAdd(x, b1, c51);
            a0 += ks; a3 += ks;
            b += bStep;
        }
        var al = Vector256.Create(alpha);
        Store8(c, al, add, c00); Store8(c + 8, al, add, c01); c += ldc;
        Store8(c, al, add, c10); Store8(c + 8, al, add, c11); c += ldc;
        Store8(c, al, add, c20); Store8(c + 8, al, add, c21); c += ldc;
        Store8(c, al, add, c30); Store8(c + 8, al, add, c31); c += ldc;
        Store8(c, al, add, c40); Store8(c + 8, al, add, c41); c += ldc;
        Store8(c, al, add, c50); Store8(c + 8, al, add, c51);
    }

    // Vector128 (NEON on ARM64, SSE on x64), written with the cross-platform API. On ARM64 one
    // pass holds the whole 12 x 8 tile: 24 accumulators, 2 for B and 1 broadcast fit its 32
    // vector registers. x64 has 16, so there the tile runs as two 6 x 8 passes.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Vector128_12x8(int kc, float* a, nint rs, nint ks, float* b, float* c, nint ldc, float alpha, bool add)
    {
        if (!AdvSimd.Arm64.IsSupported)
        {
            Vector128_6x8(kc, a, rs, ks, b, c, ldc, alpha, add);
            Vector128_6x8(kc, (float*)((byte*)a + 6 * rs), rs, ks, b, c + 6 * ldc, ldc, alpha, add);
            return;
        }
        Vector128<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector128<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector128<float> c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default;
        Vector128<float> c90 = default, c91 = default, cA0 = default, cA1 = default, cB0 = default, cB1 = default;
        byte* a0 = (byte*)a, a3 = a0 + 3 * rs, a6 = a0 + 6 * rs, a9 = a0 + 9 * rs;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector128.Load(b);
            var b1 = Vector128.Load(b + 4);
            Vector128<float> x;
            x = Vector128.Create(*(float*)a0); c00 = Fma128(x, b0, c00); c01 = Fma128(x, b1, c01);
            x = Vector128.Create(*(float*)(a0 + rs)); c10 = Fma128(x, b0, c10); c11 = Fma128(x, b1, c11);
            x = Vector128.Create(*(float*)(a0 + 2 * rs)); c20 = Fma128(x, b0, c20); c21 = Fma128(x, b1, c21);
            x = Vector128.Create(*(float*)a3); c30 = Fma128(x, b0, c30); c31 = Fma128(x, b1, c31);
            x = Vector128.Create(*(float*)(a3 + rs)); c40 = Fma128(x, b0, c40); c41 = Fma128(x, b1, c41);
            x = Vector128.Create(*(float*)(a3 + 2 * rs)); c50 = Fma128(x, b0, c50); c51 = Fma128(x, b1, c51);
            x = Vector128.Create(*(float*)a6); c60 = Fma128(x, b0, c60); c61 = Fma128(x, b1, c61);
            x = Vector128.Create(*(float*)(a6 + rs)); c70 = Fma128(x, b0, c70); c71 = Fma128(x, b1, c71);
            x = Vector128.Create(*(float*)(a6 + 2 * rs)); c80 = Fma128(x, b0, c80); c81 = Fma128(x, b1, c81);
            x = Vector128.Create(*(float*)a9); c90 = Fma128(x, b0, c90); c91 = Fma128(x, b1, c91);
            x = Vector128.Create(*(float*)(a9 + rs)); cA0 = Fma128(x, b0, cA0); cA1 = Fma128(x, b1, cA1);
            x = Vector128.Create(*(float*)(a9 + 2 * rs)); cB0 = Fma128(x, b0, cB0); cB1 = Fma128(x, b1, cB1);
            a0 += ks; a3 += ks; a6 += ks; a9 += ks;
            b += 8;
        }
        var al = Vector128.Create(alpha);
        Store4x2(c, al, add, c00, c01); c += ldc; Store4x2(c, al, add, c10, c11); c += ldc;
        Store4x2(c, al, add, c20, c21); c += ldc; Store4x2(c, al, add, c30, c31); c += ldc;
        Store4x2(c, al, add, c40, c41); c += ldc; Store4x2(c, al, add, c50, c51); c += ldc;
        Store4x2(c, al, add, c60, c61); c += ldc; Store4x2(c, al, add, c70, c71); c += ldc;
        Store4x2(c, al, add, c80, c81); c += ldc; Store4x2(c, al, add, c90, c91); c += ldc;
        Store4x2(c, al, add, cA0, cA1); c += ldc; Store4x2(c, al, add, cB0, cB1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Vector128_6x8(int kc, float* a, nint rs, nint ks, float* b, float* c, nint ldc, float alpha, bool add)
    {
        Vector128<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector128<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        byte* a0 = (byte*)a, a3 = a0 + 3 * rs;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector128.Load(b);
            var b1 = Vector128.Load(b + 4);
            Vector128<float> x;
            x = Vector128.Create(*(float*)a0); c00 = Fma128(x, b0, c00); c01 = Fma128(x, b1, c01);
            x = Vector128.Create(*(float*)(a0 + rs)); c10 = Fma128(x, b0, c10); c11 = Fma128(x, b1, c11);
            x = Vector128.Create(*(float*)(a0 + 2 * rs)); c20 = Fma128(x, b0, c20); c21 = Fma128(x, b1, c21);
            x = Vector128.Create(*(float*)a3); c30 = Fma128(x, b0, c30); c31 = Fma128(x, b1, c31);
            x = Vector128.Create(*(float*)(a3 + rs)); c40 = Fma128(x, b0, c40); c41 = Fma128(x, b1, c41);
            x = Vector128.Create(*(float*)(a3 + 2 * rs)); c50 = Fma128(x, b0, c50); c51 = Fma128(x, b1, c51);
            a0 += ks; a3 += ks;
            b += 8;
        }
        var al = Vector128.Create(alpha);
        Store4x2(c, al, add, c00, c01); c += ldc; Store4x2(c, al, add, c10, c11); c += ldc;
        Store4x2(c, al, add, c20, c21); c += ldc; Store4x2(c, al, add, c30, c31); c += ldc;
        Store4x2(c, al, add, c40, c41); c += ldc; Store4x2(c, al, add, c50, c51);
    }

    // A fused multiply-add where the CPU has one (FMA3 on x64, NEON on ARM64); elsewhere a
    // multiply and an add, which differ from the fused result only in the last bit.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> Fma128(Vector128<float> x, Vector128<float> y, Vector128<float> acc)
    {
        if (Fma.IsSupported) return Fma.MultiplyAdd(x, y, acc);
        if (AdvSimd.IsSupported) return AdvSimd.FusedMultiplyAdd(acc, x, y);
        return x * y + acc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4x2(float* c, Vector128<float> alpha, bool add, Vector128<float> v0, Vector128<float> v1)
    {
        if (add)
        {
            Fma128(alpha, v0, Vector128.Load(c)).Store(c);
            Fma128(alpha, v1, Vector128.Load(c + 4)).Store(c + 4);
        }
        else
        {
            (alpha * v0).Store(c);
            (alpha * v1).Store(c + 4);
        }
    }

    // Portable fallback: same tile contract, any NR, plain multiply-add in k order.
    public static void Scalar(int kc, float* a, nint rs, nint ks, float* b, int nr, float* c, nint ldc, float alpha, bool add)
    {
        float* acc = stackalloc float[MR * 32];
        new Span<float>(acc, MR * nr).Clear();
        for (int p = 0; p < kc; p++)
        {
            for (int r = 0; r < MR; r++)
            {
                float x = *(float*)((byte*)a + r * rs + p * ks);
                float* row = acc + r * nr;
                for (int j = 0; j < nr; j++) row[j] += x * b[j];
            }
            b += nr;
        }
        for (int r = 0; r < MR; r++)
            for (int j = 0; j < nr; j++) c[r * ldc + j] = (add ? c[r * ldc + j] : 0f) + alpha * acc[r * nr + j];
    }
}
