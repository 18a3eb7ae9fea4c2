using NUnit.Framework;
using ScriptableNN.Lua;

namespace ScriptableNN.Lua.Tests;

[TestFixture]
public class SandboxTests
{
    [TestCase("os.execute('echo hi')")]
    [TestCase("io.open('/etc/passwd')")]
    [TestCase("require 'socket.core'")]
    [TestCase("package.loadlib('libc.so.6', 'puts')")]
    [TestCase("dofile('/etc/passwd')")]
    [TestCase("loadfile('/etc/passwd')")]
    [TestCase("string.dump(print)")]
    [TestCase("debug.sethook(print, 'l')")]
    [TestCase("os.exit(1)")]
    [TestCase("os.getenv('HOME')")]
    public void DangerousFunctionsAreUnavailable(string code)
    {
        using var host = new LuaHost();
        var ex = Assert.Throws<LuaScriptException>(() => host.Run(code, "probe"));
        Assert.That(ex!.Message, Does.Contain("nil").Or.Contain("not found"));
        Assert.That(ex.Line, Is.EqualTo(1));
    }

    [Test]
    public void BinaryChunksAreRefused()
    {
        using var host = new LuaHost();
        // "\27Lua" is the signature of a precompiled chunk.
        var r = host.Run("local f, err = load('\\27LuaT\\0\\25\\147\\r\\n\\26\\n') return f, err");
        Assert.That(r[0], Is.Null);
        Assert.That(r[1], Does.Contain("binary"));
        Assert.That(host.Run("return load('return 1 + 1')()")[0], Is.EqualTo(2L));
    }

    [Test]
    public void ClockAndTimeWork()
    {
        using var host = new LuaHost();
        var r = host.Run("return os.clock(), os.time()");
        Assert.That(r[0], Is.TypeOf<double>());
        Assert.That((long)r[1]!, Is.GreaterThan(1_700_000_000L));
    }

    [Test]
    public void AHostCanGrantIOAndFunctions()
    {
        var opts = new LuaHostOptions { AllowIO = true };
        opts.Functions["hostAdd"] = args => (long)args[0]! + (long)args[1]!;
        using var host = new LuaHost(opts);
        var r = host.Run("return io ~= nil, os.getenv ~= nil, hostAdd(2, 3)");
        Assert.That(r, Is.EqualTo(new object?[] { true, true, 5L }));
    }

    [Test]
    public void RequireFindsBuiltinsAndLuaFilesOnTheSearchPath()
    {
        var dir = Path.Combine(Path.GetTempPath(), "snn-req-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(dir, "util"));
        File.WriteAllText(Path.Combine(dir, "util", "mathx.lua"), "local M = {}; function M.sq(x) return x * x end; return M");
        try
        {
            var opts = new LuaHostOptions();
            opts.SearchPaths.Add(dir);
            using var host = new LuaHost(opts);
            var r = host.Run("local nn2 = require 'nn'; local m = require 'util.mathx'; return nn2 == nn, m.sq(7), require('util.mathx') == m");
            Assert.That(r, Is.EqualTo(new object?[] { true, 49L, true }));
            var ex = Assert.Throws<LuaScriptException>(() => host.Run("require 'missing.module'"));
            Assert.That(ex!.Message, Does.Contain("module 'missing.module' not found"));
        }
        finally { Directory.Delete(dir, true); }
    }
}
