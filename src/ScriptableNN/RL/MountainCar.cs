using ScriptableNN.Tensors;

namespace ScriptableNN.RL;

/// <summary>
/// MountainCar-v0 as Gymnasium defines it (gymnasium/envs/classic_control/mountain_car.py, after
/// Moore 1990): actions 0 (push left), 1 (none), 2 (push right); velocity += (action - 1) 0.001 -
/// cos(3 position) 0.0025, clipped to +-0.07; position += velocity, clipped to [-1.2, 0.6], and a
/// car stopped by the left wall loses its velocity; reward -1 a step; terminated at position
/// &gt;= 0.5 (velocity &gt;= 0); truncated after 200 steps (v0's time limit). The start position is
/// uniform in [-0.6, -0.4] from this library's generator, velocity 0.
/// </summary>
public sealed class MountainCar : IEnvironment
{
    /// <summary>Gymnasium's constants.</summary>
    public const double MinPosition = -1.2, MaxPosition = 0.6, MaxSpeed = 0.07, GoalPosition = 0.5, Force = 0.001, Gravity = 0.0025;

    private Rng _rng;
    private double _position, _velocity;
    private bool _started;

    /// <summary>Steps after which an episode is truncated (200 for v0).</summary>
    public int MaxEpisodeSteps { get; }
    /// <summary>Steps taken in the current episode.</summary>
    public int EpisodeSteps { get; private set; }

    /// <summary>A mountain car with v0's time limit (or another).</summary>
    public MountainCar(int maxEpisodeSteps = 200, ulong seed = 0)
    {
        MaxEpisodeSteps = maxEpisodeSteps;
        _rng = new Rng(seed);
    }

    /// <inheritdoc/>
    public int ObservationSize => 2;
    /// <inheritdoc/>
    public int ActionCount => 3;
    /// <inheritdoc/>
    public int ActionSize => 1;

    /// <summary>The state (position, velocity).</summary>
    public (double Position, double Velocity) State
    {
        get => (_position, _velocity);
        set { (_position, _velocity) = value; _started = true; EpisodeSteps = 0; }
    }

    /// <inheritdoc/>
    public void Reset(ulong? seed, Span<float> observation)
    {
        if (seed is { } s) _rng = new Rng(s);
        _position = -0.6 + 0.2 * _rng.NextDouble();
        _velocity = 0;
        EpisodeSteps = 0;
        _started = true;
        Observe(observation);
    }

    /// <inheritdoc/>
    public StepResult Step(ReadOnlySpan<float> action, Span<float> observation)
    {
        if (!_started) throw new InvalidOperationException("MountainCar: call Reset before Step.");
        if (action.Length != 1 || action[0] is not (0f or 1f or 2f)) throw new ArgumentException("MountainCar: the action must be 0, 1 or 2.");
        _velocity += (action[0] - 1) * Force + Math.Cos(3 * _position) * -Gravity;
        _velocity = Math.Clamp(_velocity, -MaxSpeed, MaxSpeed);
        _position += _velocity;
        _position = Math.Clamp(_position, MinPosition, MaxPosition);
        if (_position == MinPosition && _velocity < 0) _velocity = 0;
        EpisodeSteps++;
        bool terminated = _position >= GoalPosition && _velocity >= 0;
        Observe(observation);
        return new StepResult(-1f, terminated, !terminated && EpisodeSteps >= MaxEpisodeSteps);
    }

    private void Observe(Span<float> o)
    {
        if (o.Length < 2) throw new ArgumentException($"MountainCar: the observation needs 2 values, the span holds {o.Length}.");
        o[0] = (float)_position; o[1] = (float)_velocity;
    }
}
