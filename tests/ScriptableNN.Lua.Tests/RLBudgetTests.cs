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

/// <summary>Agents under the host's budgets: a long learn and a Lua environment that never returns stop at the timeout.</summary>
public class AgentBudgetTests
{
    [TestCase("""
        local agent = rl.PPO{ env = rl.env.CartPole{ n = 4 }, n_steps = 64, batch_size = 64 }
        agent:learn{ steps = 1e12, verbose = false }
        """)]
    [TestCase("""
        local env = rl.vec(function() return { observations = 1, actions = 2,
          reset = function() return { 0 } end, step = function() while true do end end } end, 1)
        local agent = rl.DQN{ env = env, learning_starts = 0 }
        agent:learn{ steps = 100, verbose = false }
        """)]
    public void ALongOrStuckRunStopsAtTheTimeoutAndTheHostGoesOn(string script)
    {
        using var host = new LuaHost(new LuaHostOptions { Timeout = TimeSpan.FromMilliseconds(500) });
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.Throws<LuaBudgetException>(() => host.Run(script));
        Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
        Assert.That(host.Run("return 1 + 1")[0], Is.EqualTo(2L), "the host goes on");
    }
}
