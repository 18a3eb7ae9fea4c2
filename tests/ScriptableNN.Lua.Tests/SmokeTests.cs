using NUnit.Framework;
using ScriptableNN.Lua;

namespace ScriptableNN.Lua.Tests;

public class SmokeTests
{
    [Test]
    public void RunsAScript()
    {
        using var host = new LuaHost();
        var r = host.Run("local t = torch.Tensor({{1,2},{3,4}}); return t[2][1], t:size(1), t:sum(), tostring(t)");
        Assert.That(r[0], Is.EqualTo(3.0));
        Assert.That(r[1], Is.EqualTo(2L));
        Assert.That(r[2], Is.EqualTo(10.0));
        TestContext.Out.WriteLine(r[3]);
    }
}
