using System.Globalization;
using ScottPlot;
using ScriptableNN.NN;
using ScriptableNN.Training;
using Tensor = ScriptableNN.Tensors.Tensor;

namespace ScriptableNN.Plots;

/// <summary>
/// Pictures of training: loss and accuracy curves per epoch (train against validation) and a 2-D
/// classifier's decision regions with its data. A path ending in .svg is written as SVG, any other
/// as PNG.
/// </summary>
public static class TrainingPlots
{
    /// <summary>The colour of the training loss line.</summary>
    public static readonly Color TrainColor = Color.FromHex("#1f77b4");
    /// <summary>The colour of the validation loss line.</summary>
    public static readonly Color ValidationColor = Color.FromHex("#ff7f0e");
    private static readonly Color[] ClassColors =
        { Color.FromHex("#1f77b4"), Color.FromHex("#ff7f0e"), Color.FromHex("#2ca02c"), Color.FromHex("#d62728"), Color.FromHex("#9467bd"), Color.FromHex("#8c564b"), Color.FromHex("#e377c2"), Color.FromHex("#7f7f7f") };

    /// <summary>Default picture size in pixels.</summary>
    public const int Width = 800, Height = 500;

    /// <summary>Loss (left axis) and, when measured, accuracy (right axis, dashed) per epoch.</summary>
    public static void Curves(IReadOnlyList<EpochStats> history, string path, int width = Width, int height = Height) =>
        Save(CurvesPlot(history), path, width, height);

    internal static Plot CurvesPlot(IReadOnlyList<EpochStats> history)
    {
        if (history.Count == 0) throw new ArgumentException("plot: the history has no epochs.");
        var plt = new Plot();
        double[] epochs = history.Select(h => (double)h.Epoch).ToArray();
        void Line(Func<EpochStats, double?> pick, string label, Color color, bool right)
        {
            var pairs = history.Where(h => pick(h) is { } v && double.IsFinite(v)).ToArray();
            if (pairs.Length == 0) return;
            var s = plt.Add.Scatter(pairs.Select(h => (double)h.Epoch).ToArray(), pairs.Select(h => pick(h)!.Value).ToArray(), color);
            s.LegendText = label;
            s.LineWidth = 2;
            s.MarkerSize = pairs.Length > 40 ? 0 : 4;
            // Accuracy on its own axis, drawn thinner (a dash pattern does not survive the SVG writer).
            if (right) { s.Axes.YAxis = plt.Axes.Right; s.LineWidth = 1.5f; }
        }
        Line(h => h.Loss, "loss", TrainColor, false);
        Line(h => h.ValidationLoss, "val_loss", ValidationColor, false);
        Line(h => h.Accuracy, "accuracy", Color.FromHex("#2ca02c"), true);
        Line(h => h.ValidationAccuracy, "val_accuracy", Color.FromHex("#d62728"), true);
        plt.XLabel("epoch");
        plt.YLabel("loss");
        if (history.Any(h => h.Accuracy != null || h.ValidationAccuracy != null)) plt.Axes.Right.Label.Text = "accuracy";
        plt.ShowLegend(Alignment.UpperRight);
        plt.Axes.SetLimitsX(epochs.Min() - 0.5, epochs.Max() + 0.5);
        return plt;
    }

    /// <summary>Named series against their index, one line each (Torch7's optim.Logger:plot).</summary>
    public static void Series(IReadOnlyList<(string Name, double[] Values)> series, string path, int width = Width, int height = Height)
    {
        if (series.Count == 0 || series.All(s => s.Values.Length == 0)) throw new ArgumentException("plot: nothing has been logged.");
        var plt = new Plot();
        for (int i = 0; i < series.Count; i++)
        {
            var (name, values) = series[i];
            var xs = new List<double>(); var ys = new List<double>();
            for (int k = 0; k < values.Length; k++) if (double.IsFinite(values[k])) { xs.Add(k + 1); ys.Add(values[k]); }
            if (xs.Count == 0) continue;
            var s = plt.Add.Scatter(xs.ToArray(), ys.ToArray(), ClassColors[i % ClassColors.Length]);
            s.LegendText = name;
            s.LineWidth = 2;
            s.MarkerSize = xs.Count > 40 ? 0 : 4;
        }
        plt.ShowLegend(Alignment.UpperRight);
        Save(plt, path, width, height);
    }

    /// <summary>
    /// The classes <paramref name="model"/> gives over the plane spanned by the data (2 features),
    /// as coloured regions, with the data points on top (<paramref name="labels"/>: 0-based classes,
    /// or one output per row thresholded at 0.5).
    /// </summary>
    public static void Boundary(Module model, Tensor inputs, Tensor labels, string path, int grid = 120, int width = Width, int height = Height) =>
        Save(BoundaryPlot(model, inputs, labels, grid), path, width, height);

    internal static Plot BoundaryPlot(Module model, Tensor inputs, Tensor labels, int grid)
    {
        if (inputs.Rank != 2 || inputs.Cols != 2) throw new ArgumentException($"plotBoundary: the data must have 2 features per example, has {inputs.ShapeText}.");
        if (grid < 2 || grid > 1000) throw new ArgumentException($"plotBoundary: grid must be 2 to 1000 cells a side, got {grid}.");
        int n = inputs.Rows;
        var xs = new double[n]; var ys = new double[n]; var cls = new int[n];
        var l = labels.Span;
        for (int i = 0; i < n; i++)
        {
            xs[i] = inputs[i, 0]; ys[i] = inputs[i, 1];
            cls[i] = labels.Length == n ? (int)l[i] : 0;
        }
        double x0 = xs.Min(), x1 = xs.Max(), y0 = ys.Min(), y1 = ys.Max();
        double padX = 0.1 * Math.Max(x1 - x0, 1e-3), padY = 0.1 * Math.Max(y1 - y0, 1e-3);
        x0 -= padX; x1 += padX; y0 -= padY; y1 += padY;
        var cells = Tensor.Zeros(grid * grid, 2);
        for (int r = 0; r < grid; r++)
            for (int c = 0; c < grid; c++)
            {
                cells[r * grid + c, 0] = (float)(x0 + (c + 0.5) * (x1 - x0) / grid);
                cells[r * grid + c, 1] = (float)(y0 + (r + 0.5) * (y1 - y0) / grid);
            }
        bool was = model.IsTraining;
        model.Evaluate();
        Tensor outputs;
        try { outputs = model.Forward(cells); }
        finally { if (was) model.Training(); }
        var plt = new Plot();
        double dx = (x1 - x0) / grid, dy = (y1 - y0) / grid;
        for (int r = 0; r < grid; r++)
            for (int c = 0; c < grid; c++)
            {
                int k = ClassOf(outputs, r * grid + c);
                var rect = plt.Add.Rectangle(x0 + c * dx, x0 + (c + 1) * dx, y0 + r * dy, y0 + (r + 1) * dy);
                rect.FillColor = ClassColors[k % ClassColors.Length].WithAlpha(0.35);
                rect.LineWidth = 0;
            }
        foreach (var k in cls.Distinct().Order())
        {
            var idx = Enumerable.Range(0, n).Where(i => cls[i] == k).ToArray();
            var s = plt.Add.ScatterPoints(idx.Select(i => xs[i]).ToArray(), idx.Select(i => ys[i]).ToArray(), ClassColors[k % ClassColors.Length]);
            s.MarkerSize = 5;
            s.LegendText = $"class {k + 1}";
        }
        plt.Axes.SetLimits(x0, x1, y0, y1);
        plt.ShowLegend(Alignment.UpperRight);
        return plt;
    }

    private static int ClassOf(Tensor outputs, int row)
    {
        int cols = outputs.Cols;
        if (cols == 1) return outputs[row, 0] > (outputs[row, 0] is < 0 or > 1 ? 0f : 0.5f) ? 1 : 0;
        return System.Numerics.Tensors.TensorPrimitives.IndexOfMax(outputs.Span.Slice(row * cols, cols));
    }

    private static void Save(Plot plt, string path, int width, int height)
    {
        if (width < 16 || height < 16 || width > 8000 || height > 8000) throw new ArgumentException($"plot: size {width}x{height} is outside 16..8000 pixels.");
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir != null) Directory.CreateDirectory(dir);
        if (path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase)) plt.SaveSvg(path, width, height);
        else plt.SavePng(path, width, height);
    }

    /// <summary>A history.csv written by <see cref="TrainingLog"/>, as epoch figures.</summary>
    public static List<EpochStats> ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || !lines[0].StartsWith("epoch,", StringComparison.Ordinal)) throw new InvalidDataException($"{path}: not a training history (history.csv).");
        var head = lines[0].Split(',');
        int Col(string name) => Array.IndexOf(head, name);
        double? Get(string[] f, string name) { int i = Col(name); return i >= 0 && i < f.Length && double.TryParse(f[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null; }
        var list = new List<EpochStats>();
        for (int k = 1; k < lines.Length; k++)
        {
            if (lines[k].Length == 0) continue;
            var f = lines[k].Split(',');
            list.Add(new EpochStats((int)(Get(f, "epoch") ?? k), Get(f, "loss") ?? double.NaN, Get(f, "accuracy"), Get(f, "val_loss"), Get(f, "val_accuracy"), (long)(Get(f, "steps") ?? 0)));
        }
        return list;
    }
}
