using ScriptableNN.IO;
using ScriptableNN.Registry;
using ScriptableNN.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace ScriptableNN.NN;

/// <summary>
/// y = x W^T + b, W of shape [out, in] (Torch7's and PyTorch's layout). The affine map every
/// hidden and output layer of the lecture starts with; with no activation after it, the
/// linear output unit.
/// </summary>
public sealed class Linear : Module, IAffine
{
    /// <summary>nn.Linear(in, out, bias) or nn.Linear(in, out, {init = "he"}); ONNX Gemm; compiled as an affine layer.</summary>
    public static readonly ModuleType<Linear, LinearSettings> Type = new("Linear", "in", "out", "bias")
    {
        New = static (s, rng) => new Linear(s.In, s.Out, s.Bias, s.Init, rng),
        SettingsOf = static m => m.Settings,
        Parameters = static s => (long)s.In * s.Out + (s.Bias ? s.Out : 0),
        Onnx = static (m, g) =>
        {
            var inputs = new List<string> { g.Initializer(m.Weight.Value.Span, m.Out, m.In) };
            if (m.Bias != null) inputs.Add(g.Initializer(m.Bias.Value.Span, m.Out));
            g.Node("Gemm", inputs, OnnxAttribute.Of("transB", 1L));
        },
        OnnxOps = new[] { "Gemm", "MatMul" },
        FromOnnx = static n => Import(n),
    };

    // ONNX: Gemm (alpha A B' + beta C, B transposed or not) or MatMul by a constant, with the Add
    // of a constant vector that follows taken in as the bias.
    private static Linear Import(OnnxNode n)
    {
        if (!n.ReadsCurrentAt(0)) throw n.Unsupported("the data must be the first input");
        var w = n.Constant(1);
        if (w.Dims.Length != 2) throw n.Error($"the weight {OnnxNode.Shape(w.Dims)} is not a matrix");
        bool transB = n.Op == "Gemm" && n.Int("transB", 0) != 0;
        if (n.Op == "Gemm" && n.Int("transA", 0) != 0) throw n.Unsupported("transA = 1 (a transposed batch) is not a layer");
        int inF = (int)(transB ? w.Dims[1] : w.Dims[0]), outF = (int)(transB ? w.Dims[0] : w.Dims[1]);
        if (inF != n.Width) throw n.Error($"the weight {OnnxNode.Shape(w.Dims)} takes {inF} features, {n.Width} flow in");
        float alpha = n.Op == "Gemm" ? n.Float("alpha", 1f) : 1f, beta = n.Op == "Gemm" ? n.Float("beta", 1f) : 1f;
        float[]? bias = null;
        if (n.Op == "Gemm" && n.HasInput(2)) bias = n.Constant(2).Values;
        else if (n.Op == "MatMul" && n.Next is { Op: "Add" } add)
        {
            int other = add.ReadsCurrentAt(0) ? 1 : add.ReadsCurrentAt(1) ? 0 : -1;
            if (other >= 0 && add.Constant(other) is { } c && (c.Values.Length == outF || c.Values.Length == 1))
            {
                bias = c.Values;
                n.ConsumeNext();
            }
        }
        if (bias != null && bias.Length != outF && bias.Length != 1) throw n.Error($"the bias has {bias.Length} values for {outF} outputs");
        var layer = new Linear(inF, outF, bias != null, rng: new Rng(0));
        var wt = layer.Weight.Value.Span;
        for (int o = 0; o < outF; o++)
            for (int i = 0; i < inF; i++)
                wt[o * inF + i] = alpha * (transB ? w.Values[o * inF + i] : w.Values[i * outF + o]);
        if (bias != null)
        {
            var b = layer.Bias!.Value.Span;
            for (int o = 0; o < outF; o++) b[o] = beta * bias[bias.Length == 1 ? 0 : o];
        }
        return layer;
    }

    /// <summary>The settings the layer was made with.</summary>
    public LinearSettings Settings { get; }

    /// <summary>Input features.</summary>
    public int In { get; }
    /// <summary>Output features.</summary>
    public int Out { get; }
    /// <summary>W, [out, in].</summary>
    public Parameter Weight { get; }
    /// <summary>b, [out]; null without a bias.</summary>
    public Parameter? Bias { get; }

    /// <summary>A layer from <paramref name="inFeatures"/> to <paramref name="outFeatures"/>, initialised from <paramref name="rng"/> (default: the thread's global generator).</summary>
    public Linear(int inFeatures, int outFeatures, bool bias = true, Init init = Init.Default, Rng? rng = null)
    {
        if (inFeatures <= 0 || outFeatures <= 0) throw new ArgumentException($"nn.Linear: sizes must be positive, got {inFeatures} -> {outFeatures}.");
        In = inFeatures;
        Out = outFeatures;
        Settings = new LinearSettings { In = inFeatures, Out = outFeatures, Bias = bias, Init = init };
        rng ??= Rng.Global;
        var w = Tensor.Zeros(outFeatures, inFeatures);
        Initializer.Fill(w, init, inFeatures, outFeatures, rng);
        Weight = new Parameter("weight", w, decay: true);
        if (bias)
        {
            var b = Tensor.Zeros(outFeatures);
            // Torch7 draws the bias from the same range as the weights for the default init.
            if (init == Init.Default) Initializer.Fill(b, init, inFeatures, outFeatures, rng);
            Bias = new Parameter("bias", b, decay: false);
        }
    }

    private Tensor? _out, _gradIn, _out1, _gradIn1;

    /// <inheritdoc/>
    protected override Tensor UpdateOutput(Tensor input)
    {
        CheckWidth(input, In);
        var x2 = input.Rank == 1 ? input.Reshape(1, In) : input;
        var y = input.Rank == 1 ? Tensor.Reuse(ref _out1, Out, 1).Reshape(Out) : Tensor.Reuse(ref _out, input.Rows, Out);
        var y2 = y.Rank == 1 ? y.Reshape(1, Out) : y;
        Tensor.MatMul(x2, Weight.Value, y2, transposeB: true);
        if (Bias != null)
        {
            var b = Bias.Value.Span;
            var ys = y2.Span;
            for (int i = 0; i < y2.Rows; i++) TP.Add(ys.Slice(i * Out, Out), b, ys.Slice(i * Out, Out));
        }
        Output = y;
        return y;
    }

    /// <inheritdoc/>
    public override Tensor UpdateGradInput(Tensor input, Tensor gradOutput)
    {
        CheckGrad(input, gradOutput);
        var gi = input.Rank == 1 ? Tensor.Reuse(ref _gradIn1, In, 1).Reshape(In) : Tensor.Reuse(ref _gradIn, input.Rows, In);
        var gi2 = gi.Rank == 1 ? gi.Reshape(1, In) : gi;
        var g2 = gradOutput.Rank == 1 ? gradOutput.Reshape(1, Out) : gradOutput;
        Tensor.MatMul(g2, Weight.Value, gi2); // dX = dY W
        GradInput = gi;
        return gi;
    }

    /// <inheritdoc/>
    public override void AccGradParameters(Tensor input, Tensor gradOutput, float scale = 1f) => GradParameters(input, gradOutput, scale, 1f);

    // Writing with beta = 0 saves both the zeroing pass and reading the old gradient.
    internal override void WriteGradParameters(Tensor input, Tensor gradOutput) => GradParameters(input, gradOutput, 1f, 0f);

    private void GradParameters(Tensor input, Tensor gradOutput, float scale, float beta)
    {
        CheckGrad(input, gradOutput);
        var x2 = input.Rank == 1 ? input.Reshape(1, In) : input;
        var g2 = gradOutput.Rank == 1 ? gradOutput.Reshape(1, Out) : gradOutput;
        Tensor.MatMul(g2, x2, Weight.Grad, transposeA: true, alpha: scale, beta: beta); // dW = beta dW + dY^T X
        if (Bias != null)
        {
            var db = Bias.Grad.Span;
            var gs = g2.Span;
            if (beta == 0f) db.Clear();
            for (int i = 0; i < g2.Rows; i++) TP.MultiplyAdd(gs.Slice(i * Out, Out), scale, db, db);
        }
    }

    private void CheckGrad(Tensor input, Tensor gradOutput)
    {
        CheckWidth(input, In);
        if (gradOutput.Cols != Out || gradOutput.Rows != input.Rows)
            throw new ArgumentException($"{this}: gradOutput {gradOutput.ShapeText} does not match output [{input.Rows}, {Out}].");
    }

    /// <inheritdoc/>
    public override IEnumerable<Parameter> Parameters()
    {
        yield return Weight;
        if (Bias != null) yield return Bias;
    }

    /// <inheritdoc/>
    public override int OutputWidth(int inputWidth) =>
        inputWidth == In ? Out : throw new ArgumentException($"{this} takes {In} features, the layer before gives {inputWidth}.");

    /// <inheritdoc/>
    public override string ToString() => $"nn.Linear({In} -> {Out}{(Bias == null ? ", without bias" : "")})";
}

/// <summary>Settings of a Linear layer.</summary>
public sealed record LinearSettings
{
    /// <summary>Input features.</summary>
    public required int In { get; init; }
    /// <summary>Output features.</summary>
    public required int Out { get; init; }
    /// <summary>With a bias b.</summary>
    public bool Bias { get; init; } = true;
    /// <summary>How the weights start.</summary>
    [System.Text.Json.Serialization.JsonConverter(typeof(InitNames))]
    public Init Init { get; init; } = Init.Default;
}

/// <summary>
/// A layer that is y = x W^T + b and nothing more: a compiled network runs it with its own
/// matrix-vector kernel and fuses the element-wise unit after it.
/// </summary>
public interface IAffine
{
    /// <summary>Input features.</summary>
    int In { get; }
    /// <summary>Output features.</summary>
    int Out { get; }
    /// <summary>W, [out, in].</summary>
    Parameter Weight { get; }
    /// <summary>b, [out], or null.</summary>
    Parameter? Bias { get; }
}
