using ScriptableNN.Tensors;

namespace ScriptableNN.RL;

/// <summary>
/// Pendulum-v1 as Gymnasium defines it (gymnasium/envs/classic_control/pendulum.py): g 10, m 1,
/// l 1, dt 0.05, torque clipped to +-2, angular velocity clipped to +-8; the cost of a step is
/// normalize(theta)^2 + 0.1 theta_dot^2 + 0.001 u^2 on the state before it, the reward its
/// negative; theta_dot += (3 g / (2 l) sin(theta) + 3 / (m l^2) u) dt, then theta += theta_dot dt;
/// observed as (cos theta, sin theta, theta_dot); never terminates; truncated after 200 steps.
/// The start is uniform in theta +-pi, theta_dot +-1, from this library's generator.
/// </summary>
public sealed class Pendulum : IEnvironment
{
    /// <summary>Gymnasium's constants.</summary>
    public const double G = 10.0, M = 1.0, L = 1.0, Dt = 0.05, MaxTorque = 2.0, MaxSpeed = 8.0;

    private Rng _rng;
    private double _theta, _thetaDot;
    private bool _started;

    /// <summary>Steps after which an episode is truncated (200 for v1).</summary>
    public int MaxEpisodeSteps { get; }
    /// <summary>Steps taken in the current episode.</summary>
    public int EpisodeSteps { get; private set; }

    /// <summary>A pendulum with v1's time limit (or another).</summary>
    public Pendulum(int maxEpisodeSteps = 200, ulong seed = 0)
    {
        MaxEpisodeSteps = maxEpisodeSteps;
        _rng = new Rng(seed);
    }

    /// <inheritdoc/>
    public int ObservationSize => 3;
    /// <inheritdoc/>
    public int ActionCount => 0;
    /// <inheritdoc/>
    public int ActionSize => 1;

    /// <summary>The state (theta, theta_dot).</summary>
    public (double Theta, double ThetaDot) State
    {
        get => (_theta, _thetaDot);
        set { (_theta, _thetaDot) = value; _started = true; EpisodeSteps = 0; }
    }

    /// <summary>An angle in [-pi, pi), as Gymnasium's angle_normalize.</summary>
    public static double Normalize(double x) => ((x + Math.PI) % (2 * Math.PI) + 2 * Math.PI) % (2 * Math.PI) - Math.PI;

    /// <inheritdoc/>
    public void Reset(ulong? seed, Span<float> observation)
    {
        if (seed is { } s) _rng = new Rng(s);
        _theta = Math.PI * (2 * _rng.NextDouble() - 1);
        _thetaDot = 2 * _rng.NextDouble() - 1;
        EpisodeSteps = 0;
        _started = true;
        Observe(observation);
    }

    /// <inheritdoc/>
    public StepResult Step(ReadOnlySpan<float> action, Span<float> observation)
    {
        if (!_started) throw new InvalidOperationException("Pendulum: call Reset before Step.");
        if (action.Length != 1 || !float.IsFinite(action[0])) throw new ArgumentException("Pendulum: the action is one finite torque.");
        double u = Math.Clamp(action[0], -MaxTorque, MaxTorque);
        double th = Normalize(_theta);
        double cost = th * th + 0.1 * _thetaDot * _thetaDot + 0.001 * u * u;
        _thetaDot = Math.Clamp(_thetaDot + (3 * G / (2 * L) * Math.Sin(_theta) + 3.0 / (M * L * L) * u) * Dt, -MaxSpeed, MaxSpeed);
        _theta += _thetaDot * Dt;
        EpisodeSteps++;
        Observe(observation);
        return new StepResult((float)-cost, false, EpisodeSteps >= MaxEpisodeSteps);
    }

    private void Observe(Span<float> o)
    {
        if (o.Length < 3) throw new ArgumentException($"Pendulum: the observation needs 3 values, the span holds {o.Length}.");
        o[0] = (float)Math.Cos(_theta); o[1] = (float)Math.Sin(_theta); o[2] = (float)_thetaDot;
    }
}
