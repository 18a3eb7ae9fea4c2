using NUnit.Framework;
using ScriptableNN.NN;
using ScriptableNN.Optim;
using ScriptableNN.Tensors;

namespace ScriptableNN.Tests;

[TestFixture]
public class OptimizerTests
{
    // One weight (decays) and one bias (does not), gradients set by hand.
    private static (Parameter W, Parameter B) Pair(float w = 1f, float b = 1f, float gw = 0.5f, float gb = -2f)
    {
        var W = new Parameter("weight", Tensor.FromArray(new[] { w }), decay: true);
        var B = new Parameter("bias", Tensor.FromArray(new[] { b }), decay: false);
        W.Grad[0] = gw; B.Grad[0] = gb;
        return (W, B);
    }

    [Test]
    public void SgdMomentumAndNesterov()
    {
        var (w, _) = Pair();
        new Sgd(new[] { w }, new SgdConfig { LearningRate = 0.1f }).Step();
        Assert.That(w.Value[0], Is.EqualTo(1f - 0.05f).Within(1e-7));

        (w, _) = Pair();
        var m = new Sgd(new[] { w }, new SgdConfig { LearningRate = 0.1f, Momentum = 0.9f });
        m.Step(); m.Step();                                  // v1 = g, v2 = 0.9 g + g
        Assert.That(w.Value[0], Is.EqualTo(1f - 0.1f * 0.5f - 0.1f * 1.9f * 0.5f).Within(1e-6));

        (w, _) = Pair();
        new Sgd(new[] { w }, new SgdConfig { LearningRate = 0.1f, Momentum = 0.9f, Nesterov = true }).Step();
        Assert.That(w.Value[0], Is.EqualTo(1f - 0.1f * 1.9f * 0.5f).Within(1e-6));
    }

    [Test]
    public void WeightDecaySkipsBiasesUnlessAsked()
    {
        var (w, b) = Pair(gw: 0f, gb: 0f);
        new Sgd(new[] { w, b }, new SgdConfig { LearningRate = 0.1f, WeightDecay = 0.5f }).Step();
        Assert.That(w.Value[0], Is.EqualTo(1f - 0.1f * 0.5f).Within(1e-7));
        Assert.That(b.Value[0], Is.EqualTo(1f));
        (w, b) = Pair(gw: 0f, gb: 0f);
        new Sgd(new[] { w, b }, new SgdConfig { LearningRate = 0.1f, WeightDecay = 0.5f, DecayAll = true }).Step();
        Assert.That(b.Value[0], Is.EqualTo(0.95f).Within(1e-7));
        Assert.That(new PReLU().Parameters().Single().Decay, Is.False);
        Assert.That(new Linear(2, 2).Bias!.Decay, Is.False);
    }

    [Test]
    public void AdamFirstStepIsLearningRateTimesSignAndAdamWDecouplesDecay()
    {
        var (w, b) = Pair();
        new Adam(new[] { w, b }, new AdamConfig { LearningRate = 0.01f }).Step();
        Assert.That(w.Value[0], Is.EqualTo(0.99f).Within(1e-6));
        Assert.That(b.Value[0], Is.EqualTo(1.01f).Within(1e-6));

        (w, b) = Pair();
        Adam.W(new[] { w, b }, new AdamConfig { LearningRate = 0.01f, WeightDecay = 0.1f }).Step();
        Assert.That(w.Value[0], Is.EqualTo(1f * (1 - 0.001f) - 0.01f).Within(1e-6));
        Assert.That(b.Value[0], Is.EqualTo(1.01f).Within(1e-6));

        // Many elements: the SIMD body and the scalar tail agree with the formula.
        var p = new Parameter("weight", Tensor.Zeros(37), true);
        for (int i = 0; i < 37; i++) p.Grad[i] = i - 18;
        var adam = new Adam(new[] { p }, new AdamConfig { LearningRate = 0.1f });
        adam.Step(); adam.Step();
        for (int i = 0; i < 37; i++)
            Assert.That(p.Value[i], Is.EqualTo(i == 18 ? 0f : -0.2f * MathF.Sign(i - 18)).Within(1e-5), $"element {i}");
    }

    [Test]
    public void RmsPropStep()
    {
        var (w, _) = Pair(gw: 0.5f);
        new RmsProp(new[] { w }, new RmsPropConfig { LearningRate = 0.01f, Alpha = 0.9f }).Step();
        float expected = 1f - 0.01f * 0.5f / (MathF.Sqrt(0.1f * 0.25f) + 1e-8f);
        Assert.That(w.Value[0], Is.EqualTo(expected).Within(1e-6));
    }

    [Test]
    public void Schedules()
    {
        Assert.That(new StepSchedule(10, 0.5f).At(25, 1f), Is.EqualTo(0.25f));
        Assert.That(new ExponentialSchedule(0.9f).At(2, 1f), Is.EqualTo(0.81f).Within(1e-6));
        var cos = new CosineSchedule(10, 0.1f);
        Assert.That(cos.At(0, 1f), Is.EqualTo(1f).Within(1e-6));
        Assert.That(cos.At(5, 1f), Is.EqualTo(0.55f).Within(1e-6));
        Assert.That(cos.At(10, 1f), Is.EqualTo(0.1f).Within(1e-6));
        var (w, _) = Pair();
        var opt = new Sgd(new[] { w }, new SgdConfig { LearningRate = 0.4f });
        new StepSchedule(1, 0.5f).Apply(opt, 2);
        Assert.That(opt.LearningRate, Is.EqualTo(0.1f));
    }

    [Test]
    public void ClipByNormScalesAllGradientsTogether()
    {
        var (w, b) = Pair(gw: 3f, gb: 4f);
        float norm = GradClip.ByNorm(new[] { w, b }, 1f);
        Assert.That(norm, Is.EqualTo(5f));
        Assert.That(w.Grad[0], Is.EqualTo(0.6f).Within(1e-6));
        Assert.That(b.Grad[0], Is.EqualTo(0.8f).Within(1e-6));
        Assert.That(GradClip.ByNorm(new[] { w, b }, 10f), Is.EqualTo(1f).Within(1e-6));
        Assert.That(w.Grad[0], Is.EqualTo(0.6f).Within(1e-6));
    }

    [Test]
    public void PenaltiesAddLambdaOmegaAndItsGradientToWeightsOnly()
    {
        var (w, b) = Pair(w: -3f, b: 2f, gw: 0f, gb: 0f);
        var l2 = new Penalty(PenaltyKind.L2, 0.1f, new[] { w, b });
        Assert.That(l2.Apply(), Is.EqualTo(0.1f * 0.5f * 9f).Within(1e-6));
        Assert.That(w.Grad[0], Is.EqualTo(-0.3f).Within(1e-6));
        Assert.That(b.Grad[0], Is.EqualTo(0f));
        var l1 = new Penalty(PenaltyKind.L1, 0.1f, new[] { w, b }, includeAll: true);
        Assert.That(l1.Value(), Is.EqualTo(0.5f).Within(1e-6));
        l1.Apply();
        Assert.That(w.Grad[0], Is.EqualTo(-0.4f).Within(1e-6));
        Assert.That(b.Grad[0], Is.EqualTo(0.1f).Within(1e-6));
    }

    [Test]
    public void WeightDecayNeverChangesTheGradientBuffer()
    {
        Optimizer[] Make(Parameter w) => new Optimizer[]
        {
            new Sgd(new[] { w }, new SgdConfig { LearningRate = 0.1f, WeightDecay = 0.5f }),
            new Sgd(new[] { w }, new SgdConfig { LearningRate = 0.1f, WeightDecay = 0.5f, Momentum = 0.9f }),
            new Sgd(new[] { w }, new SgdConfig { LearningRate = 0.1f, WeightDecay = 0.5f, Momentum = 0.9f, Nesterov = true }),
            new RmsProp(new[] { w }, new RmsPropConfig { LearningRate = 0.1f, WeightDecay = 0.5f, Momentum = 0.5f }),
            new Adam(new[] { w }, new AdamConfig { WeightDecay = 0.5f }),
        };
        foreach (var opt in Make(Pair().W))
        {
            var w = opt.Parameters[0];
            opt.Step(); opt.Step();
            Assert.That(w.Grad[0], Is.EqualTo(0.5f), opt.GetType().Name);
        }
        // Nesterov with decay, by hand over two steps: d = g + wd w; v1 = d1; v2 = mu v1 + d2; w -= lr (d + mu v).
        var p = Pair().W;
        var nag = new Sgd(new[] { p }, new SgdConfig { LearningRate = 0.1f, WeightDecay = 0.5f, Momentum = 0.9f, Nesterov = true });
        float wv = 1f, v = 0f;
        for (int k = 1; k <= 2; k++)
        {
            nag.Step();
            float d = 0.5f + 0.5f * wv;
            v = k == 1 ? d : 0.9f * v + d;
            wv -= 0.1f * (d + 0.9f * v);
        }
        Assert.That(p.Value[0], Is.EqualTo(wv).Within(1e-6));
    }

    [Test]
    public void ConfigIsSeparateFromState()
    {
        var (w, _) = Pair();
        var opt = new Adam(new[] { w });
        Assert.That(opt.State.Step, Is.EqualTo(0));
        opt.Step();
        Assert.That(opt.State.Step, Is.EqualTo(1));
        Assert.That(opt.State.Buffers.Count, Is.EqualTo(2));
        Assert.That(opt.Config, Is.EqualTo(new AdamConfig()));
    }
}
