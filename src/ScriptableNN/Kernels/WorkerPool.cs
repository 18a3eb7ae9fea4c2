namespace ScriptableNN.Kernels;

/// <summary>
/// Background threads that take the parts of a GEMM beyond part 0, which the caller runs
/// itself. Each worker spins briefly, then blocks: on two cores the other one may be busy
/// with the host, and a spinning waiter would steal it. Nothing is allocated per product.
/// </summary>
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
    private static Worker[] _workers = Array.Empty<Worker>();
    private static Gemm.Job _job;

    /// <summary>Runs every part of the job; false when another thread holds the pool.</summary>
    public static bool TryRun(ref Gemm.Job job)
    {
        if (!Monitor.TryEnter(Gate)) return false;
        try
        {
            EnsureWorkers(job.Parts - 1);
            _job = job;
            for (int i = 0; i < job.Parts - 1; i++)
            {
                var w = _workers[i];
                w.Part = i + 1;
                w.Error = null;
                w.Done.Reset();
                w.Start.Set();
            }
            Exception? mine = null;
            try { Gemm.RunPart(in _job, 0); } catch (Exception e) { mine = e; }
            for (int i = 0; i < job.Parts - 1; i++)
            {
                _workers[i].Done.Wait();
                mine ??= _workers[i].Error;
            }
            if (mine != null) throw new InvalidOperationException("Gemm: a worker thread failed.", mine);
            return true;
        }
        finally
        {
            Monitor.Exit(Gate);
        }
    }

    private static void EnsureWorkers(int count)
    {
        if (_workers.Length >= count) return;
        var grown = new Worker[count];
        Array.Copy(_workers, grown, _workers.Length);
        for (int i = _workers.Length; i < count; i++)
        {
            var w = new Worker();
            grown[i] = w;
            var t = new Thread(() => Loop(w)) { IsBackground = true, Name = $"ScriptableNN.Gemm.{i + 1}" };
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
            try { Gemm.RunPart(in _job, w.Part); }
            catch (Exception e) { w.Error = e; }
            w.Done.Set();
        }
    }
}
