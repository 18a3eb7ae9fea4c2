using NUnit.Framework;
using ScriptableNN.RL;

namespace ScriptableNN.Tests;

/// <summary>Acrobot-v1 against Gymnasium's equations (the book's dynamics) and rules.</summary>
public class AcrobotTests
{
    [Test]
    public void AtRestTheEquationsGiveTheHandComputedAccelerations()
    {
        // At theta = 0: d1 = 0.25 + (1 + 0.25 + 1) + 2 = 4.5, d2 = 0.75 + 1 = 1.75, gravity terms vanish;
        // ddtheta2 = a / (1.25 - 1.75^2 / 4.5), ddtheta1 = -1.75 ddtheta2 / 4.5.
        var (a, b, c, d) = Acrobot.Derivs(0, 0, 0, 0, 1.0);
        double dd2 = 1 / (1.25 - 1.75 * 1.75 / 4.5);
        Assert.That((a, b), Is.EqualTo((0.0, 0.0)));
        Assert.That(d, Is.EqualTo(dd2).Within(1e-12));
        Assert.That(c, Is.EqualTo(-1.75 * dd2 / 4.5).Within(1e-12));
        // Hanging straight down with a bent elbow, gravity pulls the lower link back.
        var bent = Acrobot.Derivs(0, 0.3, 0, 0, 0);
        Assert.That(bent.D, Is.LessThan(0));
    }

    [Test]
    public void OneStepIsOneRungeKuttaStepOfTheEquations()
    {
        var env = new Acrobot();
        env.State = (0.05, -0.02, 0.1, 0.3);
        var obs = new float[6];
        var r = env.Step(new[] { 2f }, obs);
        // The same step computed here with a fine explicit Euler integration of the equations:
        // RK4 over 0.2 s agrees with it to RK4's error (about 2e-4 here); one Euler step of 0.2 s
        // would be off by more than 1e-2.
        double t1 = 0.05, t2 = -0.02, d1 = 0.1, d2 = 0.3;
        const int n = 200000;
        for (int i = 0; i < n; i++)
        {
            var k = Acrobot.Derivs(t1, t2, d1, d2, 1.0);
            double h = 0.2 / n;
            t1 += h * k.A; t2 += h * k.B; d1 += h * k.C; d2 += h * k.D;
        }
        var s = env.State;
        Assert.That(s.Theta1, Is.EqualTo(t1).Within(5e-4));
        Assert.That(s.Theta2, Is.EqualTo(t2).Within(5e-4));
        Assert.That(s.Dtheta1, Is.EqualTo(d1).Within(5e-4));
        Assert.That(s.Dtheta2, Is.EqualTo(d2).Within(5e-4));
        var euler = Acrobot.Derivs(0.05, -0.02, 0.1, 0.3, 1.0);
        Assert.That(Math.Abs(0.3 + 0.2 * euler.D - d2), Is.GreaterThan(1e-2));
        Assert.That(obs, Is.EqualTo(new[] { (float)Math.Cos(s.Theta1), (float)Math.Sin(s.Theta1), (float)Math.Cos(s.Theta2), (float)Math.Sin(s.Theta2), (float)s.Dtheta1, (float)s.Dtheta2 }));
        Assert.That(r, Is.EqualTo(new StepResult(-1f, false, false)));
    }

    [Test]
    public void AnglesWrapVelocitiesClipAndTheRaisedTipTerminatesWithRewardZero()
    {
        var env = new Acrobot();
        var obs = new float[6];
        env.State = (3.1, 0, 0, 40);
        env.Step(new[] { 1f }, obs);
        Assert.That(Math.Abs(env.State.Theta1) <= Math.PI && Math.Abs(env.State.Theta2) <= Math.PI);
        Assert.That(Math.Abs(env.State.Dtheta2), Is.LessThanOrEqualTo(Acrobot.MaxVel2));
        // Both links straight up: the tip is two lengths above the pivot.
        env.State = (Math.PI, 0, 0, 0);
        var r = env.Step(new[] { 1f }, obs);
        Assert.That(r, Is.EqualTo(new StepResult(0f, true, false)));
        Assert.Throws<ArgumentException>(() => env.Step(new[] { 3f }, obs));
    }

    [Test]
    public void DoingNothingFromTheStartIsTruncatedAtFiveHundredStepsWithReturnMinusFiveHundred()
    {
        var env = new Acrobot();
        var obs = new float[6];
        env.Reset(4, obs);
        Assert.That(obs.Take(4).Zip(new[] { 1f, 0f, 1f, 0f }).All(p => Math.Abs(p.First - p.Second) < 0.11f));
        Assert.That(obs.Skip(4).All(v => Math.Abs(v) < 0.1f));
        float total = 0; StepResult r = default;
        for (int t = 0; t < 500 && !r.Done; t++) { r = env.Step(new[] { 1f }, obs); total += r.Reward; }
        Assert.That((r.Terminated, r.Truncated, total), Is.EqualTo((false, true, -500f)));
    }
}
