using System.Text.Json.Nodes;
using ScriptableNN.IO;
using ScriptableNN.NN;
using ScriptableNN.Tensors;

namespace ScriptableNN.Registry;

/// <summary>
/// Everything the library needs to know about one kind of module, said once: the name scripts
/// call it by, its settings (the constructor's arguments, the checkpoint's record), how to build
/// it from them, how many parameters they make, and, where one exists, its ONNX form and its
/// compiled-inference form. Lua's <c>nn.*</c>, checkpoints, the ONNX exporter and
/// <see cref="Inference.CompiledNetwork"/> all read it; none of them names a module type.
/// </summary>
public abstract class ModuleType
{
    /// <summary>The Torch7 name (<c>nn.Linear</c>), also the checkpoint's type.</summary>
    public string Name { get; }

    /// <summary>Other names scripts may use (PyTorch spellings).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = Array.Empty<string>();

    /// <summary>The settings: names, kinds, positional order.</summary>
    public SettingsSchema Schema { get; }

    /// <summary>The module's class.</summary>
    public abstract Type ModuleClass { get; }

    /// <summary>At inference the module passes its input through (Dropout, Identity).</summary>
    public bool PassThroughAtInference { get; init; }

    /// <summary>A container: it holds other modules, saved under "modules".</summary>
    public bool IsContainer { get; init; }

    /// <summary>The ONNX operators this type reads (<see cref="FromOnnx"/> handles each).</summary>
    public IReadOnlyList<string> OnnxOps { get; init; } = Array.Empty<string>();

    /// <summary>The module for an ONNX node of one of <see cref="OnnxOps"/>, or null when the node changes nothing (Dropout, Flatten of a batch of vectors).</summary>
    public Func<OnnxNode, Module?>? FromOnnx { get; init; }

    private protected ModuleType(string name, Type settings, IReadOnlyList<string> positional)
    {
        Name = name;
        Schema = new SettingsSchema(settings, positional);
    }

    /// <summary>A new module from its settings (parameters drawn from <paramref name="rng"/>, or the global generator).</summary>
    public abstract Module Create(JsonObject settings, Rng? rng = null);

    /// <summary>The module's settings as JSON (not its parameters).</summary>
    public abstract JsonObject Describe(Module module);

    /// <summary>Parameters (weights and biases) a module with these settings holds; checked against memory caps and file sizes before it is built.</summary>
    public abstract long ParameterCount(JsonObject settings);

    /// <summary>Whether <see cref="ExportOnnx"/> has a mapping.</summary>
    public abstract bool HasOnnx { get; }

    /// <summary>Appends the module's ONNX nodes to <paramref name="graph"/>.</summary>
    public abstract void ExportOnnx(Module module, OnnxGraph graph);

    /// <summary>The element-wise function the module applies, when it is one (a compiled network fuses it into the layer before).</summary>
    public abstract IPointwise? Activation(Module module);

    /// <summary>The module's name as scripts write it.</summary>
    public override string ToString() => "nn." + Name;
}

/// <summary>The description of modules of class <typeparamref name="TModule"/> with settings <typeparamref name="TSettings"/>.</summary>
public sealed class ModuleType<TModule, TSettings> : ModuleType where TModule : Module where TSettings : class
{
    /// <summary>Builds the module; the generator is for its parameters (null: the global one).</summary>
    public required Func<TSettings, Rng?, TModule> New { get; init; }

    /// <summary>The settings the module was built with.</summary>
    public required Func<TModule, TSettings> SettingsOf { get; init; }

    /// <summary>Parameters the settings make (none when absent).</summary>
    public Func<TSettings, long>? Parameters { get; init; }

    /// <summary>The ONNX form; absent, export names the module and stops.</summary>
    public Action<TModule, OnnxGraph>? Onnx { get; init; }

    /// <summary>The element-wise function, for modules that apply one.</summary>
    public Func<TModule, IPointwise>? Pointwise { get; init; }

    /// <summary>A module called <paramref name="name"/> taking <paramref name="positional"/> settings by position.</summary>
    public ModuleType(string name, params string[] positional) : base(name, typeof(TSettings), positional) { }

    /// <inheritdoc/>
    public override Type ModuleClass => typeof(TModule);

    private TSettings Read(JsonObject json) => (TSettings)Schema.Read(json, ToString());

    /// <inheritdoc/>
    public override Module Create(JsonObject settings, Rng? rng = null) => New(Read(settings), rng);

    /// <inheritdoc/>
    public override JsonObject Describe(Module module) => Schema.Write(SettingsOf((TModule)module));

    /// <inheritdoc/>
    public override long ParameterCount(JsonObject settings) => Parameters == null ? 0 : Parameters(Read(settings));

    /// <inheritdoc/>
    public override bool HasOnnx => Onnx != null;

    /// <inheritdoc/>
    public override void ExportOnnx(Module module, OnnxGraph graph)
    {
        if (Onnx == null) throw new NotSupportedException($"onnx: {module} has no ONNX form (its ModuleType gives no Onnx mapping).");
        Onnx((TModule)module, graph);
    }

    /// <inheritdoc/>
    public override IPointwise? Activation(Module module) => Pointwise?.Invoke((TModule)module);
}
