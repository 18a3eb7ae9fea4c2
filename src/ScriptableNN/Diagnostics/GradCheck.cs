using ScriptableNN.Autograd;
using ScriptableNN.Losses;
using ScriptableNN.NN;
using ScriptableNN.Tensors;

namespace ScriptableNN.Diagnostics;

/// <summary>The worst agreement found between back-propagated and numerical gradients.</summary>
public readonly record struct GradCheckResult(double MaxRelativeError, string Worst)
{
    /// <inheritdoc/>
    public override string ToString() => $"max relative error {MaxRelativeError:E2} ({Worst})";
}

/// <summary>
/// Compares back-propagated gradients with central differences (f(x+h) - f(x-h)) / 2h. The
/// scalar checked is J = sum(r * f(x)) for a fixed random r, accumulated in double; the error of
/// each tensor is ||analytic - numeric|| / (||analytic|| + ||numeric||), which is small exactly
/// when the two agree in direction and size.
/// </summary>
public static class GradCheck
{
    /// <summary>Checks dJ/dinput and dJ/dtheta of every parameter of <paramref name="module"/>.</summary>
    public static GradCheckResult Module(Module module, Tensor input, float h = 1e-2f, ulong seed = 1)
    {
        var x = input.Clone();
        var y = module.Forward(x);
        var r = Tensor.Uniform(new Rng(seed), -1f, 1f, y.Shape.ToArray());
        double J() { var o = module.Forward(x); double s = 0; var os = o.Span; var rs = r.Span; for (int i = 0; i < os.Length; i++) s += (double)os[i] * rs[i]; return s; }

        module.ZeroGradParameters();
        module.Forward(x);
        var analyticInput = module.Backward(x, r).Clone();
        var result = Compare("input", analyticInput.Span, Numeric(x.Span, J, h), default);
        foreach (var p in module.Parameters())
            result = Compare(p.Name, p.Grad.ToArray(), Numeric(p.Value.Span, J, h), result);
        return result;
    }

    /// <summary>Checks dLoss/dinput (and the loss's own parameters) of <paramref name="criterion"/>.</summary>
    public static GradCheckResult Criterion(Criterion criterion, Tensor input, Tensor target, float h = 1e-2f)
    {
        var x = input.Clone();
        double J() => criterion.Forward(x, target);
        foreach (var p in criterion.Parameters()) p.Grad.Zero();
        criterion.Forward(x, target);
        var analytic = criterion.Backward(x, target).Clone();
        var result = Compare("input", analytic.Span, Numeric(x.Span, J, h), default);
        foreach (var p in criterion.Parameters())
            result = Compare(p.Name, p.Grad.ToArray(), Numeric(p.Value.Span, J, h), result);
        return result;
    }

    private static double[] Numeric(Span<float> values, Func<double> j, float h)
    {
        var n = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            float keep = values[i];
            values[i] = keep + h; double plus = j();
            values[i] = keep - h; double minus = j();
            values[i] = keep;
            // The step actually taken in float, not the nominal h.
            n[i] = (plus - minus) / ((double)(keep + h) - (keep - h));
        }
        return n;
    }

    private static GradCheckResult Compare(string name, ReadOnlySpan<float> analytic, double[] numeric, GradCheckResult worst)
    {
        double diff = 0, na = 0, nn = 0;
        for (int i = 0; i < numeric.Length; i++)
        {
            double d = analytic[i] - numeric[i];
            diff += d * d; na += (double)analytic[i] * analytic[i]; nn += numeric[i] * numeric[i];
        }
        double denom = Math.Sqrt(na) + Math.Sqrt(nn);
        double err = denom == 0 ? 0 : Math.Sqrt(diff) / denom;
        return err >= worst.MaxRelativeError ? new GradCheckResult(err, name) : worst;
    }
}
