using System.Diagnostics;
using ScriptableNN.Autograd;
using ScriptableNN.Kernels;
using ScriptableNN.Losses;
using ScriptableNN.NN;
using ScriptableNN.Optim;
using ScriptableNN.Tensors;

/// <summary>
/// One Adam training step of 784-256-128-10 with cross-entropy: time per step, samples/s, and
/// the share of the step spent outside GEMM, on 1 and 2 threads, at batch 32, 128 and 512.
/// </summary>
public static class TrainingTable
{
    public sealed class Mlp
    {
        public readonly Sequential Net;
        public readonly Tensor X, Y;
        public readonly CrossEntropyCriterion Loss = new();
        public readonly Adam Opt;
        public readonly Tape Tape = new();

        public Mlp(int batch)
        {
            var rng = new Rng(1);
            Net = new Sequential(new Linear(784, 256, rng: rng), new ReLU(), new Linear(256, 128, rng: rng), new ReLU(), new Linear(128, 10, rng: rng));
            X = Tensor.Uniform(rng, 0, 1, batch, 784);
            Y = Tensor.FromArray(Enumerable.Range(0, batch).Select(i => (float)(i % 10)).ToArray());
            Opt = new Adam(Net.Parameters());
        }

        /// <summary>zero grads, forward, loss, backward over the tape, Adam update.</summary>
        public float Step()
        {
            Opt.ZeroGrad();
            Tape.Resume();
            var loss = Loss.Loss(Net.Forward(X), Y);
            Tape.Backward(loss);
            Opt.Step();
            return loss[0];
        }
    }

    public static void Run()
    {
        Console.WriteLine("| batch | threads | ms per step | samples/s | share outside GEMM |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        foreach (int batch in new[] { 32, 128, 512 })
            foreach (int threads in new[] { 1, 2 })
            {
                Gemm.MaxThreads = threads;
                var m = new Mlp(batch);
                double s = GemmTable.Median(() => m.Step(), 0.05);
                // GEMM share: same steps again with the GEMM clock on.
                Gemm.ProfiledTicks = 0;
                Gemm.Profiling = true;
                var sw = Stopwatch.StartNew();
                int n = 0;
                while (sw.Elapsed.TotalSeconds < 0.3) { m.Step(); n++; }
                long total = sw.ElapsedTicks;
                Gemm.Profiling = false;
                double gemmShare = (double)Gemm.ProfiledTicks / total;
                Console.WriteLine($"| {batch} | {threads} | {s * 1e3:F3} | {batch / s:F0} | {100 * (1 - gemmShare):F1}% |");
            }
        Gemm.MaxThreads = 2;
    }
}
