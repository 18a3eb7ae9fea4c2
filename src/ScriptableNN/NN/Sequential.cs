using System.Text;
using ScriptableNN.Tensors;

namespace ScriptableNN.NN;

/// <summary>A chain f(x) = f_n(...f_2(f_1(x))): the composition of functions of the lecture.</summary>
public sealed class Sequential : Module
{
    private readonly List<Module> _modules = new();

    /// <summary>A chain of the given modules, in order.</summary>
    public Sequential(params Module[] modules) => _modules.AddRange(modules);

    /// <summary>Appends a module and returns the container, so calls chain.</summary>
    public Sequential Add(Module module)
    {
        _modules.Add(module);
        Interlocked.Increment(ref StructureVersion);
        return this;
    }

    /// <inheritdoc/>
    public override IReadOnlyList<Module> Children => _modules;

    /// <summary>The module at 0-based position <paramref name="index"/>.</summary>
    public Module this[int index] => _modules[index];

    /// <summary>Number of modules.</summary>
    public int Count => _modules.Count;

    // The children record themselves on the tape; the container adds nothing of its own.
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
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
        foreach (var m in _modules)
            foreach (var p in m.Parameters()) yield return p;
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        var sb = new StringBuilder("nn.Sequential {\n  [input");
        for (int i = 0; i < _modules.Count; i++) sb.Append(" -> (").Append(i + 1).Append(')');
        sb.Append(" -> output]\n");
        for (int i = 0; i < _modules.Count; i++)
            sb.Append("  (").Append(i + 1).Append("): ").Append(_modules[i].ToString()!.Replace("\n", "\n  ")).Append('\n');
        return sb.Append('}').ToString();
    }
}
