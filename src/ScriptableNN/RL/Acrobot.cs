using ScriptableNN.Tensors;

namespace ScriptableNN.RL;

/// <summary>
/// Acrobot-v1 as Gymnasium defines it (gymnasium/envs/classic_control/acrobot.py, after Sutton
/// 1996 and Sutton and Barto's book): two links of length 1 m and mass 1 kg, centres of mass at
/// 0.5 m, moments of inertia 1, g 9.8; actions 0, 1, 2 apply torque -1, 0, +1 to the joint between
/// the links; the book's dynamics (not the NIPS paper's), integrated over dt = 0.2 s with one
/// classic Runge-Kutta step; angles wrapped to [-pi, pi], velocities clipped to 4 pi and 9 pi.
/// Reward -1 each step and 0 on the terminating one; terminated when the free end rises more than
/// one link length above the pivot (-cos t1 - cos(t1 + t2) &gt; 1); truncated after 500 steps.
/// Observed as (cos t1, sin t1, cos t2, sin t2, dt1, dt2). The start state is uniform in
/// (-0.1, 0.1) and rounded to float as Gymnasium does; drawn from this library's generator.
/// </summary>
public sealed class Acrobot : IEnvironment
{
    /// <summary>Gymnasium's constants.</summary>
    public const double Dt = 0.2, L1 = 1.0, M1 = 1.0, M2 = 1.0, Lc1 = 0.5, Lc2 = 0.5, I1 = 1.0, I2 = 1.0, G = 9.8;
    /// <summary>Velocity limits of the two joints.</summary>
    public const double MaxVel1 = 4 * Math.PI, MaxVel2 = 9 * Math.PI;

    private Rng _rng;
    private double _t1, _t2, _d1, _d2;
    private bool _started;

    /// <summary>Steps after which an episode is truncated (500 for v1).</summary>
    public int MaxEpisodeSteps { get; }
    /// <summary>Steps taken in the current episode.</summary>
    public int EpisodeSteps { get; private set; }

    /// <summary>An acrobot with v1's time limit (or another).</summary>
    public Acrobot(int maxEpisodeSteps = 500, ulong seed = 0)
    {
        MaxEpisodeSteps = maxEpisodeSteps;
        _rng = new Rng(seed);
    }

    /// <inheritdoc/>
    public int ObservationSize => 6;
    /// <inheritdoc/>
    public int ActionCount => 3;
    /// <inheritdoc/>
    public int ActionSize => 1;

    /// <summary>The state (theta1, theta2, dtheta1, dtheta2).</summary>
    public (double Theta1, double Theta2, double Dtheta1, double Dtheta2) State
    {
        get => (_t1, _t2, _d1, _d2);
        set { (_t1, _t2, _d1, _d2) = value; _started = true; EpisodeSteps = 0; }
    }

    /// <inheritdoc/>
    public void Reset(ulong? seed, Span<float> observation)
    {
        if (seed is { } s) _rng = new Rng(s);
        double U() => (float)(-0.1 + 0.2 * _rng.NextDouble());
        _t1 = U(); _t2 = U(); _d1 = U(); _d2 = U();
        EpisodeSteps = 0;
        _started = true;
        Observe(observation);
    }

    /// <inheritdoc/>
    public StepResult Step(ReadOnlySpan<float> action, Span<float> observation)
    {
        if (!_started) throw new InvalidOperationException("Acrobot: call Reset before Step.");
        if (action.Length != 1 || (action[0] != 0f && action[0] != 1f && action[0] != 2f))
            throw new ArgumentException($"Acrobot: the action must be 0, 1 or 2, got {(action.Length == 1 ? action[0].ToString() : $"{action.Length} values")}.");
        double torque = action[0] - 1.0;
        Rk4(torque);
        EpisodeSteps++;
        bool terminated = -Math.Cos(_t1) - Math.Cos(_t2 + _t1) > 1.0;
        Observe(observation);
        return new StepResult(terminated ? 0f : -1f, terminated, !terminated && EpisodeSteps >= MaxEpisodeSteps);
    }

    // One Runge-Kutta step over dt, then the wrap and the clip Gymnasium applies.
    private void Rk4(double a)
    {
        const double h = Dt / 2;
        double s0 = _t1, s1 = _t2, s2 = _d1, s3 = _d2;
        var k1 = Derivs(s0, s1, s2, s3, a);
        var k2 = Derivs(s0 + h * k1.A, s1 + h * k1.B, s2 + h * k1.C, s3 + h * k1.D, a);
        var k3 = Derivs(s0 + h * k2.A, s1 + h * k2.B, s2 + h * k2.C, s3 + h * k2.D, a);
        var k4 = Derivs(s0 + Dt * k3.A, s1 + Dt * k3.B, s2 + Dt * k3.C, s3 + Dt * k3.D, a);
        _t1 = Wrap(s0 + Dt / 6.0 * (k1.A + 2 * k2.A + 2 * k3.A + k4.A));
        _t2 = Wrap(s1 + Dt / 6.0 * (k1.B + 2 * k2.B + 2 * k3.B + k4.B));
        _d1 = Math.Clamp(s2 + Dt / 6.0 * (k1.C + 2 * k2.C + 2 * k3.C + k4.C), -MaxVel1, MaxVel1);
        _d2 = Math.Clamp(s3 + Dt / 6.0 * (k1.D + 2 * k2.D + 2 * k3.D + k4.D), -MaxVel2, MaxVel2);
    }

    /// <summary>The book's equations of motion: (dtheta1, dtheta2, ddtheta1, ddtheta2) under torque <paramref name="a"/>.</summary>
    public static (double A, double B, double C, double D) Derivs(double theta1, double theta2, double dtheta1, double dtheta2, double a)
    {
        double d1 = M1 * Lc1 * Lc1 + M2 * (L1 * L1 + Lc2 * Lc2 + 2 * L1 * Lc2 * Math.Cos(theta2)) + I1 + I2;
        double d2 = M2 * (Lc2 * Lc2 + L1 * Lc2 * Math.Cos(theta2)) + I2;
        double phi2 = M2 * Lc2 * G * Math.Cos(theta1 + theta2 - Math.PI / 2.0);
        double phi1 = -M2 * L1 * Lc2 * dtheta2 * dtheta2 * Math.Sin(theta2)
                      - 2 * M2 * L1 * Lc2 * dtheta2 * dtheta1 * Math.Sin(theta2)
                      + (M1 * Lc1 + M2 * L1) * G * Math.Cos(theta1 - Math.PI / 2) + phi2;
        double dd2 = (a + d2 / d1 * phi1 - M2 * L1 * Lc2 * dtheta1 * dtheta1 * Math.Sin(theta2) - phi2) / (M2 * Lc2 * Lc2 + I2 - d2 * d2 / d1);
        double dd1 = -(d2 * dd2 + phi1) / d1;
        return (dtheta1, dtheta2, dd1, dd2);
    }

    // Gymnasium's wrap: shift by whole turns into [-pi, pi].
    private static double Wrap(double x)
    {
        const double diff = 2 * Math.PI;
        while (x > Math.PI) x -= diff;
        while (x < -Math.PI) x += diff;
        return x;
    }

    private void Observe(Span<float> o)
    {
        if (o.Length < 6) throw new ArgumentException($"Acrobot: the observation needs 6 values, the span holds {o.Length}.");
        o[0] = (float)Math.Cos(_t1); o[1] = (float)Math.Sin(_t1); o[2] = (float)Math.Cos(_t2); o[3] = (float)Math.Sin(_t2);
        o[4] = (float)_d1; o[5] = (float)_d2;
    }
}
