using ScriptableNN.IO;
using ScriptableNN.Registry;
using ScriptableNN.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace ScriptableNN.NN;

/// <summary>
/// Radial basis function units: h_i = exp(-(eps * ||x - c_i||)^2), each unit most active near
/// its learned centre c_i. Distances come from one GEMM: ||x||^2 - 2 x.c + ||c||^2.
/// </summary>
public sealed class RBF : Module
{
    /// <summary>nn.RBF(in, units, eps); no ONNX form.</summary>
    public static readonly ModuleType<RBF, RBFSettings> Type = new("RBF", "in", "units", "eps")
    {
        New = static (s, rng) => new RBF(s.In, s.Units, s.Eps, rng),
        SettingsOf = static m => new RBFSettings { In = m.In, Units = m.Units, Eps = m.Eps },
        Parameters = static s => (long)s.In * s.Units,
    };

    /// <summary>Input features.</summary>
    public int In { get; }
    /// <summary>Units (centres).</summary>
    public int Units { get; }
    /// <summary>The width factor eps.</summary>
    public float Eps { get; }
    /// <summary>The learned centres, [units, in].</summary>
    public Parameter Centres { get; }
    private Tensor? _out, _gradIn, _g, _xNorm;
    private Tensor _cNorm;

    /// <summary>Units with centres drawn from U(-1, 1).</summary>
    public RBF(int inFeatures, int units, float eps = 1f, Rng? rng = null)
    {
        if (inFeatures <= 0 || units <= 0) throw new ArgumentException($"nn.RBF: sizes must be positive, got {inFeatures} -> {units}.");
        In = inFeatures; Units = units; Eps = eps;
        Centres = new Parameter("centres", Tensor.Uniform(rng ?? Rng.Global, -1f, 1f, units, inFeatures), decay: false);
        _cNorm = Tensor.Zeros(units);
    }

    /// <inheritdoc/>
    protected override Tensor UpdateOutput(Tensor input)
    {
        CheckWidth(input, In);
        var x = input.Rank == 1 ? input.Reshape(1, In) : input;
        int rows = x.Rows;
        var y = Tensor.Reuse(ref _out, rows, Units);
        var xn = Tensor.Reuse(ref _xNorm, rows, 1);
        var c = Centres.Value;
        for (int i = 0; i < rows; i++) xn.Span[i] = TP.Dot(x.Span.Slice(i * In, In), x.Span.Slice(i * In, In));
        for (int u = 0; u < Units; u++) _cNorm.Span[u] = TP.Dot(c.Span.Slice(u * In, In), c.Span.Slice(u * In, In));
        Tensor.MatMul(x, c, y, transposeB: true, alpha: -2f);     // -2 x.c
        float e2 = Eps * Eps;
        var ys = y.Span;
        for (int i = 0; i < rows; i++)
        {
            var row = ys.Slice(i * Units, Units);
            TP.Add(row, _cNorm.Span, row);
            TP.Add(row, xn.Span[i], row);
            TP.Max(row, 0f, row);                                  // rounding can dip below 0
            TP.Multiply(row, -e2, row);
            TP.Exp(row, row);
        }
        Output = input.Rank == 1 ? y.Reshape(Units) : y;
        return Output;
    }

    // G = dJ/dy * y, the common factor of both gradients.
    private Tensor G(Tensor gradOutput, int rows)
    {
        var g = Tensor.Reuse(ref _g, rows, Units);
        TP.Multiply(gradOutput.Span, _out!.Span, g.Span);
        return g;
    }

    /// <inheritdoc/>
    public override Tensor UpdateGradInput(Tensor input, Tensor gradOutput)
    {
        var x = input.Rank == 1 ? input.Reshape(1, In) : input;
        int rows = x.Rows;
        var g = G(gradOutput, rows);
        var gi = Tensor.Reuse(ref _gradIn, rows, In);
        float k = -2f * Eps * Eps;
        // dJ/dx_b = -2 eps^2 (sum_u G[b,u] x_b - (G C)_b)
        Tensor.MatMul(g, Centres.Value, gi, alpha: -k);
        for (int b = 0; b < rows; b++)
        {
            float s = TP.Sum(g.Span.Slice(b * Units, Units));
            TP.MultiplyAdd(x.Span.Slice(b * In, In), k * s, gi.Span.Slice(b * In, In), gi.Span.Slice(b * In, In));
        }
        GradInput = input.Rank == 1 ? gi.Reshape(In) : gi;
        return GradInput;
    }

    /// <inheritdoc/>
    public override void AccGradParameters(Tensor input, Tensor gradOutput, float scale = 1f)
    {
        var x = input.Rank == 1 ? input.Reshape(1, In) : input;
        int rows = x.Rows;
        var g = G(gradOutput, rows);
        float k = 2f * Eps * Eps * scale;
        // dJ/dc_u = 2 eps^2 ((G^T X)_u - (sum_b G[b,u]) c_u)
        Tensor.MatMul(g, x, Centres.Grad, transposeA: true, alpha: k, beta: 1f);
        var c = Centres.Value.Span; var dc = Centres.Grad.Span; var gs = g.Span;
        for (int u = 0; u < Units; u++)
        {
            float s = 0;
            for (int b = 0; b < rows; b++) s += gs[b * Units + u];
            TP.MultiplyAdd(c.Slice(u * In, In), -k * s, dc.Slice(u * In, In), dc.Slice(u * In, In));
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<Parameter> Parameters() { yield return Centres; }

    /// <inheritdoc/>
    public override int OutputWidth(int inputWidth) =>
        inputWidth == In ? Units : throw new ArgumentException($"{this} takes {In} features, the layer before gives {inputWidth}.");

    /// <inheritdoc/>
    public override string ToString() => $"nn.RBF({In} -> {Units}, eps={Eps})";
}

/// <summary>Settings of radial basis function units.</summary>
public sealed record RBFSettings
{
    /// <summary>Input features.</summary>
    public required int In { get; init; }
    /// <summary>Units (centres).</summary>
    public required int Units { get; init; }
    /// <summary>The width factor eps.</summary>
    public float Eps { get; init; } = 1f;
}
