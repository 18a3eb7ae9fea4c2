using ScriptableNN.Inference;
using ScriptableNN.IO;
using ScriptableNN.Lua;
using ScriptableNN.NN;
using ScriptableNN.Tensors;

namespace SimulationHost;

/// <summary>
/// The designer's behaviour script and the host's side of it: loading and hot reloading (a new
/// state per load, so a broken edit never damages the running one), the per-frame calls, and
/// the compiled policy the agents run.
/// </summary>
public sealed class Behaviour : IDisposable
{
    private readonly string _path;
    private readonly TextWriter _log;
    private LuaHost _host;
    private DateTime _stamp;
    private readonly HashSet<string> _reported = new();

    /// <summary>Observations and expert actions of all agents, handed to the script each frame.</summary>
    public readonly Tensor States, Actions;

    /// <summary>The policy frozen for inference; null until <see cref="CompilePolicy"/>.</summary>
    public CompiledNetwork? Policy { get; private set; }

    public int Reloads { get; private set; }

    public Behaviour(string path, int agents, TextWriter log)
    {
        _path = path;
        _log = log;
        States = Tensor.Zeros(agents, World.Features);
        Actions = Tensor.Zeros(agents, World.Actions);
        _host = Load() ?? throw new InvalidOperationException($"the behaviour script {path} did not load; see the message above.");
        _stamp = File.GetLastWriteTimeUtc(path);
    }

    private LuaHost? Load()
    {
        var host = new LuaHost(new LuaHostOptions { Output = _log, Timeout = TimeSpan.FromSeconds(10) });
        try
        {
            host.RunFile(_path);
            host.GetModule("policy");
            return host;
        }
        catch (LuaScriptException e)
        {
            _log.WriteLine($"behaviour: {Where(e)}{e.Message}");
            host.Dispose();
            return null;
        }
    }

    private static string Where(LuaScriptException e) => e.Chunk != null && !e.Message.StartsWith(e.Chunk) ? $"{e.Chunk}:{e.Line}: " : "";

    /// <summary>Reloads the script when its file changed; keeps the weights when the policy's shape is unchanged.</summary>
    public bool ReloadIfChanged()
    {
        var stamp = File.GetLastWriteTimeUtc(_path);
        if (stamp == _stamp) return false;
        _stamp = stamp;
        var fresh = Load();
        if (fresh == null) { _log.WriteLine("behaviour: keeping the last good script and weights."); return false; }
        var oldPolicy = _host.GetModule("policy");
        var newPolicy = fresh.GetModule("policy");
        if (Checkpoint.Describe(oldPolicy).ToJsonString() == Checkpoint.Describe(newPolicy).ToJsonString())
        {
            var from = oldPolicy.ParameterArray(); var to = newPolicy.ParameterArray();
            for (int i = 0; i < from.Length; i++) to[i].Value.CopyFrom(from[i].Value);
            _log.WriteLine("behaviour: reloaded; trained weights kept.");
        }
        else _log.WriteLine("behaviour: reloaded; the policy's shape changed, so it starts untrained.");
        _host.Dispose();
        _host = fresh;
        Reloads++;
        if (Policy != null) CompilePolicy();
        return true;
    }

    private T? Guard<T>(Func<T> call, T fallback)
    {
        try { return call(); }
        catch (LuaScriptException e)
        {
            // Report each distinct failure once; the frame goes on without the script's part.
            if (_reported.Add(e.Message)) _log.WriteLine($"behaviour: {Where(e)}{e.Message} (the simulation keeps running)");
            return fallback;
        }
    }

    /// <summary>Hands this frame's observations and expert actions to the script.</summary>
    public void Collect() => Guard(() => _host.Call("collect", States, Actions), Array.Empty<object?>());

    /// <summary>Lets the script train for about <paramref name="seconds"/>; returns the steps it took.</summary>
    public long Train(double seconds) => Guard(() => _host.Call("train", seconds) is [long n, ..] ? n : 0L, 0L);

    /// <summary>The script's error on its held-out examples (infinity when it cannot tell yet).</summary>
    public double ValidationError() => Guard(() => _host.Call("validation_error") is [double d, ..] ? d : double.PositiveInfinity, double.PositiveInfinity);

    /// <summary>RL mode: the script's actions for this frame's observations (<see cref="States"/>), into <paramref name="actions"/>.</summary>
    public bool Act(Span<float> actions)
    {
        var r = Guard(() => _host.Call("act", States), Array.Empty<object?>());
        if (r is not [Tensor t, ..] || t.Length != actions.Length) return false;
        t.Span.CopyTo(actions);
        return true;
    }

    /// <summary>RL mode: what the actions brought: the new observations (<see cref="States"/>), who reached their target, whether the episode ended.</summary>
    public void Observe(Tensor final, bool[] reached, bool episodeEnd) =>
        Guard(() => _host.Call("observe", States, final, reached, episodeEnd), Array.Empty<object?>());

    /// <summary>RL mode: trains for up to <paramref name="seconds"/>; the minibatches taken, and whether an update still waits (the world then holds still).</summary>
    public (long Steps, bool Pending) TrainRL(double seconds) =>
        Guard(() => _host.Call("train", seconds) is [long n, bool pending, ..] ? (n, pending) : (0L, false), (0L, false));

    /// <summary>Freezes the current policy for per-frame inference.</summary>
    public void CompilePolicy() => Policy = CompiledNetwork.Compile(_host.GetModule("policy"));

    public void Dispose() => _host.Dispose();
}
