using System.Text.RegularExpressions;
using NUnit.Framework;

namespace ScriptableNN.Lua.Tests;

/// <summary>
/// The binding rule, checked on the source: no C# code of the Lua layer calls a Lua API
/// function that can run a script's metamethods (and so raise a Lua error over a C# frame);
/// reads and writes of Lua tables, globals and strings go through Native's raw helpers.
/// </summary>
[TestFixture]
public class SourceRuleTests
{
    private static readonly Regex Forbidden = new(
        @"\b(lua_getfield|lua_setfield|lua_gettable|lua_settable|lua_geti|lua_seti|lua_len|luaL_len|luaL_tolstring|lua_tolstring|lua_compare|lua_concat|lua_arith|lua_getglobal|lua_setglobal|lua_call|lua_callk)\s*\(|\.(GetField|SetField|GetTable|SetTable|GetGlobal|SetGlobal|GetInteger|SetInteger|Len|Compare|Concat|Arith|Call)\(|\.ToString\(\s*-?\d");

    [Test]
    public void NoBindingCallsALuaFunctionThatRunsMetamethods()
    {
        var dir = TestContext.CurrentContext.TestDirectory;
        while (!File.Exists(Path.Combine(dir, "ScriptableNN.sln"))) dir = Path.GetDirectoryName(dir)!;
        var offences = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(dir, "src", "ScriptableNN.Lua"), "*.cs"))
        {
            var lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                var line = lines[i];
                if (line.TrimStart().StartsWith("//") || line.TrimStart().StartsWith("///")) continue;
                // Native.cs holds the one raw helper for each of these (and the only import of
                // lua_tolstring); everything else goes through it.
                if (Path.GetFileName(file) == "Native.cs") continue;
                if (!Forbidden.IsMatch(line) || line.Contains("host.Call(")) continue;
                offences.Add($"{Path.GetFileName(file)}:{i + 1}: {line.Trim()}");
            }
        }
        Assert.That(offences, Is.Empty);
    }
}
