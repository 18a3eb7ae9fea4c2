using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ScriptableNN.Kernels;

/// <summary>Whether an operand of <see cref="Gemm"/> is used as stored or transposed.</summary>
public enum Transpose
{
    /// <summary>The operand as stored.</summary>
    No,
    /// <summary>The operand transposed (read in place, never copied).</summary>
    Yes,
}

/// <summary>The inner kernel family the GEMM uses; chosen once at start-up from the CPU.</summary>
public enum GemmKernel
{
    /// <summary>Portable scalar code.</summary>
    Scalar,
    /// <summary>128-bit vectors through the cross-platform API: NEON on ARM64 (a 12x8 tile in its
    /// 32 registers), SSE with FMA on x64 (two 6x8 passes); what ARM64 machines use.</summary>
    Vector128,
    /// <summary>AVX2 and FMA, a 12x16 tile run as two 6x16 passes.</summary>
    Avx2,
    /// <summary>AVX-512, a 12x32 register tile (12x16 for narrow outputs).</summary>
    Avx512,
}

/// <summary>
/// Single-precision matrix product C = alpha * op(A) * op(B) + beta * C on row-major storage,
/// for the three forms back-propagation needs (A*B, A*B^T, A^T*B, and A^T*B^T), never
/// materialising a transpose. B is packed into NR-wide panels per (KC x NC) block; A is packed
/// into 12-row strips, or read in place when it is transposed (its 12 values per k are then
/// contiguous). Work is split over threads by a fixed partition of C, so results are
/// bit-identical from run to run and for any thread count.
/// </summary>
public static unsafe class Gemm
{
    private const int MR = MicroKernels.MR;
    internal const int KC = 512;
    internal const int NC = 512;

    /// <summary>The kernel family detected on this machine.</summary>
    public static GemmKernel Detected { get; } =
        Avx512F.IsSupported ? GemmKernel.Avx512
        : Avx2.IsSupported && Fma.IsSupported ? GemmKernel.Avx2
        : Vector128.IsHardwareAccelerated ? GemmKernel.Vector128
        : GemmKernel.Scalar;

    /// <summary>The kernel family in use; tests and benchmarks may lower it to exercise a fallback.</summary>
    public static GemmKernel Kernel
    {
        get => _kernel;
        set
        {
            if (value > Detected) throw new NotSupportedException($"Gemm: kernel {value} is not supported on this CPU (detected {Detected}).");
            _kernel = value;
        }
    }
    private static GemmKernel _kernel = Detected;

    /// <summary>The most threads one product may use (1 = the calling thread only); the same setting as <see cref="Parallelism.MaxThreads"/>.</summary>
    public static int MaxThreads
    {
        get => Parallelism.MaxThreads;
        set => Parallelism.MaxThreads = value;
    }

    /// <summary>Read a row-major B in place instead of packing it (an experiment switch for benchmarks).</summary>
    internal static bool BInPlace = true;

    /// <summary>
    /// Products below this many multiply-adds run on one thread: a fork costs more than it saves.
    /// 2^21 (it was 2^19): on the AVX2 machine, in a session whose second core was contended,
    /// every product up to 8M multiply-adds ran slower on two threads (256x64x64, a PPO
    /// minibatch's layer: 27-38 us on one thread, 39-51 us on two); a product under 2M takes
    /// about 25 us on one thread, too little to pay for waking a second.
    /// </summary>
    public static long ParallelThreshold { get; set; } = 1L << 21;

    /// <summary>When true, the time spent inside the products (<c>Multiply</c>) is added to <see cref="ProfiledTicks"/>
    /// (Stopwatch ticks, calling thread's view): how benchmarks tell GEMM time from the rest.</summary>
    internal static bool Profiling { get; set; }

    /// <summary>Stopwatch ticks spent in the products (<c>Multiply</c>) while <see cref="Profiling"/> was on.</summary>
    internal static long ProfiledTicks;

    /// <summary>
    /// C[m x n] = alpha * op(A) * op(B) + beta * C. op(A) is m x k, op(B) is k x n. Leading
    /// dimensions are the row strides of the stored matrices. With beta = 0, C is not read.
    /// </summary>
    public static void Multiply(Transpose transA, Transpose transB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentException($"Gemm: negative size m={m} n={n} k={k}.");
        int aRows = transA == Transpose.No ? m : k, aCols = transA == Transpose.No ? k : m;
        int bRows = transB == Transpose.No ? k : n, bCols = transB == Transpose.No ? n : k;
        CheckOperand("A", a.Length, aRows, aCols, lda);
        CheckOperand("B", b.Length, bRows, bCols, ldb);
        CheckOperand("C", c.Length, m, n, ldc);
        if (m == 0 || n == 0) return;
        long start = Profiling ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
        int stopped = 0;
        fixed (float* pa = a) fixed (float* pb = b) fixed (float* pc = c)
        {
            var job = new Job
            {
                TransA = transA == Transpose.Yes, TransB = transB == Transpose.Yes,
                M = m, N = n, K = k, Alpha = alpha, Beta = beta,
                A = pa, Lda = lda, B = pb, Ldb = ldb, C = pc, Ldc = ldc,
                Kernel = _kernel,
                Deadline = Deadline.At, Stopped = &stopped,
            };
            job.NR = PanelWidth(job.Kernel, n);
            job.KC = KBlock(job.Kernel);
            Run(ref job);
        }
        if (Profiling) ProfiledTicks += System.Diagnostics.Stopwatch.GetTimestamp() - start;
        if (stopped != 0) throw Deadline.Stopped($"matrix product {m}x{k} @ {k}x{n}");
    }

    private static void CheckOperand(string name, int length, int rows, int cols, int ld)
    {
        if (ld < Math.Max(1, cols))
            throw new ArgumentException($"Gemm: leading dimension of {name} is {ld}, less than its {cols} columns.");
        long need = rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * ld + cols;
        if (length < need)
            throw new ArgumentException($"Gemm: {name} holds {length} floats, a {rows}x{cols} matrix with stride {ld} needs {need}.");
    }

    private static int PanelWidth(GemmKernel kernel, int n) => kernel switch
    {
        GemmKernel.Avx512 => n <= 16 ? 16 : 32,
        GemmKernel.Avx2 => 16,
        _ => 8,
    };

    // The k block: a 12-row strip of A and an NR-wide panel of B together fit a 32 KiB L1 for
    // the 256-bit and narrower tiles; the AVX-512 panel lives in L2 anyway.
    private static int KBlock(GemmKernel kernel) => kernel == GemmKernel.Avx512 ? KC : 256;

    // The depth of every k block but the last: K cut into equal blocks of at most KC.
    private static int KBlockDepth(int k, int kcLimit)
    {
        int kBlocks = Math.Max(1, (k + kcLimit - 1) / kcLimit);
        return Math.Max(1, (k + kBlocks - 1) / kBlocks);
    }

    /// <summary>
    /// Packs a constant B [k x n], read through <paramref name="source"/>, once into the panels
    /// the current kernel reads, so that
    /// <see cref="Multiply(int, PackedMatrix, ReadOnlySpan{float}, int, Span{float}, int, IGemmEpilogue?)"/>
    /// skips the copy every product otherwise makes (a compiled network's weights). Packing is
    /// rare (compiling, refreshing), so it reads element by element, from any layout.
    /// </summary>
    /// <remarks>With <paramref name="into"/> packed earlier for the same sizes and the kernel
    /// in use, its memory is refilled and returned (new weights after a training step,
    /// without allocating).</remarks>
    internal static PackedMatrix Pack<TSource>(int k, int n, in TSource source, PackedMatrix? into = null) where TSource : struct, IPackSource
    {
        if (k <= 0 || n <= 0) throw new ArgumentException($"Gemm.Pack: sizes must be positive, got k={k} n={n}.");
        var kernel = _kernel;
        int nr = PanelWidth(kernel, n), kcMax = KBlockDepth(k, KBlock(kernel));
        int nPad = (n + nr - 1) / nr * nr;
        var packed = into is { IsCurrent: true } && into.K == k && into.N == n ? into : new PackedMatrix(k, n, nr, kcMax, nPad, kernel);
        for (int pc = 0; pc < k; pc += kcMax)
        {
            int kc = Math.Min(kcMax, k - pc);
            float* block = packed.Data + (nint)pc * nPad;
            for (int jr = 0; jr < nPad; jr += nr)
            {
                float* panel = block + (nint)jr * kc;
                int w = Math.Min(nr, n - jr);
                for (int p = 0; p < kc; p++, panel += nr)
                {
                    int j = 0;
                    for (; j < w; j++) panel[j] = source.At(pc + p, jr + j);
                    for (; j < nr; j++) panel[j] = 0f;
                }
            }
        }
        return packed;
    }

    /// <summary>A row-major B [k x n] with row stride <paramref name="ldb"/> packed by <see cref="Pack{TSource}"/>.</summary>
    internal static PackedMatrix Pack(int k, int n, float[] b, int ldb, PackedMatrix? into = null)
    {
        CheckOperand("B", b.Length, k, n, ldb);
        return Pack(k, n, new RowMajor(b, ldb), into);
    }

    private readonly struct RowMajor(float[] b, int ldb) : IPackSource
    {
        public float At(int p, int j) => b[p * ldb + j];
    }

    /// <summary>
    /// C[m x n] = A[m x k] * B with B packed by <see cref="Pack"/> (for the kernel still in
    /// use: see <see cref="PackedMatrix.IsCurrent"/>); C is overwritten. The epilogue, when
    /// given, runs on each finished block of C on the thread that computed it, while it is
    /// still in that core's cache.
    /// </summary>
    internal static void Multiply(int m, PackedMatrix b, ReadOnlySpan<float> a, int lda, Span<float> c, int ldc, IGemmEpilogue? epilogue)
    {
        if (!b.IsCurrent) throw new InvalidOperationException($"Gemm: the operand was packed for the {b.Kernel} kernel, the {_kernel} kernel is in use now.");
        if (m < 0) throw new ArgumentException($"Gemm: negative size m={m}.");
        CheckOperand("A", a.Length, m, b.K, lda);
        CheckOperand("C", c.Length, m, b.N, ldc);
        if (m == 0) return;
        long start = Profiling ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
        int stopped = 0;
        fixed (float* pa = a) fixed (float* pc = c)
        {
            var job = new Job
            {
                M = m, N = b.N, K = b.K, Alpha = 1f, Beta = 0f,
                A = pa, Lda = lda, C = pc, Ldc = ldc,
                Kernel = b.Kernel, NR = b.NR, KC = b.KcMax,
                Packed = b.Data, PackedWidth = b.NPad, Epilogue = epilogue,
                Deadline = Deadline.At, Stopped = &stopped,
            };
            Run(ref job);
        }
        GC.KeepAlive(b);     // its finalizer frees the memory the product just read
        if (Profiling) ProfiledTicks += System.Diagnostics.Stopwatch.GetTimestamp() - start;
        if (stopped != 0) throw Deadline.Stopped($"matrix product {m}x{b.K} @ {b.K}x{b.N}");
    }

    internal struct Job
    {
        public bool TransA, TransB;
        public int M, N, K, NR, KC;
        public float Alpha, Beta;
        public float* A, B, C;
        public int Lda, Ldb, Ldc;
        public GemmKernel Kernel;
        public int Parts;
        public bool SplitN;
        public long Deadline;        // Stopwatch timestamp, 0 for none (the caller's Deadline.At)
        public int* Stopped;         // set by a part that stopped at the deadline
        public float* Packed;        // B packed once (PackedMatrix), or null to pack per product
        public int PackedWidth;      // its columns padded to whole panels
        public IGemmEpilogue? Epilogue;
    }

    private static void Run(ref Job job)
    {
        long flops = (long)job.M * job.N * job.K;
        int threads = flops >= ParallelThreshold ? Parallelism.MaxThreads : 1;
        // Split the columns at panel boundaries or the rows at strip boundaries, whichever
        // shares the work more evenly; when both are even, the longer side, so that each part
        // reads the smaller share of the operand the other split would make it read whole.
        int panels = (job.N + job.NR - 1) / job.NR, strips = (job.M + MR - 1) / MR;
        double Imbalance(int units) => units < threads ? double.MaxValue : Math.Ceiling((double)units / threads) * threads / units;
        double iN = Imbalance(panels), iM = Imbalance(strips);
        job.SplitN = Math.Abs(iN - iM) < 0.02 ? job.N > job.M : iN < iM;
        int units = job.SplitN ? panels : strips;
        job.Parts = Math.Max(1, Math.Min(threads, units));
        if (job.Parts == 1) { RunPart(in job, 0); return; }
        var work = GemmWork.ForThisThread;
        work.Job = job;
        if (!WorkerPool.TryRun(work, job.Parts)) { job.Parts = 1; RunPart(in job, 0); }
    }

    private sealed class GemmWork : IParallelWork
    {
        [ThreadStatic] private static GemmWork? _current;
        public static GemmWork ForThisThread => _current ??= new GemmWork();
        public Job Job;
        public void RunPart(int part, int parts) => Gemm.RunPart(in Job, part);
    }

    /// <summary>Runs part <paramref name="part"/> of <paramref name="job.Parts"/> of the fixed partition.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void RunPart(in Job job, int part)
    {
        int m0 = 0, m1 = job.M, n0 = 0, n1 = job.N;
        if (job.SplitN)
        {
            int panels = (job.N + job.NR - 1) / job.NR;
            n0 = Math.Min(job.N, (int)((long)panels * part / job.Parts) * job.NR);
            n1 = Math.Min(job.N, (int)((long)panels * (part + 1) / job.Parts) * job.NR);
        }
        else
        {
            int strips = (job.M + MR - 1) / MR;
            m0 = Math.Min(job.M, (int)((long)strips * part / job.Parts) * MR);
            m1 = Math.Min(job.M, (int)((long)strips * (part + 1) / job.Parts) * MR);
        }
        if (m0 >= m1 || n0 >= n1) return;
        // With beta = 0 the first k block writes C outright: no zeroing pass, no reads of C.
        bool writeFirst = job.Beta == 0f && job.K > 0 && job.Alpha != 0f;
        if (!writeFirst) ScaleC(in job, m0, m1, n0, n1);
        if (job.K == 0 || job.Alpha == 0f)
        {
            job.Epilogue?.Apply(m0, m1, n0, n1);
            return;
        }

        var buffers = PackBuffers.ForThisThread;
        int nr = job.NR;
        int kcMax = KBlockDepth(job.K, job.KC);
        int nSpan = n1 - n0, nBlocks = (nSpan + NC - 1) / NC, ncMax = (nSpan + nBlocks - 1) / nBlocks;
        ncMax = (ncMax + nr - 1) / nr * nr;
        bool prepacked = job.Packed != null;
        float* bPack = prepacked ? null : buffers.B((long)kcMax * ncMax);
        float* aPack = buffers.A((long)kcMax * MR);
        float* tile = buffers.Tile;
        // Read A in place (no copy) unless its stride maps the strip onto few L1 sets, where
        // its lines evict each other: 12 rows read side by side collide when the stride is a
        // multiple of 4 KiB; a transposed A walks its stride once per k step (kc steps kept
        // for every panel), which collides already at multiples of 256 bytes (Linear's
        // dW = dY^T X with 256 outputs ran at 56% of the peak in place, 72% packed).
        bool aInPlace = job.TransA ? (job.Lda & 63) != 0 : (job.Lda & 1023) != 0;
        nint rsInPlace = job.TransA ? sizeof(float) : (nint)job.Lda * sizeof(float);
        nint ksInPlace = job.TransA ? (nint)job.Lda * sizeof(float) : sizeof(float);
        // Packing B pays off when many strips of A reuse each panel; with few rows (a minibatch
        // of 128) the copy costs more than the strided reads it saves.
        bool bDirect = !prepacked && !job.TransB && BInPlace && m1 - m0 <= 16 * MR
            && (job.Kernel == GemmKernel.Avx512 && job.NR == 32 || job.Kernel == GemmKernel.Avx2 && Avx2InPlace(m1 - m0, kcMax, job.Ldb));

        for (int jc = n0; jc < n1; jc += ncMax)
        {
            int nc = Math.Min(ncMax, n1 - jc);
            for (int pc = 0; pc < job.K; pc += kcMax)
            {
                int kc = Math.Min(kcMax, job.K - pc);
                bool add = !(writeFirst && pc == 0), lastBlock = pc + kc >= job.K;
                if (prepacked) bPack = job.Packed + (nint)pc * job.PackedWidth + (nint)jc * kc;
                else if (!bDirect) PackB(in job, pc, kc, jc, nc, bPack);
                else if (nc % nr != 0) PackB(in job, pc, kc, jc + nc / nr * nr, nc % nr, bPack + (nint)(nc / nr * nr) * kc);
                for (int ic = m0; ic < m1; ic += MR)
                {
                    // Between strips, the caller's deadline (a timestamp read costs ~20 ns; a
                    // strip is thousands of FMAs): a stopped product leaves C unfinished.
                    if (job.Deadline != 0 && ((ic - m0) / MR & 15) == 0 && System.Diagnostics.Stopwatch.GetTimestamp() > job.Deadline)
                    {
                        *job.Stopped = 1;
                        return;
                    }
                    int mr = Math.Min(MR, m1 - ic);
                    float* aStrip;
                    nint rs, ks;
                    if (aInPlace && mr == MR)
                    {
                        aStrip = job.TransA ? job.A + (nint)pc * job.Lda + ic : job.A + (nint)ic * job.Lda + pc;
                        rs = rsInPlace; ks = ksInPlace;
                    }
                    else { PackA(in job, ic, mr, pc, kc, aPack); aStrip = aPack; rs = sizeof(float); ks = MR * sizeof(float); }
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int nrValid = Math.Min(nr, nc - jr);
                        // Full panels (32 wide on AVX-512, 16 on AVX2) of a row-major B are read in place, a row per k;
                        // only a partial last panel (and any transposed B) is packed.
                        bool bInPlace = bDirect && nrValid == nr;
                        float* bPanel = bInPlace ? job.B + (nint)pc * job.Ldb + jc + jr : bPack + (nint)jr * kc;
                        nint bStep = bInPlace ? job.Ldb : nr;
                        float* cTile = job.C + (nint)ic * job.Ldc + jc + jr;
                        if (mr == MR && nrValid == nr)
                        {
                            RunKernel(in job, kc, aStrip, rs, ks, bPanel, bStep, cTile, job.Ldc, add, MR);
                        }
                        else
                        {
                            // Edge tile: compute into a zeroed scratch tile, then add the valid part.
                            new Span<float>(tile, MR * nr).Clear();
                            RunKernel(in job, kc, aStrip, rs, ks, bPanel, bStep, tile, nr, true, mr);
                            for (int r = 0; r < mr; r++)
                            {
                                float* dst = cTile + (nint)r * job.Ldc;
                                float* src = tile + r * nr;
                                if (add) for (int j = 0; j < nrValid; j++) dst[j] += src[j];
                                else for (int j = 0; j < nrValid; j++) dst[j] = src[j];
                            }
                        }
                    }
                    // This block of C is final: finish it while it is in this core's cache.
                    if (lastBlock) job.Epilogue?.Apply(ic, ic + mr, jc, jc + nc);
                }
            }
        }
    }

    // Whether the AVX2 kernel reads a row-major B's panels in place (rows bStep apart) instead
    // of packing them. Packing pays when many strips of A reuse each panel; with at most 64 rows
    // the copy costs more than it saves (alternating rounds, Zen 3, one thread: 32x256 @ 256x784
    // 55 -> 67 GFLOP/s, 64x64 @ 64x64 63 -> 67). With more rows, only when the panel's kc rows
    // stay cheap to reach: within 256 KB (the L1 TLB's reach) and spread over enough L1 sets (a
    // stride of 1 KB puts every row of a panel in 4 of the 64 sets: 128x784 @ 784x256 ran 9%
    // slower in place).
    private static bool Avx2InPlace(int rows, int kc, int ldb)
    {
        if (rows <= 64) return true;
        long stride = (long)ldb * sizeof(float);
        if ((long)kc * stride > 256 * 1024) return false;
        if (stride % 64 != 0) return true;
        int sets = 64 / (int)Gcd(stride / 64, 64);
        return kc <= sets * 4;     // half of those sets' 8 ways: the strip of A shares L1
    }

    private static long Gcd(long a, long b) { while (b != 0) (a, b) = (b, a % b); return a; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    // rows: how many of the tile's rows are wanted (the rest may be left uncomputed).
    private static void RunKernel(in Job job, int kc, float* a, nint rs, nint ks, float* b, nint bStep, float* c, nint ldc, bool add, int rows)
    {
        switch (job.Kernel)
        {
            case GemmKernel.Avx512:
                if (job.NR == 32) MicroKernels.Avx512_12x32(kc, a, rs, ks, b, bStep, c, ldc, job.Alpha, add);
                else MicroKernels.Avx512_12x16(kc, a, rs, ks, b, c, ldc, job.Alpha, add);
                break;
            case GemmKernel.Avx2:
                MicroKernels.Avx2_12x16(kc, a, rs, ks, b, bStep, c, ldc, job.Alpha, add, rows);
                break;
            case GemmKernel.Vector128:
                MicroKernels.Vector128_12x8(kc, a, rs, ks, b, c, ldc, job.Alpha, add);
                break;
            default:
                MicroKernels.Scalar(kc, a, rs, ks, b, job.NR, c, ldc, job.Alpha, add);
                break;
        }
    }

    private static void ScaleC(in Job job, int m0, int m1, int n0, int n1)
    {
        if (job.Beta == 1f) return;
        for (int i = m0; i < m1; i++)
        {
            var row = new Span<float>(job.C + (nint)i * job.Ldc + n0, n1 - n0);
            if (job.Beta == 0f) row.Clear();
            else System.Numerics.Tensors.TensorPrimitives.Multiply(row, job.Beta, row);
        }
    }

    // Panels of NR columns, each k-major (NR values per k), zero-padded past the last column.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB(in Job job, int pc, int kc, int jc, int nc, float* dst)
    {
        int nr = job.NR;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int w = Math.Min(nr, nc - jr);
            float* panel = dst + (nint)jr * kc;
            if (!job.TransB)
            {
                float* src = job.B + (nint)pc * job.Ldb + jc + jr;
                if (w == nr)
                {
                    for (int p = 0; p < kc; p++, src += job.Ldb, panel += nr)
                        Unsafe.CopyBlockUnaligned(panel, src, (uint)(nr * sizeof(float)));
                }
                else
                {
                    for (int p = 0; p < kc; p++, src += job.Ldb, panel += nr)
                    {
                        int j = 0;
                        for (; j < w; j++) panel[j] = src[j];
                        for (; j < nr; j++) panel[j] = 0f;
                    }
                }
            }
            else
            {
                // op(B)[p, j] = B[j, p]: walk k outermost so the panel is written in order; the
                // nr source rows each stay in L1 across the 16 k steps of a cache line.
                float* src0 = job.B + (nint)(jc + jr) * job.Ldb + pc;
                nint ldb = job.Ldb;
                int pDone = 0;
                if (Avx.IsSupported && w == nr && (nr & 7) == 0)
                {
                    // 8x8 blocks transposed in registers: far cheaper than one scalar load per float.
                    for (; pDone + 8 <= kc; pDone += 8)
                        for (int j = 0; j < nr; j += 8)
                            Transpose8x8(src0 + (nint)j * ldb + pDone, ldb, panel + (nint)pDone * nr + j, nr);
                    panel += (nint)pDone * nr;
                }
                for (int p = pDone; p < kc; p++, panel += nr)
                {
                    float* src = src0 + p;
                    int j = 0;
                    for (; j < w; j++) panel[j] = src[j * ldb];
                    for (; j < nr; j++) panel[j] = 0f;
                }
            }
        }
    }

    // dst[p * ldd + j] = src[j * lds + p] for an 8x8 block.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, nint lds, float* dst, nint ldd)
    {
        var r0 = Avx.LoadVector256(src); var r1 = Avx.LoadVector256(src + lds);
        var r2 = Avx.LoadVector256(src + 2 * lds); var r3 = Avx.LoadVector256(src + 3 * lds);
        var r4 = Avx.LoadVector256(src + 4 * lds); var r5 = Avx.LoadVector256(src + 5 * lds);
        var r6 = Avx.LoadVector256(src + 6 * lds); var r7 = Avx.LoadVector256(src + 7 * lds);
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + ldd, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + 2 * ldd, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + 3 * ldd, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + 4 * ldd, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + 5 * ldd, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + 6 * ldd, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + 7 * ldd, Avx.Permute2x128(u3, u7, 0x31));
    }

    // A strip of MR rows, k-major (MR values per k), zero rows past the last one.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA(in Job job, int ic, int mr, int pc, int kc, float* dst)
    {
        if (!job.TransA)
        {
            for (int r = 0; r < MR; r++)
            {
                float* d = dst + r;
                if (r < mr)
                {
                    float* src = job.A + (nint)(ic + r) * job.Lda + pc;
                    for (int p = 0; p < kc; p++) d[p * MR] = src[p];
                }
                else
                {
                    for (int p = 0; p < kc; p++) d[p * MR] = 0f;
                }
            }
        }
        else
        {
            for (int p = 0; p < kc; p++)
            {
                float* src = job.A + (nint)(pc + p) * job.Lda + ic;
                float* d = dst + p * MR;
                int r = 0;
                for (; r < mr; r++) d[r] = src[r];
                for (; r < MR; r++) d[r] = 0f;
            }
        }
    }

    /// <summary>Packing space owned by one thread, 64-byte aligned, grown on demand and kept.</summary>
    private sealed class PackBuffers
    {
        [ThreadStatic] private static PackBuffers? _current;
        public static PackBuffers ForThisThread => _current ??= new PackBuffers();

        private float* _a, _b;
        private long _aCap, _bCap;
        public readonly float* Tile = (float*)NativeMemory.AlignedAlloc(MR * 32 * sizeof(float), 64);

        public float* A(long floats) => Grow(ref _a, ref _aCap, floats);
        public float* B(long floats) => Grow(ref _b, ref _bCap, floats);

        private static float* Grow(ref float* p, ref long cap, long floats)
        {
            if (floats <= cap) return p;
            if (p != null) NativeMemory.AlignedFree(p);
            cap = Math.Max(floats, 4096);
            p = (float*)NativeMemory.AlignedAlloc((nuint)(cap * sizeof(float)), 64);
            return p;
        }

        ~PackBuffers()
        {
            if (_a != null) NativeMemory.AlignedFree(_a);
            if (_b != null) NativeMemory.AlignedFree(_b);
            NativeMemory.AlignedFree(Tile);
        }
    }
}

/// <summary>Element (p, j) of a matrix to pack, p along k.</summary>
internal interface IPackSource
{
    float At(int p, int j);
}

/// <summary>Work run on each finished block of a product's C (bias, activation), rows [m0, m1) and columns [n0, n1).</summary>
internal interface IGemmEpilogue
{
    void Apply(int m0, int m1, int n0, int n1);
}

/// <summary>
/// A constant right-hand operand in the panel layout of one kernel family: for each k block,
/// its panels side by side, each k-major and zero-padded to the panel width. Made by
/// <see cref="Gemm.Pack"/>; native memory, freed with the object.
/// </summary>
internal sealed unsafe class PackedMatrix
{
    public readonly int K, N, NR, KcMax, NPad;
    public readonly GemmKernel Kernel;
    public readonly float* Data;

    private readonly long _bytes;

    internal PackedMatrix(int k, int n, int nr, int kcMax, int nPad, GemmKernel kernel)
    {
        K = k; N = n; NR = nr; KcMax = kcMax; NPad = nPad; Kernel = kernel;
        _bytes = (long)k * nPad * sizeof(float);
        Data = (float*)NativeMemory.AlignedAlloc((nuint)_bytes, 64);
        GC.AddMemoryPressure(_bytes);     // so that dropped ones are collected as their size deserves
    }

    /// <summary>Whether it was packed for the kernel family in use now (tests and hosts may change it).</summary>
    public bool IsCurrent => Kernel == Gemm.Kernel;

    ~PackedMatrix()
    {
        NativeMemory.AlignedFree(Data);
        GC.RemoveMemoryPressure(_bytes);
    }
}
