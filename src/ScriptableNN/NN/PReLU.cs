using System.Numerics;
using ScriptableNN.IO;
using ScriptableNN.Registry;
using ScriptableNN.Tensors;

namespace ScriptableNN.NN;

/// <summary>
/// Parametric ReLU: max(0, z) + a * min(0, z) with the slope a learned, one shared by all
/// units or one per unit. Slopes are left out of weight decay, which would pull them to 0.
/// </summary>
public sealed class PReLU : Module
{
    /// <summary>nn.PReLU(units) (Torch7's nOutputPlane; 0 shares one slope); ONNX PRelu.</summary>
    public static readonly ModuleType<PReLU, PReLUSettings> Type = new("PReLU", "units", "init")
    {
        New = static (s, _) => new PReLU(s.Units, s.Init),
        SettingsOf = static m => new PReLUSettings { Units = m.Slope.Length == 1 ? 0 : m.Slope.Length },
        Parameters = static s => Math.Max(1, s.Units),
        Onnx = static (m, g) => g.Node("PRelu", new[] { g.Initializer(m.Slope.Value.Span, m.Slope.Length) }),
        OnnxOps = new[] { "PRelu" },
        FromOnnx = static n => Import(n),
    };

    // ONNX's PRelu: one slope for all, or one per feature.
    private static PReLU Import(OnnxNode n)
    {
        var slope = n.Constant(1).Values;
        if (slope.Length != 1 && slope.Length != n.Width) throw n.Error($"{slope.Length} slopes for {n.Width} features");
        var m = new PReLU(slope.Length == 1 ? 0 : slope.Length);
        slope.CopyTo(m.Slope.Value.Span);
        return m;
    }

    /// <summary>The learned slope(s) a.</summary>
    public Parameter Slope { get; }
    private Tensor? _out, _gradIn;

    /// <summary><paramref name="units"/> = 0 shares one slope; otherwise one per unit (the input width).</summary>
    public PReLU(int units = 0, float init = 0.25f)
    {
        if (units < 0) throw new ArgumentException($"nn.PReLU: units must be 0 (shared) or positive, got {units}.");
        Slope = new Parameter("weight", Tensor.Full(init, Math.Max(1, units)), decay: false);
    }

    private bool Shared => Slope.Length == 1;

    private void Check(Tensor input)
    {
        if (!Shared) CheckWidth(input, Slope.Length);
    }

    /// <inheritdoc/>
    protected override Tensor UpdateOutput(Tensor input)
    {
        Check(input);
        var y = Tensor.Reuse(ref _out, input);
        if (Shared) new ReluOp(Slope.Value[0]).Forward(input.Span, y.Span);
        else
        {
            SlopeBelowZero(input.Span, input.Span, Slope.Value.Span, y.Span, input.Cols);
        }
        Output = y;
        return y;
    }

    /// <inheritdoc/>
    public override Tensor UpdateGradInput(Tensor input, Tensor gradOutput)
    {
        Check(input);
        var gi = Tensor.Reuse(ref _gradIn, input);
        if (Shared) new ReluOp(Slope.Value[0]).Backward(input.Span, default, gradOutput.Span, gi.Span);
        else
        {
            SlopeBelowZero(input.Span, gradOutput.Span, Slope.Value.Span, gi.Span, input.Cols);
        }
        GradInput = gi;
        return gi;
    }

    /// <inheritdoc/>
    public override void AccGradParameters(Tensor input, Tensor gradOutput, float scale = 1f)
    {
        Check(input);
        var x = input.Span; var dy = gradOutput.Span; var da = Slope.Grad.Span;
        int cols = input.Cols;
        if (Shared)
        {
            double s = 0;
            for (int i = 0; i < x.Length; i++) if (x[i] <= 0f) s += x[i] * dy[i];
            da[0] += scale * (float)s;
        }
        else
        {
            // Row by row, each channel's sum in the same order as one element at a time.
            int w = Vector<float>.Count;
            var sv = new Vector<float>(scale);
            for (int r = 0; r + cols <= x.Length; r += cols)
            {
                int j = 0;
                for (; j + w <= cols; j += w)
                {
                    var xv = new Vector<float>(x.Slice(r + j, w));
                    var add = Vector.ConditionalSelect(Vector.LessThanOrEqual(xv, Vector<float>.Zero), sv * xv * new Vector<float>(dy.Slice(r + j, w)), Vector<float>.Zero);
                    (new Vector<float>(da.Slice(j, w)) + add).CopyTo(da.Slice(j, w));
                }
                for (; j < cols; j++) if (x[r + j] <= 0f) da[j] += scale * x[r + j] * dy[r + j];
            }
        }
    }

    // y = v where x > 0, a[channel] * v elsewhere: the forward with v = x, the input's
    // gradient with v = dy; a row of cols channels at a time, in vectors along the row.
    private static void SlopeBelowZero(ReadOnlySpan<float> x, ReadOnlySpan<float> v, ReadOnlySpan<float> a, Span<float> y, int cols)
    {
        int w = Vector<float>.Count;
        for (int r = 0; r + cols <= x.Length; r += cols)
        {
            int j = 0;
            for (; j + w <= cols; j += w)
            {
                var xv = new Vector<float>(x.Slice(r + j, w));
                var vv = new Vector<float>(v.Slice(r + j, w));
                Vector.ConditionalSelect(Vector.GreaterThan(xv, Vector<float>.Zero), vv, new Vector<float>(a.Slice(j, w)) * vv).CopyTo(y.Slice(r + j, w));
            }
            for (; j < cols; j++) y[r + j] = x[r + j] > 0f ? v[r + j] : a[j] * v[r + j];
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<Parameter> Parameters() { yield return Slope; }

    /// <inheritdoc/>
    public override string ToString() => Shared ? "nn.PReLU" : $"nn.PReLU({Slope.Length})";
}

/// <summary>Settings of a parametric ReLU.</summary>
public sealed record PReLUSettings
{
    /// <summary>0 for one shared slope, else one per unit.</summary>
    public int Units { get; init; }
    /// <summary>The slopes' starting value.</summary>
    public float Init { get; init; } = 0.25f;
}
