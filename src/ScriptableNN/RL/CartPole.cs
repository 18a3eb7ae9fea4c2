using ScriptableNN.Tensors;

namespace ScriptableNN.RL;

/// <summary>
/// CartPole-v1 as Gymnasium defines it (gymnasium/envs/classic_control/cartpole.py, after Barto,
/// Sutton and Anderson 1983): gravity 9.8, cart 1.0 kg, pole 0.1 kg and half-length 0.5, force 10,
/// tau 0.02 s, explicit Euler; actions 0 (push left) and 1 (push right); reward 1 every step,
/// the terminating one included; terminated when |x| &gt; 2.4 or |theta| &gt; 12 degrees;
/// truncated after 500 steps (v1's time limit). The state is kept in double precision and
/// observed as float, as Gymnasium does. The start state is uniform in (-0.05, 0.05) from this
/// library's generator: the same distribution as Gymnasium's, not the same stream.
/// </summary>
public sealed class CartPole : IEnvironment
{
    /// <summary>Gymnasium's constants.</summary>
    public const double Gravity = 9.8, MassCart = 1.0, MassPole = 0.1, Length = 0.5, ForceMag = 10.0, Tau = 0.02;
    private const double TotalMass = MassPole + MassCart, PoleMassLength = MassPole * Length;
    /// <summary>The angle past which an episode terminates: 12 degrees.</summary>
    public static readonly double ThetaThreshold = 12 * 2 * Math.PI / 360;
    /// <summary>The cart position past which an episode terminates.</summary>
    public const double XThreshold = 2.4;

    private Rng _rng;
    private double _x, _xDot, _theta, _thetaDot;
    private int? _stepsBeyondTerminated;
    private bool _started;

    /// <summary>Steps after which an episode is truncated (500 for v1).</summary>
    public int MaxEpisodeSteps { get; }

    /// <summary>Steps taken in the current episode.</summary>
    public int EpisodeSteps { get; private set; }

    /// <summary>A cart-pole with v1's time limit (or another).</summary>
    public CartPole(int maxEpisodeSteps = 500, ulong seed = 0)
    {
        MaxEpisodeSteps = maxEpisodeSteps;
        _rng = new Rng(seed);
    }

    /// <inheritdoc/>
    public int ObservationSize => 4;
    /// <inheritdoc/>
    public int ActionCount => 2;
    /// <inheritdoc/>
    public int ActionSize => 1;

    /// <summary>The state (x, x_dot, theta, theta_dot), for tests and hosts that draw the cart.</summary>
    public (double X, double XDot, double Theta, double ThetaDot) State
    {
        get => (_x, _xDot, _theta, _thetaDot);
        set { (_x, _xDot, _theta, _thetaDot) = value; _started = true; _stepsBeyondTerminated = null; EpisodeSteps = 0; }
    }

    /// <inheritdoc/>
    public void Reset(ulong? seed, Span<float> observation)
    {
        if (seed is { } s) _rng = new Rng(s);
        double U() => -0.05 + 0.1 * _rng.NextDouble();
        _x = U(); _xDot = U(); _theta = U(); _thetaDot = U();
        _stepsBeyondTerminated = null;
        EpisodeSteps = 0;
        _started = true;
        Observe(observation);
    }

    /// <inheritdoc/>
    public StepResult Step(ReadOnlySpan<float> action, Span<float> observation)
    {
        if (!_started) throw new InvalidOperationException("CartPole: call Reset before Step.");
        if (action.Length != 1 || (action[0] != 0f && action[0] != 1f)) throw new ArgumentException($"CartPole: the action must be 0 or 1, got {(action.Length == 1 ? action[0].ToString() : $"{action.Length} values")}.");
        double force = action[0] == 1f ? ForceMag : -ForceMag;
        double cos = Math.Cos(_theta), sin = Math.Sin(_theta);
        double temp = (force + PoleMassLength * _thetaDot * _thetaDot * sin) / TotalMass;
        double thetaAcc = (Gravity * sin - cos * temp) / (Length * (4.0 / 3.0 - MassPole * cos * cos / TotalMass));
        double xAcc = temp - PoleMassLength * thetaAcc * cos / TotalMass;
        _x += Tau * _xDot;
        _xDot += Tau * xAcc;
        _theta += Tau * _thetaDot;
        _thetaDot += Tau * thetaAcc;
        EpisodeSteps++;
        bool terminated = _x < -XThreshold || _x > XThreshold || _theta < -ThetaThreshold || _theta > ThetaThreshold;
        float reward;
        if (!terminated) reward = 1f;
        else if (_stepsBeyondTerminated == null) { _stepsBeyondTerminated = 0; reward = 1f; }
        else { _stepsBeyondTerminated++; reward = 0f; }
        Observe(observation);
        return new StepResult(reward, terminated, !terminated && EpisodeSteps >= MaxEpisodeSteps);
    }

    private void Observe(Span<float> o)
    {
        if (o.Length < 4) throw new ArgumentException($"CartPole: the observation needs 4 values, the span holds {o.Length}.");
        o[0] = (float)_x; o[1] = (float)_xDot; o[2] = (float)_theta; o[3] = (float)_thetaDot;
    }
}
