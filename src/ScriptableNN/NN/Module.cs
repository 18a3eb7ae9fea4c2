using ScriptableNN.Autograd;
using ScriptableNN.Tensors;

namespace ScriptableNN.NN;

/// <summary>
/// A layer f(x; theta) in Torch7's shape: <see cref="Forward"/> computes the output into a
/// buffer the module owns and reuses; <see cref="UpdateGradInput"/> gives dJ/dx from dJ/dy;
/// <see cref="AccGradParameters"/> adds dJ/dtheta into the parameters' gradients. While a
/// <see cref="Tape"/> records, Forward appends the module to it, so back-propagation over any
/// graph of modules needs no derivative written by the designer.
/// </summary>
public abstract class Module
{
    private readonly ModuleNode _node;

    /// <summary>Creates the module and its tape record.</summary>
    protected Module() => _node = new ModuleNode(this);

    /// <summary>The last output (owned by the module, overwritten by the next forward).</summary>
    public Tensor? Output { get; protected set; }

    /// <summary>The last dJ/dinput (owned by the module).</summary>
    public Tensor? GradInput { get; protected set; }

    /// <summary>Training mode (true) or evaluation mode (false); Dropout reads it.</summary>
    public bool IsTraining { get; private set; } = true;

    /// <summary>y = f(x). Records the module on the current tape, if any.</summary>
    public virtual Tensor Forward(Tensor input)
    {
        var y = UpdateOutput(input);
        if (Tape.Current is { RecordsModules: true })
        {
            _node.Input = input;
            y.RequiresGrad = true;
            Tape.Record(_node);
        }
        return y;
    }

    /// <summary>The forward pass without recording, for modules built from other modules.</summary>
    internal Tensor ForwardNoTape(Tensor input) => UpdateOutput(input);

    /// <summary>Computes and returns <see cref="Output"/> for <paramref name="input"/>.</summary>
    protected abstract Tensor UpdateOutput(Tensor input);

    /// <summary>dJ/dx for the input of the last forward, given dJ/dy; returns <see cref="GradInput"/>.</summary>
    public abstract Tensor UpdateGradInput(Tensor input, Tensor gradOutput);

    /// <summary>Adds scale * dJ/dtheta into each parameter's gradient.</summary>
    public virtual void AccGradParameters(Tensor input, Tensor gradOutput, float scale = 1f) { }

    private long _overwrittenInPass;

    /// <summary>
    /// Sets each parameter's gradient to dJ/dtheta (instead of adding to it). Modules whose
    /// products can write directly override it; the default zeroes, then accumulates.
    /// </summary>
    internal virtual void WriteGradParameters(Tensor input, Tensor gradOutput)
    {
        foreach (var p in ParameterArray()) p.Grad.Zero();
        AccGradParameters(input, gradOutput);
    }

    /// <summary>Both halves of back-propagation through this module (Torch7's backward).</summary>
    public virtual Tensor Backward(Tensor input, Tensor gradOutput, float scale = 1f)
    {
        var gi = UpdateGradInput(input, gradOutput);
        AccGradParameters(input, gradOutput, scale);
        return gi;
    }

    /// <summary>The learned parameters, in a fixed order.</summary>
    public virtual IEnumerable<Parameter> Parameters() => Array.Empty<Parameter>();

    /// <summary>
    /// The features per sample this module gives for <paramref name="inputWidth"/> features in,
    /// found without running it (an element-wise unit keeps the width); a width the module cannot
    /// take throws <see cref="ArgumentException"/> naming both.
    /// </summary>
    public virtual int OutputWidth(int inputWidth) => inputWidth;

    /// <summary>The modules inside this one (none for a layer).</summary>
    public virtual IReadOnlyList<Module> Children => Array.Empty<Module>();

    // Any change of structure anywhere bumps this, so a cached parameter list is never stale.
    internal static int StructureVersion;
    private Parameter[]? _paramCache;
    private int _paramCacheVersion = -1;

    /// <summary>The parameters as an array, cached so per-step calls allocate nothing.</summary>
    public Parameter[] ParameterArray()
    {
        if (_paramCache == null || _paramCacheVersion != StructureVersion)
        {
            _paramCache = Parameters().ToArray();
            _paramCacheVersion = StructureVersion;
        }
        return _paramCache;
    }

    /// <summary>Sets every parameter gradient to zero.</summary>
    public void ZeroGradParameters()
    {
        foreach (var p in ParameterArray()) p.Grad.Zero();
    }

    /// <summary>Plain gradient descent: theta -= lr * dJ/dtheta.</summary>
    public void UpdateParameters(float learningRate)
    {
        foreach (var p in ParameterArray()) p.Value.AddScaled(p.Grad, -learningRate);
    }

    /// <summary>Training mode for this module and its children.</summary>
    public Module Training() { SetMode(true); return this; }

    /// <summary>Evaluation mode for this module and its children.</summary>
    public Module Evaluate() { SetMode(false); return this; }

    private void SetMode(bool training)
    {
        IsTraining = training;
        foreach (var c in Children) c.SetMode(training);
    }

    private Tensor? _flatParams, _flatGrads;

    /// <summary>
    /// All parameters and all gradients as two flat vectors (Torch7's getParameters). The
    /// parameters are moved into the flat storage and re-pointed at views of it, so updating
    /// the flat vector updates the module. Calling it again returns the same two tensors.
    /// </summary>
    public (Tensor Parameters, Tensor Gradients) GetParameters()
    {
        var ps = ParameterArray();
        if (_flatParams != null && _flatGrads != null && IsFlattenedInto(ps, _flatParams))
            return (_flatParams, _flatGrads);
        int total = 0;
        foreach (var p in ps) total += p.Length;
        var flatP = Tensor.Zeros(total);
        var flatG = Tensor.Zeros(total);
        MoveInto(ps, flatP, flatG, 0);
        _flatParams = flatP;
        _flatGrads = flatG;
        return (flatP, flatG);
    }

    // Each parameter and its gradient copied into the next views of the flat vectors and re-pointed at them.
    private static int MoveInto(Parameter[] ps, Tensor flatP, Tensor flatG, int offset)
    {
        flatP.FixedShape = flatG.FixedShape = true;
        foreach (var p in ps)
        {
            var shape = p.Value.Shape.ToArray();
            var pv = flatP.Narrow(offset, p.Length).Reshape(shape);
            var gv = flatG.Narrow(offset, p.Length).Reshape(shape);
            pv.CopyFrom(p.Value);
            gv.CopyFrom(p.Grad);
            p.Value = pv;
            p.Grad = gv;
            offset += p.Length;
        }
        return offset;
    }

    /// <summary>
    /// Moves this module's parameters and gradients into views of two flat vectors from
    /// <paramref name="offset"/> on, copying their values, and returns the offset after them:
    /// how a container that also holds script-defined modules builds one pair of flat vectors.
    /// </summary>
    public int FlattenInto(Tensor flatParameters, Tensor flatGradients, int offset)
    {
        var ps = ParameterArray();
        int total = 0;
        foreach (var p in ps) total += p.Length;
        if (flatParameters.Rank != 1 || flatGradients.Length != flatParameters.Length || offset < 0 || offset + total > flatParameters.Length)
            throw new ArgumentException($"{this}: {total} parameters from offset {offset} do not fit flat vectors of {flatParameters.Length} and {flatGradients.Length}.");
        _flatParams = _flatGrads = null;
        return MoveInto(ps, flatParameters, flatGradients, offset);
    }

    /// <summary>
    /// Torch7's share(other, names...): this module's parameters named in <paramref name="names"/>
    /// ("weight", "bias", ... for the values; "gradWeight", "gradBias", ... for the gradients)
    /// become <paramref name="other"/>'s tensors, so a change through either is seen by both. The
    /// two must have the same architecture (a clone of each other).
    /// </summary>
    public void ShareFrom(Module other, IReadOnlyCollection<string> names)
    {
        var mine = ParameterArray();
        var theirs = other.ParameterArray();
        if (mine.Length != theirs.Length)
            throw new ArgumentException($"share: {this} has {mine.Length} parameters, {other} has {theirs.Length}; share needs the same architecture.");
        for (int i = 0; i < mine.Length; i++)
        {
            var (p, q) = (mine[i], theirs[i]);
            if (p.Name != q.Name || !p.Value.SameShape(q.Value))
                throw new ArgumentException($"share: parameter {i + 1} is {p.Name} {p.Value.ShapeText} here and {q.Name} {q.Value.ShapeText} there; share needs the same architecture.");
            string grad = "grad" + char.ToUpperInvariant(p.Name[0]) + p.Name[1..];
            if (names.Contains(p.Name)) p.Value = q.Value;
            if (names.Contains(grad)) p.Grad = q.Grad;
        }
        _flatParams = _flatGrads = null;
    }

    private static bool IsFlattenedInto(Parameter[] ps, Tensor flat)
    {
        int offset = 0;
        foreach (var p in ps)
        {
            var (storage, off) = p.Value.Memory;
            if (!ReferenceEquals(storage, flat.Memory.Storage) || off != flat.Memory.Offset + offset) return false;
            offset += p.Length;
        }
        return offset == flat.Length;
    }

    /// <summary>Torch7's printed name, e.g. nn.Linear(2 -> 8).</summary>
    public override string ToString() => "nn." + GetType().Name;

    /// <summary>Checks that the input is a [batch, features] matrix (or one sample [features]) with the expected width.</summary>
    protected void CheckWidth(Tensor input, int features)
    {
        if (input.Cols != features || input.Rank > 2)
            throw new ArgumentException($"{this}: input {input.ShapeText}, expected [batch, {features}] or [{features}].");
    }

    private sealed class ModuleNode : INode
    {
        private readonly Module _m;
        public Tensor? Input;
        public ModuleNode(Module m) => _m = m;
        public Tensor Output => _m.Output!;

        public void Backward()
        {
            var g = _m.Output!.Grad;
            if (g == null || Input == null) return;
            long pass = Tape.Pass;
            if (pass != 0 && _m._overwrittenInPass != pass)
            {
                _m._overwrittenInPass = pass;            // a module met twice adds the second time
                _m.WriteGradParameters(Input, g);
            }
            else _m.AccGradParameters(Input, g);
            // The data never needs dJ/dx: skipping it saves the first layer's largest product.
            if (!Input.RequiresGrad) return;
            var gi = _m.UpdateGradInput(Input, g);
            var target = Input.EnsureGrad();
            Tensor.Add(target, gi, target);
        }
    }
}
