using KeraLua;

namespace ScriptableNN.Lua;

/// <summary>The outcome of one spec (an <c>it</c> block).</summary>
public sealed record SpecResult(string Status, string Name, string Message, string At)
{
    /// <summary>The spec passed.</summary>
    public bool Passed => Status == "passed";
    /// <summary>The spec failed; <see cref="Message"/> says why, with file and line.</summary>
    public bool Failed => Status == "failed";
    /// <summary>The spec is pending (declared, not written).</summary>
    public bool Pending => Status == "pending";
}

/// <summary>
/// Runs Lua spec files written in busted's vocabulary (describe, it, before_each, after_each,
/// pending, assert.are.equal, assert.are.same, assert.is_true, assert.has_error, assert.near).
/// One host per file keeps files independent.
/// </summary>
public static class SpecRunner
{
    /// <summary>Runs one spec file in a fresh host made from <paramref name="options"/>.</summary>
    public static IReadOnlyList<SpecResult> RunFile(string path, LuaHostOptions? options = null)
    {
        options ??= new LuaHostOptions();
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!options.SearchPaths.Contains(dir)) options.SearchPaths.Add(dir);
        using var host = new LuaHost(options);
        return Run(host, path);
    }

    /// <summary>Runs one spec file in <paramref name="host"/>.</summary>
    public static IReadOnlyList<SpecResult> Run(LuaHost host, string path)
    {
        try
        {
            host.LoadSpecLibrary();
            host.RunFile(path);
        }
        catch (LuaScriptException e)
        {
            return new[] { new SpecResult("failed", Path.GetFileName(path) + " (loading)", e.Message, e.Chunk != null ? $"{e.Chunk}:{e.Line}" : path) };
        }
        var list = new List<SpecResult>();
        foreach (var item in host.Call("__spec_run")[0] as object?[] ?? Array.Empty<object?>())
        {
            if (item is not object?[] r || r.Length < 4) continue;
            list.Add(new SpecResult((string)r[0]!, (string)r[1]!, (string)r[2]!, (string)r[3]!));
        }
        return list;
    }

    /// <summary>Spec files under <paramref name="paths"/> (files as given, folders searched for *_spec.lua and *.lua under spec/).</summary>
    public static IEnumerable<string> Discover(IEnumerable<string> paths)
    {
        foreach (var p in paths)
        {
            if (File.Exists(p)) { yield return p; continue; }
            if (!Directory.Exists(p)) throw new FileNotFoundException($"no such spec file or folder: {p}", p);
            foreach (var f in Directory.EnumerateFiles(p, "*.lua", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
                yield return f;
        }
    }
}

public sealed partial class LuaHost
{
    private bool _specLoaded;

    /// <summary>Defines describe/it/assert... in this state (idempotent).</summary>
    internal void LoadSpecLibrary()
    {
        if (_specLoaded) return;
        if (_lua.LoadString(ReadResource("Spec.lua"), "=[spec]") != LuaStatus.OK) throw new InvalidOperationException("spec library: " + _lua.ToString(-1));
        _lua.GetField((int)LuaRegistry.Index, "snn.getinfo");
        if (_lua.PCall(1, 0, 0) != LuaStatus.OK) throw new InvalidOperationException("spec library: " + _lua.ToString(-1));
        _specLoaded = true;
    }
}
