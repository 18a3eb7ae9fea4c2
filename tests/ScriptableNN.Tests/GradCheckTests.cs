using NUnit.Framework;
using ScriptableNN.Autograd;
using ScriptableNN.Diagnostics;
using ScriptableNN.Losses;
using ScriptableNN.NN;
using ScriptableNN.Tensors;

namespace ScriptableNN.Tests;

/// <summary>Back-propagation agrees with central differences for every module and loss.</summary>
[TestFixture]
public class GradCheckTests
{
    private const double Tolerance = 1e-3;

    // Inputs kept away from the kinks of piecewise-linear units (|x| >= 0.1 > h), so a finite
    // difference never straddles one.
    private static Tensor Input(int rows, int cols, ulong seed = 5)
    {
        var t = Tensor.Uniform(new Rng(seed), -2f, 2f, rows, cols);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) if (MathF.Abs(s[i]) < 0.1f) s[i] = s[i] < 0 ? -0.1f - s[i] : 0.1f + s[i];
        return t;
    }

    public static IEnumerable<TestCaseData> Modules()
    {
        var rng = new Rng(17);
        yield return new TestCaseData(new Linear(5, 4, rng: rng)).SetArgDisplayNames("Linear");
        yield return new TestCaseData(new Linear(5, 4, bias: false, init: Init.XavierNormal, rng: rng)).SetArgDisplayNames("Linear-nobias");
        yield return new TestCaseData(new Identity()).SetArgDisplayNames("Identity");
        yield return new TestCaseData(new ReLU()).SetArgDisplayNames("ReLU");
        yield return new TestCaseData(new LeakyReLU(0.1f)).SetArgDisplayNames("LeakyReLU");
        yield return new TestCaseData(new PReLU()).SetArgDisplayNames("PReLU-shared");
        yield return new TestCaseData(new PReLU(5, 0.2f)).SetArgDisplayNames("PReLU-per-unit");
        yield return new TestCaseData(new Abs()).SetArgDisplayNames("Abs");
        yield return new TestCaseData(new Maxout(5, 3, 4, rng: rng)).SetArgDisplayNames("Maxout");
        yield return new TestCaseData(new Sigmoid()).SetArgDisplayNames("Sigmoid");
        yield return new TestCaseData(new Tanh()).SetArgDisplayNames("Tanh");
        yield return new TestCaseData(new SoftPlus()).SetArgDisplayNames("SoftPlus");
        yield return new TestCaseData(new HardTanh(-1.5f, 1.5f)).SetArgDisplayNames("HardTanh");
        yield return new TestCaseData(new Cos()).SetArgDisplayNames("Cos");
        yield return new TestCaseData(new RBF(5, 6, 0.7f, rng)).SetArgDisplayNames("RBF");
        yield return new TestCaseData(new SoftMax()).SetArgDisplayNames("SoftMax");
        yield return new TestCaseData(new LogSoftMax()).SetArgDisplayNames("LogSoftMax");
        yield return new TestCaseData(new Dropout(0.3f).Evaluate()).SetArgDisplayNames("Dropout-evaluate");
        yield return new TestCaseData(new BatchNormalization(5, rng: rng, runningMean: new[] { 0.1f, -0.2f, 0.3f, 0f, 0.5f }, runningVar: new[] { 1.5f, 0.7f, 1f, 2f, 0.9f }).Evaluate())
            .SetArgDisplayNames("BatchNormalization-evaluate");
        var ln = new LayerNorm(5);
        for (int i = 0; i < 5; i++) { ln.Weight!.Value[i] = 0.5f + 0.3f * i; ln.Bias!.Value[i] = 0.1f * i; }
        yield return new TestCaseData(ln).SetArgDisplayNames("LayerNorm");
        yield return new TestCaseData(new LayerNorm(5, 1e-3f, elementwiseAffine: false)).SetArgDisplayNames("LayerNorm-plain");
        yield return new TestCaseData(new Sequential(new Linear(5, 7, rng: rng), new Tanh(), new Linear(7, 3, rng: rng), new LogSoftMax())).SetArgDisplayNames("Sequential");
    }

    [TestCaseSource(nameof(Modules))]
    public void ModuleGradientsMatchFiniteDifferences(Module module)
    {
        var result = GradCheck.Module(module, Input(3, 5));
        Assert.That(result.MaxRelativeError, Is.LessThan(Tolerance), result.ToString());
    }

    [TestCaseSource(nameof(Modules))]
    public void OneSampleGivesTheSameGradientAsABatchOfOne(Module module)
    {
        var row = Input(1, 5, seed: 8);
        var flat = row.Reshape(5);
        var yBatch = module.Forward(row).Clone();
        var gBatch = module.Backward(row, Tensor.Ones(yBatch.Shape.ToArray())).Clone();
        var ySingle = module.Forward(flat).Clone();
        var gSingle = module.Backward(flat, Tensor.Ones(ySingle.Shape.ToArray())).Clone();
        Assert.That(ySingle.ToArray(), Is.EqualTo(yBatch.ToArray()).Within(1e-6));
        Assert.That(gSingle.ToArray(), Is.EqualTo(gBatch.ToArray()).Within(1e-6));
    }

    [Test]
    public void DropoutInTrainingZeroesAndRescalesAndBackpropagatesTheSameMask()
    {
        var d = new Dropout(0.25f, new Rng(4));
        var x = Tensor.Ones(200, 50);
        var y = d.Forward(x);
        int zeros = y.ToArray().Count(v => v == 0f);
        Assert.That(zeros / 10000.0, Is.EqualTo(0.25).Within(0.02));
        Assert.That(y.ToArray().Where(v => v != 0f), Is.All.EqualTo(1f / 0.75f).Within(1e-6));
        var g = d.Backward(x, Tensor.Ones(200, 50));
        Assert.That(g.ToArray(), Is.EqualTo(y.ToArray()));
        d.Evaluate();
        Assert.That(d.Forward(x).ToArray(), Is.All.EqualTo(1f));
        // The mask is the seeded stream's draws in order (a mask of odd length has a scalar tail).
        var d2 = new Dropout(0.25f, new Rng(4));
        var draws = new Rng(new Rng(4).NextUInt64());
        var y2 = d2.Forward(Tensor.Ones(3, 7)).ToArray();
        for (int i = 0; i < y2.Length; i++) Assert.That(y2[i], Is.EqualTo(draws.NextFloat() < 0.25f ? 0f : 1f / 0.75f), $"unit {i}");
    }

    [Test]
    public void NextFloatsIsTheStreamOfNextFloat()
    {
        var a = new Rng(9); var b = new Rng(9);
        var bulk = new float[37];
        a.NextFloats(bulk);
        for (int i = 0; i < bulk.Length; i++) Assert.That(bulk[i], Is.EqualTo(b.NextFloat()));
        Assert.That(a.NextUInt64(), Is.EqualTo(b.NextUInt64()), "the state moved on alike");
    }

    public static IEnumerable<TestCaseData> Criteria()
    {
        var rng = new Rng(23);
        var x = Input(4, 3, 31);
        var reg = Tensor.Uniform(rng, -1, 1, 4, 3);
        var probs = Tensor.Uniform(rng, 0.1f, 0.9f, 4, 3);
        var bits = Tensor.FromArray(Enumerable.Range(0, 12).Select(i => (float)(i % 2)).ToArray(), 4, 3);
        var classes = Tensor.FromArray(new float[] { 2, 0, 1, 2 });
        var logp = x.LogSoftmax();
        foreach (var red in new[] { Reduction.Mean, Reduction.Sum, Reduction.None })
        {
            yield return new TestCaseData(new MSECriterion(red), x, reg).SetArgDisplayNames($"MSE-{red}");
            yield return new TestCaseData(new AbsCriterion(red), x, reg).SetArgDisplayNames($"Abs-{red}");
            yield return new TestCaseData(new BCECriterion(red), probs, bits).SetArgDisplayNames($"BCE-{red}");
            yield return new TestCaseData(new BCEWithLogitsCriterion(red), x, bits).SetArgDisplayNames($"BCEWithLogits-{red}");
            yield return new TestCaseData(new CrossEntropyCriterion(red), x, classes).SetArgDisplayNames($"CrossEntropy-{red}");
            yield return new TestCaseData(new CrossEntropyCriterion(red, new float[] { 0.5f, 2f, 1f }), x, classes).SetArgDisplayNames($"CrossEntropy-weighted-{red}");
            yield return new TestCaseData(new ClassNLLCriterion(red), logp, classes).SetArgDisplayNames($"ClassNLL-{red}");
            yield return new TestCaseData(new GaussianNLLCriterion(0.7f, red), x, reg).SetArgDisplayNames($"GaussianNLL-fixed-{red}");
            yield return new TestCaseData(new GaussianNLLCriterion(3, 0.8f, red), x, reg).SetArgDisplayNames($"GaussianNLL-learned-{red}");
        }
    }

    [TestCaseSource(nameof(Criteria))]
    public void CriterionGradientsMatchFiniteDifferences(Criterion criterion, Tensor input, Tensor target)
    {
        var result = GradCheck.Criterion(criterion, input, target);
        Assert.That(result.MaxRelativeError, Is.LessThan(Tolerance), result.ToString());
    }

    [Test]
    public void ReductionMeansTheSameForOneExampleAndABatch()
    {
        var x = Tensor.Uniform(new Rng(3), -1, 1, 4, 3);
        var y = Tensor.Uniform(new Rng(4), -1, 1, 4, 3);
        var mean = new MSECriterion(Reduction.Mean);
        var sum = new MSECriterion(Reduction.Sum);
        var none = new MSECriterion(Reduction.None);
        float batchMean = mean.Forward(x, y), batchSum = sum.Forward(x, y);
        none.Forward(x, y);
        Assert.That(batchSum, Is.EqualTo(none.Output!.Sum()).Within(1e-6));
        Assert.That(batchMean, Is.EqualTo(batchSum / 12).Within(1e-6));
        // A batch of identical rows has the mean loss of one of its rows.
        var row = x.Select(1); var rowT = y.Select(1);
        var rep = Tensor.Zeros(4, 3); var repT = Tensor.Zeros(4, 3);
        for (int i = 0; i < 4; i++) { rep.Select(i).CopyFrom(row); repT.Select(i).CopyFrom(rowT); }
        Assert.That(mean.Forward(rep, repT), Is.EqualTo(mean.Forward(row, rowT)).Within(1e-6));
        var ce = new CrossEntropyCriterion();
        var logits = Tensor.FromArray(new float[] { 1, 2, 3 });
        float one = ce.Forward(logits, Tensor.FromArray(new float[] { 2 }));
        Assert.That(one, Is.EqualTo(-logits.LogSoftmax()[2]).Within(1e-6));
    }
}
