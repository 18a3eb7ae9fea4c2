using NUnit.Framework;
using ScriptableNN.Diagnostics;
using ScriptableNN.Inference;
using ScriptableNN.IO;
using ScriptableNN.NN;
using ScriptableNN.Tensors;

namespace ScriptableNN.Tests;

/// <summary>nn.BatchNormalization against its definition (Torch7's THNN rule) and its gradients.</summary>
public class BatchNormalizationTests
{
    [Test]
    public void TrainingNormalisesOverTheBatchAndTheRunningStatisticsFollowWithMomentum()
    {
        var bn = new BatchNormalization(2, eps: 0f, momentum: 0.1f);
        bn.Weight!.Value.Fill(1f);
        var x = Tensor.FromArray(new[] { 1f, 10f, 3f, 20f, 5f, 30f }, 3, 2);
        var y = bn.Forward(x);
        // Feature 1: mean 3, biased variance 8/3; feature 2: mean 20, biased variance 200/3.
        Assert.That(y.ToArray(), Is.EqualTo(new[] { -1.2247449f, -1.2247449f, 0f, 0f, 1.2247449f, 1.2247449f }).Within(1e-5f));
        Assert.That(bn.RunningMean, Is.EqualTo(new[] { 0.3f, 2f }).Within(1e-6f));
        // The running variance takes the unbiased batch variance (8/2 = 4 and 200/2 = 100).
        Assert.That(bn.RunningVar, Is.EqualTo(new[] { 0.9f + 0.4f, 0.9f + 10f }).Within(1e-5f));
        bn.Evaluate();
        var e = bn.Forward(Tensor.FromArray(new[] { 0.3f, 2f }, 1, 2));
        Assert.That(e.ToArray(), Is.EqualTo(new[] { 0f, 0f }).Within(1e-6f), "evaluating subtracts the running mean");
        Assert.That(() => new BatchNormalization(2).Forward(Tensor.Zeros(1, 2)), Throws.ArgumentException.With.Message.Contains("at least 2 rows"));
    }

    [Test]
    public void GradientsInTrainingMatchFiniteDifferences()
    {
        var rng = new Rng(3);
        var bn = new BatchNormalization(4, rng: rng);
        TP(bn.Bias!.Value.Span, rng);
        var x = Tensor.Normal(rng, 0.5f, 2f, 6, 4);
        var r = GradCheck.Module(bn, x);
        Assert.That(r.MaxRelativeError, Is.LessThan(2e-2), r.ToString());
        var plain = new BatchNormalization(4, affine: false);
        Assert.That(plain.Parameters(), Is.Empty);
        r = GradCheck.Module(plain, x);
        Assert.That(r.MaxRelativeError, Is.LessThan(2e-2), r.ToString());
    }

    private static void TP(Span<float> s, Rng rng) { for (int i = 0; i < s.Length; i++) s[i] = rng.NextFloat() - 0.5f; }

    [Test]
    public void CheckpointsKeepTheRunningStatisticsAndCompiledNetworksEvaluate()
    {
        var rng = new Rng(5);
        var net = new Sequential(new Linear(3, 4, rng: rng), new BatchNormalization(4, rng: rng), new Tanh());
        for (int i = 0; i < 5; i++) net.Forward(Tensor.Normal(rng, 1f, 3f, 8, 3));
        var bn = (BatchNormalization)net.Children[1];
        string path = Path.Combine(Path.GetTempPath(), $"snn-bn-{Guid.NewGuid():N}.ckpt");
        try
        {
            Checkpoint.Save(path, net);
            var back = (Sequential)Checkpoint.Load(path).Model;
            var bn2 = (BatchNormalization)back.Children[1];
            Assert.That(bn2.RunningMean, Is.EqualTo(bn.RunningMean));
            Assert.That(bn2.RunningVar, Is.EqualTo(bn.RunningVar));
            Assert.That(bn2.Weight!.Value.ToArray(), Is.EqualTo(bn.Weight!.Value.ToArray()));
        }
        finally { File.Delete(path); }
        // The network is still in training mode; its compiled form evaluates.
        var compiled = CompiledNetwork.Compile(net, 3);
        var x = new[] { 0.2f, -1f, 0.5f };
        var got = new float[4];
        compiled.Run(x, got);
        net.Evaluate();
        var expected = net.Forward(Tensor.FromArray(x, 1, 3)).ToArray();
        Assert.That(got, Is.EqualTo(expected).Within(1e-5f));
        Assert.That(net.Children[1].IsTraining, Is.False);
        net.Training();
        compiled.Run(x, got);
        Assert.That(net.Children[1].IsTraining, Is.True, "the compiled run leaves the mode as it found it");
    }
}

/// <summary>nn.LayerNorm (PyTorch's): each row normalised by its own statistics.</summary>
public class LayerNormTests
{
    [Test]
    public void EachRowHasZeroMeanAndUnitVarianceBeforeTheAffineMap()
    {
        var ln = new LayerNorm(4, eps: 0f);
        var y = ln.Forward(Tensor.FromArray(new[] { 1f, 2f, 3f, 4f, 10f, 10f, 10f, 14f }, 2, 4)).ToArray();
        // Row 1: mean 2.5, biased variance 1.25.
        Assert.That(y.Take(4), Is.EqualTo(new[] { -1.3416408f, -0.4472136f, 0.4472136f, 1.3416408f }).Within(1e-5f));
        Assert.That(y.Skip(4), Is.EqualTo(new[] { -0.57735027f, -0.57735027f, -0.57735027f, 1.7320508f }).Within(1e-5f));
        ln.Evaluate();
        Assert.That(ln.Forward(Tensor.FromArray(new[] { 1f, 2f, 3f, 4f }, 1, 4)).ToArray(), Is.EqualTo(y.Take(4)).Within(1e-6f), "the same when evaluating");
        Assert.That(ln.Weight!.Value.ToArray(), Is.All.EqualTo(1f), "PyTorch's initial weight");
    }
}
