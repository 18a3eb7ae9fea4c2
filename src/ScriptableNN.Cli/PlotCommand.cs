using ScriptableNN.Lua;
using ScriptableNN.NN;
using ScriptableNN.Plots;
using ScriptableNN.Tensors;
using ScriptableNN.Training;

namespace ScriptableNN.Cli;

/// <summary>`snn plot DIR`: the curves of a logged run, as curves.png and curves.svg beside its history.</summary>
internal static class PlotCommand
{
    public static int Execute(string dir, TextWriter output, TextWriter error)
    {
        string csv = Directory.Exists(dir) ? Path.Combine(dir, "history.csv") : dir;
        if (!File.Exists(csv))
        {
            error.WriteLine($"snn: no training history at {csv} (write one with snn run --log DIR or train.fit{{log = DIR}})");
            return 2;
        }
        try
        {
            var history = TrainingPlots.ReadCsv(csv);
            string folder = Path.GetDirectoryName(Path.GetFullPath(csv))!;
            foreach (var name in new[] { "curves.png", "curves.svg" })
            {
                string path = Path.Combine(folder, name);
                TrainingPlots.Curves(history, path);
                output.WriteLine($"wrote {path}");
            }
            return 0;
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or IOException)
        {
            error.WriteLine($"snn: {e.Message}");
            return 1;
        }
    }
}

/// <summary>train.plot and train.plotBoundary for scripts snn runs.</summary>
internal sealed class Plotter : ITrainingPlotter
{
    public void Curves(IReadOnlyList<EpochStats> history, string path) => TrainingPlots.Curves(history, path);
    public void Boundary(Module model, Tensor inputs, Tensor labels, string path) => TrainingPlots.Boundary(model, inputs, labels, path);
    public void Series(IReadOnlyList<(string Name, double[] Values)> series, string path) => TrainingPlots.Series(series, path);
}
