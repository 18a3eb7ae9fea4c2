using ScriptableNN.Lua;

namespace ScriptableNN.Cli;

/// <summary>`snn repl`: read a line (or more, while the chunk is incomplete), run it, print the results.</summary>
internal static class ReplCommand
{
    public static int Execute(LuaHostOptions options, TextReader input, TextWriter output, TextWriter error)
    {
        using var host = new LuaHost(options);
        output.WriteLine("ScriptableNN Lua 5.4 — torch, nn, optim, data and train are loaded. Ctrl-D to leave.");
        var chunk = "";
        while (true)
        {
            output.Write(chunk.Length == 0 ? "> " : ">> ");
            output.Flush();
            var line = input.ReadLine();
            if (line == null) { output.WriteLine(); return 0; }
            chunk += (chunk.Length > 0 ? "\n" : "") + line;
            try
            {
                object?[] results;
                try { results = host.Run("return " + chunk, "stdin"); }       // an expression?
                catch (LuaScriptException e) when (e.LuaTraceback == null) { results = host.Run(chunk, "stdin"); }
                if (results.Length > 0) output.WriteLine(string.Join("\t", results.Select(Show)));
                chunk = "";
            }
            catch (LuaScriptException e) when (e.LuaTraceback == null && e.Message.Contains("<eof>"))
            {
                // incomplete: read another line
            }
            catch (LuaScriptException e)
            {
                error.WriteLine(e.Message);
                chunk = "";
            }
        }
    }

    private static string Show(object? v) => v switch
    {
        null => "nil",
        bool b => b ? "true" : "false",
        double d => d.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };
}
