using System.Buffers.Binary;
using System.Text;
using ScriptableNN.Tensors;

namespace ScriptableNN.IO;

/// <summary>An attribute of an ONNX node: an integer or a float.</summary>
public readonly record struct OnnxAttribute(string Name, long? Int, float? Float)
{
    /// <summary>An integer attribute.</summary>
    public static OnnxAttribute Of(string name, long value) => new(name, value, null);
    /// <summary>A float attribute.</summary>
    public static OnnxAttribute Of(string name, float value) => new(name, null, value);
}

/// <summary>
/// The graph an export builds, one module at a time: a module's ONNX mapping reads
/// <see cref="Current"/> (the value flowing in), adds nodes and initializers, and the last
/// node's output becomes the next module's input.
/// </summary>
public sealed class OnnxGraph
{
    internal readonly List<byte[]> Nodes = new();
    internal readonly List<byte[]> Initializers = new();
    private int _next;

    internal OnnxGraph(string input) => Current = input;

    /// <summary>The name of the value the next node reads.</summary>
    public string Current { get; private set; }

    /// <summary>Adds node <paramref name="op"/> reading <see cref="Current"/> and then <paramref name="extraInputs"/>; its output becomes <see cref="Current"/>.</summary>
    public string Node(string op, IReadOnlyList<string>? extraInputs = null, params OnnxAttribute[] attributes)
    {
        string output = $"t{_next++}";
        var p = new Proto();
        p.String(1, Current);
        if (extraInputs != null) foreach (var i in extraInputs) p.String(1, i);
        p.String(2, output);
        p.String(3, op + "_" + output);
        p.String(4, op);
        foreach (var a in attributes)
        {
            var attr = new Proto().String(1, a.Name);
            if (a.Float is { } f) attr.Float(2, f).Varint(20, 1);       // AttributeProto.FLOAT
            else attr.Varint(3, a.Int ?? 0).Varint(20, 2);             // AttributeProto.INT
            p.Message(5, attr.ToArray());
        }
        Nodes.Add(p.ToArray());
        Current = output;
        return output;
    }

    /// <summary>Adds a float32 constant with the given dimensions and returns its name.</summary>
    public string Initializer(ReadOnlySpan<float> values, params long[] dims)
    {
        string name = $"c{Initializers.Count}";
        var p = new Proto();
        foreach (var d in dims) p.Varint(1, d);
        p.Varint(2, 1);                                    // TensorProto.FLOAT
        p.String(8, name);
        var raw = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(4 * i), values[i]);
        p.Bytes(9, raw);                                   // raw_data is little-endian by the ONNX spec
        Initializers.Add(p.ToArray());
        return name;
    }

    /// <summary>Names the current value <paramref name="name"/> with an Identity node.</summary>
    internal void Output(string name)
    {
        var p = new Proto().String(1, Current).String(2, name).String(3, "output_Identity").String(4, "Identity");
        Nodes.Add(p.ToArray());
        Current = name;
    }

    /// <summary>A protobuf message being written: tag, then value, field after field.</summary>
    internal sealed class Proto
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
        public Proto Float(int field, float v) { Tag(field, 5); Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteSingleLittleEndian(b, v); _s.Write(b); return this; }
        public Proto Bytes(int field, byte[] data) { Tag(field, 2); Raw((ulong)data.Length); _s.Write(data); return this; }
        public Proto String(int field, string s) => Bytes(field, Encoding.UTF8.GetBytes(s));
        public Proto Message(int field, byte[] m) => Bytes(field, m);
        public byte[] ToArray() => _s.ToArray();
    }
}
