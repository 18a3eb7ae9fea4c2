using ScriptableNN.NN;
using ScriptableNN.Tensors;

namespace ScriptableNN.Optim;

/// <summary>
/// Updates parameters from their gradients. The configuration (learning rate, betas, decay) is
/// the optimizer's settings; the state (momentum buffers, step count) is kept apart in
/// <see cref="State"/>, so it can be saved and restored without the settings.
/// </summary>
public abstract class Optimizer
{
    /// <summary>The parameters, in a fixed order.</summary>
    protected readonly Parameter[] Params;

    /// <summary>Over <paramref name="parameters"/>, starting at <paramref name="learningRate"/>.</summary>
    protected Optimizer(IEnumerable<Parameter> parameters, float learningRate)
    {
        Params = parameters.ToArray();
        if (Params.Length == 0) throw new ArgumentException($"{GetType().Name}: no parameters to optimise.");
        if (!(learningRate > 0f) || !float.IsFinite(learningRate)) throw new ArgumentException($"{GetType().Name}: learning rate must be positive, got {learningRate}.");
        LearningRate = learningRate;
        BaseLearningRate = learningRate;
    }

    /// <summary>The learning rate of the next step (a schedule may change it).</summary>
    public float LearningRate { get; set; }

    /// <summary>The learning rate the optimizer was created with; schedules scale it.</summary>
    public float BaseLearningRate { get; }

    /// <summary>Parameters updated by this optimizer.</summary>
    public IReadOnlyList<Parameter> Parameters => Params;

    /// <summary>Per-parameter buffers and the step count.</summary>
    public OptimizerState State { get; } = new();

    /// <summary>One update of every parameter from its current gradient.</summary>
    public void Step()
    {
        State.Step++;
        for (int i = 0; i < Params.Length; i++) Update(i, Params[i]);
    }

    /// <summary>Updates parameter <paramref name="index"/>.</summary>
    protected abstract void Update(int index, Parameter p);

    /// <summary>Sets every gradient to zero.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Params) p.Grad.Zero();
    }

    /// <summary>The state buffer <paramref name="slot"/> of parameter <paramref name="index"/>, created zeroed on first use.</summary>
    protected Tensor Buffer(int slot, int index, Parameter p)
    {
        var buffers = State.Buffers;
        while (buffers.Count <= slot) buffers.Add(new Tensor?[Params.Length]);
        return buffers[slot][index] ??= Tensor.Zeros(p.Value.Shape.ToArray());
    }
}

/// <summary>What an optimizer carries from step to step.</summary>
public sealed class OptimizerState
{
    /// <summary>Steps taken.</summary>
    public long Step { get; set; }

    /// <summary>Buffers by slot (e.g. Adam's m and v), then by parameter index.</summary>
    public List<Tensor?[]> Buffers { get; } = new();
}
