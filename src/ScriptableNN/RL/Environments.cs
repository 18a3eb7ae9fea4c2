namespace ScriptableNN.RL;

/// <summary>Environments by Gymnasium's names, for scripts (<c>rl.make("CartPole-v1")</c>); a host adds its own.</summary>
public static class Environments
{
    private static readonly Dictionary<string, Func<IEnvironment>> ByName = new(StringComparer.Ordinal)
    {
        ["CartPole-v1"] = () => new CartPole(),
        ["CartPole-v0"] = () => new CartPole(maxEpisodeSteps: 200),
        ["MountainCar-v0"] = () => new MountainCar(),
        ["Pendulum-v1"] = () => new Pendulum(),
        ["Acrobot-v1"] = () => new Acrobot(),
    };

    /// <summary>A new environment called <paramref name="name"/>, or null.</summary>
    public static IEnvironment? Make(string name) { lock (ByName) return ByName.TryGetValue(name, out var f) ? f() : null; }

    /// <summary>Every name.</summary>
    public static IReadOnlyList<string> Names { get { lock (ByName) return ByName.Keys.ToArray(); } }

    /// <summary>Adds an environment under a new name.</summary>
    public static void Register(string name, Func<IEnvironment> make)
    {
        lock (ByName)
            if (!ByName.TryAdd(name, make)) throw new ArgumentException($"an environment called '{name}' is already registered.");
    }
}
