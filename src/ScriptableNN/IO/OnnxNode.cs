using System.Buffers.Binary;
using ScriptableNN.IO.Onnx;

namespace ScriptableNN.IO;

/// <summary>A constant an ONNX file holds (an initializer or a Constant node's value), as floats or integers.</summary>
public sealed class OnnxConstant
{
    /// <summary>The value's name in the graph.</summary>
    public required string Name { get; init; }
    /// <summary>Its dimensions.</summary>
    public required long[] Dims { get; init; }
    /// <summary>Its values as floats (integers converted).</summary>
    public required float[] Values { get; init; }
    /// <summary>Its values as integers, when stored as integers (Reshape's shape).</summary>
    public long[]? Integers { get; init; }
}

/// <summary>
/// One node of an ONNX chain as a module type's importer sees it: its operator, attributes, the
/// width of the value flowing in, its constant inputs, and the node after it (to fuse MatMul with
/// the Add that follows). Every error names the node and its operator.
/// </summary>
public sealed class OnnxNode
{
    private readonly NodeProto _node;
    private readonly Func<string, OnnxConstant?> _constant;
    private readonly Func<OnnxNode?> _peek;
    private readonly Action _consume;

    internal OnnxNode(NodeProto node, int index, int width, long opset, string current, Func<string, OnnxConstant?> constant, Func<OnnxNode?> peek, Action consume)
    {
        _node = node; Index = index; Width = width; Opset = opset; Current = current;
        _constant = constant; _peek = peek; _consume = consume;
    }

    /// <summary>The operator (Gemm, Relu...).</summary>
    public string Op => _node.OpType;
    /// <summary>The node's place in the graph, from 1.</summary>
    public int Index { get; }
    /// <summary>Features per sample flowing into the node.</summary>
    public int Width { get; }
    /// <summary>The ONNX operator set the file imports.</summary>
    public long Opset { get; }
    /// <summary>The name of the value flowing in.</summary>
    public string Current { get; }
    /// <summary>How many inputs the node lists (empty optional ones included).</summary>
    public int InputCount => _node.Input.Count;

    /// <summary>How messages name the node: its place, name and operator.</summary>
    public override string ToString() => $"node {Index}{(string.IsNullOrEmpty(_node.Name) ? "" : $" '{_node.Name}'")} ({Op})";

    /// <summary>An error about this node.</summary>
    public InvalidDataException Error(string message) => new($"onnx: {this}: {message}");

    /// <summary>An error for what this node asks and the importer cannot honour.</summary>
    public NotSupportedException Unsupported(string message) => new($"onnx: {this}: {message}");

    private AttributeProto? Attr(string name)
    {
        foreach (var a in _node.Attribute) if (a.Name == name) return a;
        return null;
    }

    /// <summary>A float attribute, or <paramref name="def"/>.</summary>
    public float Float(string name, float def) => Attr(name) is { } a ? (a.HasF ? a.F : a.HasI ? a.I : throw Error($"attribute '{name}' is not a number")) : def;

    /// <summary>An integer attribute, or <paramref name="def"/>.</summary>
    public long Int(string name, long def) => Attr(name) is { } a ? (a.HasI ? a.I : throw Error($"attribute '{name}' is not an integer")) : def;

    /// <summary>Whether the node has attribute <paramref name="name"/>.</summary>
    public bool Has(string name) => Attr(name) != null;

    /// <summary>Whether input <paramref name="i"/> (from 0) is given (ONNX marks a skipped optional input by an empty name).</summary>
    public bool HasInput(int i) => i < _node.Input.Count && _node.Input[i].Length > 0;

    /// <summary>Input <paramref name="i"/> (from 1; input 0 is the data) as a constant; an input computed by the graph is an error.</summary>
    public OnnxConstant Constant(int i)
    {
        if (!HasInput(i)) throw Error($"input {i + 1} is missing");
        string name = _node.Input[i];
        return _constant(name) ?? throw Unsupported($"input {i + 1} ('{name}') is computed by the graph, not a constant; only chains whose one varying value is the data are read");
    }

    /// <summary>The node after this one, if it exists.</summary>
    public OnnxNode? Next => _peek();

    /// <summary>Takes <see cref="Next"/> into this node's module (it is not imported again).</summary>
    public void ConsumeNext() => _consume();

    /// <summary>Whether the data input of this node is input <paramref name="i"/>.</summary>
    public bool ReadsCurrentAt(int i) => i < _node.Input.Count && _node.Input[i] == Current;

    // ---- tensors -------------------------------------------------------------------------

    /// <summary>Reads a TensorProto's values; sizes are checked against the bytes present, so nothing larger than the file is allocated.</summary>
    internal static OnnxConstant Read(TensorProto t, string where)
    {
        if (t.ExternalData.Count > 0 || t.DataLocation == 1) throw new NotSupportedException($"onnx: {where}: tensor '{t.Name}' keeps its data in an external file; save the model with its weights inside.");
        long count = 1;
        foreach (var d in t.Dims)
        {
            if (d < 0) throw new InvalidDataException($"onnx: {where}: tensor '{t.Name}' has a negative dimension ({d}).");
            count = d == 0 || count == 0 ? 0 : count > long.MaxValue / d ? long.MaxValue : count * d;
        }
        var dims = t.Dims.ToArray();
        var raw = t.RawData.Span;
        float[] values;
        long[]? ints = null;
        void Check(long have) { if (have != count) throw new InvalidDataException($"onnx: {where}: tensor '{t.Name}' of {Shape(dims)} holds {have} values, its shape needs {count}."); }
        switch ((TensorProto.Types.DataType)t.DataType)
        {
            case TensorProto.Types.DataType.Float:
                if (raw.Length > 0) { Check(raw.Length / 4); if (raw.Length % 4 != 0) throw new InvalidDataException($"onnx: {where}: tensor '{t.Name}': raw data not whole floats."); values = new float[count]; for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.Slice(4 * i)); }
                else { Check(t.FloatData.Count); values = t.FloatData.ToArray(); }
                break;
            case TensorProto.Types.DataType.Float16:
                if (raw.Length > 0) { Check(raw.Length / 2); values = new float[count]; for (int i = 0; i < values.Length; i++) values[i] = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(raw.Slice(2 * i))); }
                else { Check(t.Int32Data.Count); values = t.Int32Data.Select(v => (float)BitConverter.UInt16BitsToHalf((ushort)v)).ToArray(); }
                break;
            case TensorProto.Types.DataType.Double:
                if (raw.Length > 0) { Check(raw.Length / 8); values = new float[count]; for (int i = 0; i < values.Length; i++) values[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(raw.Slice(8 * i)); }
                else { Check(t.DoubleData.Count); values = t.DoubleData.Select(v => (float)v).ToArray(); }
                break;
            case TensorProto.Types.DataType.Int64:
                if (raw.Length > 0) { Check(raw.Length / 8); ints = new long[count]; for (int i = 0; i < ints.Length; i++) ints[i] = BinaryPrimitives.ReadInt64LittleEndian(raw.Slice(8 * i)); }
                else { Check(t.Int64Data.Count); ints = t.Int64Data.ToArray(); }
                values = ints.Select(v => (float)v).ToArray();
                break;
            case TensorProto.Types.DataType.Int32:
                if (raw.Length > 0) { Check(raw.Length / 4); ints = new long[count]; for (int i = 0; i < ints.Length; i++) ints[i] = BinaryPrimitives.ReadInt32LittleEndian(raw.Slice(4 * i)); }
                else { Check(t.Int32Data.Count); ints = t.Int32Data.Select(v => (long)v).ToArray(); }
                values = ints.Select(v => (float)v).ToArray();
                break;
            default:
                throw new NotSupportedException($"onnx: {where}: tensor '{t.Name}' has data type {t.DataType}; float32, float16, double, int32 and int64 are read.");
        }
        return new OnnxConstant { Name = t.Name, Dims = dims, Values = values, Integers = ints };
    }

    internal static string Shape(long[] dims) => "[" + string.Join(", ", dims) + "]";
}
