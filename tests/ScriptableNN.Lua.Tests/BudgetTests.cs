using System.Diagnostics;
using NUnit.Framework;
using ScriptableNN.Lua;

namespace ScriptableNN.Lua.Tests;

[TestFixture]
public class BudgetTests
{
    [TestCase("while true do end")]
    [TestCase("pcall(function() while true do end end)")]
    [TestCase("while true do pcall(function() while true do end end) end")]
    [TestCase("local co = coroutine.wrap(function() while true do end end) co()")]
    [TestCase("while true do local co = coroutine.create(function() while true do end end) coroutine.resume(co) end")]
    [TestCase("while true do local t = torch.zeros(2) end")]
    public void InstructionBudgetStopsEvenUnderPcall(string code)
    {
        using var host = new LuaHost(new LuaHostOptions { InstructionBudget = 2_000_000 });
        var ex = Assert.Throws<LuaBudgetException>(() => host.Run(code, "loop"));
        Assert.That(ex!.Message, Does.Contain("instruction budget"));
        Assert.That(host.Run("return 1 + 1")[0], Is.EqualTo(2L), "the state still runs scripts");
    }

    [Test]
    public void TimeoutStopsALoop()
    {
        using var host = new LuaHost(new LuaHostOptions { Timeout = TimeSpan.FromMilliseconds(200) });
        var sw = Stopwatch.StartNew();
        var ex = Assert.Throws<LuaBudgetException>(() => host.Run("pcall(function() while true do end end)"));
        Assert.That(ex!.Message, Does.Contain("timeout"));
        Assert.That(sw.Elapsed.TotalSeconds, Is.LessThan(5));
        Assert.That(host.Run("return 'alive'")[0], Is.EqualTo("alive"));
    }

    [Test]
    public void ABudgetSetAfterTheHostIsCreatedIsRefusedNotIgnored()
    {
        // A host created without a budget runs without Lua's count hook (plain Lua code runs
        // about twice as fast); a budget it could not enforce must not pass silently.
        var options = new LuaHostOptions();
        using var host = new LuaHost(options);
        Assert.That(host.Run("local s = 0 for i = 1, 100000 do s = s + i end return s")[0], Is.EqualTo(5000050000L));
        options.Timeout = TimeSpan.FromMilliseconds(100);
        var ex = Assert.Throws<InvalidOperationException>(() => host.Run("while true do end"));
        Assert.That(ex!.Message, Does.Contain("must be set in the options the host is created with"));
        options.Timeout = null;
        Assert.That(host.Run("return 'still usable'")[0], Is.EqualTo("still usable"));
    }

    [Test]
    public void ALargeMatrixProductStopsAtTheTimeout()
    {
        // The process's first two-thread product starts the worker thread and compiles the
        // kernels; on a loaded machine (CI runs test assemblies side by side) that took up to
        // 3 s, which is not what this test measures: warm them outside any timeout first.
        ScriptableNN.Tensors.Tensor.MatMul(ScriptableNN.Tensors.Tensor.Ones(400, 400), ScriptableNN.Tensors.Tensor.Ones(400, 400));
        using var host = new LuaHost(new LuaHostOptions { Timeout = TimeSpan.FromMilliseconds(200) });
        // the operands made outside the timeout too (drawing 18M numbers took 0.2-0.4 s under load)
        var rng = new ScriptableNN.Tensors.Rng(1);
        host.Run("a, b = ...", "setup", ScriptableNN.Tensors.Tensor.Uniform(rng, 0, 1, 3000, 3000), ScriptableNN.Tensors.Tensor.Uniform(rng, 0, 1, 3000, 3000));
        var sw = Stopwatch.StartNew();
        var ex = Assert.Throws<LuaBudgetException>(() => host.Run("local ok, e = pcall(torch.mm, a, b); return ok, e"));
        Assert.That(ex!.Message, Does.Contain("timeout"));
        Assert.That(sw.Elapsed.TotalSeconds, Is.LessThan(1.5), "a 54 GFLOP product stops between blocks");
        Assert.That(ScriptableNN.Kernels.Deadline.At, Is.EqualTo(0), "the thread's deadline is restored");
        Assert.That(host.Run("return torch.mm(torch.ones(2, 2), torch.ones(2, 2)):sum()")[0], Is.EqualTo(8.0));
    }

    [TestCase("local s = string.rep('x', 1e9)")]
    [TestCase("local t = {} local i = 0 while true do i = i + 1; t[i] = {i, i, i} end")]
    [TestCase("local s = 'x' while true do s = s .. s end")]
    public void MemoryBombStopsAtTheCap(string code)
    {
        using var host = new LuaHost(new LuaHostOptions { MemoryLimit = 64L << 20 });
        var ex = Assert.Throws<LuaScriptException>(() => host.Run(code, "bomb"));
        Assert.That(ex!.Message, Does.Contain("not enough memory"));
        Assert.That(host.MemoryUsed, Is.LessThanOrEqualTo(64L << 20));
        host.CollectGarbage();
        var r = host.Run("local t = {} for i = 1, 1000 do t[i] = i end return #t");
        Assert.That(r[0], Is.EqualTo(1000L));
    }

    [Test]
    public void UsingAStateFromAnotherThreadFailsClearly()
    {
        using var host = new LuaHost();
        Exception? caught = null;
        var t = new Thread(() =>
        {
            try { host.Run("return 1"); } catch (Exception e) { caught = e; }
        });
        t.Start();
        t.Join();
        Assert.That(caught, Is.TypeOf<InvalidOperationException>());
        Assert.That(caught!.Message, Does.Contain("belongs to one thread"));
        Assert.That(host.Run("return 1")[0], Is.EqualTo(1L));
    }
}
