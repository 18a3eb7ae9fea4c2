using System.Globalization;
using System.Text.RegularExpressions;
using NUnit.Framework;

namespace ScriptableNN.Cli.Tests;

/// <summary>A real data set end to end: scripts/fashion_mnist.lua on Debian's dataset-fashion-mnist.</summary>
public class FashionMnistTests
{
    private const string Data = "/usr/share/datasets/fashion-mnist";

    [Test]
    public void TheMlpReachesAboutNinetyPercentTestAccuracyAndLogsItsCurves()
    {
        Assert.That(File.Exists(Path.Combine(Data, "train-images-idx3-ubyte.gz")),
            $"{Data} is missing: scripts/install-test-deps.sh installs Debian's dataset-fashion-mnist");
        var log = Directory.CreateTempSubdirectory("snn-fm").FullName;
        try
        {
            var (code, output, err) = Repo.Snn("run", "--plain", "--read", Data, "--write", log, Path.Combine(Repo.Scripts, "fashion_mnist.lua"), "15", log);
            Assert.That(code, Is.EqualTo(0), err + output);
            var m = Regex.Match(output, @"test accuracy ([\d.]+)");
            Assert.That(m.Success, output);
            TestContext.Out.WriteLine(output.Split('\n').Last(l => l.Length > 0));
            // Measured 0.9023 on AVX2 (seeds 2 and 3: 0.9004, 0.9005). Another kernel family sums in
            // another order and moves the last digit; the guard sits below that noise so the test
            // fails on a real regression, not on a CPU.
            Assert.That(double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(0.895));
            Assert.That(File.ReadAllLines(Path.Combine(log, "history.csv")), Has.Length.EqualTo(16));
        }
        finally { Directory.Delete(log, true); }
    }

    [Test]
    public void APyTorchNetworkComesInThroughOnnxAndIsFineTunedAndRunPerSample()
    {
        Assert.That(File.Exists(Path.Combine(Data, "t10k-images-idx3-ubyte.gz")),
            $"{Data} is missing: scripts/install-test-deps.sh installs Debian's dataset-fashion-mnist");
        var (code, output, err) = Repo.Snn("run", "--plain", "--read", Data, Path.Combine(Repo.Scripts, "fashion_onnx.lua"));
        Assert.That(code, Is.EqualTo(0), err + output);
        double Read(string label) => double.Parse(Regex.Match(output, label + @"[^\d]*([\d.]+)").Groups[1].Value, CultureInfo.InvariantCulture);
        double pytorch = double.Parse(File.ReadAllText(Path.Combine(Repo.Scripts, "data", "fashion_mlp.onnx.accuracy")), CultureInfo.InvariantCulture);
        double imported = Read("imported from ONNX: test accuracy"), tuned = Read("fine-tuned here: test accuracy"), perSample = Read("compiled, one sample at a time:");
        Assert.That(imported, Is.EqualTo(pytorch).Within(0.0015), "the imported network classifies as PyTorch's did");
        Assert.That(tuned, Is.GreaterThan(imported), "fine-tuning here improves it");
        Assert.That(perSample, Is.GreaterThan(0.8));
    }
}
