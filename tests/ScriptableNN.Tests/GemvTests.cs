using NUnit.Framework;
using ScriptableNN.Kernels;
using ScriptableNN.Tensors;

namespace ScriptableNN.Tests;

[TestFixture]
public class GemvTests
{
    private static (float[] W, float[] Bias, float[] X, double[] Exact) Layer(int inputs, int outputs, int seed)
    {
        var rng = new Rng((ulong)seed);
        int padded = (outputs + 15) & ~15;
        var w = Tensor.Uniform(rng, -1, 1, outputs * inputs).ToArray();
        var blocks = new float[inputs * padded];
        for (int o = 0; o < outputs; o++)
            for (int i = 0; i < inputs; i++) blocks[Gemv.BlockIndex(i, o, inputs)] = w[o * inputs + i];
        var bias = new float[padded];
        Tensor.Uniform(rng, -1, 1, outputs).Span.CopyTo(bias);
        var x = Tensor.Uniform(rng, -1, 1, inputs).ToArray();
        var exact = new double[outputs];
        for (int o = 0; o < outputs; o++)
        {
            double s = bias[o];
            for (int i = 0; i < inputs; i++) s += (double)w[o * inputs + i] * x[i];
            exact[o] = s;
        }
        return (blocks, bias, x, exact);
    }

    // Odd and even input counts, one to five blocks of outputs (the 512-bit path takes four at
    // a time, the 256-bit two), and a partial last block.
    private static readonly (int Inputs, int Outputs)[] Shapes = { (1, 3), (7, 16), (16, 33), (33, 48), (64, 64), (101, 80), (784, 256) };

    [Test]
    public void EveryWidthMatchesTheExactProductAndEachOtherBitForBit()
    {
        foreach (var (inputs, outputs) in Shapes)
        {
            var (w, bias, x, exact) = Layer(inputs, outputs, inputs * 31 + outputs);
            int padded = bias.Length;
            var viaDispatch = new float[padded]; var via512 = new float[padded]; var viaVector = new float[padded];
            Gemv.Run(x, w, bias, viaDispatch, inputs, 0, padded);
            Gemv.Run512(x, w, bias, via512, inputs, 0, padded);     // software Vector512 where the CPU has none: the same arithmetic
            Gemv.RunVector(x, w, bias, viaVector, inputs, 0, padded);
            for (int o = 0; o < outputs; o++)
                Assert.That(viaDispatch[o], Is.EqualTo(exact[o]).Within(1e-5 * (inputs + 1)), $"{inputs}x{outputs}: output {o}");
            Assert.That(via512, Is.EqualTo(viaVector), $"{inputs}x{outputs}: 512-bit and Vector<float> paths");
            Assert.That(viaDispatch, Is.EqualTo(viaVector), $"{inputs}x{outputs}: the dispatched path");
        }
    }

    [Test]
    public void AnyCutAtBlockBoundariesGivesTheSameBitsAsTheWholeLayer()
    {
        foreach (var (inputs, outputs) in Shapes)
        {
            var (w, bias, x, _) = Layer(inputs, outputs, inputs + outputs);
            int padded = bias.Length;
            var whole = new float[padded];
            Gemv.Run(x, w, bias, whole, inputs, 0, padded);
            for (int cut = 16; cut < padded; cut += 16)
            {
                var parts = new float[padded];
                Gemv.Run(x, w, bias, parts, inputs, 0, cut);
                Gemv.Run(x, w, bias, parts, inputs, cut, padded);
                Assert.That(parts, Is.EqualTo(whole), $"{inputs}x{outputs} cut at {cut}");
            }
        }
    }
}
