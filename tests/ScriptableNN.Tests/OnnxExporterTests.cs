using NUnit.Framework;
using ScriptableNN.IO;
using ScriptableNN.NN;
using ScriptableNN.Tensors;

namespace ScriptableNN.Tests;

/// <summary>The exported protobuf decodes to the graph and the weights it should hold.</summary>
[TestFixture]
public class OnnxExporterTests
{
    // A minimal protobuf reader: (field, wire type, varint or bytes) triples of one message.
    private static List<(int Field, long Varint, byte[] Bytes)> Fields(byte[] msg)
    {
        var list = new List<(int, long, byte[])>();
        int pos = 0;
        long Varint()
        {
            long v = 0; int shift = 0;
            while (true) { byte b = msg[pos++]; v |= (long)(b & 0x7F) << shift; if (b < 0x80) return v; shift += 7; }
        }
        while (pos < msg.Length)
        {
            long tag = Varint();
            int field = (int)(tag >> 3), wire = (int)(tag & 7);
            if (wire == 0) list.Add((field, Varint(), Array.Empty<byte>()));
            else if (wire == 2) { int len = (int)Varint(); list.Add((field, 0, msg[pos..(pos + len)])); pos += len; }
            else if (wire == 5) { list.Add((field, 0, msg[pos..(pos + 4)])); pos += 4; }
            else throw new InvalidDataException($"wire type {wire}");
        }
        return list;
    }

    private static string Str(byte[] b) => System.Text.Encoding.UTF8.GetString(b);

    [Test]
    public void ExportsGemmAndActivationNodesWithTheWeights()
    {
        var rng = new Rng(1);
        var net = new Sequential(new Linear(3, 4, rng: rng), new ReLU(), new Dropout(), new Linear(4, 2, rng: rng), new SoftMax());
        var path = Path.Combine(Path.GetTempPath(), $"snn-{Guid.NewGuid():N}.onnx");
        OnnxExporter.Export(path, net, 3);
        var model = Fields(File.ReadAllBytes(path));
        File.Delete(path);
        Assert.That(model.Single(f => f.Field == 1).Varint, Is.EqualTo(8), "ir_version");
        var opset = Fields(model.Single(f => f.Field == 8).Bytes);
        Assert.That(opset.Single(f => f.Field == 2).Varint, Is.EqualTo(17));
        var graph = Fields(model.Single(f => f.Field == 7).Bytes);
        var ops = graph.Where(f => f.Field == 1).Select(n => Str(Fields(n.Bytes).Single(f => f.Field == 4).Bytes)).ToArray();
        Assert.That(ops, Is.EqualTo(new[] { "Gemm", "Relu", "Gemm", "Softmax", "Identity" }));
        var gemm = Fields(graph.First(f => f.Field == 1).Bytes);
        var attr = Fields(gemm.Single(f => f.Field == 5).Bytes);
        Assert.That(Str(attr.Single(f => f.Field == 1).Bytes), Is.EqualTo("transB"));
        Assert.That(attr.Single(f => f.Field == 3).Varint, Is.EqualTo(1));
        var inits = graph.Where(f => f.Field == 5).Select(f => Fields(f.Bytes)).ToArray();
        Assert.That(inits, Has.Length.EqualTo(4));
        var w1 = inits[0];
        Assert.That(w1.Where(f => f.Field == 1).Select(f => f.Varint), Is.EqualTo(new long[] { 4, 3 }));
        var raw = w1.Single(f => f.Field == 9).Bytes;
        var floats = Enumerable.Range(0, 12).Select(i => BitConverter.ToSingle(raw, 4 * i)).ToArray();
        Assert.That(floats, Is.EqualTo(((Linear)net[0]).Weight.Value.ToArray()));
        var input = Fields(graph.Single(f => f.Field == 11).Bytes);
        Assert.That(Str(input.Single(f => f.Field == 1).Bytes), Is.EqualTo("input"));
        Assert.Throws<NotSupportedException>(() => OnnxExporter.Export(path, new Sequential(new Linear(2, 3), new Maxout(3, 2, 2)), 2));
    }
}
