using NUnit.Framework;
using ScriptableNN.Tensors;

namespace ScriptableNN.Tests;

[TestFixture]
public class TensorTests
{
    [Test]
    public void CreationShapesAndValues()
    {
        Assert.That(Tensor.Zeros(2, 3).ToArray(), Is.All.EqualTo(0f));
        Assert.That(Tensor.Ones(4).ToArray(), Is.All.EqualTo(1f));
        Assert.That(Tensor.Full(2.5f, 2, 2, 2).Length, Is.EqualTo(8));
        var m = Tensor.FromRows(new float[] { 1, 2, 3 }, new float[] { 4, 5, 6 });
        Assert.That(m.ShapeText, Is.EqualTo("[2, 3]"));
        Assert.That(m[1, 2], Is.EqualTo(6f));
        Assert.Throws<ArgumentException>(() => Tensor.FromRows(new float[] { 1 }, new float[] { 1, 2 }));
        Assert.Throws<ArgumentException>(() => Tensor.FromArray(new float[] { 1, 2, 3 }, 2, 2));
    }

    [Test]
    public void RandomTensorsAreSeededAndHaveTheRightMoments()
    {
        var a = Tensor.Normal(new Rng(5), 1f, 2f, 100, 100);
        var b = Tensor.Normal(new Rng(5), 1f, 2f, 100, 100);
        Assert.That(a.ToArray(), Is.EqualTo(b.ToArray()));
        Assert.That(a.Mean(), Is.EqualTo(1f).Within(0.06));
        var centred = a - a.Mean();
        Assert.That(MathF.Sqrt((centred * centred).Mean()), Is.EqualTo(2f).Within(0.06));
        var u = Tensor.Uniform(new Rng(6), -3, 5, 10000);
        Assert.That(u.Min(), Is.GreaterThanOrEqualTo(-3f));
        Assert.That(u.Max(), Is.LessThan(5f));
        Assert.That(u.Mean(), Is.EqualTo(1f).Within(0.1));
        Assert.That(Tensor.Uniform(new Rng(7), 0, 1, 8).ToArray(), Is.Not.EqualTo(Tensor.Uniform(new Rng(8), 0, 1, 8).ToArray()));
    }

    [Test]
    public void ViewsShareStorage()
    {
        var m = Tensor.FromRows(new float[] { 1, 2 }, new float[] { 3, 4 }, new float[] { 5, 6 });
        var row = m.Select(1);
        row[0] = 30;
        Assert.That(m[1, 0], Is.EqualTo(30f));
        var rows = m.Narrow(1, 2);
        Assert.That(rows.ShapeText, Is.EqualTo("[2, 2]"));
        rows.Fill(0);
        Assert.That(m.ToArray(), Is.EqualTo(new float[] { 1, 2, 0, 0, 0, 0 }));
        var flat = m.Reshape(-1);
        Assert.That(flat.ShapeText, Is.EqualTo("[6]"));
        flat[0] = 9;
        Assert.That(m[0, 0], Is.EqualTo(9f));
        var copy = m.Clone();
        copy[0] = 1;
        Assert.That(m[0], Is.EqualTo(9f));
        Assert.Throws<ArgumentException>(() => m.Reshape(4, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Narrow(2, 2));
    }

    [Test]
    public void ArithmeticBroadcastsRowsAndScalars()
    {
        var m = Tensor.FromRows(new float[] { 1, 2, 3 }, new float[] { 4, 5, 6 });
        var r = Tensor.FromArray(new float[] { 10, 20, 30 });
        Assert.That((m + r).ToArray(), Is.EqualTo(new float[] { 11, 22, 33, 14, 25, 36 }));
        Assert.That((r - m).ToArray(), Is.EqualTo(new float[] { 9, 18, 27, 6, 15, 24 }));
        Assert.That((m * 2f).ToArray(), Is.EqualTo(new float[] { 2, 4, 6, 8, 10, 12 }));
        Assert.That((1f / Tensor.FromArray(new float[] { 2, 4 })).ToArray(), Is.EqualTo(new float[] { 0.5f, 0.25f }));
        Assert.That((m / m).ToArray(), Is.All.EqualTo(1f));
        Assert.That(Tensor.Maximum(m, Tensor.Full(3.5f, 1)).ToArray(), Is.EqualTo(new float[] { 3.5f, 3.5f, 3.5f, 4, 5, 6 }));
        Assert.That(m.Clamp(2, 5).ToArray(), Is.EqualTo(new float[] { 2, 2, 3, 4, 5, 5 }));
        Assert.That(m.Pow(2).ToArray(), Is.EqualTo(new float[] { 1, 4, 9, 16, 25, 36 }).Within(1e-4));
        Assert.That(Tensor.FromArray(new float[] { 4, 9 }).Sqrt().ToArray(), Is.EqualTo(new float[] { 2, 3 }));
        Assert.That((-m).Abs().ToArray(), Is.EqualTo(m.ToArray()));
        Assert.That(m.Exp().Log().ToArray(), Is.EqualTo(m.ToArray()).Within(1e-5));
    }

    [Test]
    public void ShapeMismatchNamesOpAndShapesAndWritesNothing()
    {
        var a = Tensor.Ones(2, 3);
        var b = Tensor.Ones(2, 4);
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Add(a, b));
        Assert.That(ex!.Message, Does.Contain("add").And.Contain("[2, 3]").And.Contain("[2, 4]"));
        var into = Tensor.Full(5f, 3, 2);
        ex = Assert.Throws<ArgumentException>(() => Tensor.Mul(a, a, into));
        Assert.That(ex!.Message, Does.Contain("mul").And.Contain("[3, 2]").And.Contain("[2, 3]"));
        Assert.That(into.ToArray(), Is.All.EqualTo(5f));
    }

    [Test]
    public void Reductions()
    {
        var m = Tensor.FromRows(new float[] { 1, 7, 3 }, new float[] { 4, -5, 6 });
        Assert.That(m.Sum(), Is.EqualTo(16f));
        Assert.That(m.Mean(), Is.EqualTo(16f / 6));
        Assert.That(m.Max(), Is.EqualTo(7f));
        Assert.That(m.Min(), Is.EqualTo(-5f));
        Assert.That(m.ArgMax(), Is.EqualTo(1));
        Assert.That(m.SumRows().ToArray(), Is.EqualTo(new float[] { 11, 5 }));
        Assert.That(m.MeanRows().ToArray(), Is.EqualTo(new float[] { 11f / 3, 5f / 3 }).Within(1e-6));
        Assert.That(m.MaxRows().ToArray(), Is.EqualTo(new float[] { 7, 6 }));
        Assert.That(m.ArgMaxRows(), Is.EqualTo(new[] { 1, 2 }));
        Assert.That(m.SumColumns().ToArray(), Is.EqualTo(new float[] { 5, 2, 9 }));
    }

    [Test]
    public void SoftmaxIsFiniteAtExtremesAndShiftInvariant()
    {
        var z = Tensor.FromRows(new float[] { 1e4f, -1e4f, 0f }, new float[] { -1e4f, -1e4f, -1e4f }, new float[] { 0.5f, 1.5f, -2f });
        var p = z.Softmax();
        var lp = z.LogSoftmax();
        Assert.That(p.ToArray(), Has.All.Matches<float>(float.IsFinite));
        Assert.That(lp.ToArray(), Has.All.Matches<float>(float.IsFinite));
        Assert.That(p.SumRows().ToArray(), Is.All.EqualTo(1f).Within(1e-6));
        Assert.That(p[0, 0], Is.EqualTo(1f));
        Assert.That(lp[0, 1], Is.EqualTo(-2e4f).Within(1f));
        Assert.That(p[1, 0], Is.EqualTo(1f / 3).Within(1e-6));
        var shifted = z.Select(2).Reshape(1, 3) + 1000f;
        Assert.That(shifted.Softmax().ToArray(), Is.EqualTo(z.Select(2).Reshape(1, 3).Softmax().ToArray()).Within(1e-6));
        Assert.That(shifted.LogSoftmax().ToArray(), Is.EqualTo(z.Select(2).Reshape(1, 3).LogSoftmax().ToArray()).Within(1e-4));
        Assert.That(lp.Exp().ToArray(), Is.EqualTo(p.ToArray()).Within(1e-6));
    }

    [Test]
    public void PrintsLikeTorch()
    {
        var s = Tensor.FromRows(new float[] { 1, 2 }, new float[] { 3, 4 }).ToString();
        Assert.That(s, Does.Contain("1.0000").And.Contain("[torch.FloatTensor of size 2x2]"));
    }
}
