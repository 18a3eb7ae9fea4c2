using NUnit.Framework;
using ScriptableNN.Losses;
using ScriptableNN.NN;
using ScriptableNN.Optim;
using ScriptableNN.Tensors;

namespace ScriptableNN.Tests;

[TestFixture]
public class ModuleTests
{
    [Test]
    public void SequentialShapeErrorNamesTheLayerAndBothShapes()
    {
        var net = new Sequential().Add(new Linear(4, 8)).Add(new ReLU()).Add(new Linear(9, 2));
        var ex = Assert.Throws<ArgumentException>(() => net.Forward(Tensor.Ones(3, 4)));
        Assert.That(ex!.Message, Does.Contain("layer 3").And.Contain("nn.Linear(9 -> 2)").And.Contain("[3, 8]").And.Contain("[batch, 9]"));
    }

    [Test]
    public void PrintsLikeTorch7()
    {
        var net = new Sequential().Add(new Linear(2, 8)).Add(new ReLU()).Add(new Linear(8, 1));
        Assert.That(net.ToString(), Is.EqualTo(
            "nn.Sequential {\n  [input -> (1) -> (2) -> (3) -> output]\n  (1): nn.Linear(2 -> 8)\n  (2): nn.ReLU\n  (3): nn.Linear(8 -> 1)\n}"));
    }

    [Test]
    public void GetParametersIsStableAndSharesStorage()
    {
        var net = new Sequential(new Linear(3, 4, rng: new Rng(1)), new Tanh(), new Linear(4, 2, rng: new Rng(2)));
        var before = net.ParameterArray().Select(p => p.Value.ToArray()).ToArray();
        var (p1, g1) = net.GetParameters();
        var (p2, g2) = net.GetParameters();
        Assert.That(p2, Is.SameAs(p1));
        Assert.That(g2, Is.SameAs(g1));
        Assert.That(p1.Length, Is.EqualTo(3 * 4 + 4 + 4 * 2 + 2));
        Assert.That(net.ParameterArray()[0].Value.ToArray(), Is.EqualTo(before[0]));
        p1.Fill(0.5f);
        Assert.That(((Linear)net[2]).Bias!.Value.ToArray(), Is.All.EqualTo(0.5f));
        var x = Tensor.Ones(2, 3);
        var y = net.Forward(x);
        net.Backward(x, Tensor.Ones(2, 2));
        Assert.That(g1.ToArray().Any(v => v != 0f), Is.True);
        net.ZeroGradParameters();
        Assert.That(g1.ToArray(), Is.All.EqualTo(0f));
    }

    [Test]
    public void SameSeedGivesSameWeightsBatchesAndLossesBitForBit()
    {
        float[] Run(ulong seed)
        {
            var rng = new Rng(seed);
            var net = new Sequential(new Linear(10, 32, rng: rng), new ReLU(), new Dropout(0.2f, rng), new Linear(32, 3, rng: rng));
            var data = Tensor.Normal(rng, 0, 1, 256, 10);
            var labels = Tensor.FromArray(Enumerable.Range(0, 256).Select(i => (float)(i % 3)).ToArray());
            var ce = new CrossEntropyCriterion();
            var opt = new Adam(net.Parameters());
            var order = Enumerable.Range(0, 256).ToArray();
            var losses = new List<float>();
            var xb = Tensor.Zeros(32, 10); var yb = Tensor.Zeros(32);
            for (int epoch = 0; epoch < 3; epoch++)
            {
                rng.Shuffle<int>(order);
                for (int b = 0; b < 8; b++)
                {
                    for (int i = 0; i < 32; i++) { xb.Select(i).CopyFrom(data.Select(order[b * 32 + i])); yb[i] = labels[order[b * 32 + i]]; }
                    opt.ZeroGrad();
                    var y = net.Forward(xb);
                    losses.Add(ce.Forward(y, yb));
                    net.Backward(xb, ce.Backward(y, yb));
                    opt.Step();
                }
            }
            return losses.ToArray();
        }
        var a = Run(42); var b = Run(42); var c = Run(43);
        Assert.That(b, Is.EqualTo(a));
        Assert.That(c, Is.Not.EqualTo(a));
        Assert.That(a[^1], Is.LessThan(a[0]));
    }

    [Test]
    public void InitialisationsHaveTheirVariance()
    {
        var he = new Linear(400, 300, init: Init.HeNormal, rng: new Rng(1)).Weight.Value;
        var xav = new Linear(400, 300, init: Init.XavierUniform, rng: new Rng(1)).Weight.Value;
        double Var(Tensor t) { var m = t.Mean(); return t.ToArray().Select(v => (v - m) * (v - m)).Average(); }
        Assert.That(Var(he), Is.EqualTo(2.0 / 400).Within(0.05 * 2.0 / 400));
        Assert.That(Var(xav), Is.EqualTo(2.0 / 700).Within(0.05 * 2.0 / 700));
        Assert.That(xav.Max(), Is.LessThanOrEqualTo(MathF.Sqrt(6f / 700)));
    }

    [Test]
    public void PerChannelPReLUMatchesItsDefinitionElementByElement()
    {
        var rng = new Rng(12);
        foreach (int cols in new[] { 13, 16, 3 })
        {
            var m = new PReLU(cols);
            var a = m.Slope.Value.Span;
            for (int j = 0; j < cols; j++) a[j] = 0.05f * (j + 1);
            var x = Tensor.Uniform(rng, -1, 1, 5, cols);
            var dy = Tensor.Uniform(rng, -1, 1, 5, cols);
            var y = m.Forward(x).ToArray();
            var dx = m.Backward(x, dy).ToArray();
            var xs = x.ToArray(); var g = dy.ToArray();
            var da = new float[cols];
            for (int i = 0; i < xs.Length; i++)
            {
                int j = i % cols;
                Assert.That(y[i], Is.EqualTo(xs[i] > 0f ? xs[i] : a[j] * xs[i]), $"{cols} channels: y[{i}]");
                Assert.That(dx[i], Is.EqualTo(xs[i] > 0f ? g[i] : a[j] * g[i]), $"{cols} channels: dx[{i}]");
                if (xs[i] <= 0f) da[j] += 1f * xs[i] * g[i];
            }
            Assert.That(m.Slope.Grad.ToArray(), Is.EqualTo(da), $"{cols} channels: the slopes' gradient");
        }
    }
}
