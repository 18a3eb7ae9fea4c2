using KeraLua;
using static ScriptableNN.Lua.Native;

namespace ScriptableNN.Lua;

/// <summary>The outcome of one spec (an <c>it</c> block).</summary>
public sealed record SpecResult(string Status, string Name, string Message, string At)
{
    /// <summary>A failed spec whose error did not come from an assertion (busted's "error", not "failure").</summary>
    public bool IsError { get; init; }
    /// <summary>A failure of a setup or teardown hook rather than of a test (busted shows no progress mark for it).</summary>
    public bool InHook { get; init; }
    /// <summary>The test's own name, without its blocks' (busted's element name); the full name when unknown.</summary>
    public string ShortName { get => _short ?? Name; init => _short = value; }
    /// <summary>The seed the failed test's block was shuffled with, if it was.</summary>
    public long? RandomSeed { get; init; }
    private readonly string? _short;
    /// <summary>The spec passed.</summary>
    public bool Passed => Status == "passed";
    /// <summary>The spec failed; <see cref="Message"/> says why, with file and line.</summary>
    public bool Failed => Status == "failed";
    /// <summary>The spec is pending (declared, not written).</summary>
    public bool Pending => Status == "pending";
}

/// <summary>
/// Which tests of a file run, as busted selects them: <see cref="Tags"/> keeps tests whose full
/// name holds one of "#tag", <see cref="ExcludeTags"/> drops them, <see cref="Filters"/> keeps names
/// matching one of the Lua patterns, <see cref="FiltersOut"/> drops them.
/// </summary>
public sealed record SpecSelection(IReadOnlyList<string>? Tags = null, IReadOnlyList<string>? ExcludeTags = null,
    IReadOnlyList<string>? Filters = null, IReadOnlyList<string>? FiltersOut = null)
{
    /// <summary>busted's --shuffle-tests: each block's children run in an order drawn from <see cref="Seed"/>, as busted draws it.</summary>
    public bool Shuffle { get; init; }
    /// <summary>busted's --seed: the seed of shuffled orders and of randomize() (default: the time).</summary>
    public long? Seed { get; init; }
    /// <summary>luassert's TableErrorHighlightColor red: the first difference of two tables marked in colour (busted's utfTerminal with colours).</summary>
    public bool Color { get; init; }
    /// <summary>True when the selection selects anything (tags or filters), not only an order.</summary>
    public bool Selects => Tags is { Count: > 0 } || ExcludeTags is { Count: > 0 } || Filters is { Count: > 0 } || FiltersOut is { Count: > 0 };
}

/// <summary>
/// Runs Lua spec files written in busted's vocabulary (describe, it, before_each, after_each,
/// pending, assert.are.equal, assert.are.same, assert.is_true, assert.has_error, assert.near).
/// One host per file keeps files independent.
/// </summary>
public static class SpecRunner
{
    /// <summary>Runs one spec file in a fresh host made from <paramref name="options"/>.</summary>
    public static IReadOnlyList<SpecResult> RunFile(string path, LuaHostOptions? options = null, SpecSelection? selection = null)
    {
        options ??= new LuaHostOptions();
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!options.SearchPaths.Contains(dir)) options.SearchPaths.Add(dir);
        using var host = new LuaHost(options);
        return Run(host, path, selection);
    }

    /// <summary>
    /// Runs one spec file in <paramref name="host"/>. Each test runs as its own call, under the
    /// host's budgets: a test that times out, yields outside a coroutine or calls os.exit fails
    /// alone and the others still run. A file that cannot load is one failure.
    /// </summary>
    public static IReadOnlyList<SpecResult> Run(LuaHost host, string path, SpecSelection? selection = null)
    {
        try
        {
            host.LoadSpecLibrary();
            if (selection != null)
            {
                static string Csv(IReadOnlyList<string>? l) => l == null ? "" : string.Join(",", l);
                host.CallRunner("select", Csv(selection.Tags), Csv(selection.ExcludeTags), Csv(selection.Filters), Csv(selection.FiltersOut));
                host.CallRunner("order", selection.Shuffle, selection.Seed);
                if (selection.Color) host.CallRunner("colors", true);
            }
            host.RunFile(path);
        }
        catch (LuaScriptException e)
        {
            return new[] { new SpecResult("failed", Path.GetFileName(path) + " (loading)", e.Message, e.Chunk != null ? $"{e.Chunk}:{e.Line}" : path) };
        }
        var list = new List<SpecResult>();
        // One result a call, until the runner has nothing left; a call stopped by a budget or a
        // stray yield is a failure of what it was running, and the next call goes on after it.
        for (int guard = 0; guard < 1_000_000; guard++)
        {
            object?[] r;
            try { r = host.CallRunner("next"); }
            catch (LuaScriptException e)
            {
                string name = "(spec)", at = path;
                try
                {
                    var info = host.CallRunner("current");
                    name = info.Length > 0 && info[0] is string n ? n : name;
                    at = info.Length > 1 && info[1] is string w ? w : at;
                }
                catch (LuaScriptException) { }
                string why = e is LuaBudgetException ? e.Message
                    : e.Message.Contains("attempt to yield from outside a coroutine", StringComparison.Ordinal) ? "the test yielded outside a coroutine of its own: " + e.Message
                    : e.Message;
                list.Add(new SpecResult("failed", name, why, at) { IsError = true });
                continue;
            }
            if (r.Length == 0 || r[0] is not string status) break;
            list.Add(new SpecResult(status, r[1] as string ?? "(spec)", r[2] as string ?? "", r[3] as string ?? path)
                { IsError = r.Length > 4 && r[4] is "error" or "hook", InHook = r.Length > 4 && r[4] as string == "hook", ShortName = r.Length > 5 ? r[5] as string ?? r[1] as string ?? "(spec)" : r[1] as string ?? "(spec)",
                  RandomSeed = r.Length > 6 ? r[6] switch { long l => l, double d => (long)d, _ => null } : null });
        }
        return list;
    }

    /// <summary>
    /// <paramref name="files"/> in the order busted's --shuffle-files gives for <paramref name="seed"/>:
    /// Lua's own generator (math.randomseed, math.random), Fisher-Yates from the end.
    /// </summary>
    public static IReadOnlyList<string> Shuffle(IReadOnlyList<string> files, long seed)
    {
        using var lua = new KeraLua.Lua();
        lua.OpenLibs();
        if (lua.DoString($"local t = {{}} for i = 1, {files.Count} do t[i] = i end math.randomseed({seed}) " +
                         "local n = #t while n >= 2 do local k = math.random(n) t[n], t[k] = t[k], t[n] n = n - 1 end " +
                         "return table.concat(t, ',')"))
            throw new InvalidOperationException("shuffle: " + Native.ToString(lua.Handle, -1));
        return (Native.ToString(lua.Handle, -1) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(i => files[int.Parse(i) - 1]).ToArray();
    }

    /// <summary>Spec files under <paramref name="paths"/> (files as given, folders searched for *_spec.lua and *.lua under spec/).</summary>
    public static IEnumerable<string> Discover(IEnumerable<string> paths, string? pattern = null)
    {
        // busted's --pattern: a Lua pattern the file's name (without .lua) must contain.
        var match = pattern == null ? null : new System.Text.RegularExpressions.Regex(LuaPatternToRegex(pattern));
        foreach (var p in paths)
        {
            if (File.Exists(p)) { yield return p; continue; }
            if (!Directory.Exists(p)) throw new FileNotFoundException($"no such spec file or folder: {p}", p);
            foreach (var f in Directory.EnumerateFiles(p, "*.lua", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
                if (match == null || match.IsMatch(Path.GetFileNameWithoutExtension(f))) yield return f;
        }
    }

    // The Lua pattern classes and quantifiers a file pattern uses, as a .NET regular expression.
    internal static string LuaPatternToRegex(string pattern)
    {
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '%' && i + 1 < pattern.Length)
            {
                char k = pattern[++i];
                sb.Append(k switch
                {
                    'a' => "[A-Za-z]", 'd' => "[0-9]", 'l' => "[a-z]", 'u' => "[A-Z]", 's' => "\\s", 'w' => "[A-Za-z0-9]",
                    'p' => "[\\p{P}\\p{S}]", 'x' => "[0-9A-Fa-f]",
                    _ => System.Text.RegularExpressions.Regex.Escape(k.ToString()),
                });
            }
            else if (c == '-') sb.Append("*?");
            else if (c is '.' or '*' or '+' or '?' or '^' or '$' or '[' or ']') sb.Append(c);
            else sb.Append(System.Text.RegularExpressions.Regex.Escape(c.ToString()));
        }
        return sb.ToString();
    }
}

public sealed partial class LuaHost
{
    private bool _specLoaded;
    private int _runnerRef;     // registry slot of the spec library's runner table, out of a spec's reach

    /// <summary>Defines describe/it/assert... in this state (idempotent).</summary>
    internal void LoadSpecLibrary()
    {
        if (_specLoaded) return;
        if (_lua.LoadString(ReadResource("Spec.lua"), "=[spec]") != LuaStatus.OK) throw new InvalidOperationException("spec library: " + Native.ToString(_L, -1));
        RawField(_L, RegistryIndex, "snn.getinfo");      // the prelude keeps debug.getinfo there
        _lua.NewTable();
        _lua.PushCopy(-1);
        _runnerRef = Ref(_L);
        // The sandbox's table of loaded modules, which insulate puts back as busted does package.loaded.
        RawField(_L, RegistryIndex, "snn.loaded");
        if (_lua.PCall(3, 0, 0) != LuaStatus.OK) throw new InvalidOperationException("spec library: " + Native.ToString(_L, -1));
        // A spec that calls os.exit (granted with --allow-io) fails; it cannot end the run early.
        if (RawGlobal(_L, "os") == TTable)
        {
            _lua.LoadString("local os = ... ; rawset(os, 'exit', function(code) error('os.exit(' .. tostring(code) .. ') called inside a spec', 2) end)", "=[spec]");
            _lua.Insert(-2);
            if (_lua.PCall(1, 0, 0) != LuaStatus.OK) _lua.Pop(1);
        }
        else _lua.Pop(1);
        _specLoaded = true;
    }

    /// <summary>Calls runner.<paramref name="name"/> of the spec library under the host's budgets.</summary>
    internal object?[] CallRunner(string name, params object?[] args)
    {
        CheckUsable();
        lua_checkstack(_L, 8);
        PushRef(_L, _runnerRef);
        RawField(_L, -1, name);
        lua_rotate(_L, -2, -1);
        _lua.Pop(1);
        if (lua_type(_L, -1) != TFunction)
        {
            _lua.Pop(1);
            throw new LuaScriptException($"spec runner has no '{name}'", null, 0, null);
        }
        return Execute(args);
    }
}
