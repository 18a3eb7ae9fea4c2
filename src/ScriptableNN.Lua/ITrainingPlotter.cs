using ScriptableNN.NN;
using ScriptableNN.Tensors;
using ScriptableNN.Training;

namespace ScriptableNN.Lua;

/// <summary>
/// Draws training pictures for <c>train.plot</c> and <c>train.plotBoundary</c>. The Lua layer
/// carries no plotting library; a host that wants pictures sets
/// <see cref="LuaHostOptions.Plotter"/> (the snn tool uses ScriptableNN.Plots, ScottPlot's).
/// </summary>
public interface ITrainingPlotter
{
    /// <summary>Loss and accuracy per epoch into <paramref name="path"/> (.png or .svg).</summary>
    void Curves(IReadOnlyList<EpochStats> history, string path);

    /// <summary>A 2-feature classifier's regions and the data (<paramref name="labels"/> 0-based) into <paramref name="path"/>.</summary>
    void Boundary(Module model, Tensor inputs, Tensor labels, string path);

    /// <summary>
    /// Named series of values against their index (optim.Logger's plot) into <paramref name="path"/>.
    /// Plotters written before it refuse it.
    /// </summary>
    void Series(IReadOnlyList<(string Name, double[] Values)> series, string path) =>
        throw new NotSupportedException("this host's plotter draws no series (optim.Logger:plot)");
}
