using NUnit.Framework;
using ScriptableNN.Autograd;
using ScriptableNN.Losses;
using ScriptableNN.NN;
using ScriptableNN.Tensors;

namespace ScriptableNN.Tests;

[TestFixture]
public class AutogradTests
{
    [Test]
    public void GradientOfAValueUsedTwiceIsTheSumOverItsChildren()
    {
        var x = Tensor.FromArray(new float[] { 1.5f, -2f, 3f });
        x.RequiresGrad = true;
        using var tape = Tape.Start();
        var y = Ops.Sum(Ops.Add(Ops.Mul(x, x), x));   // sum(x^2 + x): dy/dx = 2x + 1
        tape.Backward(y);
        Assert.That(x.Grad!.ToArray(), Is.EqualTo(new float[] { 4f, -3f, 7f }));
    }

    [Test]
    public void GradientsAccumulateUntilZeroed()
    {
        var x = Tensor.FromArray(new float[] { 2f });
        x.RequiresGrad = true;
        var tape = new Tape();
        for (int i = 0; i < 3; i++)
        {
            tape.Resume();
            tape.Backward(Ops.Pow(x, 3f));           // 3x^2 = 12 each time
        }
        Assert.That(x.Grad![0], Is.EqualTo(36f).Within(1e-4));
        x.Grad.Zero();
        tape.Resume();
        tape.Backward(Ops.Exp(x));
        Assert.That(x.Grad[0], Is.EqualTo(MathF.Exp(2f)).Within(1e-4));
    }

    [Test]
    public void TensorOpsMatchFiniteDifferences()
    {
        var rng = new Rng(12);
        var a = Tensor.Uniform(rng, 0.5f, 2f, 3, 4); a.RequiresGrad = true;
        var b = Tensor.Uniform(rng, 0.5f, 2f, 4, 2); b.RequiresGrad = true;
        Func<double> f = () =>
        {
            var h = Ops.MatMul(Ops.Tanh(a), b);
            var z = Ops.Div(Ops.Log(Ops.Exp(Ops.Sigmoid(h))), Ops.Add(Ops.Abs(Ops.Neg(h)), Tensor.Full(1f, 1)));
            return Ops.Mean(Ops.Sub(Ops.Pow(Ops.Relu(z), 2f), Ops.Scale(z, 0.3f)))[0];
        };
        using (var tape = Tape.Start())
        {
            var h = Ops.MatMul(Ops.Tanh(a), b);
            var z = Ops.Div(Ops.Log(Ops.Exp(Ops.Sigmoid(h))), Ops.Add(Ops.Abs(Ops.Neg(h)), Tensor.Full(1f, 1)));
            tape.Backward(Ops.Mean(Ops.Sub(Ops.Pow(Ops.Relu(z), 2f), Ops.Scale(z, 0.3f))));
        }
        foreach (var t in new[] { a, b })
        {
            var s = t.Span;
            for (int i = 0; i < s.Length; i++)
            {
                float keep = s[i];
                s[i] = keep + 1e-2f; double plus = f();
                s[i] = keep - 1e-2f; double minus = f();
                s[i] = keep;
                Assert.That(t.Grad![i], Is.EqualTo((plus - minus) / 2e-2).Within(2e-3), $"element {i}");
            }
        }
    }

    [Test]
    public void TapeThroughModulesGivesTheSameGradientsAsTorchStyleBackward()
    {
        Sequential Net() { var rng = new Rng(2); return new Sequential(new Linear(4, 6, rng: rng), new ReLU(), new Linear(6, 3, rng: rng)); }
        var x = Tensor.Uniform(new Rng(3), -1, 1, 5, 4);
        var target = Tensor.FromArray(new float[] { 0, 2, 1, 1, 0 });
        var a = Net(); var b = Net();
        var ce = new CrossEntropyCriterion();

        var y = a.Forward(x);
        ce.Forward(y, target);
        a.Backward(x, ce.Backward(y, target));

        var tape = Tape.Start();
        var loss = ce.Loss(b.Forward(x), target);
        tape.Backward(loss);

        var pa = a.ParameterArray(); var pb = b.ParameterArray();
        for (int i = 0; i < pa.Length; i++)
            Assert.That(pb[i].Grad.ToArray(), Is.EqualTo(pa[i].Grad.ToArray()).Within(1e-6), pa[i].Name);
        Assert.That(tape.Count, Is.EqualTo(4));
    }

    [Test]
    public void InferenceModeRecordsNothing()
    {
        var net = new Sequential(new Linear(3, 3), new Tanh());
        Assert.That(Tape.Current, Is.Null);
        var y = net.Forward(Tensor.Ones(2, 3));
        Assert.That(y.RequiresGrad, Is.False);
        using (var tape = Tape.Start())
        {
            net.Forward(Tensor.Ones(2, 3));
            Assert.That(tape.Count, Is.EqualTo(2));
        }
        Assert.That(Tape.Current, Is.Null);
    }

    [Test]
    public void CustomLossMixesModulesAndTensorOps()
    {
        var lin = new Linear(2, 1, rng: new Rng(1));
        var x = Tensor.FromRows(new float[] { 1, 2 }, new float[] { -1, 0.5f });
        using var tape = Tape.Start();
        var loss = Ops.Mean(Ops.Pow(lin.Forward(x), 2f));   // mean(y^2): dW = mean(2 y x)
        tape.Backward(loss);
        var y = lin.Output!;
        for (int j = 0; j < 2; j++)
        {
            float expected = (2 * y[0] * x[0, j] + 2 * y[1] * x[1, j]) / 2;
            Assert.That(lin.Weight.Grad[j], Is.EqualTo(expected).Within(1e-5));
        }
    }
}

[TestFixture]
public class OverwriteGradientTests
{
    [Test]
    public void OverwritingBackwardEqualsZeroThenAccumulateWhateverTheOldGradients()
    {
        Sequential Net() { var rng = new Rng(8); return new Sequential(new Linear(4, 6, rng: rng), new PReLU(6), new Linear(6, 3, rng: rng)); }
        var x = Tensor.Uniform(new Rng(1), -1, 1, 5, 4);
        var y = Tensor.FromArray(new float[] { 0, 1, 2, 1, 0 });
        var ce = new CrossEntropyCriterion();
        var a = Net(); var b = Net();
        foreach (var p in b.ParameterArray()) p.Grad.Fill(123f);      // stale gradients
        a.ZeroGradParameters();
        var ta = Tape.Start(); ta.Backward(ce.Loss(a.Forward(x), y));
        var tb = Tape.Start(); tb.Backward(ce.Loss(b.Forward(x), y), 1f, overwriteParameterGradients: true);
        var pa = a.ParameterArray(); var pb = b.ParameterArray();
        for (int i = 0; i < pa.Length; i++)
            Assert.That(pb[i].Grad.ToArray(), Is.EqualTo(pa[i].Grad.ToArray()).Within(1e-6), pa[i].Name);
    }

    [Test]
    public void ARecordMetTwiceInOnePassCountsAsAccumulationDoes()
    {
        // Two forwards through one module on one tape: its record is replayed twice. Overwriting
        // must only apply to the first replay, so both modes agree.
        float[] Grad(bool overwrite)
        {
            var lin = new Linear(2, 2, rng: new Rng(3));
            var x = Tensor.Uniform(new Rng(4), -1, 1, 3, 2);
            lin.Weight.Grad.Fill(overwrite ? 55f : 0f);
            var tape = Tape.Start();
            lin.Forward(x);
            var y = lin.Forward(x);
            tape.Backward(Ops.Sum(Ops.Mul(y, y)), 1f, overwrite);
            return lin.Weight.Grad.ToArray();
        }
        Assert.That(Grad(true), Is.EqualTo(Grad(false)).Within(1e-6));
    }
}
