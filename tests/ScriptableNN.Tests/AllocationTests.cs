using NUnit.Framework;
using ScriptableNN.Autograd;
using ScriptableNN.Losses;
using ScriptableNN.NN;
using ScriptableNN.Optim;
using ScriptableNN.Tensors;

namespace ScriptableNN.Tests;

/// <summary>A training step after the first allocates nothing on the managed heap.</summary>
[TestFixture]
public class AllocationTests
{
    private static (Sequential Net, Tensor X, Tensor Y) Mlp()
    {
        var rng = new Rng(1);
        var net = new Sequential(new Linear(784, 256, rng: rng), new ReLU(), new Linear(256, 128, rng: rng), new ReLU(), new Linear(128, 10, rng: rng));
        var x = Tensor.Uniform(rng, 0, 1, 128, 784);
        var y = Tensor.FromArray(Enumerable.Range(0, 128).Select(i => (float)(i % 10)).ToArray());
        return (net, x, y);
    }

    [Test]
    public void TorchStyleAdamStepAllocatesNothingAfterTheFirst()
    {
        var (net, x, y) = Mlp();
        var ce = new CrossEntropyCriterion();
        var opt = new Adam(net.Parameters());
        void Step()
        {
            net.ZeroGradParameters();
            var o = net.Forward(x);
            ce.Forward(o, y);
            net.Backward(x, ce.Backward(o, y));
            opt.Step();
        }
        Step(); Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) Step();
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0));
    }

    [Test]
    public void TapeAdamStepAllocatesNothingAfterTheFirst()
    {
        var (net, x, y) = Mlp();
        var ce = new CrossEntropyCriterion();
        var opt = new Adam(net.Parameters());
        var tape = new Tape();
        void Step()
        {
            opt.ZeroGrad();
            tape.Resume();
            var loss = ce.Loss(net.Forward(x), y);
            tape.Backward(loss);
            opt.Step();
        }
        Step(); Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) Step();
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0));
    }

    // Buffers are kept per batch size: a host calling with the same batch size every frame
    // allocates nothing after the first call.
    [TestCase(1)]
    [TestCase(128)]
    public void InferenceAllocatesNothingAfterTheFirst(int batch)
    {
        var (net, x, _) = Mlp();
        net.Evaluate();
        var input = x.Narrow(0, batch);
        net.Forward(input);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) net.Forward(input);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0));
    }
}
