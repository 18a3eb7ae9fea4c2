using ScriptableNN.NN;
using ScriptableNN.Registry;
using Proto = ScriptableNN.IO.OnnxGraph.Proto;

namespace ScriptableNN.IO;

/// <summary>
/// Writes a chain of modules as an ONNX model (opset 17), so other runtimes can load the same
/// weights. Each module's nodes come from its <see cref="ModuleType"/>'s mapping; a module
/// without one is named in the error.
/// </summary>
public static class OnnxExporter
{
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

        var g = new Proto();
        foreach (var n in graph.Nodes) g.Message(1, n);
        g.String(2, "scriptablenn");
        foreach (var i in graph.Initializers) g.Message(5, i);
        g.Message(11, ValueInfo("input", inputSize));
        g.Message(12, ValueInfo("output", width));
        var opset = new Proto().String(1, "").Varint(2, 17);
        var modelProto = new Proto()
            .Varint(1, 8)                                  // ir_version
            .String(2, "ScriptableNN")
            .String(3, typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "0")
            .Message(7, g.ToArray())
            .Message(8, opset.ToArray());
        File.WriteAllBytes(path, modelProto.ToArray());
    }

    // Containers are flattened: ONNX gets one chain of nodes.
    private static IEnumerable<Module> Chain(Module m)
    {
        if (m.Children.Count == 0 && !Catalog.TypeOf(m).IsContainer) { yield return m; yield break; }
        foreach (var c in m.Children)
            foreach (var leaf in Chain(c)) yield return leaf;
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
}
