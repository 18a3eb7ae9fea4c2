using NUnit.Framework;
using ScriptableNN.Inference;
using ScriptableNN.NN;
using ScriptableNN.Tensors;

namespace ScriptableNN.Tests;

[TestFixture]
public class CompiledNetworkTests
{
    public static IEnumerable<TestCaseData> Networks()
    {
        var rng = new Rng(4);
        yield return new TestCaseData(new Sequential(new Linear(16, 64, rng: rng), new ReLU(), new Linear(64, 64, rng: rng), new ReLU(), new Linear(64, 4, rng: rng)), 16).SetArgDisplayNames("16-64-64-4 ReLU");
        yield return new TestCaseData(new Sequential(new Linear(7, 33, rng: rng), new Tanh(), new Dropout(0.5f), new Linear(33, 5, rng: rng), new SoftMax()), 7).SetArgDisplayNames("tanh-softmax");
        yield return new TestCaseData(new Sequential(new Linear(5, 8, rng: rng), new LeakyReLU(0.1f), new Maxout(8, 4, 3, rng: rng), new Linear(4, 2, bias: false, rng: rng), new Sigmoid()), 5).SetArgDisplayNames("maxout fallback");
        yield return new TestCaseData(new Sequential(new Linear(784, 256, rng: rng), new ReLU(), new Linear(256, 128, rng: rng), new ReLU(), new Linear(128, 10, rng: rng)), 784).SetArgDisplayNames("784-256-128-10");
    }

    [TestCaseSource(nameof(Networks))]
    public void MatchesTheModulesForward(Sequential net, int inputs)
    {
        net.Evaluate();
        var compiled = CompiledNetwork.Compile(net, inputs);
        var x = Tensor.Uniform(new Rng(1), -1, 1, 6, inputs);
        var expected = net.Forward(x).Clone();
        var y = new float[compiled.OutputSize];
        for (int r = 0; r < 6; r++)
        {
            compiled.Run(x.Select(r).Span, y);
            for (int j = 0; j < y.Length; j++) Assert.That(y[j], Is.EqualTo(expected[r, j]).Within(1e-4), $"row {r} output {j}");
        }
        Assert.That(compiled.Forward(x).ToArray(), Is.EqualTo(expected.ToArray()).Within(1e-4));
    }

    [TestCaseSource(nameof(Networks))]
    public void ABatchMatchesRowByRowAndAllocatesNothingOnceSized(Sequential net, int inputs)
    {
        net.Evaluate();
        var compiled = CompiledNetwork.Compile(net, inputs);
        var x = Tensor.Uniform(new Rng(2), -1, 1, 40, inputs);
        var batch = new float[40 * compiled.OutputSize];
        compiled.RunBatch(x.Span, batch, 40);
        var one = new float[compiled.OutputSize];
        for (int r = 0; r < 40; r++)
        {
            compiled.Run(x.Select(r).Span, one);
            for (int j = 0; j < one.Length; j++) Assert.That(batch[r * one.Length + j], Is.EqualTo(one[j]).Within(1e-4), $"row {r} output {j}");
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) compiled.RunBatch(x.Span, batch, 40);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0));
    }

    [Test]
    public void RunAllocatesNothing()
    {
        var net = (Sequential)Networks().First().Arguments[0]!;
        var compiled = CompiledNetwork.Compile(net);
        var x = new float[16]; var y = new float[4];
        for (int i = 0; i < 200; i++) compiled.Run(x, y);
        // Steady state: a per-call allocation shows in every round; the runtime's own one-off
        // work while it re-compiles hot methods can show in one round at most.
        long least = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++) { x[i % 16] = i * 0.01f; compiled.Run(x, y); }
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.That(least, Is.EqualTo(0));
    }

    [Test]
    public void ALargeLayerSplitOverTwoThreadsGivesTheSameBitsAndAllocatesNothing()
    {
        var net = (Sequential)Networks().Last().Arguments[0]!;     // 784-256: 800 KB of weights, split
        var compiled = CompiledNetwork.Compile(net);
        var x = Tensor.Uniform(new Rng(5), -1, 1, 8, 784);
        var one = new float[10]; var two = new float[10];
        int threads = Kernels.Parallelism.MaxThreads;
        try
        {
            Kernels.Parallelism.MaxThreads = 2;
            for (int r = 0; r < 8; r++)
            {
                CompiledNetwork.SplitLargeLayers = false;
                compiled.Run(x.Select(r).Span, one);
                CompiledNetwork.SplitLargeLayers = true;
                var row = x.Select(r).ToArray();
                long splits = CompiledNetwork.SplitRuns;
                compiled.Run(row, two);              // a lone call runs on one thread
                compiled.Run(row, two);              // the next, right after it, splits
                Assert.That(CompiledNetwork.SplitRuns, Is.GreaterThan(splits), "the call right after another ran split");
                // each output is summed in the same order either way: the halves split on block boundaries
                Assert.That(two, Is.EqualTo(one), $"row {r}");
            }
            var input = x.Select(3).ToArray();
            long least = long.MaxValue;
            for (int round = 0; round < 3; round++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 50; i++) compiled.Run(input, two);
                least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            }
            Assert.That(least, Is.EqualTo(0));
        }
        finally
        {
            Kernels.Parallelism.MaxThreads = threads;
            CompiledNetwork.SplitLargeLayers = true;
        }
    }

    [Test]
    public void IsASnapshotUntilRefreshed()
    {
        var net = new Sequential(new Linear(2, 3, rng: new Rng(1)), new ReLU(), new Linear(3, 1, rng: new Rng(2)));
        var compiled = CompiledNetwork.Compile(net);
        var x = new float[] { 0.5f, -0.25f }; var y = new float[1];
        compiled.Run(x, y);
        float before = y[0];
        ((Linear)net[2]).Bias!.Value[0] += 1f;
        compiled.Run(x, y);
        Assert.That(y[0], Is.EqualTo(before));
        compiled.Refresh();
        compiled.Run(x, y);
        Assert.That(y[0], Is.EqualTo(before + 1f).Within(1e-6));
        Assert.Throws<ArgumentException>(() => compiled.Run(new float[3], y));
        Assert.That(compiled, Is.Not.InstanceOf<Module>(), "inference only: nothing to go back through");
    }

    [Test]
    public void ABatchSeesRefreshedWeightsAndAKernelChangeWithoutAllocatingOnRefresh()
    {
        var net = (Sequential)Networks().First().Arguments[0]!;
        net.Evaluate();
        var compiled = CompiledNetwork.Compile(net);
        var x = Tensor.Uniform(new Rng(9), -1, 1, 32, 16);
        var batch = new float[32 * 4];
        compiled.RunBatch(x.Span, batch, 32);
        Assert.That(batch, Is.EqualTo(net.Forward(x).ToArray()).Within(1e-4));

        ((Linear)net[0]).Weight.Value.Span[3] += 0.5f;
        ((Linear)net[4]).Bias!.Value[1] -= 1f;
        compiled.RunBatch(x.Span, batch, 32);
        Assert.That(batch, Is.Not.EqualTo(net.Forward(x).ToArray()).Within(1e-4), "a snapshot until refreshed");
        long before = GC.GetAllocatedBytesForCurrentThread();
        compiled.Refresh();
        compiled.RunBatch(x.Span, batch, 32);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0), "refresh repacks into the same memory");
        Assert.That(batch, Is.EqualTo(net.Forward(x).ToArray()).Within(1e-4));

        var saved = Kernels.Gemm.Kernel;
        try
        {
            Kernels.Gemm.Kernel = Kernels.GemmKernel.Scalar;
            Array.Clear(batch);
            compiled.RunBatch(x.Span, batch, 32);
            Assert.That(batch, Is.EqualTo(net.Forward(x).ToArray()).Within(1e-4), "packed again for the scalar kernel");
        }
        finally { Kernels.Gemm.Kernel = saved; }
    }
}
