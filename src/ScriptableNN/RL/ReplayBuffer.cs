using ScriptableNN.Tensors;

namespace ScriptableNN.RL;

/// <summary>
/// The last <see cref="Capacity"/> transitions (s, a, r, s', terminated), overwritten oldest first,
/// sampled uniformly into caller-owned batches. A truncated episode's s' is the observation it
/// ended on and its flag is clear, so its value is bootstrapped (Stable-Baselines3's
/// handle_timeout_termination).
/// </summary>
public sealed class ReplayBuffer
{
    private readonly float[] _states, _next, _actions, _rewards;
    private readonly bool[] _terminated;
    private readonly int _obs, _act;
    private int _pos;

    /// <summary>A buffer of <paramref name="capacity"/> transitions.</summary>
    public ReplayBuffer(int capacity, int observationSize, int actionSize)
    {
        if (capacity < 1) throw new ArgumentException($"ReplayBuffer: capacity must be at least 1, got {capacity}.");
        Capacity = capacity; _obs = observationSize; _act = actionSize;
        _states = new float[(long)capacity * _obs > int.MaxValue ? throw new ArgumentException($"ReplayBuffer: {capacity} transitions of {_obs} values are too many.") : capacity * _obs];
        _next = new float[capacity * _obs];
        _actions = new float[capacity * _act];
        _rewards = new float[capacity];
        _terminated = new bool[capacity];
    }

    /// <summary>Transitions it can hold.</summary>
    public int Capacity { get; }
    /// <summary>Transitions it holds.</summary>
    public int Count { get; private set; }

    /// <summary>Adds one transition.</summary>
    public void Add(ReadOnlySpan<float> state, ReadOnlySpan<float> action, float reward, ReadOnlySpan<float> next, bool terminated)
    {
        state.CopyTo(_states.AsSpan(_pos * _obs, _obs));
        next.CopyTo(_next.AsSpan(_pos * _obs, _obs));
        action.CopyTo(_actions.AsSpan(_pos * _act, _act));
        _rewards[_pos] = reward;
        _terminated[_pos] = terminated;
        _pos = (_pos + 1) % Capacity;
        if (Count < Capacity) Count++;
    }

    /// <summary>Draws <paramref name="states"/>.Rows transitions uniformly (with replacement) into the given buffers.</summary>
    public void Sample(Rng rng, Tensor states, Span<float> actions, Span<float> rewards, Tensor next, Span<bool> terminated)
    {
        if (Count == 0) throw new InvalidOperationException("ReplayBuffer: nothing to sample yet.");
        int b = states.Size(0);
        var s = states.Span; var n = next.Span;
        for (int j = 0; j < b; j++)
        {
            int k = rng.NextInt(Count);
            _states.AsSpan(k * _obs, _obs).CopyTo(s.Slice(j * _obs, _obs));
            _next.AsSpan(k * _obs, _obs).CopyTo(n.Slice(j * _obs, _obs));
            _actions.AsSpan(k * _act, _act).CopyTo(actions.Slice(j * _act, _act));
            rewards[j] = _rewards[k];
            terminated[j] = _terminated[k];
        }
    }
}
