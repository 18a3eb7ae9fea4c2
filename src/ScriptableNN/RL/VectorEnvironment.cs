using ScriptableNN.Tensors;

namespace ScriptableNN.RL;

/// <summary>
/// N copies of an environment stepped together: one batch of actions in, one batch of
/// observations [N, ObservationSize] out, so a policy runs once a step for all of them (through
/// the GEMM). A copy whose episode ends is reset in the same step: its row of
/// <see cref="Observations"/> is then the new episode's first observation, and the observation
/// that ended the episode is kept in <see cref="FinalObservations"/> (to bootstrap a truncated
/// episode's value), as Gymnasium's same-step autoreset does. Nothing is allocated per step.
/// </summary>
public sealed class VectorEnvironment
{
    private readonly IEnvironment[] _envs;

    /// <summary>The registered name the copies were made from, if any.</summary>
    public string? Name { get; init; }
    /// <summary>The copies.</summary>
    public int Count => _envs.Length;
    /// <summary>Values per observation.</summary>
    public int ObservationSize { get; }
    /// <summary>Values per action.</summary>
    public int ActionSize { get; }
    /// <summary>Actions to choose from (discrete), or 0 for continuous actions.</summary>
    public int ActionCount { get; }
    /// <summary>The current observations, [N, ObservationSize].</summary>
    public Tensor Observations { get; }
    /// <summary>Where a copy's episode ended this step, the observation it ended on, [N, ObservationSize].</summary>
    public Tensor FinalObservations { get; }
    /// <summary>This step's rewards, [N].</summary>
    public Tensor Rewards { get; }
    /// <summary>This step's terminations.</summary>
    public bool[] Terminated { get; }
    /// <summary>This step's truncations.</summary>
    public bool[] Truncated { get; }
    /// <summary>Episodes finished so far, and the return of the last one of each copy.</summary>
    public int EpisodesDone { get; private set; }
    /// <summary>The undiscounted return of each copy's episode under way.</summary>
    public float[] EpisodeReturns { get; }
    /// <summary>The return of each copy's last finished episode.</summary>
    public float[] LastReturns { get; }

    /// <summary>Copies made by <paramref name="make"/> (called with the copy's index).</summary>
    public VectorEnvironment(int count, Func<int, IEnvironment> make)
    {
        if (count < 1) throw new ArgumentException($"VectorEnvironment: at least one copy, got {count}.");
        _envs = new IEnvironment[count];
        for (int i = 0; i < count; i++) _envs[i] = make(i);
        ObservationSize = _envs[0].ObservationSize;
        ActionSize = _envs[0].ActionSize;
        ActionCount = _envs[0].ActionCount;
        Observations = Tensor.Zeros(count, ObservationSize);
        FinalObservations = Tensor.Zeros(count, ObservationSize);
        Rewards = Tensor.Zeros(count);
        Terminated = new bool[count];
        Truncated = new bool[count];
        EpisodeReturns = new float[count];
        LastReturns = new float[count];
    }

    /// <summary>Resets every copy; copy i is seeded with seed + i.</summary>
    public Tensor Reset(ulong seed)
    {
        for (int i = 0; i < _envs.Length; i++)
        {
            _envs[i].Reset(seed + (ulong)i, Observations.Span.Slice(i * ObservationSize, ObservationSize));
            EpisodeReturns[i] = 0;
        }
        return Observations;
    }

    /// <summary>Steps every copy with its row of <paramref name="actions"/> ([N, ActionSize] or [N]).</summary>
    public Tensor Step(ReadOnlySpan<float> actions)
    {
        if (actions.Length != _envs.Length * ActionSize) throw new ArgumentException($"VectorEnvironment: {actions.Length} action values for {_envs.Length} copies of {ActionSize}.");
        var obs = Observations.Span;
        for (int i = 0; i < _envs.Length; i++)
        {
            var row = obs.Slice(i * ObservationSize, ObservationSize);
            var r = _envs[i].Step(actions.Slice(i * ActionSize, ActionSize), row);
            Rewards[i] = r.Reward;
            Terminated[i] = r.Terminated;
            Truncated[i] = r.Truncated;
            EpisodeReturns[i] += r.Reward;
            if (r.Done)
            {
                row.CopyTo(FinalObservations.Span.Slice(i * ObservationSize, ObservationSize));
                LastReturns[i] = EpisodeReturns[i];
                EpisodeReturns[i] = 0;
                EpisodesDone++;
                _envs[i].Reset(null, row);
            }
        }
        return Observations;
    }
}
