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

        /// <summary>Forward, loss, backward over the tape writing the gradients (no zeroing pass), Adam update: the Trainer's step.</summary>
        public float Step()
        {
            Tape.Resume();
            var loss = Loss.Loss(Net.Forward(X), Y);
            Tape.Backward(loss, 1f, overwriteParameterGradients: true);
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
        FitOverhead();
    }

    /// <summary>
    /// The fit loop (shuffled minibatches gathered from a data set, loss and accuracy kept,
    /// epochs ended) against the bare step loop on one fixed batch: same model, batch 128.
    /// </summary>
    public static void FitOverhead()
    {
        const int batch = 128, epochs = 4, examples = 128 * 40;
        var rng = new Rng(2);
        var data = new ScriptableNN.Data.Dataset(Tensor.Uniform(rng, 0, 1, examples, 784),
            Tensor.FromArray(Enumerable.Range(0, examples).Select(i => (float)(i % 10)).ToArray()));
        double bare = double.MaxValue, hand = double.MaxValue, fit = double.MaxValue;
        int steps = epochs * examples / batch;
        for (int rep = 0; rep < 11; rep++)
        {
            var m = new Mlp(batch);
            for (int i = 0; i < 20; i++) m.Step();
            var sw = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; i < steps; i++) m.Step();
            bare = Math.Min(bare, sw.Elapsed.TotalSeconds);

            // What a user writes by hand: shuffle, gather each minibatch, step.
            var h = new Mlp(batch);
            var order = ScriptableNN.Data.Dataset.Permutation(examples, new Rng(5));
            for (int i = 0; i < 20; i++) h.Step();
            sw.Restart();
            for (int i = 0; i < steps; i++)
            {
                int start = i % (examples / batch) * batch;
                if (start == 0) new Rng((ulong)i).Shuffle<int>(order);
                data.Gather(order.AsSpan(start, batch), h.X, h.Y);
                h.Step();
            }
            hand = Math.Min(hand, sw.Elapsed.TotalSeconds);

            var f = new Mlp(batch);
            var trainer = new ScriptableNN.Training.Trainer(new ScriptableNN.Training.TrainerOptions
            {
                Model = f.Net, Loss = f.Loss, Optimizer = f.Opt, Data = data, Epochs = epochs + 1, BatchSize = batch, Accuracy = true,
            });
            trainer.Step(20);
            sw.Restart();
            trainer.Step(epochs * examples / batch);
            fit = Math.Min(fit, sw.Elapsed.TotalSeconds);
        }
        Console.WriteLine();
        Console.WriteLine($"batch {batch}, {steps} steps over {examples} examples: fixed in-cache batch {bare * 1e3:F1} ms; hand-written shuffled minibatch loop {hand * 1e3:F1} ms; " +
                          $"Trainer (fit) {fit * 1e3:F1} ms: fit adds {100 * (fit / hand - 1):F2}% over the hand-written loop ({100 * (fit / bare - 1):F2}% over the fixed batch)");
    }
}
