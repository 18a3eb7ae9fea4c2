using NUnit.Framework;
using ScriptableNN.RL;

namespace ScriptableNN.Tests;

/// <summary>MountainCar-v0 against Gymnasium's transition, wall, goal and time limit.</summary>
public class MountainCarTests
{
    [Test]
    public void OneStepFollowsGymnasiumsTransition()
    {
        var env = new MountainCar();
        env.State = (-0.5, 0.0);
        var obs = new float[2];
        var r = env.Step(new[] { 2f }, obs);
        double v = 0.001 - Math.Cos(-1.5) * 0.0025;          // (2 - 1) force - cos(3 x) gravity
        Assert.That(env.State.Velocity, Is.EqualTo(v).Within(1e-12));
        Assert.That(env.State.Position, Is.EqualTo(-0.5 + v).Within(1e-12));
        Assert.That(r, Is.EqualTo(new StepResult(-1f, false, false)));
    }

    [Test]
    public void TheLeftWallStopsTheCarAndTheRightHillEndsTheEpisode()
    {
        var env = new MountainCar();
        var obs = new float[2];
        env.State = (-1.19, -0.05);
        env.Step(new[] { 0f }, obs);
        Assert.That(env.State, Is.EqualTo((MountainCar.MinPosition, 0.0)));
        env.State = (0.49, 0.02);
        Assert.That(env.Step(new[] { 2f }, obs).Terminated, Is.True);
    }

    [Test]
    public void DoingNothingIsTruncatedAtTwoHundredSteps()
    {
        var env = new MountainCar();
        var obs = new float[2];
        env.Reset(4, obs);
        Assert.That(obs[0], Is.InRange(-0.6f, -0.4f));
        Assert.That(obs[1], Is.EqualTo(0f));
        StepResult r = default;
        int steps = 0;
        do { r = env.Step(new[] { 1f }, obs); steps++; } while (!r.Done);
        Assert.That((steps, r.Truncated, r.Terminated), Is.EqualTo((200, true, false)));
    }
}
