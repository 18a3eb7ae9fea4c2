namespace ScriptableNN.Kernels;

/// <summary>Work split into a fixed number of parts; part 0 runs on the calling thread.</summary>
internal interface IParallelWork
{
    void RunPart(int part, int parts);
}

/// <summary>
/// Background threads that take parts 1.. of a piece of work while the caller runs part 0.
/// Each worker spins briefly, then blocks: on two cores the other one may be busy with the
/// host, and a spinning waiter would steal it. Nothing is allocated per call.
/// </summary>
/// <summary>How many threads the engine's parallel loops (products, optimizer updates) may use.</summary>
public static class Parallelism
{
    private static int _maxThreads = Math.Min(Environment.ProcessorCount, 2);

    /// <summary>The most threads one loop may use (1 = the calling thread only).</summary>
    public static int MaxThreads
    {
        get => _maxThreads;
        set => _maxThreads = Math.Clamp(value, 1, 64);
    }

    /// <summary>The parts to split a loop of <paramref name="length"/> elements into: all threads from <paramref name="threshold"/> elements, else one.</summary>
    public static int PartsFor(long length, long threshold) => length >= threshold ? MaxThreads : 1;
}

internal static class WorkerPool
{
    private sealed class Worker
    {
        public readonly ManualResetEventSlim Start = new(false, 2000);
        public readonly ManualResetEventSlim Done = new(false, 2000);
        public int Part;
        public Exception? Error;
    }

    private static readonly object Gate = new();
    [ThreadStatic] private static bool _insidePart;
    private static Worker[] _workers = Array.Empty<Worker>();
    private static IParallelWork? _work;
    private static int _parts;

    /// <summary>Runs every part of <paramref name="work"/>; false (nothing run) when another thread holds the pool.</summary>
    public static bool TryRun(IParallelWork work, int parts)
    {
        if (parts <= 1) { work.RunPart(0, 1); return true; }
        // Work started from inside a part (a product inside half of a batch) runs on its own
        // thread: the pool is busy with the outer work. The lock alone would not say so to the
        // thread that holds it.
        if (_insidePart) return false;
        if (!Monitor.TryEnter(Gate)) return false;
        try
        {
            EnsureWorkers(parts - 1);
            _work = work;
            _parts = parts;
            for (int i = 0; i < parts - 1; i++)
            {
                var w = _workers[i];
                w.Part = i + 1;
                w.Error = null;
                w.Done.Reset();
                w.Start.Set();
            }
            Exception? mine = null;
            _insidePart = true;
            try { work.RunPart(0, parts); } catch (Exception e) { mine = e; }
            finally { _insidePart = false; }
            for (int i = 0; i < parts - 1; i++)
            {
                // Spin (yielding) rather than block: the first blocking wait a thread ever makes
                // allocates its wait structures, and a product must not allocate on the caller's
                // thread. The parts are balanced, so the wait is short.
                var w = _workers[i];
                var spin = new SpinWait();
                while (!w.Done.IsSet) spin.SpinOnce(sleep1Threshold: -1);
                mine ??= w.Error;
            }
            _work = null;
            if (mine != null) throw new InvalidOperationException("ScriptableNN: a worker thread failed.", mine);
            return true;
        }
        finally
        {
            Monitor.Exit(Gate);
        }
    }

    /// <summary>Runs on up to <paramref name="parts"/> threads, or all on the caller when the pool is busy.</summary>
    public static void Run(IParallelWork work, int parts)
    {
        if (!TryRun(work, parts)) work.RunPart(0, 1);
    }

    private static void EnsureWorkers(int count)
    {
        if (_workers.Length >= count) return;
        var grown = new Worker[count];
        Array.Copy(_workers, grown, _workers.Length);
        for (int i = _workers.Length; i < count; i++)
        {
            var w = new Worker();
            // The first real block on a ManualResetEventSlim allocates its lock object; do it
            // now, so a product never allocates on the caller's thread later.
            w.Done.Wait(1);
            w.Start.Wait(1);
            grown[i] = w;
            var t = new Thread(() => Loop(w)) { IsBackground = true, Name = $"ScriptableNN.Worker.{i + 1}" };
            t.Start();
        }
        _workers = grown;
    }

    private static void Loop(Worker w)
    {
        while (true)
        {
            w.Start.Wait();
            w.Start.Reset();
            try { _work!.RunPart(w.Part, _parts); }
            catch (Exception e) { w.Error = e; }
            w.Done.Set();
        }
    }
}
