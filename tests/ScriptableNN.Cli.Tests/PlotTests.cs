using System.Xml.Linq;
using NUnit.Framework;
using ScottPlot;
using ScriptableNN.Plots;
using ScriptableNN.Training;
using SkiaSharp;

namespace ScriptableNN.Cli.Tests;

/// <summary>Training pictures: curves and decision regions, from scripts and from snn plot.</summary>
public class PlotTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("snn-plot").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    private static (int W, int H) PngSize(string path)
    {
        using var bmp = SKBitmap.Decode(path) ?? throw new AssertionException($"{path} does not decode as an image");
        return (bmp.Width, bmp.Height);
    }

    [Test]
    public void ARunLogsItsHistoryAndScriptsAndSnnPlotDrawIt()
    {
        string script = Path.Combine(_dir, "moons.lua");
        File.WriteAllText(script, """
            local out = ...
            local d = data.moons{n = 120, noise = 0.1, seed = 2}
            torch.manualSeed(3)
            local net = nn.Sequential():add(nn.Linear(2, 12)):add(nn.Tanh()):add(nn.Linear(12, 2))
            local h = train.fit{model = net, loss = nn.CrossEntropyCriterion(), data = d, validation = 0.25,
                                epochs = 8, metrics = {"accuracy"}, optimizer = optim.Adam(net, {lr = 0.05})}
            train.plot(h, out .. "/script-curves.svg")
            train.plotBoundary(net, d, out .. "/boundary.png")
            """);
        string log = Path.Combine(_dir, "run");
        var (code, output, err) = Repo.Snn("run", "--plain", "--log", log, "--write", _dir, script, _dir);
        Assert.That(code, Is.EqualTo(0), err + output);
        var lines = File.ReadAllLines(Path.Combine(log, "history.csv"));
        Assert.That(lines[0], Is.EqualTo("epoch,steps,loss,accuracy,val_loss,val_accuracy,learning_rate,seconds"));
        Assert.That(lines, Has.Length.EqualTo(9), "a header and 8 epochs");
        Assert.That(Directory.GetFiles(log, "events.out.tfevents.*"), Has.Length.EqualTo(1));

        var svg = XDocument.Load(Path.Combine(_dir, "script-curves.svg"));
        Assert.That(svg.Root!.Name.LocalName, Is.EqualTo("svg"));
        Assert.That(PngSize(Path.Combine(_dir, "boundary.png")), Is.EqualTo((TrainingPlots.Width, TrainingPlots.Height)));
        // Both classes' regions are drawn: their colours at 35% over white appear.
        using (var bmp = SKBitmap.Decode(Path.Combine(_dir, "boundary.png")))
        {
            bool Has(Color c)
            {
                for (int y = 0; y < bmp.Height; y += 3)
                    for (int x = 0; x < bmp.Width; x += 3)
                    {
                        var p = bmp.GetPixel(x, y);
                        if (Math.Abs(p.Red - (255 - 0.35 * (255 - c.R))) < 6 && Math.Abs(p.Green - (255 - 0.35 * (255 - c.G))) < 6 && Math.Abs(p.Blue - (255 - 0.35 * (255 - c.B))) < 6) return true;
                    }
                return false;
            }
            Assert.That(Has(Color.FromHex("#1f77b4")), "class 1 region");
            Assert.That(Has(Color.FromHex("#ff7f0e")), "class 2 region");
        }

        (code, output, err) = Repo.Snn("plot", log);
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(PngSize(Path.Combine(log, "curves.png")), Is.EqualTo((TrainingPlots.Width, TrainingPlots.Height)));
        Assert.That(XDocument.Load(Path.Combine(log, "curves.svg")).Root!.Attribute("width")!.Value, Does.StartWith("800"));
        Assert.That(Repo.Snn("plot", Path.Combine(_dir, "nothing")).Code, Is.EqualTo(2));
    }

    [Test]
    public void OptimLoggerPlotWritesItsSeriesBesideTheLog()
    {
        // torch/optim's test_logger.lua pattern: named and positional series, styles, plot.
        string script = Path.Combine(_dir, "logger.lua");
        File.WriteAllText(script, """
            local out = ...
            local named = optim.Logger(out .. "/named.log")
            local listed = optim.Logger(out .. "/listed.log")
            listed:setNames({"channel 1", "channel 2"})
            for i = 1, 20 do
              named:add({["channel 1"] = 1, ["channel 2"] = 0.1 * i})
              listed:add({1, 0.1 * i})
            end
            named:style({["channel 1"] = "-", ["channel 2"] = "-"})
            listed:style{"-", "-"}
            named:plot()
            listed:plot()
            print(listed.plotfile)
            """);
        var (code, output, err) = Repo.Snn("run", "--plain", "--write", _dir, script, _dir);
        Assert.That(code, Is.EqualTo(0), err + output);
        Assert.That(output, Does.Contain("listed.log.png"));
        Assert.That(PngSize(Path.Combine(_dir, "named.log.png")), Is.EqualTo((TrainingPlots.Width, TrainingPlots.Height)));
        using var bmp = SKBitmap.Decode(Path.Combine(_dir, "listed.log.png"));
        // the second series' colour is drawn
        var c = Color.FromHex("#ff7f0e");
        bool found = false;
        for (int y = 0; y < bmp.Height && !found; y += 2)
            for (int x = 0; x < bmp.Width && !found; x += 2)
            {
                var p = bmp.GetPixel(x, y);
                found = Math.Abs(p.Red - c.R) < 8 && Math.Abs(p.Green - c.G) < 8 && Math.Abs(p.Blue - c.B) < 8;
            }
        Assert.That(found, "channel 2's line");
    }

    [Test]
    public void TheLossCurvePassesThroughItsDataPoints()
    {
        var history = Enumerable.Range(1, 6).Select(e => new EpochStats(e, 1.0 / e, null, null, null, e * 10)).ToList();
        var plt = TrainingPlots.CurvesPlot(history);
        string path = Path.Combine(_dir, "c.png");
        plt.SavePng(path, TrainingPlots.Width, TrainingPlots.Height);
        using var bmp = SKBitmap.Decode(path);
        foreach (var h in history)
        {
            var px = plt.GetPixel(new Coordinates(h.Epoch, h.Loss));
            bool found = false;
            for (int dy = -2; dy <= 2 && !found; dy++)
                for (int dx = -2; dx <= 2 && !found; dx++)
                {
                    var p = bmp.GetPixel((int)px.X + dx, (int)px.Y + dy);
                    var c = TrainingPlots.TrainColor;
                    found = Math.Abs(p.Red - c.R) < 30 && Math.Abs(p.Green - c.G) < 30 && Math.Abs(p.Blue - c.B) < 30;
                }
            Assert.That(found, $"the training colour at epoch {h.Epoch}, loss {h.Loss:F3} (pixel {px.X:F0}, {px.Y:F0})");
        }
    }
}
