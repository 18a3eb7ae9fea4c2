using NUnit.Framework;
using ScriptableNN.Lua;

namespace ScriptableNN.Lua.Tests;

[TestFixture]
public class FaultTests
{
    [Test]
    public void ManyCallbackErrorsAndAllocationsNeitherCrashNorLeakHandles()
    {
        using var host = new LuaHost();
        var r = host.Run(@"
            local caught = 0
            local t = torch.zeros(2, 2)
            for i = 1, 10000 do
              local ok, err = pcall(function() return t:size(99) end)
              if not ok and err:find('out of range') then caught = caught + 1 end
            end
            return caught", "faults");
        Assert.That(r[0], Is.EqualTo(10000L));
        host.CollectGarbage();
        long before = host.LiveHandles;
        host.Run(@"
            for i = 1, 1000000 do
              local x = torch.zeros(1)
            end", "allocs");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        host.CollectGarbage();
        GC.Collect();
        Assert.That(host.LiveHandles, Is.LessThanOrEqualTo(before + 1));
        Assert.That(host.Run("return torch.ones(3):sum()")[0], Is.EqualTo(3.0));
    }

    // KeraLua's state has a finalizer that closes it, and closing calls the host's allocator
    // delegate: a forgotten host must stay rooted (a leak), never be collected (a crash later).
    [Test]
    public void AHostThatIsNeverDisposedStaysRootedAndADisposedOneIsReleased()
    {
        static (WeakReference Forgotten, WeakReference Disposed) Make()
        {
            var forgotten = new LuaHost();
            forgotten.Run("local t = torch.zeros(10) return t:sum()");
            var disposed = new LuaHost();
            disposed.Dispose();
            return (new WeakReference(forgotten), new WeakReference(disposed));
        }
        var (f, d) = Make();
        for (int i = 0; i < 3; i++) { GC.Collect(); GC.WaitForPendingFinalizers(); }
        Assert.That(f.IsAlive, Is.True, "an undisposed host is rooted");
        Assert.That(d.IsAlive, Is.False, "a disposed host can be collected");
        ((LuaHost)f.Target!).Dispose();
    }

    [Test]
    public void DroppedBigTensorsAreCollectedWithoutWaitingForLuasOwnPace()
    {
        using var host = new LuaHost();
        long before = host.LiveHandles;
        // 400 tensors of 4 MB: Lua alone sees 400 small userdata and would keep them all.
        host.Run("for i = 1, 400 do local t = torch.zeros(1000, 1000) end", "big");
        Assert.That(host.LiveHandles - before, Is.LessThan(40));
    }

    [Test]
    public void ShapeMismatchInForwardNamesScriptLineLayerAndShapes()
    {
        using var host = new LuaHost();
        var ex = Assert.Throws<LuaScriptException>(() => host.Run(@"
            local net = nn.Sequential()
              :add(nn.Linear(4, 8))
              :add(nn.ReLU())
              :add(nn.Linear(9, 2))
            local out = net:forward(torch.zeros(3, 4))", "shapes.lua"));
        Assert.That(ex!.Chunk, Is.EqualTo("shapes.lua"));
        Assert.That(ex.Line, Is.EqualTo(6));
        Assert.That(ex.Message, Does.Contain("layer 3").And.Contain("[3, 8]").And.Contain("[batch, 9]"));
        Assert.That(ex.LuaTraceback, Does.Contain("stack traceback"));
    }

    [Test]
    public void ScriptErrorsCarryChunkLineAndTraceback()
    {
        using var host = new LuaHost();
        var ex = Assert.Throws<LuaScriptException>(() => host.Run("local x = 1\nlocal function f() error('boom') end\nf()", "err.lua"));
        Assert.That(ex!.Message, Does.Contain("err.lua:2: boom"));
        Assert.That(ex.Line, Is.EqualTo(2));
        var syntax = Assert.Throws<LuaScriptException>(() => host.Run("local = 1", "syntax.lua"));
        Assert.That(syntax!.Chunk, Is.EqualTo("syntax.lua"));
        Assert.That(syntax.Line, Is.EqualTo(1));
        var badArg = Assert.Throws<LuaScriptException>(() => host.Run("local t = torch.zeros(2)\nt:fill('x')", "arg.lua"));
        Assert.That(badArg!.Message, Does.Contain("arg.lua:2:").And.Contain("bad argument #2 to 'fill' (number expected, got string)"));
    }

    [Test]
    public void FreedTensorsReportUseAfterFree()
    {
        using var host = new LuaHost();
        long before = host.LiveHandles;
        var ex = Assert.Throws<LuaScriptException>(() => host.Run(@"
            local t = torch.zeros(1000, 1000)
            t:free()
            do local u <close> = torch.ones(10) end
            return t:sum()", "free.lua"));
        Assert.That(ex!.Message, Does.Contain("freed"));
        Assert.That(host.LiveHandles, Is.EqualTo(before));
    }
}
