using BenchmarkDotNet.Attributes;
using ScriptableNN.Kernels;

/// <summary>One Adam step of 784-256-128-10 with cross-entropy, as a BenchmarkDotNet case.</summary>
[MemoryDiagnoser]
public class TrainingBenchmarks
{
    private TrainingTable.Mlp _m = null!;

    [Params(32, 128, 512)]
    public int Batch { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Gemm.MaxThreads = Threads;
        _m = new TrainingTable.Mlp(Batch);
    }

    [Benchmark]
    public float AdamStep() => _m.Step();
}
