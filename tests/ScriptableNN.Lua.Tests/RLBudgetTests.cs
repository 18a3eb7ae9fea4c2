using System.Diagnostics;
using NUnit.Framework;

namespace ScriptableNN.Lua.Tests;

/// <summary>A rollout a script asks for stops at the host's timeout, like every long engine call.</summary>
public class RLBudgetTests
{
    [Test]
    public void AnEnormousRolloutStopsAtTheTimeout()
    {
        using var host = new LuaHost(new LuaHostOptions { Timeout = TimeSpan.FromMilliseconds(300) });
        var sw = Stopwatch.StartNew();
        Assert.Throws<LuaBudgetException>(() => host.Run("""
            local env = rl.make("CartPole-v1", { n = 64 })
            local policy = nn.Sequential():add(nn.Linear(4, 8)):add(nn.Linear(8, 2))
            local agent = rl.Reinforce{ policy = policy, env = env, steps = 50000 }
            agent:update()
            """));
        Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(3)));
        Assert.That(host.Run("return 1 + 1")[0], Is.EqualTo(2L), "the host goes on");
    }
}
