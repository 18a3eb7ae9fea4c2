using NUnit.Framework;
using ScriptableNN.RL;

namespace ScriptableNN.Tests;

/// <summary>CartPole-v1 against Gymnasium's equations and rules; the vectorized form.</summary>
public class CartPoleTests
{
    [Test]
    public void OneStepFromRestFollowsGymnasiumsEquations()
    {
        var env = new CartPole();
        env.State = (0, 0, 0, 0);
        var obs = new float[4];
        var r = env.Step(new[] { 1f }, obs);
        // By hand: temp = 10 / 1.1; thetaacc = -temp / (0.5 (4/3 - 0.1/1.1)) = -14.634146;
        // xacc = temp + 0.05 * 14.634146 / 1.1 = 9.756098; Euler with tau = 0.02 (positions first).
        Assert.That(env.State.X, Is.EqualTo(0.0));
        Assert.That(env.State.XDot, Is.EqualTo(0.19512195).Within(1e-7));
        Assert.That(env.State.Theta, Is.EqualTo(0.0));
        Assert.That(env.State.ThetaDot, Is.EqualTo(-0.29268293).Within(1e-7));
        Assert.That(obs, Is.EqualTo(new[] { 0f, 0.19512195f, 0f, -0.29268293f }).Within(1e-7f));
        Assert.That(r, Is.EqualTo(new StepResult(1f, false, false)));
        // The next step moves the positions by the velocities just computed.
        env.Step(new[] { 0f }, obs);
        Assert.That(env.State.X, Is.EqualTo(0.02 * 0.19512195).Within(1e-9));
        Assert.That(env.State.Theta, Is.EqualTo(0.02 * -0.29268293).Within(1e-9));
    }

    [Test]
    public void PushingOneWayTerminatesWithRewardOneThenZero()
    {
        var env = new CartPole();
        var obs = new float[4];
        env.Reset(1, obs);
        StepResult r;
        int steps = 0;
        do { r = env.Step(new[] { 1f }, obs); steps++; } while (!r.Terminated && steps < 100);
        Assert.That(r.Terminated, Is.True, "the pole falls");
        Assert.That(r.Reward, Is.EqualTo(1f), "the terminating step is rewarded");
        Assert.That(Math.Abs(env.State.Theta) > CartPole.ThetaThreshold || Math.Abs(env.State.X) > CartPole.XThreshold);
        Assert.That(env.Step(new[] { 1f }, obs).Reward, Is.EqualTo(0f), "stepping past the end gives nothing");
        Assert.Throws<ArgumentException>(() => env.Step(new[] { 2f }, obs));
    }

    [Test]
    public void ABalancingControllerIsTruncatedAtFiveHundredSteps()
    {
        var env = new CartPole();
        var obs = new float[4];
        env.Reset(3, obs);
        float total = 0;
        StepResult r = default;
        for (int t = 0; t < 500; t++)
        {
            r = env.Step(new[] { obs[2] + 0.5f * obs[3] > 0 ? 1f : 0f }, obs);
            total += r.Reward;
            if (r.Done) break;
        }
        Assert.That((r.Terminated, r.Truncated, total), Is.EqualTo((false, true, 500f)));
    }

    [Test]
    public void ResetDrawsTheStartUniformlyInAHundredthAndRepeatsBySeed()
    {
        var a = new float[4]; var b = new float[4];
        new CartPole().Reset(42, a);
        new CartPole().Reset(42, b);
        Assert.That(a, Is.EqualTo(b));
        Assert.That(a.All(v => v > -0.05f && v < 0.05f));
    }

    [Test]
    public void VectorCopiesResetThemselvesAndKeepTheFinalObservationWithoutAllocating()
    {
        var envs = new VectorEnvironment(8, _ => new CartPole());
        envs.Reset(seed: 10);
        var actions = new float[8];
        Array.Fill(actions, 1f);
        for (int i = 0; i < 5; i++) envs.Step(actions);          // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        int ended = 0;
        for (int t = 0; t < 200; t++)
        {
            envs.Step(actions);
            for (int k = 0; k < 8; k++) if (envs.Terminated[k]) ended++;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // Step until one copy ends, then look at its rows.
        int which = -1;
        while (which < 0) { envs.Step(actions); which = Array.IndexOf(envs.Terminated, true); }
        Assert.That(Math.Abs(envs.FinalObservations[which, 2]) > (float)CartPole.ThetaThreshold || Math.Abs(envs.FinalObservations[which, 0]) > (float)CartPole.XThreshold);
        Assert.That(Math.Abs(envs.Observations[which, 2]), Is.LessThan(0.05f), "the row already holds the next episode's start");
        Assert.That(allocated, Is.EqualTo(0));
        Assert.That(ended, Is.GreaterThan(0));
        Assert.That(envs.LastReturns.All(r => r > 0 && r < 100), "pushing one way falls within a few dozen steps");
    }
}
