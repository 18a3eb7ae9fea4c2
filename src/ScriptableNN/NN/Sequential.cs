using System.Runtime.CompilerServices;
using System.Text;
using ScriptableNN.Registry;
using ScriptableNN.Tensors;

namespace ScriptableNN.NN;

/// <summary>A chain f(x) = f_n(...f_2(f_1(x))): the composition of functions of the lecture.</summary>
public sealed class Sequential : Module, IContainer
{
    /// <summary>nn.Sequential(): a container; checkpoints keep its modules under "modules".</summary>
    public static readonly ModuleType<Sequential, NoSettings> Type = new("Sequential")
    {
        New = static (_, _) => new Sequential(),
        SettingsOf = static _ => new NoSettings(),
        IsContainer = true,
    };

    private readonly List<Module> _modules = new();

    /// <summary>A chain of the given modules, in order.</summary>
    public Sequential(params Module[] modules)
    {
        foreach (var m in modules) Add(m);
    }

    /// <summary>The deepest nesting of containers a network may have: every walk over a network
    /// (printing, saving, collecting parameters) recurses once a level.</summary>
    public const int MaxDepth = 32;

    /// <summary>
    /// Appends a module and returns the container, so calls chain. A container that would
    /// contain itself, or nest deeper than <see cref="MaxDepth"/>, is refused here, where the
    /// mistake is made, rather than overflowing the stack of a later walk.
    /// </summary>
    public Sequential Add(Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (Contains(module, this))
            throw new ArgumentException("Sequential.add: the module contains this container (a network cannot contain itself).");
        int depth = Depth(module) + 1;
        if (depth > MaxDepth)
            throw new ArgumentException($"Sequential.add: containers nested {depth} deep; at most {MaxDepth}.");
        _modules.Add(module);
        Interlocked.Increment(ref StructureVersion);
        return this;
    }

    void IContainer.Add(Module module) => Add(module);

    /// <inheritdoc/>
    public override IReadOnlyList<Module> Children
    {
        get
        {
            // Every walk over a network passes here once a level: a network nested deeper than
            // the stack allows (built top-down, past Add's check) fails with an exception, not a
            // stack overflow that ends the process.
            RuntimeHelpers.EnsureSufficientExecutionStack();
            return _modules;
        }
    }

    /// <summary>How many containers deep <paramref name="m"/> nests (0 for a single unit).</summary>
    public static int NestingDepth(Module m) => Depth(m);

    // Both walks use an explicit stack and visit each module once: they hold for a network of
    // any depth and for modules shared between containers. Add keeps every network acyclic.
    private static bool Contains(Module root, Module target)
    {
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        var todo = new Stack<Module>();
        todo.Push(root);
        while (todo.Count > 0)
        {
            var m = todo.Pop();
            if (ReferenceEquals(m, target)) return true;
            if (!seen.Add(m) || m is not Sequential s) continue;
            foreach (var c in s._modules) todo.Push(c);
        }
        return false;
    }

    private static int Depth(Module m)
    {
        if (m is not Sequential) return 0;
        var depth = new Dictionary<Module, int>(ReferenceEqualityComparer.Instance);
        var todo = new Stack<(Module M, bool Done)>();
        todo.Push((m, false));
        while (todo.Count > 0)
        {
            var (x, done) = todo.Pop();
            if (x is not Sequential s) { depth[x] = 0; continue; }
            if (done)
            {
                int d = 0;
                foreach (var c in s._modules) d = Math.Max(d, depth[c]);
                depth[x] = d + 1;
                continue;
            }
            if (depth.ContainsKey(x)) continue;
            todo.Push((x, true));
            foreach (var c in s._modules) if (!depth.ContainsKey(c)) todo.Push((c, false));
        }
        return depth[m];
    }

    /// <inheritdoc/>
    public override int OutputWidth(int inputWidth)
    {
        int w = inputWidth;
        for (int i = 0; i < _modules.Count; i++)
        {
            try { w = _modules[i].OutputWidth(w); }
            catch (ArgumentException e) { throw LayerError(i, e); }
        }
        return w;
    }

    /// <summary>The module at 0-based position <paramref name="index"/>.</summary>
    public Module this[int index] => _modules[index];

    /// <summary>Number of modules.</summary>
    public int Count => _modules.Count;

    // The children record themselves on the tape; the container adds nothing of its own.
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        var x = input;
        for (int i = 0; i < _modules.Count; i++)
        {
            try { x = _modules[i].Forward(x); }
            catch (ArgumentException e) { throw LayerError(i, e); }
        }
        Output = x;
        return x;
    }

    /// <inheritdoc/>
    protected override Tensor UpdateOutput(Tensor input) => Forward(input);

    /// <inheritdoc/>
    public override Tensor UpdateGradInput(Tensor input, Tensor gradOutput) => Backward(input, gradOutput, 0f, accumulate: false);

    /// <inheritdoc/>
    public override void AccGradParameters(Tensor input, Tensor gradOutput, float scale = 1f)
    {
        // Torch7 semantics: walk back using the gradInputs of the last backward.
        RuntimeHelpers.EnsureSufficientExecutionStack();
        for (int i = _modules.Count - 1; i >= 0; i--)
        {
            var m = _modules[i];
            var x = i == 0 ? input : _modules[i - 1].Output!;
            m.AccGradParameters(x, gradOutput, scale);
            gradOutput = m.GradInput ?? gradOutput;
        }
    }

    /// <inheritdoc/>
    public override Tensor Backward(Tensor input, Tensor gradOutput, float scale = 1f) => Backward(input, gradOutput, scale, accumulate: true);

    private Tensor Backward(Tensor input, Tensor gradOutput, float scale, bool accumulate)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        var g = gradOutput;
        for (int i = _modules.Count - 1; i >= 0; i--)
        {
            var m = _modules[i];
            var x = i == 0 ? input : _modules[i - 1].Output!;
            try
            {
                var gi = m.UpdateGradInput(x, g);
                if (accumulate) m.AccGradParameters(x, g, scale);
                g = gi;
            }
            catch (ArgumentException e) { throw LayerError(i, e); }
        }
        GradInput = g;
        return g;
    }

    private ArgumentException LayerError(int i, ArgumentException e) =>
        new($"layer {i + 1} ({(_modules[i] is Sequential ? "nn.Sequential" : _modules[i].ToString())}): {e.Message}", e);

    /// <inheritdoc/>
    public override IEnumerable<Parameter> Parameters()
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        foreach (var m in _modules)
            foreach (var p in m.Parameters()) yield return p;
    }

    /// <inheritdoc/>
    public override string ToString() => Describe(0);

    // Torch7's layout, each level indented under its parent. Past MaxDepth levels the rest is
    // elided: every level re-indents everything below it, so printing a chain thousands deep
    // would take time cubic in its depth.
    private string Describe(int level)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        if (level > MaxDepth) return $"nn.Sequential {{ ... {_modules.Count} modules, nested deeper than {MaxDepth} levels }}";
        var sb = new StringBuilder("nn.Sequential {\n  [input");
        for (int i = 0; i < _modules.Count; i++) sb.Append(" -> (").Append(i + 1).Append(')');
        sb.Append(" -> output]\n");
        for (int i = 0; i < _modules.Count; i++)
        {
            string inner = _modules[i] is Sequential s ? s.Describe(level + 1) : _modules[i].ToString()!;
            sb.Append("  (").Append(i + 1).Append("): ").Append(inner.Replace("\n", "\n  ")).Append('\n');
        }
        return sb.Append('}').ToString();
    }
}

/// <summary>A module that holds other modules in order; checkpoints rebuild it by adding them back.</summary>
public interface IContainer
{
    /// <summary>Appends <paramref name="module"/>.</summary>
    void Add(Module module);
}
