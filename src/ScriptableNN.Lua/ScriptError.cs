namespace ScriptableNN.Lua;

/// <summary>
/// An error a binding reports to the script. Bindings throw it (or any exception); the
/// dispatcher turns it into a value, and the script's thin Lua wrapper raises it with error(),
/// so no Lua error ever starts in a C# frame.
/// </summary>
public sealed class ScriptError : Exception
{
    /// <summary>An error with the message the script will see.</summary>
    public ScriptError(string message) : base(message) { }
}

/// <summary>A script failed: the Lua message, where it happened, and the Lua traceback.</summary>
public class LuaScriptException : Exception
{
    /// <summary>A script failure: message, chunk and line (0 when unknown), traceback.</summary>
    public LuaScriptException(string message, string? chunk, int line, string? traceback, Exception? inner = null)
        : base(message, inner)
    {
        Chunk = chunk;
        Line = line;
        LuaTraceback = traceback;
    }

    /// <summary>The chunk (file name or given name) the error points at, when known.</summary>
    public string? Chunk { get; }

    /// <summary>The line in <see cref="Chunk"/>, or 0 when unknown.</summary>
    public int Line { get; }

    /// <summary>Lua's stack traceback at the point of the error.</summary>
    public string? LuaTraceback { get; }

    /// <inheritdoc/>
    public override string ToString() => LuaTraceback == null ? base.ToString() : Message + "\n" + LuaTraceback;
}

/// <summary>A script ran past its instruction budget or wall-clock timeout and was stopped.</summary>
public sealed class LuaBudgetException : LuaScriptException
{
    /// <summary>A script stopped by its budget, where it was.</summary>
    public LuaBudgetException(string message, string? chunk, int line) : base(message, chunk, line, null) { }
}
