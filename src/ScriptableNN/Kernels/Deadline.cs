using System.Diagnostics;

namespace ScriptableNN.Kernels;

/// <summary>
/// A point in time after which long engine work on this thread stops: a matrix product checks
/// it between blocks and throws <see cref="OperationCanceledException"/>. A host that runs
/// untrusted scripts under a timeout sets it around each run, so that one large product
/// cannot outlast the timeout by minutes. The default, 0, means no deadline.
/// </summary>
public static class Deadline
{
    [ThreadStatic] private static long _at;

    /// <summary>The deadline as a <see cref="Stopwatch"/> timestamp, or 0 for none.</summary>
    public static long At
    {
        get => _at;
        set => _at = value;
    }

    /// <summary>Whether this thread's deadline has passed.</summary>
    public static bool Passed => _at != 0 && Stopwatch.GetTimestamp() > _at;

    internal static OperationCanceledException Stopped(string what) => new($"{what}: stopped at the deadline");
}
