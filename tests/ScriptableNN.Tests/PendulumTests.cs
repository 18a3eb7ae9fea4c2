using NUnit.Framework;
using ScriptableNN.RL;

namespace ScriptableNN.Tests;

/// <summary>Pendulum-v1 against Gymnasium's dynamics and cost.</summary>
public class PendulumTests
{
    [Test]
    public void OneStepFollowsGymnasiumsDynamicsAndCost()
    {
        var env = new Pendulum();
        env.State = (Math.PI / 2, 0.5);
        var obs = new float[3];
        var r = env.Step(new[] { 5f }, obs);                       // torque clipped to 2
        double cost = Math.Pow(Math.PI / 2, 2) + 0.1 * 0.25 + 0.001 * 4;
        double thdot = 0.5 + (15 * 1 + 3 * 2) * 0.05;             // 3 g / (2 l) sin(pi/2) = 15
        Assert.That(r.Reward, Is.EqualTo((float)-cost).Within(1e-6f));
        Assert.That(env.State.ThetaDot, Is.EqualTo(thdot).Within(1e-12));
        Assert.That(env.State.Theta, Is.EqualTo(Math.PI / 2 + thdot * 0.05).Within(1e-12));
        Assert.That(obs[0], Is.EqualTo((float)Math.Cos(env.State.Theta)).Within(1e-7f));
        Assert.That(r.Terminated, Is.False);
    }

    [Test]
    public void SpeedIsClippedAnglesNormalizedAndEpisodesTruncatedAt200()
    {
        var env = new Pendulum();
        var obs = new float[3];
        env.State = (0, 7.9);
        env.Step(new[] { 2f }, obs);
        Assert.That(env.State.ThetaDot, Is.EqualTo(8.0));
        Assert.That(Pendulum.Normalize(3 * Math.PI), Is.EqualTo(-Math.PI).Within(1e-12));
        Assert.That(Pendulum.Normalize(-0.5), Is.EqualTo(-0.5).Within(1e-12));
        env.Reset(2, obs);
        int steps = 0;
        StepResult r;
        do { r = env.Step(new[] { 0f }, obs); steps++; } while (!r.Done);
        Assert.That((steps, r.Truncated), Is.EqualTo((200, true)));
    }
}
