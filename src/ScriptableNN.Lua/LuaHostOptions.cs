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

    /// <summary>
    /// Most VM instructions one call into the host (Run, Call) may execute; null for no limit.
    /// Set it (or <see cref="Timeout"/>) before creating the host: only then does the host
    /// install Lua's count hook, which slows plain Lua code about twofold.
    /// </summary>
    public long? InstructionBudget { get; set; }

    /// <summary>Longest one call into the host may run; null for no limit. Set before creating the host, as <see cref="InstructionBudget"/>.</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>
    /// Most bytes a script may hold: Lua's own heap plus the storage of the tensors it holds
    /// (each storage counted once, however many views share it); null for no cap. Past the cap
    /// the script stops with "not enough memory" naming the cap, and the host runs the next one.
    /// </summary>
    public long? MemoryLimit { get; set; }

    /// <summary>
    /// Folders a sandboxed script may read files under (data.csv, data.idx, torch.load). When
    /// both this and <see cref="WriteRoots"/> are empty, the working folder and the folder of
    /// the script being run. Paths are resolved, symbolic links included, before the check.
    /// <see cref="AllowIO"/> or a host without the sandbox lifts the check.
    /// </summary>
    public List<string> ReadRoots { get; } = new();

    /// <summary>
    /// Folders a sandboxed script may write files under (torch.save, model:save); readable too.
    /// When both this and <see cref="ReadRoots"/> are empty, the working folder.
    /// </summary>
    public List<string> WriteRoots { get; } = new();

    /// <summary>Folders searched by <c>require "name"</c> for name.lua (dots become folders).</summary>
    public List<string> SearchPaths { get; } = new();

    /// <summary>
    /// Where every <c>train.fit</c> that names no <c>log</c> folder writes its history (CSV and
    /// TensorBoard events): the first fit into this folder, later ones into <c>fit2</c>, <c>fit3</c>...
    /// under it (<c>snn run --log DIR</c>). Null: only fits that say <c>log = "dir"</c> log.
    /// The folder may be written even in the sandbox.
    /// </summary>
    public string? LogDirectory { get; set; }

    /// <summary>Draws <c>train.plot</c> and <c>train.plotBoundary</c> pictures (null: scripts that plot get a clear error).</summary>
    public ITrainingPlotter? Plotter { get; set; }

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
