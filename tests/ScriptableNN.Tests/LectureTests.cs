using NUnit.Framework;
using ScriptableNN.Losses;
using ScriptableNN.NN;
using ScriptableNN.Optim;
using ScriptableNN.Tensors;

namespace ScriptableNN.Tests;

/// <summary>The worked examples of the lecture, as the engine computes them.</summary>
[TestFixture]
public class LectureTests
{
    internal static readonly Tensor XorX = Tensor.FromRows(new float[] { 0, 0 }, new float[] { 1, 0 }, new float[] { 0, 1 }, new float[] { 1, 1 });
    internal static readonly Tensor XorY = Tensor.FromRows(new float[] { 0 }, new float[] { 1 }, new float[] { 1 }, new float[] { 0 });

    [Test]
    public void HandSetReluNetworkComputesXorExactly()
    {
        var hidden = new Linear(2, 2);
        hidden.Weight.Value.CopyFrom(Tensor.FromArray(new float[] { 1, 1, 1, 1 }));
        hidden.Bias!.Value.CopyFrom(Tensor.FromArray(new float[] { 0, -1 }));
        var output = new Linear(2, 1);
        output.Weight.Value.CopyFrom(Tensor.FromArray(new float[] { 1, -2 }));
        output.Bias!.Value.Zero();
        var net = new Sequential(hidden, new ReLU(), output);
        Assert.That(net.Forward(XorX).ToArray(), Is.EqualTo(new float[] { 0, 1, 1, 0 }));
    }

    [Test]
    public void LinearModelOnXorUnderMseEndsAtZeroWeightsAndHalfBias()
    {
        var model = new Linear(2, 1, rng: new Rng(1));
        var mse = new MSECriterion();
        var sgd = new Sgd(model.Parameters(), new SgdConfig { LearningRate = 0.2f });
        for (int step = 0; step < 3000; step++)
        {
            sgd.ZeroGrad();
            var y = model.Forward(XorX);
            mse.Forward(y, XorY);
            model.Backward(XorX, mse.Backward(y, XorY));
            sgd.Step();
        }
        Assert.That(model.Weight.Value.ToArray(), Is.EqualTo(new float[] { 0, 0 }).Within(1e-4));
        Assert.That(model.Bias!.Value[0], Is.EqualTo(0.5f).Within(1e-4));
        Assert.That(mse.Forward(model.Forward(XorX), XorY), Is.EqualTo(0.25f).Within(1e-5));
    }

    // He initialisation (suited to ReLU units), Adam, full batch, MSE as in the lecture.
    internal static (Sequential Net, float Loss) TrainXor(int hidden, ulong seed, int steps = 3000)
    {
        var rng = new Rng(seed);
        var net = new Sequential(new Linear(2, hidden, init: Init.HeNormal, rng: rng), new ReLU(), new Linear(hidden, 1, init: Init.HeNormal, rng: rng));
        var mse = new MSECriterion();
        var adam = new Adam(net.Parameters(), new AdamConfig { LearningRate = 0.01f });
        float loss = 0;
        for (int step = 0; step < steps; step++)
        {
            adam.ZeroGrad();
            var y = net.Forward(XorX);
            loss = mse.Forward(y, XorY);
            net.Backward(XorX, mse.Backward(y, XorY));
            adam.Step();
        }
        return (net, loss);
    }

    internal static bool Solves(Sequential net)
    {
        var y = net.Forward(XorX);
        for (int i = 0; i < 4; i++) if ((y[i] > 0.5f) != (XorY[i] > 0.5f)) return false;
        return true;
    }

    [Test]
    public void TwoTwoOneReluNetworkSolvesXorFromAFixedSeed()
    {
        var (net, loss) = TrainXor(2, seed: 6);
        Assert.That(Solves(net), Is.True, $"outputs {string.Join(", ", net.Forward(XorX).ToArray())}");
        Assert.That(loss, Is.LessThan(1e-3f));
    }

    [Test]
    public void TwoEightOneReluNetworkSolvesXorFromAtLeast95Of100Seeds()
    {
        int solved = 0;
        for (ulong seed = 0; seed < 100; seed++) if (Solves(TrainXor(8, seed).Net)) solved++;
        Assert.That(solved, Is.GreaterThanOrEqualTo(95));
    }

    // Two groups x = 0 and x = 1, y = 2x + exponential noise: skewed, so mean (1) and median (ln 2) differ.
    [TestCase(false)]
    [TestCase(true)]
    public void MseFindsTheConditionalMeanAndL1TheConditionalMedian(bool l1)
    {
        var rng = new Rng(9);
        int n = 2000;
        var x = Tensor.Zeros(n, 1); var y = Tensor.Zeros(n, 1);
        var groups = new List<float>[] { new(), new() };
        for (int i = 0; i < n; i++)
        {
            int g = i % 2;
            float noise = -MathF.Log(1f - rng.NextFloat());
            x[i, 0] = g; y[i, 0] = 2 * g + noise;
            groups[g].Add(y[i, 0]);
        }
        var model = new Linear(1, 1, rng: rng);
        Criterion loss = l1 ? new AbsCriterion() : new MSECriterion();
        var adam = new Adam(model.Parameters(), new AdamConfig { LearningRate = 0.02f });
        for (int step = 0; step < 3000; step++)
        {
            if (step == 2000) adam.LearningRate = 0.002f;
            adam.ZeroGrad();
            var p = model.Forward(x);
            loss.Forward(p, y);
            model.Backward(x, loss.Backward(p, y));
            adam.Step();
        }
        var pred = model.Forward(Tensor.FromRows(new float[] { 0 }, new float[] { 1 }));
        for (int g = 0; g < 2; g++)
        {
            var sorted = groups[g].OrderBy(v => v).ToArray();
            float expected = l1 ? (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2 : sorted.Average();
            Assert.That(pred[g], Is.EqualTo(expected).Within(0.03), $"group {g}: {(l1 ? "median" : "mean")}");
        }
        // The two answers are far enough apart that the test tells them apart.
        Assert.That(Math.Abs(groups[0].Average() - groups[0].OrderBy(v => v).ElementAt(500)), Is.GreaterThan(0.2));
    }

    [Test]
    public void SoftmaxIsShiftInvariantAndTanhIsARescaledSigmoid()
    {
        var z = Tensor.Uniform(new Rng(2), -5, 5, 3, 7);
        var sm = new SoftMax();
        var a = sm.Forward(z).Clone();
        var b = sm.Forward(z + 4f).Clone();   // a shift that float addition keeps nearly exact
        Assert.That(b.ToArray(), Is.EqualTo(a.ToArray()).Within(1e-6));
        var t = new Tanh().Forward(z).Clone();
        var s = new Sigmoid().Forward(z * 2f).Clone();
        Assert.That(t.ToArray(), Is.EqualTo((s * 2f - 1f).ToArray()).Within(1e-6));
    }

    [Test]
    public void BceWithLogitsStaysFiniteAndKeepsItsGradientWhenConfidentlyWrong()
    {
        var bce = new BCEWithLogitsCriterion();
        var z = Tensor.FromArray(new float[] { 100f, -100f });
        var y = Tensor.FromArray(new float[] { 0f, 1f });
        float loss = bce.Forward(z, y);
        Assert.That(loss, Is.EqualTo(100f).Within(1e-3));
        var g = bce.Backward(z, y);
        Assert.That(g[0], Is.EqualTo(0.5f).Within(1e-6));   // (sigmoid(100) - 0) / 2 items
        Assert.That(g[1], Is.EqualTo(-0.5f).Within(1e-6));
        // The probability form saturates: large but finite.
        var p = Tensor.FromArray(new float[] { 1f, 0f });
        Assert.That(float.IsFinite(new BCECriterion().Forward(p, y)), Is.True);
        // Confidently right: the loss is e^-20 (log1p of it), not log(1 + e^-20) rounded to 0.
        var right = new BCEWithLogitsCriterion(Reduction.Sum).Forward(Tensor.FromArray(new float[] { 20f, -20f }), Tensor.FromArray(new float[] { 1f, 0f }));
        Assert.That(right, Is.EqualTo(2 * Math.Exp(-20)).Within(1e-15));
    }
}
