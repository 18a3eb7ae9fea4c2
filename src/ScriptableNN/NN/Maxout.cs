using ScriptableNN.IO;
using ScriptableNN.Registry;
using ScriptableNN.Tensors;

namespace ScriptableNN.NN;

/// <summary>
/// Maxout units: z = x W^T + b gives <c>pieces</c> affine pieces per unit; h_i = max_j z_(i,j).
/// Learns a piecewise-linear convex activation. The gradient flows to the winning piece only.
/// </summary>
public sealed class Maxout : Module
{
    /// <summary>nn.Maxout(in, out, pieces); no ONNX form.</summary>
    public static readonly ModuleType<Maxout, MaxoutSettings> Type = new("Maxout", "in", "out", "pieces")
    {
        New = static (s, rng) => new Maxout(s.In, s.Out, s.Pieces, s.Init, rng),
        SettingsOf = static m => new MaxoutSettings { In = m.In, Out = m.Out, Pieces = m.Pieces, Init = m._init },
        Parameters = static s => ((long)s.In + 1) * s.Out * s.Pieces,
    };

    private readonly Init _init;
    private readonly Linear _linear;
    private Tensor? _out, _gradZ;
    private int[] _argmax = Array.Empty<int>();

    /// <summary>Input features.</summary>
    public int In => _linear.In;
    /// <summary>Units.</summary>
    public int Out { get; }
    /// <summary>Affine pieces per unit.</summary>
    public int Pieces { get; }

    /// <summary>Maxout units with their pieces initialised from <paramref name="rng"/>.</summary>
    public Maxout(int inFeatures, int outFeatures, int pieces, Init init = Init.Default, Rng? rng = null)
    {
        if (pieces < 1) throw new ArgumentException($"nn.Maxout: pieces must be at least 1, got {pieces}.");
        Out = outFeatures;
        Pieces = pieces;
        _init = init;
        _linear = new Linear(inFeatures, outFeatures * pieces, true, init, rng);
    }

    /// <summary>The affine map producing the pieces, unit i's pieces at columns i*pieces .. i*pieces+pieces-1.</summary>
    public Linear Affine => _linear;

    /// <inheritdoc/>
    protected override Tensor UpdateOutput(Tensor input)
    {
        CheckWidth(input, In);
        var x = input.Rank == 1 ? input.Reshape(1, In) : input;
        var z = _linear.ForwardNoTape(x);
        int rows = x.Rows;
        var y = Tensor.Reuse(ref _out, rows, Out);
        if (_argmax.Length != rows * Out) _argmax = new int[rows * Out];
        var zs = z.Span; var ys = y.Span;
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < Out; o++)
            {
                int b = r * Out * Pieces + o * Pieces, best = b;
                for (int k = 1; k < Pieces; k++) if (zs[b + k] > zs[best]) best = b + k;
                ys[r * Out + o] = zs[best];
                _argmax[r * Out + o] = best;
            }
        Output = input.Rank == 1 ? y.Reshape(Out) : y;
        return Output;
    }

    private Tensor GradZ(Tensor gradOutput, int rows)
    {
        var gz = Tensor.Reuse(ref _gradZ, rows, Out * Pieces).Zero();
        var g = gradOutput.Span; var gs = gz.Span;
        for (int i = 0; i < rows * Out; i++) gs[_argmax[i]] = g[i];
        return gz;
    }

    /// <inheritdoc/>
    public override Tensor UpdateGradInput(Tensor input, Tensor gradOutput)
    {
        var x = input.Rank == 1 ? input.Reshape(1, In) : input;
        var gi = _linear.UpdateGradInput(x, GradZ(gradOutput, x.Rows));
        GradInput = input.Rank == 1 ? gi.Reshape(In) : gi;
        return GradInput;
    }

    /// <inheritdoc/>
    public override void AccGradParameters(Tensor input, Tensor gradOutput, float scale = 1f)
    {
        var x = input.Rank == 1 ? input.Reshape(1, In) : input;
        _linear.AccGradParameters(x, GradZ(gradOutput, x.Rows), scale);
    }

    /// <inheritdoc/>
    public override IEnumerable<Parameter> Parameters() => _linear.Parameters();

    /// <inheritdoc/>
    public override int OutputWidth(int inputWidth) =>
        inputWidth == In ? Out : throw new ArgumentException($"{this} takes {In} features, the layer before gives {inputWidth}.");

    /// <inheritdoc/>
    public override string ToString() => $"nn.Maxout({In} -> {Out}, {Pieces} pieces)";
}

/// <summary>Settings of maxout units.</summary>
public sealed record MaxoutSettings
{
    /// <summary>Input features.</summary>
    public required int In { get; init; }
    /// <summary>Units.</summary>
    public required int Out { get; init; }
    /// <summary>Affine pieces per unit.</summary>
    public required int Pieces { get; init; }
    /// <summary>How the pieces' weights start.</summary>
    [System.Text.Json.Serialization.JsonConverter(typeof(InitNames))]
    public Init Init { get; init; } = Init.Default;
}
