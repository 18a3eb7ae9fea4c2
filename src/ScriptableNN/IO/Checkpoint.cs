using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ScriptableNN.NN;
using ScriptableNN.Optim;
using ScriptableNN.Registry;
using ScriptableNN.Tensors;

namespace ScriptableNN.IO;

/// <summary>What a checkpoint file holds once loaded.</summary>
public sealed record CheckpointData(Module Model, Optimizer? Optimizer, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// Checkpoints: a declarative, versioned file of the architecture (as JSON), the parameters and
/// optionally the optimizer's state (never scratch buffers), closed by a SHA-256 checksum.
/// Layout: "SNNCKPT\x1A", int32 format version, int32 header length, the JSON header, int64 data
/// length, the float32 data (little-endian), 32 bytes of SHA-256 over everything before.
/// A save writes a temporary file, flushes it to disk and renames it over the target, so a
/// crash during a save leaves the previous checkpoint intact.
/// </summary>
public static class Checkpoint
{
    /// <summary>The format this version writes and the newest it reads.</summary>
    public const int FormatVersion = 1;

    private static ReadOnlySpan<byte> Magic => "SNNCKPT\x1A"u8;

    /// <summary>For tests: wraps the stream a save writes to (to interrupt a write).</summary>
    internal static Func<Stream, Stream>? WrapWriteStream;

    /// <summary>Saves the model (and optionally the optimizer) atomically to <paramref name="path"/>.</summary>
    public static void Save(string path, Module model, Optimizer? optimizer = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        int depth = Sequential.NestingDepth(model);
        if (depth > Sequential.MaxDepth)
            throw new ArgumentException($"checkpoint: the network nests containers {depth} deep; a checkpoint holds at most {Sequential.MaxDepth}.");
        RemoveStaleTemporaries(path);
        var header = new JsonObject
        {
            ["format"] = FormatVersion,
            ["model"] = Describe(model),
        };
        var tensors = new List<Tensor>();
        var ps = model.ParameterArray();
        var pnames = new JsonArray();
        foreach (var p in ps) { pnames.Add(new JsonObject { ["name"] = p.Name, ["shape"] = Shape(p.Value) }); tensors.Add(p.Value); }
        header["parameters"] = pnames;
        if (optimizer != null) header["optimizer"] = DescribeOptimizer(optimizer, ps, tensors);
        if (metadata != null)
        {
            var meta = new JsonObject();
            foreach (var (k, v) in metadata) meta[k] = v;
            header["metadata"] = meta;
        }
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        long dataLength = 0;
        foreach (var t in tensors) dataLength += 4L * t.Length;

        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, "." + Path.GetFileName(path) + ".tmp-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                Stream s = WrapWriteStream?.Invoke(file) ?? file;
                void Put(ReadOnlySpan<byte> bytes) { s.Write(bytes); sha.AppendData(bytes); }
                Span<byte> b8 = stackalloc byte[8];
                Put(Magic);
                BinaryPrimitives.WriteInt32LittleEndian(b8, FormatVersion); Put(b8[..4]);
                BinaryPrimitives.WriteInt32LittleEndian(b8, json.Length); Put(b8[..4]);
                Put(json);
                BinaryPrimitives.WriteInt64LittleEndian(b8, dataLength); Put(b8);
                var buf = new byte[1 << 16];
                foreach (var t in tensors)
                {
                    var span = t.Span;
                    for (int i = 0; i < span.Length; i += buf.Length / 4)
                    {
                        int n = Math.Min(buf.Length / 4, span.Length - i);
                        for (int k = 0; k < n; k++) BinaryPrimitives.WriteSingleLittleEndian(buf.AsSpan(4 * k), span[i + k]);
                        Put(buf.AsSpan(0, 4 * n));
                    }
                }
                s.Write(sha.GetHashAndReset());
                s.Flush();
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch { /* the original error matters more */ }
            throw;
        }
    }

    // A save killed between writing its temporary file and the rename leaves the temporary
    // behind; the next save or load of the same checkpoint removes it (one older than a few
    // seconds, so a save under way in another process is left alone).
    private static void RemoveStaleTemporaries(string path)
    {
        try
        {
            string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
            if (!Directory.Exists(dir)) return;
            foreach (var f in Directory.EnumerateFiles(dir, "." + Path.GetFileName(path) + ".tmp-*"))
                if (File.GetLastWriteTimeUtc(f) < DateTime.UtcNow.AddSeconds(-5)) File.Delete(f);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Loads a checkpoint; a newer, truncated or corrupt file throws <see cref="InvalidDataException"/>.</summary>
    public static CheckpointData Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint not found: {path}", path);
        RemoveStaleTemporaries(path);
        try { return LoadChecked(path); }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException or ArgumentException or OverflowException or KeyNotFoundException or IndexOutOfRangeException)
        {
            throw new InvalidDataException($"{path}: checkpoint header invalid ({e.Message})", e);
        }
    }

    private static CheckpointData LoadChecked(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        const int fixedHead = 8 + 4 + 4;
        if (bytes.Length < fixedHead || !bytes.AsSpan(0, 8).SequenceEqual(Magic))
            throw new InvalidDataException($"{path}: not a ScriptableNN checkpoint (bad magic).");
        int version = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
        if (version > FormatVersion)
            throw new InvalidDataException($"{path}: checkpoint format version {version} is newer than this ScriptableNN reads (up to {FormatVersion}); upgrade to load it.");
        if (version < 1) throw new InvalidDataException($"{path}: invalid checkpoint format version {version}.");
        int headerLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12));
        if (headerLength < 0 || fixedHead + (long)headerLength + 8 > bytes.Length)
            throw new InvalidDataException($"{path}: checkpoint truncated ({bytes.Length} bytes, the header alone needs {fixedHead + (long)headerLength + 8}).");
        long dataLength = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(fixedHead + headerLength));
        if (dataLength < 0 || dataLength > bytes.Length)
            throw new InvalidDataException($"{path}: checkpoint truncated or corrupt (it declares {dataLength} bytes of parameters; the file has {bytes.Length} bytes in all).");
        long expected = fixedHead + (long)headerLength + 8 + dataLength + 32;
        if (dataLength < 0 || bytes.Length < expected)
            throw new InvalidDataException($"{path}: checkpoint truncated ({bytes.Length} bytes, expected {expected}).");
        if (bytes.Length > expected)
            throw new InvalidDataException($"{path}: checkpoint has {bytes.Length - expected} bytes past its end.");
        var hash = SHA256.HashData(bytes.AsSpan(0, (int)(expected - 32)));
        if (!hash.AsSpan().SequenceEqual(bytes.AsSpan((int)(expected - 32), 32)))
            throw new InvalidDataException($"{path}: checkpoint corrupt (checksum mismatch).");

        var header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, fixedHead, headerLength), null,
            new JsonDocumentOptions { MaxDepth = 2 * Sequential.MaxDepth + 16 })!.AsObject();
        // Before building anything: no module may declare more parameters than the file holds,
        // so a tiny file cannot make the loader allocate gigabytes.
        CheckDeclaredSizes(path, header["model"]!.AsObject(), dataLength / 4);
        var model = Build(header["model"]!.AsObject());
        int offset = fixedHead + headerLength + 8;
        void Fill(Tensor t, string what)
        {
            var span = t.Span;
            if (offset + 4L * span.Length > expected - 32) throw new InvalidDataException($"{path}: data ends before {what}.");
            for (int i = 0; i < span.Length; i++) span[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(offset + 4 * i));
            offset += 4 * span.Length;
        }
        var ps = model.ParameterArray();
        var saved = header["parameters"]!.AsArray();
        if (saved.Count != ps.Length) throw new InvalidDataException($"{path}: {saved.Count} parameters saved, the architecture has {ps.Length}.");
        for (int i = 0; i < ps.Length; i++)
        {
            var shape = saved[i]!["shape"]!.AsArray().Select(v => (int)v!).ToArray();
            if (!ps[i].Value.Shape.SequenceEqual(shape))
                throw new InvalidDataException($"{path}: parameter {i + 1} ({ps[i].Name}) saved as {Tensor.ShapeString(shape)}, the architecture has {ps[i].Value.ShapeText}.");
            Fill(ps[i].Value, $"parameter {i + 1}");
        }
        Optimizer? opt = null;
        if (header["optimizer"] is JsonObject o) opt = BuildOptimizer(o, ps, Fill);
        var meta = new Dictionary<string, string>();
        if (header["metadata"] is JsonObject m) foreach (var (k, v) in m) meta[k] = v?.ToString() ?? "";
        return new CheckpointData(model, opt, meta);
    }

    // Each module's settings say how many parameters it makes (its ModuleType counts them);
    // together they may not exceed what the file holds.
    private static void CheckDeclaredSizes(string path, JsonObject node, long elements)
    {
        long total = 0;
        var todo = new Stack<JsonObject>();
        todo.Push(node);
        while (todo.Count > 0)
        {
            var o = todo.Pop();
            var type = TypeOf(o);
            long n;
            try { n = type.ParameterCount(o); }
            catch (ArgumentException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
            if (n < 0) throw new InvalidDataException($"{path}: module {type} declares a negative size.");
            total += n;
            if (total > Math.Max(elements, 1))
                throw new InvalidDataException($"{path}: module {type} declares {n} parameters, but the file holds {elements} in all (corrupt or forged).");
            if (o["modules"] is JsonArray children)
                foreach (var c in children) todo.Push(c?.AsObject() ?? throw new InvalidDataException($"{path}: a null module in {type}."));
        }
    }

    private static JsonArray Shape(Tensor t) => new(t.Shape.ToArray().Select(d => (JsonNode)d).ToArray());

    // ---- architecture ----------------------------------------------------------------

    /// <summary>The module as data: its type and settings, and a container's modules, recursively.</summary>
    public static JsonObject Describe(Module m)
    {
        var type = Catalog.TypeOf(m);
        var j = new JsonObject { ["type"] = type.Name };
        foreach (var (k, v) in type.Describe(m)) j[k] = v?.DeepClone();
        if (type.IsContainer) j["modules"] = new JsonArray(m.Children.Select(c => (JsonNode)Describe(c)).ToArray());
        return j;
    }

    private static ModuleType TypeOf(JsonObject d)
    {
        string name = (string?)d["type"] ?? throw new InvalidDataException("checkpoint: a module without a type.");
        return Catalog.Module(name) ?? throw new InvalidDataException($"checkpoint: unknown module type '{name}' (written by a newer version, or a host that registered it?).");
    }

    /// <summary>Builds a module from its description (parameters freshly initialised, from <paramref name="rng"/> or a fixed seed).</summary>
    public static Module Build(JsonObject d, Rng? rng = null)
    {
        var type = TypeOf(d);
        var settings = new JsonObject();
        foreach (var (k, v) in d) if (k is not "type" and not "modules") settings[k] = v?.DeepClone();
        Module m;
        try { m = type.Create(settings, rng ?? new Rng(0)); }
        catch (ArgumentException e) { throw new InvalidDataException($"checkpoint: {e.Message}", e); }
        if (type.IsContainer)
        {
            if (m is not IContainer c) throw new InvalidDataException($"checkpoint: {type} is a container type but its module cannot take children.");
            foreach (var n in d["modules"]?.AsArray() ?? new JsonArray()) c.Add(Build(n!.AsObject(), rng));
        }
        return m;
    }

    // ---- optimizer state -------------------------------------------------------------

    private static JsonObject DescribeOptimizer(Optimizer o, Parameter[] ps, List<Tensor> tensors)
    {
        var type = Catalog.TypeOf(o);
        var j = new JsonObject { ["type"] = type.Name, ["step"] = o.State.Step, ["learningRate"] = o.LearningRate, ["config"] = type.Describe(o) };
        if (o.Parameters.Count != ps.Length || o.Parameters.Where((p, i) => !ReferenceEquals(p, ps[i])).Any())
            throw new ArgumentException("checkpoint: the optimizer does not update exactly the model's parameters.");
        var slots = new JsonArray();
        foreach (var slot in o.State.Buffers)
        {
            var present = new JsonArray();
            for (int i = 0; i < ps.Length; i++)
            {
                bool has = slot[i] != null;
                present.Add(has);
                if (has) tensors.Add(slot[i]!);
            }
            slots.Add(present);
        }
        j["buffers"] = slots;
        return j;
    }

    private static Optimizer BuildOptimizer(JsonObject j, Parameter[] ps, Action<Tensor, string> fill)
    {
        string name = (string?)j["type"] ?? throw new InvalidDataException("checkpoint: an optimizer without a type.");
        var type = Catalog.Optimizer(name) ?? throw new InvalidDataException($"checkpoint: unknown optimizer type '{name}'.");
        var o = type.Create(ps, j["config"]?.AsObject() ?? new JsonObject());
        o.State.Step = (long)j["step"]!;
        o.LearningRate = (float)j["learningRate"]!;
        foreach (var slot in j["buffers"]!.AsArray())
        {
            var present = slot!.AsArray();
            var arr = new Tensor?[ps.Length];
            for (int i = 0; i < ps.Length; i++)
                if ((bool)present[i]!) { arr[i] = Tensor.Zeros(ps[i].Value.Shape.ToArray()); fill(arr[i]!, "optimizer state"); }
            o.State.Buffers.Add(arr);
        }
        return o;
    }
}
