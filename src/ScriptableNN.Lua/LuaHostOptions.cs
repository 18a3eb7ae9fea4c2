namespace ScriptableNN.Lua;

/// <summary>How a <see cref="LuaHost"/> runs scripts: the sandbox, the budgets, what it grants.</summary>
public sealed class LuaHostOptions
{
    /// <summary>
    /// Open only base, string, table, math, utf8 and coroutine, with os.clock and os.time;
    /// no io, os, debug, C modules, dofile, loadfile, binary chunks or string.dump. On by default.
    /// </summary>
    public bool Sandbox { get; set; } = true;

    /// <summary>Grant the full io and os libraries even in the sandbox (`snn run --allow-io`).</summary>
    public bool AllowIO { get; set; }

    /// <summary>Most VM instructions one call into the host (Run, Call) may execute; null for no limit.</summary>
    public long? InstructionBudget { get; set; }

    /// <summary>Longest one call into the host may run; null for no limit.</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>Most bytes Lua's own heap may grow to; null for no cap. Tensor storage is not counted here.</summary>
    public long? MemoryLimit { get; set; }

    /// <summary>Folders searched by <c>require "name"</c> for name.lua (dots become folders).</summary>
    public List<string> SearchPaths { get; } = new();

    /// <summary>Functions the host grants to scripts, as globals: arguments and results are plain values.</summary>
    public Dictionary<string, Func<object?[], object?>> Functions { get; } = new();

    /// <summary>Where print writes; the console by default.</summary>
    public TextWriter Output { get; set; } = Console.Out;

    /// <summary>
    /// Seed of torch's global generator. As in Torch7 that generator is global: it is this
    /// thread's <c>Rng.Global</c>, reseeded when the host is created (and by torch.manualSeed),
    /// so C# code on the same thread that draws from it sees the same stream.
    /// </summary>
    public ulong Seed { get; set; }
}
