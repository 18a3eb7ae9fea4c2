using System.Text;
using ScriptableNN.NN;
using ScriptableNN.Tensors;

namespace ScriptableNN.IO;

/// <summary>
/// Writes a chain of Linear layers and element-wise units as an ONNX model (opset 17), so other
/// runtimes can load the same weights. The protobuf encoding is written directly: the model
/// needs only a handful of message types.
/// </summary>
public static class OnnxExporter
{
    /// <summary>Exports <paramref name="model"/> with input "input" [N, inputSize] and output "output".</summary>
    public static void Export(string path, Module model, int inputSize)
    {
        var modules = model is Sequential s ? s.Children.ToList() : new List<Module> { model };
        var nodes = new List<byte[]>();
        var inits = new List<byte[]>();
        string current = "input";
        int width = inputSize, k = 0;
        foreach (var m in modules)
        {
            string next = $"t{k++}";
            switch (m)
            {
                case Linear l:
                    if (l.In != width) throw new ArgumentException($"onnx: {l} after a layer of width {width}.");
                    inits.Add(TensorProto($"W{k}", l.Weight.Value, new long[] { l.Out, l.In }));
                    var inputs = new List<string> { current, $"W{k}" };
                    if (l.Bias != null) { inits.Add(TensorProto($"B{k}", l.Bias.Value, new long[] { l.Out })); inputs.Add($"B{k}"); }
                    nodes.Add(Node("Gemm", inputs, next, IntAttr("transB", 1)));
                    width = l.Out;
                    break;
                case ReLU: nodes.Add(Node("Relu", new() { current }, next)); break;
                case Tanh: nodes.Add(Node("Tanh", new() { current }, next)); break;
                case Sigmoid: nodes.Add(Node("Sigmoid", new() { current }, next)); break;
                case SoftPlus: nodes.Add(Node("Softplus", new() { current }, next)); break;
                case Abs: nodes.Add(Node("Abs", new() { current }, next)); break;
                case Cos: nodes.Add(Node("Cos", new() { current }, next)); break;
                case LeakyReLU r: nodes.Add(Node("LeakyRelu", new() { current }, next, FloatAttr("alpha", r.Slope))); break;
                case SoftMax: nodes.Add(Node("Softmax", new() { current }, next, IntAttr("axis", -1))); break;
                case LogSoftMax: nodes.Add(Node("LogSoftmax", new() { current }, next, IntAttr("axis", -1))); break;
                case HardTanh h:
                    inits.Add(TensorProto($"lo{k}", Tensor.Full(h.Min, 1), Array.Empty<long>()));
                    inits.Add(TensorProto($"hi{k}", Tensor.Full(h.Max, 1), Array.Empty<long>()));
                    nodes.Add(Node("Clip", new() { current, $"lo{k}", $"hi{k}" }, next));
                    break;
                case Identity or Dropout: k--; continue;
                default: throw new NotSupportedException($"onnx: {m} cannot be exported (Linear and element-wise units only).");
            }
            current = next;
        }
        // Name the last value "output" with an Identity node.
        nodes.Add(Node("Identity", new() { current }, "output"));

        var graph = new Proto();
        foreach (var n in nodes) graph.Message(1, n);
        graph.String(2, "scriptablenn");
        foreach (var i in inits) graph.Message(5, i);
        graph.Message(11, ValueInfo("input", inputSize));
        graph.Message(12, ValueInfo("output", width));
        var opset = new Proto().String(1, "").Varint(2, 17);
        var modelProto = new Proto()
            .Varint(1, 8)                                  // ir_version
            .String(2, "ScriptableNN")
            .String(3, typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "0")
            .Message(7, graph.ToArray())
            .Message(8, opset.ToArray());
        File.WriteAllBytes(path, modelProto.ToArray());
    }

    private static byte[] Node(string op, List<string> inputs, string output, byte[]? attr = null)
    {
        var p = new Proto();
        foreach (var i in inputs) p.String(1, i);
        p.String(2, output);
        p.String(3, op + "_" + output);
        p.String(4, op);
        if (attr != null) p.Message(5, attr);
        return p.ToArray();
    }

    private static byte[] IntAttr(string name, long value) => new Proto().String(1, name).Varint(3, value).Varint(20, 2).ToArray();
    private static byte[] FloatAttr(string name, float value) => new Proto().String(1, name).Float(2, value).Varint(20, 1).ToArray();

    private static byte[] TensorProto(string name, Tensor t, long[] dims)
    {
        var p = new Proto();
        foreach (var d in dims) p.Varint(1, d);
        p.Varint(2, 1);                                    // FLOAT
        p.String(8, name);
        var raw = new byte[t.Length * 4];
        for (int i = 0; i < t.Length; i++) BitConverter.TryWriteBytes(raw.AsSpan(4 * i), t.Span[i]);
        p.Bytes(9, raw);
        return p.ToArray();
    }

    private static byte[] ValueInfo(string name, int width)
    {
        var batch = new Proto().String(2, "N").ToArray();
        var feat = new Proto().Varint(1, width).ToArray();
        var shape = new Proto().Message(1, batch).Message(1, feat).ToArray();
        var tensorType = new Proto().Varint(1, 1).Message(2, shape).ToArray();
        var type = new Proto().Message(1, tensorType).ToArray();
        return new Proto().String(1, name).Message(2, type).ToArray();
    }

    /// <summary>A protobuf message being written: tag, then value, field after field.</summary>
    private sealed class Proto
    {
        private readonly MemoryStream _s = new();

        private void Raw(ulong v)
        {
            do
            {
                byte b = (byte)(v & 0x7F);
                v >>= 7;
                _s.WriteByte(v != 0 ? (byte)(b | 0x80) : b);
            } while (v != 0);
        }

        private void Tag(int field, int wire) => Raw(((ulong)field << 3) | (uint)wire);
        public Proto Varint(int field, long v) { Tag(field, 0); Raw((ulong)v); return this; }
        public Proto Float(int field, float v) { Tag(field, 5); Span<byte> b = stackalloc byte[4]; BitConverter.TryWriteBytes(b, v); _s.Write(b); return this; }
        public Proto Bytes(int field, byte[] data) { Tag(field, 2); Raw((ulong)data.Length); _s.Write(data); return this; }
        public Proto String(int field, string s) => Bytes(field, Encoding.UTF8.GetBytes(s));
        public Proto Message(int field, byte[] m) => Bytes(field, m);
        public byte[] ToArray() => _s.ToArray();
    }
}
