namespace ScriptableNN.RL;

/// <summary>
/// Returns and lengths of the last finished episodes (a window of 100, Stable-Baselines3's
/// stats_window_size), kept from the rewards an agent is told, so they exist for any environment.
/// </summary>
public sealed class EpisodeStats
{
    private readonly float[] _returns, _lengths;
    private readonly double[] _running;
    private readonly int[] _steps;
    private int _next, _count;

    /// <summary>Statistics for <paramref name="copies"/> environments over a window of <paramref name="window"/> episodes.</summary>
    public EpisodeStats(int copies, int window = 100)
    {
        _returns = new float[window]; _lengths = new float[window];
        _running = new double[copies]; _steps = new int[copies];
    }

    /// <summary>Episodes finished since the start.</summary>
    public long Finished { get; private set; }

    /// <summary>The mean return over the window (NaN before the first episode ends).</summary>
    public double MeanReturn => _count == 0 ? double.NaN : Mean(_returns);

    /// <summary>The mean length over the window (NaN before the first episode ends).</summary>
    public double MeanLength => _count == 0 ? double.NaN : Mean(_lengths);

    /// <summary>Adds one step's reward of copy <paramref name="i"/>; <paramref name="done"/> ends its episode.</summary>
    public void Add(int i, float reward, bool done)
    {
        _running[i] += reward;
        _steps[i]++;
        if (!done) return;
        _returns[_next] = (float)_running[i];
        _lengths[_next] = _steps[i];
        _next = (_next + 1) % _returns.Length;
        if (_count < _returns.Length) _count++;
        Finished++;
        _running[i] = 0; _steps[i] = 0;
    }

    /// <summary>Forgets the episodes under way (the environments were reset).</summary>
    public void Restart()
    {
        Array.Clear(_running);
        Array.Clear(_steps);
    }

    internal System.Text.Json.Nodes.JsonObject Save() => new()
    {
        ["finished"] = Finished, ["next"] = _next, ["count"] = _count,
        ["returns"] = AgentState.Floats(_returns), ["lengths"] = AgentState.Floats(_lengths),
    };

    internal void Load(System.Text.Json.Nodes.JsonObject j)
    {
        Finished = (long)j["finished"]!; _next = (int)j["next"]!; _count = (int)j["count"]!;
        AgentState.Floats(j["returns"], _returns, "episode returns");
        AgentState.Floats(j["lengths"], _lengths, "episode lengths");
        Restart();
    }

    private double Mean(float[] values)
    {
        double s = 0;
        for (int k = 0; k < _count; k++) s += values[k];
        return s / _count;
    }
}
