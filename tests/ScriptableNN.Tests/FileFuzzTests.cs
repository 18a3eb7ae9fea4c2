using System.Diagnostics;
using NUnit.Framework;
using ScriptableNN.Data;
using ScriptableNN.IO;
using ScriptableNN.NN;
using ScriptableNN.Optim;
using ScriptableNN.Tensors;
using static ScriptableNN.Fuzzing.FileFuzz;

namespace ScriptableNN.Tests;

/// <summary>
/// 10,000 mutated files through the loaders (checkpoints with and without optimizer state,
/// CSV, IDX plain and gzip), seeded: each load either succeeds or fails with a clean
/// data error, and none allocates more than a small multiple of what the file holds. Half of
/// the mutated checkpoints get a fresh checksum, so the parser behind the checksum is reached.
/// </summary>
[TestFixture]
public class FileFuzzTests
{
    private const int Files = 10_000;

    [Test]
    public void TenThousandMutatedFilesGiveCleanErrors()
    {
        var dir = Directory.CreateTempSubdirectory("snn-filefuzz").FullName;
        try
        {
            var seeds = Seeds(dir);
            var r = new Random(20261126);
            var problems = new List<string>();
            var sw = Stopwatch.StartNew();
            string path = Path.Combine(dir, "fuzzed");
            for (int i = 0; i < Files; i++)
            {
                var (kind, bytes) = seeds[i % seeds.Count];
                var m = Mutate(bytes, r);
                if (kind == "ckpt" && r.Next(2) == 0) m = Rehash(m);
                File.WriteAllBytes(path, m);
                var problem = LoadOne(kind, path);
                if (problem != null) problems.Add($"file {i}: {problem}");
            }
            TestContext.Out.WriteLine($"{Files} mutated files in {sw.Elapsed.TotalSeconds:F1} s, {problems.Count} problems");
            Assert.That(problems.Take(30), Is.Empty);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void EveryTruncationOfACheckpointIsACleanErrorWithinABoundTiedToTheFileSize()
    {
        var dir = Directory.CreateTempSubdirectory("snn-truncate").FullName;
        try
        {
            string path = Path.Combine(dir, "cut.ckpt");
            int cases = 0;
            var problems = new List<string>();
            foreach (var (kind, bytes) in Seeds(dir))
            {
                if (kind != "ckpt") continue;
                for (int cut = 0; cut < bytes.Length; cut++)
                    foreach (bool rehash in new[] { false, true })
                    {
                        // With a fresh checksum the cut reaches the parser behind it.
                        var file = bytes.AsSpan(0, cut).ToArray();
                        if (rehash) file = Rehash(file);
                        File.WriteAllBytes(path, file);
                        cases++;
                        long before = GC.GetAllocatedBytesForCurrentThread();
                        try { Checkpoint.Load(path); problems.Add($"cut at {cut} (rehash {rehash}) loaded"); }
                        catch (Exception e) when (IsClean(e)) { }
                        catch (Exception e) { problems.Add($"cut at {cut} (rehash {rehash}): {e.GetType().Name}: {e.Message}"); }
                        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                        if (allocated > 64L * file.Length + (1 << 20)) problems.Add($"cut at {cut}: allocated {allocated} bytes for {file.Length}");
                    }
            }
            TestContext.Out.WriteLine($"{cases} truncated checkpoints, {problems.Count} problems");
            Assert.That(cases, Is.GreaterThan(1000));
            Assert.That(problems.Take(20), Is.Empty);
        }
        finally { Directory.Delete(dir, true); }
    }
}
