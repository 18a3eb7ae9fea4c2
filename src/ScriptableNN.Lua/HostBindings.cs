using static ScriptableNN.Lua.Native;

namespace ScriptableNN.Lua;

/// <summary>What scripts reach of the host: print, require of Lua files, granted functions, GC pacing.</summary>
internal static unsafe class HostBindings
{
    public static readonly Binding[] Functions =
    {
        new("print", 1, a => { a.Host.Options.Output.WriteLine(a.String(1)); return 0; }),
        new("findModule", 1, FindModule),
        new("searchPath", 0, a => a.Push(string.Join("", a.Host.Options.SearchPaths.Select(d => $"{d}/?.lua;{d}/?/init.lua;")))),
        new("grant", 1, Grant),
        new("stopped", 0, a => a.Push(a.Host.Stopped)),
        new("liveHandles", 0, a => a.Push(a.Host.LiveHandles)),
        new("now", 0, a => a.Push((double)System.Diagnostics.Stopwatch.GetTimestamp() / System.Diagnostics.Stopwatch.Frequency)),
        new("cwd", 0, a => a.Push(Directory.GetCurrentDirectory())),
        new("threads", 0, Threads),
        new("fileKind", 1, FileKind),
    };

    // threads([n]): the engine's thread count for one product or pass, set (at most the cores) and read.
    private static int Threads(Args a)
    {
        if (!a.IsNoneOrNil(1)) Kernels.Parallelism.MaxThreads = Math.Min(a.Int(1), Environment.ProcessorCount);
        return a.Push((long)Kernels.Parallelism.MaxThreads);
    }

    // paths.filep/dirp: "file", "dir" or nothing, for a path the script may read (a path outside
    // the sandbox's read roots is an error, not a quiet false).
    private static int FileKind(Args a)
    {
        string path = a.Host.ResolvePath(a.String(1));
        if (File.Exists(path)) return a.Push("file");
        if (Directory.Exists(path)) return a.Push("dir");
        return a.Nil();
    }

    private static int FindModule(Args a)
    {
        var found = a.Host.FindModule(a.String(1));
        if (found == null) return a.Nil();
        a.Push(found.Value.Source);
        a.Push(found.Value.Chunk);
        return 2;
    }

    // grant(index, ...): calls the host function granted under that index with plain values.
    private static int Grant(Args a)
    {
        int index = a.Int(1) - 1;
        var names = a.Host.GrantNames;
        if (index < 0 || index >= names.Length) throw new ScriptError("no such host function");
        var args = new object?[a.Count - 1];
        for (int i = 2; i <= a.Count; i++)
        {
            args[i - 2] = a.Type(i) switch
            {
                TNumber => lua_isinteger(a.L, i) != 0 ? (object)lua_tointegerx(a.L, i, null) : a.Number(i),
                TString => a.String(i),
                TBoolean => a.Bool(i),
                TUserData => (object?)a.Host.Objects.Get<Tensors.Tensor>(a.L, i, ObjectKind.Tensor) ?? a.Host.Objects.Get<NN.Module>(a.L, i, ObjectKind.Module),
                _ => null,
            };
        }
        var result = a.Host.Options.Functions[names[index]](args);
        return result switch
        {
            null => 0,
            bool b => a.Push(b),
            int n => a.Push((long)n),
            long l => a.Push(l),
            float f => a.Push((double)f),
            double d => a.Push(d),
            string s => a.Push(s),
            Tensors.Tensor t => a.Push(t),
            NN.Module m => a.Push(m),
            _ => a.Push(result.ToString() ?? ""),
        };
    }
}
