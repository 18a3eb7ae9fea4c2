using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using ScriptableNN.Kernels;
using ScriptableNN.NN;
using ScriptableNN.Registry;
using ScriptableNN.Tensors;

namespace ScriptableNN.Inference;

/// <summary>
/// A trained network frozen for inference: the weights copied (transposed and padded for a
/// matrix-vector kernel), bias and activation fused into each layer, every buffer allocated up
/// front. <see cref="Run"/> computes one sample into the caller's span with no tape and no
/// allocation, safe to call every frame. Training the source network afterwards does not change
/// this copy; call <see cref="Refresh"/> to take the new weights.
/// </summary>
public sealed class CompiledNetwork : Module
{
    private abstract class Layer
    {
        public int In, Out;
        public abstract void Run(ReadOnlySpan<float> x, Span<float> y);

        /// <summary>Rows of x [rows, In] into y [rows, Out]; by default one row at a time.</summary>
        public virtual void RunBatch(ReadOnlySpan<float> x, Span<float> y, int rows)
        {
            for (int r = 0; r < rows; r++) Run(x.Slice(r * In, In), y.Slice(r * Out, Out));
        }
        public virtual void Refresh() { }
    }

    // y = act(x W^T + b): Wt is [In, Padded] row-major, so each input scales one contiguous row.
    private sealed class Affine : Layer
    {
        public readonly IAffine Source;
        public readonly int Padded;
        public float[] Wt = Array.Empty<float>(), Bias = Array.Empty<float>();
        public IPointwise? Act;
        public float[] Scratch = Array.Empty<float>();

        public Affine(IAffine l)
        {
            Source = l; In = l.In; Out = l.Out;
            Padded = (Out + 15) & ~15;
            Refresh();
        }

        public override void Refresh()
        {
            Wt = new float[In * Padded];
            Bias = new float[Padded];
            Scratch = new float[Padded];
            var w = Source.Weight.Value.Span;
            for (int o = 0; o < Out; o++)
                for (int i = 0; i < In; i++) Wt[i * Padded + o] = w[o * In + i];
            Source.Bias?.Value.Span.CopyTo(Bias);
        }

        private float[] _batch = Array.Empty<float>();

        // Many rows: one GEMM on the padded transposed weights (the A*B form), then bias and
        // activation per row on the valid columns.
        public override void RunBatch(ReadOnlySpan<float> x, Span<float> y, int rows)
        {
            if (rows < 8) { base.RunBatch(x, y, rows); return; }
            if (_batch.Length < rows * Padded) _batch = new float[rows * Padded];
            var z = _batch.AsSpan(0, rows * Padded);
            Gemm.Multiply(Transpose.No, Transpose.No, rows, Padded, In, 1f, x, In, Wt, Padded, 0f, z, Padded);
            for (int r = 0; r < rows; r++)
            {
                var zr = z.Slice(r * Padded, Out);
                System.Numerics.Tensors.TensorPrimitives.Add(zr, Bias.AsSpan(0, Out), zr);
                var yr = y.Slice(r * Out, Out);
                if (Act != null) Act.Forward(zr, yr); else zr.CopyTo(yr);
            }
        }

        public override void Run(ReadOnlySpan<float> x, Span<float> y)
        {
            Gemv(x, Wt, Bias, Scratch, In, Padded);
            var s = Scratch.AsSpan(0, Out);
            if (Act != null) Act.Forward(s, y);
            else s.CopyTo(y);
        }
    }

    // An element-wise unit on its own (not after an affine layer): its function, in place.
    private sealed class Elementwise : Layer
    {
        private readonly IPointwise _f;
        public Elementwise(IPointwise f, int width) { _f = f; In = Out = width; }
        public override void Run(ReadOnlySpan<float> x, Span<float> y) => _f.Forward(x, y);
        public override void RunBatch(ReadOnlySpan<float> x, Span<float> y, int rows) => _f.Forward(x[..(rows * In)], y[..(rows * Out)]);
    }

    // Any other module: its own forward on a one-row tensor view of preallocated storage.
    private sealed class Fallback : Layer
    {
        public readonly Module M;
        private readonly Tensor _x;
        public Fallback(Module m, int inSize, int outSize)
        {
            M = m; In = inSize; Out = outSize;
            _x = Tensor.Zeros(1, inSize);
        }
        public override void Run(ReadOnlySpan<float> x, Span<float> y)
        {
            x.CopyTo(_x.Span);
            M.Forward(_x).Span.CopyTo(y);
        }
    }

    private readonly Module _source;
    private readonly List<Layer> _layers = new();
    private readonly float[][] _buffers;
    private Tensor? _out;

    /// <summary>Inputs per sample.</summary>
    public int InputSize { get; }

    /// <summary>Outputs per sample.</summary>
    public int OutputSize { get; }

    private CompiledNetwork(Module source, int inputSize)
    {
        _source = source;
        InputSize = inputSize;
        var modules = Flatten(source);
        int width = inputSize;
        bool wasTraining = source.IsTraining;
        source.Evaluate();
        try
        {
            for (int i = 0; i < modules.Count; i++)
            {
                var m = modules[i];
                var type = Catalog.TryTypeOf(m);
                if (m is IAffine l)
                {
                    if (l.In != width) throw new ArgumentException($"compile: layer {i + 1} ({m}) expects {l.In} inputs, the layer before gives {width}.");
                    var a = new Affine(l);
                    // Fuse an element-wise unit that follows.
                    if (i + 1 < modules.Count && Catalog.TryTypeOf(modules[i + 1])?.Activation(modules[i + 1]) is { } act) { a.Act = act; i++; }
                    _layers.Add(a);
                    width = l.Out;
                }
                else if (type is { PassThroughAtInference: true }) { }
                else if (type?.Activation(m) is { } f) _layers.Add(new Elementwise(f, width));
                else
                {
                    // The generic path: the module's own forward on a preallocated row.
                    int outW;
                    try { outW = m.Forward(Tensor.Zeros(1, width)).Cols; }
                    catch (ArgumentException e) { throw new ArgumentException($"compile: layer {i + 1} ({m}): {e.Message}", e); }
                    _layers.Add(new Fallback(m, width, outW));
                    width = outW;
                }
            }
        }
        finally { if (wasTraining) source.Training(); }
        OutputSize = width;
        int max = inputSize;
        foreach (var l in _layers) max = Math.Max(max, Math.Max(l.In, l.Out));
        _buffers = new[] { new float[max], new float[max] };
        Evaluate();
    }

    // Containers are opened: the compiled form is one chain of layers.
    private static List<Module> Flatten(Module m)
    {
        var list = new List<Module>();
        if (Catalog.TryTypeOf(m) is not { IsContainer: true }) { list.Add(m); return list; }
        foreach (var c in m.Children) list.AddRange(Flatten(c));
        return list;
    }

    /// <summary>Freezes <paramref name="model"/> for inputs of <paramref name="inputSize"/> features.</summary>
    public static CompiledNetwork Compile(Module model, int inputSize)
    {
        if (inputSize <= 0) throw new ArgumentException($"compile: input size must be positive, got {inputSize}.");
        return new CompiledNetwork(model, inputSize);
    }

    /// <summary>Freezes a network whose first layer is a Linear (its input size is taken from it).</summary>
    public static CompiledNetwork Compile(Module model)
    {
        var first = Flatten(model).FirstOrDefault();
        if (first is not IAffine l) throw new ArgumentException($"compile: give the input size; the network does not start with an affine layer (it starts with {first}).");
        return new CompiledNetwork(model, l.In);
    }

    /// <summary>Copies the current weights of the source network again.</summary>
    public void Refresh()
    {
        foreach (var l in _layers) l.Refresh();
    }

    /// <summary>One sample: <paramref name="input"/> of <see cref="InputSize"/>, written into <paramref name="output"/> of <see cref="OutputSize"/>. Allocates nothing.</summary>
    public void Run(ReadOnlySpan<float> input, Span<float> output)
    {
        if (input.Length != InputSize) throw new ArgumentException($"compiled network: input has {input.Length} values, expected {InputSize}.");
        if (output.Length < OutputSize) throw new ArgumentException($"compiled network: output holds {output.Length} values, needs {OutputSize}.");
        if (_layers.Count == 0) { input.CopyTo(output); return; }
        ReadOnlySpan<float> x = input;
        for (int i = 0; i < _layers.Count; i++)
        {
            var layer = _layers[i];
            var y = i == _layers.Count - 1 ? output[..layer.Out] : _buffers[i & 1].AsSpan(0, layer.Out);
            layer.Run(x, y);
            x = y;
        }
    }

    private float[][] _batchBuffers = { Array.Empty<float>(), Array.Empty<float>() };

    /// <summary>
    /// <paramref name="rows"/> samples at once: <paramref name="input"/> [rows, InputSize] into
    /// <paramref name="output"/> [rows, OutputSize]. Eight rows or more go through the GEMM
    /// (all the agents of a frame in one call). Allocates only when a larger batch than before
    /// arrives.
    /// </summary>
    public void RunBatch(ReadOnlySpan<float> input, Span<float> output, int rows)
    {
        if (rows < 0 || input.Length < rows * InputSize) throw new ArgumentException($"compiled network: input holds {input.Length} values, {rows} rows need {rows * InputSize}.");
        if (output.Length < rows * OutputSize) throw new ArgumentException($"compiled network: output holds {output.Length} values, {rows} rows need {rows * OutputSize}.");
        if (_layers.Count == 0) { input[..(rows * InputSize)].CopyTo(output); return; }
        int widest = 0;
        foreach (var l in _layers) widest = Math.Max(widest, l.Out);
        for (int b = 0; b < 2; b++)
            if (_batchBuffers[b].Length < rows * widest) _batchBuffers[b] = new float[rows * widest];
        ReadOnlySpan<float> x = input[..(rows * InputSize)];
        for (int i = 0; i < _layers.Count; i++)
        {
            var layer = _layers[i];
            var y = i == _layers.Count - 1 ? output[..(rows * layer.Out)] : _batchBuffers[i & 1].AsSpan(0, rows * layer.Out);
            layer.RunBatch(x, y, rows);
            x = y;
        }
    }

    /// <summary>The rows of <paramref name="input"/> [batch, InputSize] through <see cref="RunBatch"/>, into a reused buffer.</summary>
    protected override Tensor UpdateOutput(Tensor input)
    {
        var x = input.Rank == 1 ? input.Reshape(1, input.Length) : input;
        if (x.Cols != InputSize) throw new ArgumentException($"compiled network: input {input.ShapeText}, expected [batch, {InputSize}].");
        var y = Tensor.Reuse(ref _out, x.Rows, OutputSize);
        RunBatch(x.Span, y.Span, x.Rows);
        Output = input.Rank == 1 ? y.Reshape(OutputSize) : y;
        return Output;
    }

    /// <inheritdoc/>
    public override Tensor UpdateGradInput(Tensor input, Tensor gradOutput) =>
        throw new InvalidOperationException("a compiled network is for inference; train the network it was compiled from, then Refresh().");

    /// <inheritdoc/>
    public override string ToString() => $"nn.Compiled({InputSize} -> {OutputSize}, {_layers.Count} layers)";

    /// <summary>
    /// The AVX-512 form: blocks of 64 outputs (four zmm), the inputs taken two at a time into
    /// two sets of accumulators, so eight independent FMA chains hide the FMA latency.
    /// </summary>
    private static void Gemv512(ReadOnlySpan<float> x, float[] wt, float[] bias, float[] y, int inputs, int n)
    {
        ref float wref = ref MemoryMarshal.GetArrayDataReference(wt);
        ref float bref = ref MemoryMarshal.GetArrayDataReference(bias);
        ref float yref = ref MemoryMarshal.GetArrayDataReference(y);
        ref float xref = ref MemoryMarshal.GetReference(x);
        int o = 0;
        for (; o + 64 <= n; o += 64)
        {
            var a0 = Vector512.LoadUnsafe(ref bref, (nuint)o); var a1 = Vector512.LoadUnsafe(ref bref, (nuint)(o + 16));
            var a2 = Vector512.LoadUnsafe(ref bref, (nuint)(o + 32)); var a3 = Vector512.LoadUnsafe(ref bref, (nuint)(o + 48));
            Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default;
            int i = 0;
            for (; i + 2 <= inputs; i += 2)
            {
                var x0 = Vector512.Create(Unsafe.Add(ref xref, i));
                var x1 = Vector512.Create(Unsafe.Add(ref xref, i + 1));
                ref float r0 = ref Unsafe.Add(ref wref, i * n + o);
                ref float r1 = ref Unsafe.Add(ref wref, (i + 1) * n + o);
                a0 += x0 * Vector512.LoadUnsafe(ref r0); a1 += x0 * Vector512.LoadUnsafe(ref r0, 16);
                a2 += x0 * Vector512.LoadUnsafe(ref r0, 32); a3 += x0 * Vector512.LoadUnsafe(ref r0, 48);
                b0 += x1 * Vector512.LoadUnsafe(ref r1); b1 += x1 * Vector512.LoadUnsafe(ref r1, 16);
                b2 += x1 * Vector512.LoadUnsafe(ref r1, 32); b3 += x1 * Vector512.LoadUnsafe(ref r1, 48);
            }
            if (i < inputs)
            {
                var x0 = Vector512.Create(Unsafe.Add(ref xref, i));
                ref float r0 = ref Unsafe.Add(ref wref, i * n + o);
                a0 += x0 * Vector512.LoadUnsafe(ref r0); a1 += x0 * Vector512.LoadUnsafe(ref r0, 16);
                a2 += x0 * Vector512.LoadUnsafe(ref r0, 32); a3 += x0 * Vector512.LoadUnsafe(ref r0, 48);
            }
            (a0 + b0).StoreUnsafe(ref yref, (nuint)o); (a1 + b1).StoreUnsafe(ref yref, (nuint)(o + 16));
            (a2 + b2).StoreUnsafe(ref yref, (nuint)(o + 32)); (a3 + b3).StoreUnsafe(ref yref, (nuint)(o + 48));
        }
        for (; o < n; o += 16)
        {
            // One vector of outputs: eight partial sums over the inputs, added at the end.
            Vector512<float> s0 = Vector512.LoadUnsafe(ref bref, (nuint)o), s1 = default, s2 = default, s3 = default;
            Vector512<float> s4 = default, s5 = default, s6 = default, s7 = default;
            int i = 0;
            for (; i + 8 <= inputs; i += 8)
            {
                ref float r = ref Unsafe.Add(ref wref, i * n + o);
                s0 += Vector512.Create(Unsafe.Add(ref xref, i)) * Vector512.LoadUnsafe(ref r);
                s1 += Vector512.Create(Unsafe.Add(ref xref, i + 1)) * Vector512.LoadUnsafe(ref r, (nuint)n);
                s2 += Vector512.Create(Unsafe.Add(ref xref, i + 2)) * Vector512.LoadUnsafe(ref r, (nuint)(2 * n));
                s3 += Vector512.Create(Unsafe.Add(ref xref, i + 3)) * Vector512.LoadUnsafe(ref r, (nuint)(3 * n));
                s4 += Vector512.Create(Unsafe.Add(ref xref, i + 4)) * Vector512.LoadUnsafe(ref r, (nuint)(4 * n));
                s5 += Vector512.Create(Unsafe.Add(ref xref, i + 5)) * Vector512.LoadUnsafe(ref r, (nuint)(5 * n));
                s6 += Vector512.Create(Unsafe.Add(ref xref, i + 6)) * Vector512.LoadUnsafe(ref r, (nuint)(6 * n));
                s7 += Vector512.Create(Unsafe.Add(ref xref, i + 7)) * Vector512.LoadUnsafe(ref r, (nuint)(7 * n));
            }
            for (; i < inputs; i++) s0 += Vector512.Create(Unsafe.Add(ref xref, i)) * Vector512.LoadUnsafe(ref wref, (nuint)(i * n + o));
            (((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))).StoreUnsafe(ref yref, (nuint)o);
        }
    }

    /// <summary>
    /// y[0..n) = b + sum_i x[i] * Wt[i, 0..n): four vector accumulators per block of outputs,
    /// each input broadcast once per block. n is a multiple of 16.
    /// </summary>
    private static void Gemv(ReadOnlySpan<float> x, float[] wt, float[] bias, float[] y, int inputs, int n)
    {
        if (Vector512.IsHardwareAccelerated) { Gemv512(x, wt, bias, y, inputs, n); return; }
        int w = Vector<float>.Count;
        ref float wref = ref MemoryMarshal.GetArrayDataReference(wt);
        ref float bref = ref MemoryMarshal.GetArrayDataReference(bias);
        ref float yref = ref MemoryMarshal.GetArrayDataReference(y);
        int block = 4 * w;
        int o = 0;
        for (; o + block <= n; o += block)
        {
            var a0 = Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref bref, o));
            var a1 = Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref bref, o + w));
            var a2 = Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref bref, o + 2 * w));
            var a3 = Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref bref, o + 3 * w));
            for (int i = 0; i < inputs; i++)
            {
                var xi = new Vector<float>(x[i]);
                ref float row = ref Unsafe.Add(ref wref, i * n + o);
                a0 += xi * Unsafe.As<float, Vector<float>>(ref row);
                a1 += xi * Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref row, w));
                a2 += xi * Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref row, 2 * w));
                a3 += xi * Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref row, 3 * w));
            }
            Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref yref, o)) = a0;
            Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref yref, o + w)) = a1;
            Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref yref, o + 2 * w)) = a2;
            Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref yref, o + 3 * w)) = a3;
        }
        for (; o < n; o += w)
        {
            var a0 = Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref bref, o));
            for (int i = 0; i < inputs; i++)
                a0 += new Vector<float>(x[i]) * Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref wref, i * n + o));
            Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref yref, o)) = a0;
        }
    }
}
