namespace ScriptableNN.Lua;

/// <summary>
/// One report of an agent's learning from <c>agent:learn</c>, as the host sees it: Stable-Baselines3's
/// rollout and train figures.
/// </summary>
/// <param name="Algorithm">PPO, DQN or Reinforce.</param>
/// <param name="Steps">Transitions so far.</param>
/// <param name="TotalSteps">Transitions the call learns to.</param>
/// <param name="MeanReturn">Mean return of the last 100 episodes (NaN before one ends).</param>
/// <param name="MeanLength">Their mean length.</param>
/// <param name="StepsPerSecond">Transitions per second of wall time since the call began.</param>
/// <param name="Metrics">The last update's losses and diagnostics (train/...).</param>
public sealed record AgentProgress(string Algorithm, long Steps, long TotalSteps, double MeanReturn, double MeanLength, double StepsPerSecond,
    IReadOnlyDictionary<string, double> Metrics);
