using Google.Protobuf;
using ScriptableNN.IO.Onnx;
using ScriptableNN.NN;
using ScriptableNN.Registry;

namespace ScriptableNN.IO;

/// <summary>
/// Reads an ONNX model that is a chain (each node takes the one value the node before made, plus
/// constants) into an ordinary <see cref="Sequential"/> that trains, compiles and saves. Each
/// operator is read by the <see cref="ModuleType"/> that claims it in its <c>OnnxOps</c>; an
/// operator no type claims, a graph that is not a chain, or a shape that cannot be honoured is an
/// error naming the node and its operator. A malformed or truncated file is an
/// <see cref="InvalidDataException"/>; nothing larger than the file is allocated.
/// </summary>
public static class OnnxImporter
{
    /// <summary>The ONNX operator sets read.</summary>
    public const int MinOpset = 9, MaxOpset = 21;

    /// <summary>Reads the model at <paramref name="path"/>.</summary>
    public static Sequential Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"onnx: file not found: {path}", path);
        return Load(File.ReadAllBytes(path), path);
    }

    /// <summary>Reads a model from its bytes; <paramref name="name"/> names it in messages.</summary>
    public static Sequential Load(byte[] bytes, string name = "model")
    {
        ModelProto model;
        try { model = ModelProto.Parser.ParseFrom(bytes); }
        catch (InvalidProtocolBufferException e) { throw new InvalidDataException($"{name}: not an ONNX model, or truncated ({e.Message})", e); }
        try { return Read(model, name); }
        catch (Exception e) when (e is ArgumentException or OverflowException or InvalidOperationException)
        {
            throw new InvalidDataException($"{name}: {e.Message}", e);
        }
    }

    private static Sequential Read(ModelProto model, string name)
    {
        var graph = model.Graph ?? throw new InvalidDataException($"{name}: an ONNX model without a graph.");
        long opset = 0;
        foreach (var o in model.OpsetImport)
            if (string.IsNullOrEmpty(o.Domain) || o.Domain == "ai.onnx") opset = o.Version;
        if (opset == 0) throw new InvalidDataException($"{name}: the model imports no ONNX operator set.");
        if (opset < MinOpset || opset > MaxOpset) throw new NotSupportedException($"{name}: operator set {opset}; opsets {MinOpset} to {MaxOpset} are read.");

        var constants = new Dictionary<string, OnnxConstant>(StringComparer.Ordinal);
        foreach (var t in graph.Initializer) constants[t.Name] = OnnxNode.Read(t, $"initializer '{t.Name}'");

        var inputs = graph.Input.Where(i => !constants.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1) throw new NotSupportedException($"{name}: the graph has {inputs.Count} data inputs; a chain has one.");
        if (graph.Output.Count != 1) throw new NotSupportedException($"{name}: the graph has {graph.Output.Count} outputs; a chain has one.");
        string current = inputs[0].Name;
        int width = InputWidth(inputs[0], name);

        var byOp = new Dictionary<string, ModuleType>(StringComparer.Ordinal);
        foreach (var type in Catalog.Modules)
            foreach (var op in type.OnnxOps) byOp.TryAdd(op, type);

        var net = new Sequential();
        var nodes = graph.Node;
        for (int i = 0; i < nodes.Count; i++)
        {
            var proto = nodes[i];
            if (!string.IsNullOrEmpty(proto.Domain) && proto.Domain != "ai.onnx")
                throw new NotSupportedException($"onnx: node {i + 1} ({proto.OpType}) is from operator domain '{proto.Domain}'; only the standard ONNX operators are read.");
            if (proto.OpType == "Constant")
            {
                if (proto.Output.Count != 1) throw new InvalidDataException($"onnx: node {i + 1} (Constant) must have one output.");
                constants[proto.Output[0]] = ConstantOf(proto, i + 1);
                continue;
            }
            if (proto.Input.Count == 0 || proto.Input[0] != current && !(proto.OpType == "Add" && proto.Input.Contains(current)))
                throw new NotSupportedException($"onnx: node {i + 1} ({proto.OpType}) does not read '{current}', the value the node before made; only chains are read.");
            if (proto.Output.Count == 0) throw new InvalidDataException($"onnx: node {i + 1} ({proto.OpType}) has no output.");
            if (!byOp.TryGetValue(proto.OpType, out var t))
                throw new NotSupportedException($"onnx: node {i + 1} ({proto.OpType}): operator {proto.OpType} is not supported (supported: {string.Join(", ", byOp.Keys.Order())}).");
            int next = i + 1;
            bool consumed = false;
            OnnxConstant? Lookup(string n) => constants.TryGetValue(n, out var c) ? c : null;
            var node = new OnnxNode(proto, i + 1, width, opset, current, Lookup,
                () => next < nodes.Count && nodes[next].Output.Count > 0 ? new OnnxNode(nodes[next], next + 1, width, opset, proto.Output[0], Lookup, () => null, () => { }) : null,
                () => consumed = true);
            var module = t.FromOnnx!(node);
            current = consumed ? nodes[next].Output[0] : proto.Output[0];
            if (consumed) i = next;
            if (module == null) continue;
            try { width = module.OutputWidth(width); }
            catch (ArgumentException e) { throw new NotSupportedException($"onnx: {node}: {e.Message}", e); }
            net.Add(module);
        }
        if (graph.Output[0].Name != current)
            throw new NotSupportedException($"{name}: the graph's output '{graph.Output[0].Name}' is not the end of the chain ('{current}').");
        return net;
    }

    // [N, features] (or [N, d1, d2...] with static dims, fed flattened); the batch may be symbolic.
    private static int InputWidth(ValueInfoProto input, string name)
    {
        var shape = input.Type?.TensorType?.Shape;
        if (shape == null || shape.Dim.Count < 2) throw new NotSupportedException($"{name}: input '{input.Name}' must be a batch of vectors [N, features].");
        long width = 1;
        for (int d = 1; d < shape.Dim.Count; d++)
        {
            var dim = shape.Dim[d];
            if (dim.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue || dim.DimValue <= 0)
                throw new NotSupportedException($"{name}: input '{input.Name}' has a dynamic or empty size in dimension {d + 1}; the features per sample must be fixed.");
            width *= dim.DimValue;
            if (width > int.MaxValue) throw new InvalidDataException($"{name}: input '{input.Name}' is too wide.");
        }
        return (int)width;
    }

    private static OnnxConstant ConstantOf(NodeProto node, int index)
    {
        foreach (var a in node.Attribute)
        {
            switch (a.Name)
            {
                case "value" when a.T != null: return OnnxNode.Read(a.T, $"node {index} (Constant)") is var c ? new OnnxConstant { Name = node.Output[0], Dims = c.Dims, Values = c.Values, Integers = c.Integers } : null!;
                case "value_float": return new OnnxConstant { Name = node.Output[0], Dims = Array.Empty<long>(), Values = new[] { a.F } };
                case "value_floats": return new OnnxConstant { Name = node.Output[0], Dims = new long[] { a.Floats.Count }, Values = a.Floats.ToArray() };
                case "value_int": return new OnnxConstant { Name = node.Output[0], Dims = Array.Empty<long>(), Values = new float[] { a.I }, Integers = new[] { a.I } };
                case "value_ints": return new OnnxConstant { Name = node.Output[0], Dims = new long[] { a.Ints.Count }, Values = a.Ints.Select(v => (float)v).ToArray(), Integers = a.Ints.ToArray() };
            }
        }
        throw new NotSupportedException($"onnx: node {index} (Constant) holds no numeric value.");
    }
}
