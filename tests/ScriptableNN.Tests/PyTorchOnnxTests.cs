using System.Buffers.Binary;
using System.Text.Json.Nodes;
using NUnit.Framework;
using ScriptableNN.IO;
using ScriptableNN.Tensors;

namespace ScriptableNN.Tests;

/// <summary>
/// PyTorch -> ONNX -> ScriptableNN: models torch.onnx.export wrote at opsets 9, 11, 13 and 17
/// (bench/pytorch_onnx.py, with Debian's python3-torch), read by the importer and run on the
/// inputs PyTorch ran, against PyTorch's outputs.
/// </summary>
public class PyTorchOnnxTests
{
    private static string Dir => Path.Combine(TestContext.CurrentContext.TestDirectory, "data", "pytorch");

    public static IEnumerable<TestCaseData> Cases()
    {
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "data", "pytorch", "manifest.json")))!;
        foreach (var c in manifest["cases"]!.AsArray())
            yield return new TestCaseData((string)c!["name"]!, (int)c["opset"]!, c["input"]!.AsArray().Select(v => (int)v!).ToArray(), c["output"]!.AsArray().Select(v => (int)v!).ToArray())
                .SetArgDisplayNames($"{c["name"]} opset {c["opset"]}");
    }

    private static float[] Floats(string path)
    {
        var b = File.ReadAllBytes(path);
        var f = new float[b.Length / 4];
        for (int i = 0; i < f.Length; i++) f[i] = BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(4 * i));
        return f;
    }

    [TestCaseSource(nameof(Cases))]
    public void ImportedModelsComputeWhatPyTorchComputed(string name, int opset, int[] inputShape, int[] outputShape)
    {
        var net = OnnxImporter.Load(Path.Combine(Dir, $"{name}.opset{opset}.onnx"));
        net.Evaluate();
        int rows = inputShape[0], features = inputShape.Skip(1).Aggregate(1, (a, b) => a * b);
        var x = Tensor.FromArray(Floats(Path.Combine(Dir, $"{name}.input.bin"))).Reshape(rows, features);
        var expected = Floats(Path.Combine(Dir, $"{name}.output.bin"));
        var y = net.Forward(x).ToArray();
        Assert.That(y.Length, Is.EqualTo(expected.Length));
        double worst = 0;
        for (int i = 0; i < y.Length; i++) worst = Math.Max(worst, Math.Abs(y[i] - expected[i]) / Math.Max(1, Math.Abs(expected[i])));
        Assert.That(worst, Is.LessThan(1e-5), $"{net}");
    }
}
