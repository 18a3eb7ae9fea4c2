using ScriptableNN.Lua;

namespace ScriptableNN.Cli;

/// <summary>
/// A project's .busted file, as busted reads it: a Lua file returning a table whose `default` (or
/// the task named by --run) and `_all` entries hold options by their command-line names: ROOT,
/// pattern, lpath, tags, exclude-tags, filter, filter-out. The file runs in the sandbox.
/// </summary>
internal sealed record BustedConfig(string[] Roots, string? Pattern, string[] SearchDirs, SpecSelection? Selection)
{
    public static BustedConfig? Load(string dir, string? run)
    {
        string path = Path.Combine(dir, ".busted");
        if (!File.Exists(path)) return null;
        object? value;
        using (var host = new LuaHost(new LuaHostOptions { Timeout = TimeSpan.FromSeconds(5) }))
            value = host.RunFile(path).FirstOrDefault();
        if (value is not Dictionary<object, object?> file) throw new InvalidDataException(".busted: the file does not return a table");
        // busted merges the task (or `default`), then `_all` under it.
        var merged = new Dictionary<string, object?>();
        void Take(string key)
        {
            if (!file.TryGetValue(key, out var t)) return;
            if (t is not Dictionary<object, object?> d) throw new InvalidDataException($".busted: task `{key}` is not a table");
            foreach (var (k, v) in d) if (k is string s && !merged.ContainsKey(s)) merged[s] = v;
        }
        if (run != null)
        {
            if (!file.ContainsKey(run)) throw new InvalidDataException($".busted: task `{run}` not found, or not a table");
            Take(run);
        }
        else Take("default");
        Take("_all");
        string[] List(string key) => merged.GetValueOrDefault(key) switch
        {
            string s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            object?[] a => a.Select(x => x?.ToString() ?? "").Where(x => x.Length > 0).ToArray(),
            _ => Array.Empty<string>(),
        };
        // lpath: templates such as ./src/?.lua;./src/?/init.lua, as search folders.
        var dirs = new List<string>();
        foreach (var template in (merged.GetValueOrDefault("lpath") as string ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            int q = template.IndexOf('?');
            if (q < 0) continue;
            string folder = Path.GetFullPath(Path.Combine(dir, template[..q]));
            if (!dirs.Contains(folder)) dirs.Add(folder);
        }
        var selection = new SpecSelection(List("tags"), List("exclude-tags"), List("filter"), List("filter-out"));
        bool any = selection.Tags!.Count + selection.ExcludeTags!.Count + selection.Filters!.Count + selection.FiltersOut!.Count > 0;
        return new BustedConfig(List("ROOT"), merged.GetValueOrDefault("pattern") as string, dirs.ToArray(), any ? selection : null);
    }
}
