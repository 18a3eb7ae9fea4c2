using System.Diagnostics;
using ScriptableNN.Inference;
using ScriptableNN.NN;
using ScriptableNN.Tensors;

/// <summary>
/// A compiled network's per-frame call: one sample (Run) and batches of 64 and 256 rows (RunBatch),
/// for a small policy (16-64-64-4, tanh) and the MNIST MLP (784-256-128-10, ReLU). Median of
/// seven timed rounds, after half a second of warm-up.
/// </summary>
public static class InferenceTable
{
    public static void Run()
    {
        Console.WriteLine("| network | call | ns per call (median of 7) |");
        Console.WriteLine("|---|---|---:|");
        var rng = new Rng(1);
        var policy = new Sequential(new Linear(16, 64, rng: rng), new Tanh(), new Linear(64, 64, rng: rng), new Tanh(), new Linear(64, 4, rng: rng));
        var mlp = new Sequential(new Linear(784, 256, rng: rng), new ReLU(), new Linear(256, 128, rng: rng), new ReLU(), new Linear(128, 10, rng: rng));
        foreach (var (name, net, inputs) in new[] { ("16-64-64-4 tanh", policy, 16), ("784-256-128-10 relu", mlp, 784) })
        {
            var c = CompiledNetwork.Compile(net);
            var x = Tensor.Uniform(rng, -1, 1, 64, inputs).ToArray();
            var y = new float[64 * c.OutputSize];
            CompiledNetwork.SplitLargeLayers = false;
            Console.WriteLine($"| {name} | Run (1 sample, one thread) | {Time(() => c.Run(x.AsSpan(0, inputs), y), inputs > 100 ? 2_000 : 50_000):F0} |");
            CompiledNetwork.SplitLargeLayers = true;
            Console.WriteLine($"| {name} | Run (1 sample, layers over 256 KB split over two threads) | {Time(() => c.Run(x.AsSpan(0, inputs), y), inputs > 100 ? 2_000 : 50_000):F0} |");
            Console.WriteLine($"| {name} | RunBatch (64 rows) | {Time(() => c.RunBatch(x, y, 64), inputs > 100 ? 200 : 5_000):F0} |");
            var x256 = Tensor.Uniform(rng, -1, 1, 256, inputs).ToArray();
            var y256 = new float[256 * c.OutputSize];
            Console.WriteLine($"| {name} | RunBatch (256 rows) | {Time(() => c.RunBatch(x256, y256, 256), inputs > 100 ? 50 : 1_000):F0} |");
        }
    }

    private static double Time(Action call, int calls)
    {
        // Half a second of calls first: tiered compilation promotes the callers only after a
        // delay, and a warm-up by count would time their first-tier code.
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed.TotalSeconds < 0.5) call();
        var rounds = new double[7];
        for (int r = 0; r < rounds.Length; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < calls; i++) call();
            rounds[r] = (Stopwatch.GetTimestamp() - t0) * 1e9 / Stopwatch.Frequency / calls;
        }
        Array.Sort(rounds);
        return rounds[3];
    }
}
