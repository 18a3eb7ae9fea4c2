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
}
