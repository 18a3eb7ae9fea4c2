using NUnit.Framework;
using ScriptableNN.Tensors;

namespace ScriptableNN.Tests;

[TestFixture]
public class TranscendentalsTests
{
    // Distance in units in the last place between a float result and the exact (double) value.
    private static double Ulps(float got, double exact)
    {
        if (double.IsNaN(exact)) return float.IsNaN(got) ? 0 : double.PositiveInfinity;
        float rounded = (float)exact;
        if (got == rounded) return 0;
        double ulp = Math.Abs((double)MathF.BitIncrement(Math.Abs(rounded)) - Math.Abs(rounded));
        return Math.Abs(got - exact) / ulp;
    }

    // Every 61st float between -limit and limit (about 35 million values over 0..20), in spans
    // of odd lengths so that the vector tails are crossed too.
    private static IEnumerable<float[]> Sweep(float limit)
    {
        var chunk = new List<float>(4099);
        for (int bits = 0; bits <= BitConverter.SingleToInt32Bits(limit); bits += 61)
        {
            float v = BitConverter.Int32BitsToSingle(bits);
            chunk.Add(v); chunk.Add(-v);
            if (chunk.Count >= 4097) { yield return chunk.ToArray(); chunk.Clear(); }
        }
        yield return chunk.ToArray();
    }

    private static void Check(Action<float[], float[]> f, Func<double, double> exact, float limit, double maxUlps, string name)
    {
        double worst = 0; float worstAt = 0;
        foreach (var x in Sweep(limit))
        {
            var y = new float[x.Length];
            f(x, y);
            for (int i = 0; i < x.Length; i++)
            {
                double u = Ulps(y[i], exact(x[i]));
                if (u > worst) { worst = u; worstAt = x[i]; }
            }
        }
        Assert.That(worst, Is.LessThanOrEqualTo(maxUlps), $"{name}: worst error {worst:F2} ulp at x = {worstAt:R}");
    }

    [Test]
    public void TanhIsWithinThreeUlpsOfTheExactValue() =>
        Check((x, y) => Transcendentals.Tanh(x, y), Math.Tanh, 12f, 3, "tanh");

    [Test]
    public void SigmoidIsWithinThreeUlpsOfTheExactValueIncludingTinyResults() =>
        Check((x, y) => Transcendentals.Sigmoid(x, y), v => 1 / (1 + Math.Exp(-v)), 100f, 3, "sigmoid");

    // log(1 + e^x) in double, with log1p's series where 1 + u would round away u's digits.
    private static double Log1p(double u) => u < 1e-5 ? u - u * u / 2 + u * u * u / 3 : Math.Log(1 + u);
    private static double SoftPlusExact(double v) => Math.Max(v, 0) + Log1p(Math.Exp(-Math.Abs(v)));

    [Test]
    public void SoftPlusIsWithinThreeUlpsOfTheExactValueIncludingFarBelowZero() =>
        Check((x, y) => Transcendentals.SoftPlus(x, y), SoftPlusExact, 100f, 3, "softplus");

    [Test]
    public void SpecialValuesAreTheLibraryOnes()
    {
        float[] x = { 0f, -0f, 1e-40f, -1e-40f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 200f, -200f, 9f };
        var t = new float[x.Length]; var s = new float[x.Length];
        Transcendentals.Tanh(x, t);
        Transcendentals.Sigmoid(x, s);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.That(BitConverter.SingleToInt32Bits(t[i]), Is.EqualTo(BitConverter.SingleToInt32Bits(MathF.Tanh(x[i]))), $"tanh({x[i]:R}) = {t[i]:R}");
            double exact = 1 / (1 + Math.Exp(-(double)x[i]));
            if (float.IsNaN(x[i])) Assert.That(s[i], Is.NaN);
            else Assert.That(s[i], Is.EqualTo((float)exact), $"sigmoid({x[i]:R}) = {s[i]:R}");
        }
    }

    [Test]
    public void AnElementsResultDoesNotDependOnItsPlaceInTheSpan()
    {
        var rng = new Rng(3);
        var x = Tensor.Uniform(rng, -6, 6, 37).ToArray();
        var whole = new float[37];
        Transcendentals.Tanh(x, whole);
        for (int i = 0; i < x.Length; i++)
        {
            var one = new float[1];
            Transcendentals.Tanh(x.AsSpan(i, 1), one);
            Assert.That(one[0], Is.EqualTo(whole[i]), $"element {i}");
        }
        var apart = new float[37];
        Transcendentals.Sigmoid(x, apart);
        Transcendentals.Sigmoid(x, x);   // in place
        Assert.That(x, Is.EqualTo(apart));
    }

    [Test]
    public void EluIsTheExactValueWithinAFewUlpsOfOneAndItsBackwardTheDefinition()
    {
        var rng = new Rng(8);
        var x = Tensor.Uniform(rng, -30, 5, 1001).ToArray();
        x[0] = float.NaN; x[1] = float.NegativeInfinity; x[2] = -0f; x[3] = 1e-30f;
        var y = new float[x.Length];
        var op = new ScriptableNN.NN.EluOp(0.7f);
        op.Forward(x, y);
        Assert.That(y[0], Is.NaN);
        Assert.That(y[1], Is.EqualTo(-0.7f));
        for (int i = 2; i < x.Length; i++)
        {
            double exact = x[i] > 0 ? x[i] : 0.7 * (Math.Exp(x[i]) - 1);
            Assert.That(y[i], Is.EqualTo(exact).Within(4 * 0.7 * 1.2e-7 + 1e-7 * Math.Abs(exact)), $"elu({x[i]:R})");
        }
        var dy = Tensor.Uniform(rng, -1, 1, x.Length).ToArray();
        var dx = new float[x.Length];
        op.Backward(x, y, dy, dx);
        for (int i = 2; i < x.Length; i++)
            Assert.That(dx[i], Is.EqualTo(x[i] > 0f ? dy[i] : dy[i] * (y[i] + 0.7f)), $"element {i}");
    }
}
