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
public sealed class CompiledNetwork
{
    /// <summary>
    /// Whether one sample through a layer of more than 256 KB of weights may run on two threads,
    /// each over half of the outputs (and so each with half of the weights in its core's cache).
    /// It does so only for calls that follow the previous one within 100 us (many agents in a
    /// row), when the worker thread is still awake; a lone call per frame stays on the caller's
    /// thread. On by default when <see cref="Parallelism.MaxThreads"/> allows two threads.
    /// </summary>
    public static bool SplitLargeLayers { get; set; } = true;

    // Layer calls that ran split, for the tests.
    internal static long SplitRuns;

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

    // y = act(x W^T + b). For one sample W is kept in Gemv's column blocks (each block of 16
    // outputs one contiguous run); for batches, packed into the GEMM kernel's panels.
    private sealed class Affine : Layer
    {
        public readonly IAffine Source;
        public readonly int Padded;
        public float[] W = Array.Empty<float>(), Bias = Array.Empty<float>();
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
            // Refreshed between training steps, so the arrays are made once and rewritten.
            if (W.Length != In * Padded) { W = new float[In * Padded]; Bias = new float[Padded]; Scratch = new float[Padded]; }
            var w = Source.Weight.Value.Span;
            for (int o = 0; o < Out; o++)
                for (int i = 0; i < In; i++) W[Kernels.Gemv.BlockIndex(i, o, In)] = w[o * In + i];
            Source.Bias?.Value.Span.CopyTo(Bias);
            if (_packed != null) _packed = Gemm.Pack(In, Out, new Blocks(W, In), _packed);
        }

        // A layer whose weights outgrow half of one core's L2 (784-256: 800 KB, against Zen 3's
        // 512 KB) streams them from L3 on every call. Split over two threads by outputs, each
        // thread reads only its half of every weight row, and each half stays in its own core's L2.
        private const long SplitBytes = 256 * 1024;
        private float[] _x = Array.Empty<float>();
        private Halves? _halves;

        private sealed class Halves : IParallelWork
        {
            public Affine L = null!;
            public void RunPart(int part, int parts)
            {
                int blocks = L.Padded / 16;
                int o0 = blocks * part / parts * 16, o1 = blocks * (part + 1) / parts * 16;
                if (o0 < o1) Kernels.Gemv.Run(L._x, L.W, L.Bias, L.Scratch, L.In, o0, o1);
            }
        }

        // Only within a burst of calls (agents one after another, a benchmark loop), while the
        // worker thread still spins from the last split: a lone call per frame finds it asleep,
        // and waking it cost more than the split saved (a call every 5 ms: median 238 us split
        // against 183 us on one thread here, the weights cold either way).
        private static readonly long BurstTicks = System.Diagnostics.Stopwatch.Frequency / 10_000;   // 100 us
        private long _lastEnd;

        private bool Splittable => SplitLargeLayers && (long)In * Padded * sizeof(float) >= SplitBytes && Padded >= 32 && Parallelism.MaxThreads >= 2;

        private void RunSplit(ReadOnlySpan<float> x)
        {
            long now = System.Diagnostics.Stopwatch.GetTimestamp();
            bool burst = now - _lastEnd < BurstTicks;
            bool split = false;
            if (burst)
            {
                if (_halves == null) { _halves = new Halves { L = this }; _x = new float[In]; }
                x.CopyTo(_x);
                split = WorkerPool.TryRun(_halves, 2);
                if (split) Interlocked.Increment(ref SplitRuns);
            }
            if (!split) Kernels.Gemv.Run(x, W, Bias, Scratch, In, 0, Padded);
            _lastEnd = System.Diagnostics.Stopwatch.GetTimestamp();
        }

        // The weights packed once into the GEMM kernel's panels (made at the first batch, again
        // after a change of kernel, refilled in place by Refresh): a batch copies no weights.
        private PackedMatrix? _packed;
        private BiasAndActivation? _finish;

        // Many rows: one GEMM straight into y on the packed weights (x W^T); bias and activation
        // are applied to each finished block of y by the thread that computed it, in cache.
        public override unsafe void RunBatch(ReadOnlySpan<float> x, Span<float> y, int rows)
        {
            if (rows < 8) { base.RunBatch(x, y, rows); return; }
            if (_packed is not { IsCurrent: true }) _packed = Gemm.Pack(In, Out, new Blocks(W, In), _packed);
            _finish ??= new BiasAndActivation(this);
            y = y[..(rows * Out)];
            fixed (float* py = y)
            {
                _finish.Y = py;
                Gemm.Multiply(rows, _packed, x, In, y, Out, _finish);
                _finish.Y = null;
            }
        }

        // The snapshot's weights as the GEMM's B = W^T: (input p, output j).
        private readonly struct Blocks(float[] w, int inputs) : IPackSource
        {
            public float At(int p, int j) => w[Kernels.Gemv.BlockIndex(p, j, inputs)];
        }

        private sealed unsafe class BiasAndActivation : IGemmEpilogue
        {
            private readonly Affine _l;
            public float* Y;
            public BiasAndActivation(Affine l) => _l = l;

            public void Apply(int m0, int m1, int n0, int n1)
            {
                int outs = _l.Out;
                var bias = new ReadOnlySpan<float>(_l.Bias, n0, n1 - n0);
                for (int r = m0; r < m1; r++)
                {
                    var y = new Span<float>(Y + (nint)r * outs + n0, n1 - n0);
                    System.Numerics.Tensors.TensorPrimitives.Add(y, bias, y);
                    _l.Act?.Forward(y, y);
                }
            }
        }

        public override void Run(ReadOnlySpan<float> x, Span<float> y)
        {
            if (Splittable) RunSplit(x);
            else Kernels.Gemv.Run(x, W, Bias, Scratch, In, 0, Padded);
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
            // Inference: a module that behaves differently in training (batch statistics,
            // dropout) runs as evaluated, whatever mode its network is in now.
            bool training = M.IsTraining;
            if (training) M.Evaluate();
            try { M.Forward(_x).Span.CopyTo(y); }
            finally { if (training) M.Training(); }
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

    /// <summary>
    /// The rows of <paramref name="input"/> [batch, InputSize] (or one sample [InputSize])
    /// through <see cref="RunBatch"/>, into a buffer the network reuses: the result is
    /// overwritten by the next call.
    /// </summary>
    public Tensor Forward(Tensor input)
    {
        var x = input.Rank == 1 ? input.Reshape(1, input.Length) : input;
        if (x.Cols != InputSize || x.Rank > 2) throw new ArgumentException($"compiled network: input {input.ShapeText}, expected [batch, {InputSize}].");
        var y = Tensor.Reuse(ref _out, x.Rows, OutputSize);
        RunBatch(x.Span, y.Span, x.Rows);
        return input.Rank == 1 ? y.Reshape(OutputSize) : y;
    }

    /// <summary>How it prints: its width and its layers after fusion.</summary>
    public override string ToString() => $"nn.Compiled({InputSize} -> {OutputSize}, {_layers.Count} layers)";
}
