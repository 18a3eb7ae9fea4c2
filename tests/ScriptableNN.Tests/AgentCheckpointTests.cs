using NUnit.Framework;
using ScriptableNN.RL;
using ScriptableNN.Tensors;

namespace ScriptableNN.Tests;

/// <summary>Agents saved and resumed; observation normalisation.</summary>
public class AgentCheckpointTests
{
    private string _dir = "";
    [SetUp] public void Make() => _dir = Directory.CreateTempSubdirectory("snn-agent").FullName;
    [TearDown] public void Remove() => Directory.Delete(_dir, true);

    private static float[] Weights(Agent a) => new NN.Sequential(a.PolicyNetwork).ParameterArray().SelectMany(p => p.Value.Span.ToArray()).ToArray();

    [Test]
    public void APpoAgentResumesWithItsWeightsOptimizerCountsAndStatistics()
    {
        var a = PpoTests.CartPolePpo(2);
        a.Step(32 * 5);
        string path = Path.Combine(_dir, "ppo.snn");
        a.Save(path);
        var b = PpoTests.CartPolePpo(2);              // the same settings, somewhere else in its training
        b.Step(32 * 2);
        b.Resume(path);
        Assert.That(Weights(b), Is.EqualTo(Weights(a)));
        Assert.That((b.Steps, b.Updates, b.TotalSteps), Is.EqualTo((a.Steps, a.Updates, a.TotalSteps)));
        Assert.That(b.Episodes.MeanReturn, Is.EqualTo(a.Episodes.MeanReturn));
        Assert.That(b.Optimizer.State.Step, Is.EqualTo(a.Optimizer.State.Step));
        Assert.That(b.Optimizer.State.Buffers[0][0]!.Span.ToArray(), Is.EqualTo(a.Optimizer.State.Buffers[0][0]!.Span.ToArray()));
        // Both go on the same way from here: the same generator, the same fresh environments.
        a.Resume(path);
        a.Step(64); b.Step(64);
        Assert.That(Weights(b), Is.EqualTo(Weights(a)));
    }

    [Test]
    public void AGaussianPolicysDeviationsAndADqnsTargetComeBack()
    {
        var (pi, v) = PPO.DefaultNetworks(3, 1, rng: new Rng(1));
        var p = new PPO(pi, v, 2, 3, 0, 1, new PpoSettings { NSteps = 16, BatchSize = 16, NEpochs = 1, Seed = 1 }) { Environment = new VectorEnvironment(2, _ => new Pendulum()) };
        p.Step(32);
        string path = Path.Combine(_dir, "ppo-g.snn");
        p.Save(path);
        var (pi2, v2) = PPO.DefaultNetworks(3, 1, rng: new Rng(5));
        var q = new PPO(pi2, v2, 2, 3, 0, 1, new PpoSettings { NSteps = 16, BatchSize = 16, NEpochs = 1, Seed = 1 });
        q.Resume(path);
        Assert.That(q.LogStd!.Value.Span.ToArray(), Is.EqualTo(p.LogStd!.Value.Span.ToArray()));

        var d = DqnTests.CartPoleDqn(1, hidden: new[] { 16 }, total: 3000);
        d.Step(1600);
        path = Path.Combine(_dir, "dqn.snn");
        d.Save(path);
        var e = DqnTests.CartPoleDqn(7, hidden: new[] { 16 }, total: 3000);
        e.Resume(path);
        Assert.That(e.Target.ParameterArray()[0].Value.Span.ToArray(), Is.EqualTo(d.Target.ParameterArray()[0].Value.Span.ToArray()));
        Assert.That(e.Epsilon, Is.EqualTo(d.Epsilon));
    }

    [Test]
    public void AMismatchedAgentIsRefusedAndLeftAsItWas()
    {
        var a = PpoTests.CartPolePpo(2);
        string path = Path.Combine(_dir, "ppo.snn");
        a.Save(path);
        var d = DqnTests.CartPoleDqn(1, hidden: new[] { 16 });
        Assert.That(() => d.Resume(path), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("saved by PPO, this agent is DQN"));
        var (pi, v) = PPO.DefaultNetworks(4, 2, new[] { 32 }, new Rng(1));
        var small = new PPO(pi, v, 8, 4, 2, 1);
        var before = Weights(small);
        Assert.That(() => small.Resume(path), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("parameter"));
        Assert.That(Weights(small), Is.EqualTo(before));
        Assert.That(() => small.Resume(Path.Combine(_dir, "missing.snn")), Throws.InstanceOf<FileNotFoundException>());
    }

    [Test]
    public void NormalisationFollowsTheRunningMeanAndVarianceAndIsCompiledIn()
    {
        var n = new ObservationNormalizer(2);
        var rng = new Rng(3);
        var rows = new float[2000];
        for (int i = 0; i < 1000; i++) { rows[2 * i] = 5 + 2 * rng.NextNormal(); rows[2 * i + 1] = -1 + 0.1f * rng.NextNormal(); }
        for (int k = 0; k < 4; k++) n.Update(rows.AsSpan(k * 500, 500));
        Assert.That(n.Mean(0), Is.EqualTo(5).Within(0.15));
        Assert.That(Math.Sqrt(n.Variance(0)), Is.EqualTo(2).Within(0.1));
        Assert.That(Math.Sqrt(n.Variance(1)), Is.EqualTo(0.1).Within(0.01));
        var z = new float[2];
        n.Normalize(new[] { 5f + 100f, -1f }, z);
        Assert.That(z[0], Is.EqualTo(10f), "clipped at 10");

        var agent = PpoTests.CartPolePpo(3);
        agent.Normalizer = new ObservationNormalizer(4);
        agent.Step(64);
        Assert.That(agent.Normalizer.Count, Is.GreaterThan(500));
        var compiled = agent.CompilePolicy();
        var obs = Tensor.FromArray(new[] { 0.1f, 0.5f, -0.02f, 0.3f }, 1, 4);
        var scaled = Tensor.Zeros(1, 4);
        agent.Normalizer.Normalize(obs.Span, scaled.Span);
        var expected = agent.PolicyNetwork.Forward(scaled).Span.ToArray();
        var got = new float[2];
        compiled.Run(obs.Span, got);
        Assert.That(got, Is.EqualTo(expected).Within(1e-4f));
        string path = Path.Combine(_dir, "norm.snn");
        agent.Save(path);
        var other = PpoTests.CartPolePpo(3);
        other.Normalizer = new ObservationNormalizer(4);
        other.Resume(path);
        Assert.That(other.Normalizer.Mean(1), Is.EqualTo(agent.Normalizer.Mean(1)));
        Assert.That(() => PpoTests.CartPolePpo(3).Resume(path), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("normalisation"));
    }
}
