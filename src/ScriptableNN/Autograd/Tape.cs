using ScriptableNN.Tensors;

namespace ScriptableNN.Autograd;

/// <summary>One recorded operation: it knows its output and its parents.</summary>
public interface INode
{
    /// <summary>The tensor this operation produced; its <see cref="Tensor.Grad"/> is dJ/doutput.</summary>
    Tensor Output { get; }

    /// <summary>
    /// Adds (output gradient) x (local derivative) into the gradient of every parent that
    /// requires one. Adding, never overwriting, is what sums the contributions of all children.
    /// </summary>
    void Backward();
}

/// <summary>
/// Reverse-mode automatic differentiation over a tape (the lecture's grad_table algorithm).
/// While a tape is recording on this thread, every operation appends itself with its parents;
/// <see cref="Backward(Tensor, float)"/> seeds dJ/dJ = 1 and walks the records in reverse, each node adding
/// its contribution into its parents' gradients. With no tape recording (inference), nothing is
/// recorded and the only cost is one null check per operation.
/// </summary>
public sealed class Tape : IDisposable
{
    [ThreadStatic] private static Tape? _current;
    private readonly List<INode> _nodes = new();
    private Tape? _previous;
    private bool _recording;

    /// <summary>The tape recording on this thread, or null (inference mode).</summary>
    public static Tape? Current => _current;

    /// <summary>
    /// Whether modules record themselves (default). A Lua host turns it off: its scripts
    /// back-propagate through modules Torch7's way, and use the tape for tensor functions only.
    /// </summary>
    public bool RecordsModules { get; init; } = true;

    /// <summary>Number of records.</summary>
    public int Count => _nodes.Count;

    /// <summary>Starts a new tape recording on this thread; dispose it to stop.</summary>
    public static Tape Start() => new Tape().Resume();

    /// <summary>Clears the records and records again (reuses the list: no allocation per step).</summary>
    public Tape Resume()
    {
        _nodes.Clear();
        if (!_recording)
        {
            _previous = _current;
            _current = this;
            _recording = true;
        }
        return this;
    }

    /// <summary>Appends an operation if a tape is recording on this thread.</summary>
    public static void Record(INode node) => _current?._nodes.Add(node);

    /// <summary>
    /// Back-propagates from <paramref name="root"/> (a scalar, or any tensor with the seed
    /// broadcast to every element). Gradients of intermediate results are reset first; leaf
    /// gradients (parameters, inputs that require grad) accumulate.
    /// </summary>
    public void Backward(Tensor root, float seed = 1f) => Backward(root, seed, overwriteParameterGradients: false);

    /// <summary>
    /// As <see cref="Backward(Tensor, float)"/>; with <paramref name="overwriteParameterGradients"/>,
    /// each module writes its parameter gradients instead of adding to them (the first time it
    /// is reached in this pass), which saves zeroing them first. Every parameter of a chain of
    /// modules is reached, so a trainer over a Sequential can skip ZeroGrad.
    /// </summary>
    public void Backward(Tensor root, float seed, bool overwriteParameterGradients)
    {
        Stop();
        foreach (var node in _nodes) node.Output.Grad?.Zero();
        root.EnsureGrad().Fill(seed);
        Pass = overwriteParameterGradients ? ++_passCounter : 0;
        try
        {
            for (int i = _nodes.Count - 1; i >= 0; i--) _nodes[i].Backward();
        }
        finally { Pass = 0; }
    }

    private static long _passCounter;

    /// <summary>The backward pass under way on this thread that overwrites parameter gradients, or 0.</summary>
    [ThreadStatic] internal static long Pass;

    /// <summary>Stops recording (the records stay for <see cref="Backward(Tensor, float)"/>).</summary>
    public void Stop()
    {
        if (!_recording) return;
        _recording = false;
        if (_current == this) _current = _previous;
        _previous = null;
    }

    /// <summary>Stops recording.</summary>
    public void Dispose() => Stop();
}
