using System.Buffers.Binary;
using Google.Protobuf;
using ScriptableNN.IO.Onnx;

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
    internal readonly GraphProto Proto = new() { Name = "scriptablenn" };
    private int _next;

    internal OnnxGraph(string input) => Current = input;

    /// <summary>The name of the value the next node reads.</summary>
    public string Current { get; private set; }

    /// <summary>Adds node <paramref name="op"/> reading <see cref="Current"/> and then <paramref name="extraInputs"/>; its output becomes <see cref="Current"/>.</summary>
    public string Node(string op, IReadOnlyList<string>? extraInputs = null, params OnnxAttribute[] attributes)
    {
        string output = $"t{_next++}";
        var node = new NodeProto { OpType = op, Name = op + "_" + output };
        node.Input.Add(Current);
        if (extraInputs != null) node.Input.Add(extraInputs);
        node.Output.Add(output);
        foreach (var a in attributes)
            node.Attribute.Add(a.Float is { } f
                ? new AttributeProto { Name = a.Name, Type = AttributeProto.Types.AttributeType.Float, F = f }
                : new AttributeProto { Name = a.Name, Type = AttributeProto.Types.AttributeType.Int, I = a.Int ?? 0 });
        Proto.Node.Add(node);
        Current = output;
        return output;
    }

    /// <summary>Adds a float32 constant with the given dimensions and returns its name.</summary>
    public string Initializer(ReadOnlySpan<float> values, params long[] dims)
    {
        string name = $"c{Proto.Initializer.Count}";
        var raw = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(4 * i), values[i]);
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(raw) };
        t.Dims.Add(dims);
        Proto.Initializer.Add(t);
        return name;
    }

    /// <summary>Names the current value <paramref name="name"/> with ONNX's Identity operator.</summary>
    internal void Output(string name)
    {
        var node = new NodeProto { OpType = "Identity", Name = "output_Identity" };
        node.Input.Add(Current);
        node.Output.Add(name);
        Proto.Node.Add(node);
        Current = name;
    }
}
