using NUnit.Framework;
using ScriptableNN.NN;
using ScriptableNN.Optim;
using ScriptableNN.RL;
using ScriptableNN.Tensors;

namespace ScriptableNN.Tests;

/// <summary>REINFORCE with a baseline learns to balance the pole.</summary>
public class ReinforceTests
{
    [Test]
    public void TheMeanReturnOnCartPoleRisesFromAboutTwentyToOverTwoHundred()
    {
        var rng = new Rng(5);
        var policy = new Sequential(new Linear(4, 32, rng: rng), new Tanh(), new Linear(32, 2, rng: rng));
        var envs = new VectorEnvironment(8, _ => new CartPole());
        var agent = new Reinforce(policy, envs, new Adam(policy.Parameters(), new AdamConfig { LearningRate = 0.02f }),
            new ReinforceSettings { Steps = 250, Seed = 3 });
        agent.Update();
        double first = agent.LastMeanReturn;
        double best = 0;
        var curve = new List<double>();
        for (int u = 0; u < 60 && best < 200; u++)
        {
            agent.Update();
            curve.Add(agent.LastMeanReturn);
            if (!double.IsNaN(agent.LastMeanReturn)) best = Math.Max(best, agent.LastMeanReturn);
        }
        TestContext.Out.WriteLine($"first {first:F1}, then {string.Join(" ", curve.Select(c => c.ToString("F0")))}");
        Assert.That(first, Is.LessThan(50), "a random policy drops the pole quickly");
        Assert.That(best, Is.GreaterThan(200));
    }
}
