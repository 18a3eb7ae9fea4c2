using NUnit.Framework;
using ScriptableNN.Kernels;
using ScriptableNN.Tensors;

namespace ScriptableNN.Tests;

[TestFixture]
public class GemmTests
{
    private GemmKernel _savedKernel;
    private int _savedThreads;
    private long _savedThreshold;

    [SetUp]
    public void Save() { _savedKernel = Gemm.Kernel; _savedThreads = Gemm.MaxThreads; _savedThreshold = Gemm.ParallelThreshold; }

    [TearDown]
    public void Restore() { Gemm.Kernel = _savedKernel; Gemm.MaxThreads = _savedThreads; Gemm.ParallelThreshold = _savedThreshold; }

    private static IEnumerable<GemmKernel> Kernels()
    {
        for (var k = GemmKernel.Scalar; k <= Gemm.Detected; k++) yield return k;
    }

    // Sizes around the tile edges (MR = 12, NR = 8/16/32), primes, 1.
    private static readonly int[] EdgeSizes = { 1, 2, 7, 8, 9, 11, 12, 13, 15, 16, 17, 23, 31, 32, 33, 47, 64, 65 };

    private static double[] Reference(bool ta, bool tb, int m, int n, int k, float alpha, float[] a, float[] b, float beta, float[] c0)
    {
        var r = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                    s += (double)(ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
                r[i * n + j] = alpha * s + (beta == 0 ? 0 : beta * (double)c0[i * n + j]);
            }
        return r;
    }

    private static void CheckOne(Rng rng, int m, int n, int k, bool ta, bool tb, float alpha, float beta, string what)
    {
        var a = Tensor.Uniform(rng, -1, 1, m * k).ToArray();
        var b = Tensor.Uniform(rng, -1, 1, k * n).ToArray();
        var c = Tensor.Uniform(rng, -1, 1, m * n).ToArray();
        if (beta == 0) Array.Fill(c, float.NaN); // beta = 0 must not read C
        var c0 = (float[])c.Clone();
        Gemm.Multiply(ta ? Transpose.Yes : Transpose.No, tb ? Transpose.Yes : Transpose.No, m, n, k,
            alpha, a, ta ? m : k, b, tb ? k : n, beta, c, n);
        var r = Reference(ta, tb, m, n, k, alpha, a, b, beta, c0);
        double tol = 1e-5 * (k + 1) * Math.Max(1, Math.Abs(alpha)) + 1e-5;
        for (int i = 0; i < r.Length; i++)
            Assert.That(c[i], Is.EqualTo(r[i]).Within(tol), $"{what}: m={m} n={n} k={k} ta={ta} tb={tb} alpha={alpha} beta={beta}, element {i}");
    }

    [Test]
    public void EveryFormMatchesReferenceOnEdgeShapes([ValueSource(nameof(Kernels))] GemmKernel kernel)
    {
        Gemm.Kernel = kernel;
        var rng = new Rng(42);
        for (int trial = 0; trial < 150; trial++)
        {
            int m = EdgeSizes[rng.NextInt(EdgeSizes.Length)], n = EdgeSizes[rng.NextInt(EdgeSizes.Length)];
            int k = trial % 10 == 0 ? 1 : EdgeSizes[rng.NextInt(EdgeSizes.Length)];
            bool ta = (trial & 1) != 0, tb = (trial & 2) != 0;
            float alpha = (trial % 3) switch { 0 => 1f, 1 => -0.5f, _ => 2f };
            float beta = (trial % 4) switch { 0 => 0f, 1 => 1f, 2 => 0.5f, _ => -1f };
            CheckOne(rng, m, n, k, ta, tb, alpha, beta, kernel.ToString());
        }
    }

    [Test]
    public void LargeShapesCrossKAndNBlocksOnTwoThreads([ValueSource(nameof(Kernels))] GemmKernel kernel)
    {
        Gemm.Kernel = kernel;
        Gemm.MaxThreads = 2;
        Gemm.ParallelThreshold = 1;
        var rng = new Rng(7);
        // K beyond KC (blocks over k), N beyond NC (blocks over n), and an M that leaves a partial strip.
        CheckOne(rng, 37, 1100, 1030, false, false, 1f, 0f, "blocks");
        CheckOne(rng, 130, 40, 700, true, true, 0.5f, 1f, "blocks-tt");
        CheckOne(rng, 25, 10, 900, false, true, 1f, 0f, "narrow");
    }

    [Test]
    public void AlphaZeroOnlyScalesC()
    {
        var c = new float[] { 1, 2, 3, 4 };
        Gemm.Multiply(Transpose.No, Transpose.No, 2, 2, 3, 0f, new float[6], 3, new float[6], 2, 3f, c, 2);
        Assert.That(c, Is.EqualTo(new float[] { 3, 6, 9, 12 }));
    }

    [Test]
    public void ResultsAreBitIdenticalAcrossRunsAndThreadCounts()
    {
        var rng = new Rng(3);
        int m = 128, n = 256, k = 784;
        var a = Tensor.Uniform(rng, -1, 1, m, k);
        var b = Tensor.Uniform(rng, -1, 1, k, n);
        Gemm.ParallelThreshold = 1;
        Gemm.MaxThreads = 1;
        var one = Tensor.MatMul(a, b).ToArray();
        Gemm.MaxThreads = 2;
        for (int run = 0; run < 5; run++)
            Assert.That(Tensor.MatMul(a, b).ToArray(), Is.EqualTo(one), $"run {run}");
    }

    [Test]
    public void OperandTooShortIsRejectedWithItsName()
    {
        var c = new float[4];
        var ex = Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(Transpose.No, Transpose.No, 2, 2, 3, 1f, new float[5], 3, new float[6], 2, 0f, c, 2));
        Assert.That(ex!.Message, Does.Contain("A holds 5 floats"));
    }

    [Test]
    public void MatMulShapeMismatchNamesBothShapesAndWritesNothing()
    {
        var a = Tensor.Ones(2, 3);
        var b = Tensor.Ones(4, 5);
        var into = Tensor.Full(7f, 2, 5);
        var ex = Assert.Throws<ArgumentException>(() => Tensor.MatMul(a, b, into));
        Assert.That(ex!.Message, Does.Contain("matmul").And.Contain("[2, 3]").And.Contain("[4, 5]"));
        Assert.That(into.ToArray(), Is.All.EqualTo(7f));
    }

    [Test]
    public void MatMulTransposedFormsMatchExplicitTranspose()
    {
        var rng = new Rng(11);
        var x = Tensor.Uniform(rng, -1, 1, 5, 3);
        var w = Tensor.Uniform(rng, -1, 1, 4, 3);
        var xwT = Tensor.MatMul(x, w, transposeB: true); // [5, 4]
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 4; j++)
            {
                float s = 0;
                for (int p = 0; p < 3; p++) s += x[i, p] * w[j, p];
                Assert.That(xwT[i, j], Is.EqualTo(s).Within(1e-5));
            }
        var xTx = Tensor.MatMul(x, x, transposeA: true); // [3, 3]
        Assert.That(xTx.ShapeText, Is.EqualTo("[3, 3]"));
        Assert.That(xTx[0, 1], Is.EqualTo(xTx[1, 0]).Within(1e-6));
    }

    // Records which elements of C an epilogue was given, and that each was final by then.
    private sealed class CoverageEpilogue : IGemmEpilogue
    {
        public int[] Seen = Array.Empty<int>();
        public float[] C = Array.Empty<float>(), Expected = Array.Empty<float>();
        public int N;
        public int Early;
        public void Apply(int m0, int m1, int n0, int n1)
        {
            lock (this)
                for (int i = m0; i < m1; i++)
                    for (int j = n0; j < Math.Min(n1, N); j++)
                    {
                        Seen[i * N + j]++;
                        if (C[i * N + j] != Expected[i * N + j]) Early++;
                    }
        }
    }

    [Test]
    public void APackedOperandGivesTheSameBitsAsPackingInEveryProduct([ValueSource(nameof(Kernels))] GemmKernel kernel, [Values(1, 2)] int threads)
    {
        Gemm.Kernel = kernel;
        Gemm.MaxThreads = threads;
        Gemm.ParallelThreshold = 1;
        var rng = new Rng(17);
        // Partial strips and panels, k over two blocks, and a single row and column.
        foreach (var (m, n, k) in new[] { (40, 37, 600), (256, 64, 64), (13, 16, 1), (1, 1, 5), (100, 300, 260) })
        {
            var a = Tensor.Uniform(rng, -1, 1, m * k).ToArray();
            var b = Tensor.Uniform(rng, -1, 1, k * n).ToArray();
            var expected = new float[m * n];
            Gemm.Multiply(Transpose.No, Transpose.No, m, n, k, 1f, a, k, b, n, 0f, expected, n);
            var packed = Gemm.Pack(k, n, b, n);
            var c = new float[m * n];
            Array.Fill(c, float.NaN);
            var epilogue = new CoverageEpilogue { Seen = new int[m * n], C = c, Expected = expected, N = n };
            Gemm.Multiply(m, packed, a, k, c, n, epilogue);
            Assert.That(c, Is.EqualTo(expected), $"{kernel}, {threads} thread(s): {m}x{k} @ {k}x{n}");
            Assert.That(epilogue.Seen, Is.All.EqualTo(1), $"{m}x{k} @ {k}x{n}: the epilogue saw every element once");
            Assert.That(epilogue.Early, Is.EqualTo(0), $"{m}x{k} @ {k}x{n}: the epilogue saw only finished elements");

            // Packed again into the same memory (new weights, same sizes): nothing allocated.
            for (int i = 0; i < b.Length; i++) b[i] = -b[i];
            long before = GC.GetAllocatedBytesForCurrentThread();
            var again = Gemm.Pack(k, n, b, n, packed);
            Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0));
            Assert.That(again, Is.SameAs(packed));
            Gemm.Multiply(m, again, a, k, c, n, null);
            for (int i = 0; i < c.Length; i++) Assert.That(c[i], Is.EqualTo(-expected[i]), $"negated weights, element {i}");
        }
    }

    [Test]
    public void AnOperandPackedForAnotherKernelIsRefused()
    {
        if (Gemm.Detected == GemmKernel.Scalar) Assert.Ignore("one kernel family only on this CPU");
        var packed = Gemm.Pack(4, 4, new float[16], 4);
        Gemm.Kernel = GemmKernel.Scalar;
        var ex = Assert.Throws<InvalidOperationException>(() => Gemm.Multiply(2, packed, new float[8], 4, new float[8], 4, null));
        Assert.That(ex!.Message, Does.Contain(Gemm.Detected.ToString()).And.Contain("Scalar"));
        Assert.That(Gemm.Pack(4, 4, new float[16], 4, packed), Is.Not.SameAs(packed), "repacking for the kernel in use makes a new layout");
    }

    // Two parts, each computing its own large product: the products inside the parts run on
    // their part's thread instead of re-entering the busy pool.
    private sealed class ProductsInParts : IParallelWork
    {
        public float[][] A = new float[2][], B = new float[2][], C = new float[2][];
        public void RunPart(int part, int parts) =>
            Gemm.Multiply(Transpose.No, Transpose.No, 96, 80, 300, 1f, A[part], 300, B[part], 80, 0f, C[part], 80);
    }

    [Test]
    public void WorkStartedInsideAPartRunsOnThatPartsThread()
    {
        Gemm.MaxThreads = 2;
        Gemm.ParallelThreshold = 1;
        var rng = new Rng(21);
        var work = new ProductsInParts();
        for (int p = 0; p < 2; p++)
        {
            work.A[p] = Tensor.Uniform(rng, -1, 1, 96 * 300).ToArray();
            work.B[p] = Tensor.Uniform(rng, -1, 1, 300 * 80).ToArray();
            work.C[p] = new float[96 * 80];
        }
        for (int round = 0; round < 20; round++)
        {
            Assert.That(WorkerPool.TryRun(work, 2), Is.True);
            for (int p = 0; p < 2; p++)
            {
                var expected = new float[96 * 80];
                Gemm.Multiply(Transpose.No, Transpose.No, 96, 80, 300, 1f, work.A[p], 300, work.B[p], 80, 0f, expected, 80);
                Assert.That(work.C[p], Is.EqualTo(expected), $"round {round}, part {p}");
                Array.Clear(work.C[p]);
            }
        }
    }

    [Test]
    public void ReadingBInPlaceGivesTheSameBitsAsPackingIt([ValueSource(nameof(Kernels))] GemmKernel kernel)
    {
        Gemm.Kernel = kernel;
        Gemm.ParallelThreshold = 1;
        var rng = new Rng(33);
        // Few rows (read in place), a 1 KB stride (packed), a partial last panel, k over two blocks.
        foreach (var (m, n, k) in new[] { (32, 784, 256), (64, 64, 64), (100, 80, 300), (40, 256, 600), (7, 37, 19) })
        {
            var a = Tensor.Uniform(rng, -1, 1, m * k).ToArray();
            var b = Tensor.Uniform(rng, -1, 1, k * n).ToArray();
            var packed = new float[m * n];
            Gemm.BInPlace = false;
            Gemm.MaxThreads = 1;
            Gemm.Multiply(Transpose.No, Transpose.No, m, n, k, 1f, a, k, b, n, 0f, packed, n);
            Gemm.BInPlace = true;
            try
            {
                foreach (int threads in new[] { 1, 2 })
                {
                    Gemm.MaxThreads = threads;
                    var c = new float[m * n];
                    Gemm.Multiply(Transpose.No, Transpose.No, m, n, k, 1f, a, k, b, n, 0f, c, n);
                    Assert.That(c, Is.EqualTo(packed), $"{kernel}, {threads} thread(s): {m}x{k} @ {k}x{n}");
                }
            }
            finally { Gemm.BInPlace = true; }
        }
    }
}
