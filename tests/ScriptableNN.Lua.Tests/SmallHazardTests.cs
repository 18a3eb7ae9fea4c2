using NUnit.Framework;
using ScriptableNN.Lua;

namespace ScriptableNN.Lua.Tests;

/// <summary>The smaller cases of the robustness issue: each gives a clear message or the right answer.</summary>
[TestFixture]
public class SmallHazardTests
{
    [TestCase("local t = torch.Tensor(65536, 65536, 65536, 65536)", "more than 2147483647 elements")]
    [TestCase("local t = torch.zeros(1e30)", "out of range")]
    [TestCase("local t = torch.zeros(-3)", "must not be negative")]
    [TestCase("return torch.zeros(-3)", "must not be negative")]
    [TestCase("local m = nn.Sequential():add(nn.Linear(2, 2)):add(nn.ReLU()); local g = m:backward(torch.zeros(1, 2), torch.zeros(1, 2))", "call forward(input) first")]
    [TestCase("local m = nn.SoftMax(); local g = m:updateGradInput(torch.zeros(1, 2), torch.zeros(1, 2))", "call forward(input) first")]
    [TestCase("local l = nn.Linear(3e9, 2)", "out of range")]
    [TestCase("local l = nn.Linear(100000, 100000)", "more than a layer can hold")]
    public void ClearMessages(string code, string expected)
    {
        using var host = new LuaHost();
        var e = Assert.Throws<LuaScriptException>(() => host.Run(code, "small"));
        Assert.That(e!.Message, Does.Contain(expected));
        Assert.That(e.Message, Does.Not.Contain("Exception").And.Not.Contain("Arithmetic operation"));
        // A tail call (return f(x)) leaves no frame of the script to point at: no position then,
        // as Lua gives; otherwise the script's line.
        if (code.StartsWith("return")) Assert.That(e.Message, Does.Not.Contain("[snn]"));
        else Assert.That(e.Line, Is.EqualTo(1));
    }

    [Test]
    public void MatrixProductIntoAnAliasedResultIsRight()
    {
        using var host = new LuaHost();
        var r = host.Run(@"
            torch.manualSeed(3)
            local a = torch.rand(40, 40)
            local b = a:clone()
            local expected = torch.mm(b, b)
            a:mm(a, a)
            return (a - expected):abs():max()", "alias");
        Assert.That((double)r[0]!, Is.LessThan(1e-4));
    }

    [Test]
    public void TensorAndParameterStorageCountTowardTheCap()
    {
        using var host = new LuaHost(new LuaHostOptions { MemoryLimit = 64L << 20 });
        host.Run("t = torch.zeros(1000, 1000); v = t:view(1000000); m = nn.Linear(100, 100)");
        // The view shares the tensor's storage: counted once. The layer: weights, bias and their gradients.
        long expected = 4L * 1_000_000 + 2 * 4L * (100 * 100 + 100);
        Assert.That(host.TensorMemory, Is.EqualTo(expected));
        host.Run("t = nil; v = nil; m = nil");
        host.CollectGarbage();
        Assert.That(host.TensorMemory, Is.EqualTo(0));
    }
}
