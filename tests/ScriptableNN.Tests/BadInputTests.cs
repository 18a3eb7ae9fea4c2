using NUnit.Framework;
using ScriptableNN.Losses;
using ScriptableNN.NN;
using ScriptableNN.Optim;
using ScriptableNN.Tensors;

namespace ScriptableNN.Tests;

/// <summary>Bad input stops the step with a message naming what and where, and changes no parameter.</summary>
[TestFixture]
public class BadInputTests
{
    private static (Sequential Net, Adam Opt, float[][] Snapshot) Setup()
    {
        var rng = new Rng(1);
        var net = new Sequential(new Linear(4, 5, rng: rng), new ReLU(), new Linear(5, 3, rng: rng));
        var opt = new Adam(net.Parameters());
        return (net, opt, net.ParameterArray().Select(p => p.Value.ToArray()).ToArray());
    }

    private static void Step(Sequential net, Optimizer opt, Criterion loss, Tensor x, Tensor target)
    {
        opt.ZeroGrad();
        var y = net.Forward(x);
        loss.Forward(y, target);
        net.Backward(x, loss.Backward(y, target));
        opt.Step();
    }

    private static void AssertUnchanged(Sequential net, float[][] snapshot)
    {
        var ps = net.ParameterArray();
        for (int i = 0; i < ps.Length; i++) Assert.That(ps[i].Value.ToArray(), Is.EqualTo(snapshot[i]), ps[i].Name);
    }

    [Test]
    public void TargetOfTheWrongShape()
    {
        var (net, opt, snap) = Setup();
        var ex = Assert.Throws<ArgumentException>(() => Step(net, opt, new MSECriterion(), Tensor.Ones(2, 4), Tensor.Ones(2, 2)));
        Assert.That(ex!.Message, Does.Contain("nn.MSECriterion").And.Contain("[2, 2]").And.Contain("[2, 3]"));
        ex = Assert.Throws<ArgumentException>(() => Step(net, opt, new CrossEntropyCriterion(), Tensor.Ones(2, 4), Tensor.Ones(3)));
        Assert.That(ex!.Message, Does.Contain("nn.CrossEntropyCriterion").And.Contain("[3]").And.Contain("[2, 3]"));
        AssertUnchanged(net, snap);
    }

    [Test]
    public void ClassIndexOutOfRange()
    {
        var (net, opt, snap) = Setup();
        var ex = Assert.Throws<ArgumentException>(() => Step(net, opt, new CrossEntropyCriterion(), Tensor.Ones(2, 4), Tensor.FromArray(new float[] { 1, 3 })));
        Assert.That(ex!.Message, Does.Contain("class index 3 at row 1").And.Contain("[0, 3)"));
        ex = Assert.Throws<ArgumentException>(() => Step(net, opt, new ClassNLLCriterion(), Tensor.Ones(2, 4), Tensor.FromArray(new float[] { -1, 0 })));
        Assert.That(ex!.Message, Does.Contain("nn.ClassNLLCriterion").And.Contain("class index -1 at row 0"));
        AssertUnchanged(net, snap);
    }

    [Test]
    public void NaNOrInfiniteLoss()
    {
        var (net, opt, snap) = Setup();
        var x = Tensor.Ones(2, 4);
        x[5] = float.NaN;
        var ex = Assert.Throws<NonFiniteLossException>(() => Step(net, opt, new MSECriterion(), x, Tensor.Zeros(2, 3)));
        Assert.That(ex!.Message, Does.Contain("nn.MSECriterion").And.Contain("NaN"));
        var big = Tensor.Full(3e38f, 2, 4);
        ex = Assert.Throws<NonFiniteLossException>(() => Step(net, opt, new MSECriterion(), big, Tensor.Zeros(2, 3)));
        Assert.That(ex!.Message, Does.Contain("Infinity").Or.Contain("∞").Or.Contain("NaN"));
        AssertUnchanged(net, snap);
    }

    [Test]
    public void InvalidConfigurationsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new Linear(0, 3));
        Assert.Throws<ArgumentException>(() => new Dropout(1f));
        Assert.Throws<ArgumentException>(() => new HardTanh(1, -1));
        Assert.Throws<ArgumentException>(() => new Sgd(new Linear(2, 2).Parameters(), new SgdConfig { LearningRate = -1 }));
        Assert.Throws<ArgumentException>(() => new Sgd(new Linear(2, 2).Parameters(), new SgdConfig { Nesterov = true }));
    }
}
