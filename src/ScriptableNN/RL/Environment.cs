namespace ScriptableNN.RL;

/// <summary>What one step of an environment gives back besides the observation (Gymnasium's contract).</summary>
/// <param name="Reward">The reward for the step.</param>
/// <param name="Terminated">The episode reached a terminal state: no value to bootstrap from.</param>
/// <param name="Truncated">The episode was cut short (a time limit): the state still has a value.</param>
public readonly record struct StepResult(float Reward, bool Terminated, bool Truncated)
{
    /// <summary>The episode is over, either way.</summary>
    public bool Done => Terminated || Truncated;
}

/// <summary>
/// An environment an agent acts in, with Gymnasium's contract: <see cref="Reset"/> starts an
/// episode and writes the first observation; <see cref="Step"/> applies an action and writes the
/// next observation, returning the reward and whether the episode terminated (a terminal state)
/// or was truncated (a time limit). Actions are a span: one value holding the index for a discrete
/// space (<see cref="ActionCount"/> &gt; 0), or <see cref="ActionSize"/> values for a continuous one.
/// </summary>
public interface IEnvironment
{
    /// <summary>Values per observation.</summary>
    int ObservationSize { get; }
    /// <summary>Actions to choose from (discrete), or 0 for continuous actions.</summary>
    int ActionCount { get; }
    /// <summary>Values per action (1 for a discrete space).</summary>
    int ActionSize { get; }
    /// <summary>Starts an episode; a seed restarts the environment's generator.</summary>
    void Reset(ulong? seed, Span<float> observation);
    /// <summary>Applies <paramref name="action"/> and writes the next observation.</summary>
    StepResult Step(ReadOnlySpan<float> action, Span<float> observation);
}
