using Google.Protobuf;
using ScriptableNN.IO.Onnx;
using ScriptableNN.NN;
using ScriptableNN.Registry;

namespace ScriptableNN.IO;

/// <summary>
/// Writes a chain of modules as an ONNX model (opset 17), so other runtimes can load the same
/// weights. Each module's nodes come from its <see cref="ModuleType"/>'s mapping; a module
/// without one is named in the error.
/// </summary>
public static class OnnxExporter
{
    /// <summary>The operator set the files declare.</summary>
    public const int Opset = 17;

    /// <summary>Exports <paramref name="model"/> with input "input" [N, inputSize] and output "output".</summary>
    public static void Export(string path, Module model, int inputSize)
    {
        var graph = new OnnxGraph("input");
        int width = inputSize, index = 0;
        foreach (var m in Chain(model))
        {
            index++;
            var type = Catalog.TypeOf(m);
            if (!type.HasOnnx) throw new NotSupportedException($"onnx: layer {index} ({m}) has no ONNX form.");
            try { width = m.OutputWidth(width); }
            catch (ArgumentException e) { throw new ArgumentException($"onnx: layer {index} ({m}): {e.Message}", e); }
            type.ExportOnnx(m, graph);
        }
        graph.Output("output");
        graph.Proto.Input.Add(ValueInfo("input", inputSize));
        graph.Proto.Output.Add(ValueInfo("output", width));
        var model_ = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "ScriptableNN",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "0",
            Graph = graph.Proto,
        };
        model_.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        File.WriteAllBytes(path, model_.ToByteArray());
    }

    // Containers are flattened: ONNX gets one chain of nodes.
    private static IEnumerable<Module> Chain(Module m)
    {
        if (m.Children.Count == 0 && !Catalog.TypeOf(m).IsContainer) { yield return m; yield break; }
        foreach (var c in m.Children)
            foreach (var leaf in Chain(c)) yield return leaf;
    }

    private static ValueInfoProto ValueInfo(string name, int width)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = width });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
