using BenchmarkDotNet.Attributes;
using ScriptableNN.Kernels;

/// <summary>BenchmarkDotNet view of the GEMM shapes (time per product; GFLOP/s in GemmTable).</summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    private float[] _a = Array.Empty<float>(), _b = Array.Empty<float>(), _c = Array.Empty<float>();
    private (string Name, int M, int N, int K, bool TA, bool TB) _s;

    [ParamsSource(nameof(ShapeNames))]
    public string Shape { get; set; } = "";

    [Params(1, 2)]
    public int Threads { get; set; }

    public static IEnumerable<string> ShapeNames() => GemmTable.Shapes.Select(s => s.Name);

    [GlobalSetup]
    public void Setup()
    {
        _s = GemmTable.Shapes.First(s => s.Name == Shape);
        var rng = new Random(1);
        _a = Enumerable.Range(0, _s.M * _s.K).Select(_ => (float)rng.NextDouble()).ToArray();
        _b = Enumerable.Range(0, _s.K * _s.N).Select(_ => (float)rng.NextDouble()).ToArray();
        _c = new float[_s.M * _s.N];
        Gemm.MaxThreads = Threads;
    }

    [Benchmark]
    public float Multiply()
    {
        Gemm.Multiply(_s.TA ? Transpose.Yes : Transpose.No, _s.TB ? Transpose.Yes : Transpose.No, _s.M, _s.N, _s.K,
            1f, _a, _s.TA ? _s.M : _s.K, _b, _s.TB ? _s.K : _s.N, 0f, _c, _s.N);
        return _c[0];
    }
}

/// <summary>The FMA peak at the GEMM kernel's width as a BenchmarkDotNet case (one thread).</summary>
public class PeakBenchmarks
{
    [Benchmark]
    public double FmaChains() => Peak.Measure(ScriptableNN.Kernels.Gemm.Kernel, 1, 1_000_000);
}
