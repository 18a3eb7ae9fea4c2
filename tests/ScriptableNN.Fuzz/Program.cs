using System.Diagnostics;
using ScriptableNN.Fuzzing;

// Fuzzing the file loaders for longer than CI allows.
//
//   dotnet run -c Release --project tests/ScriptableNN.Fuzz -- mutate [seconds] [seed] [out-dir]
//       mutates the seed files (checkpoints, CSV, IDX plain and gzip) for the given time and
//       writes every input that gives anything but a clean data error to out-dir.
//   SNN_FUZZ_TARGET=ckpt|csv|idx dotnet ScriptableNN.Fuzz.dll input-file
//       one input through one loader, the way libFuzzer (libfuzzer-dotnet) or AFL
//       (SharpFuzz's out-of-process runner) call it; with `sharpfuzz` run on ScriptableNN.dll
//       first, the search is coverage-guided. A loader problem throws, which the fuzzer
//       records as a crash.

if (args.Length > 0 && args[0] == "mutate") return Mutate(args);

string target = Environment.GetEnvironmentVariable("SNN_FUZZ_TARGET") ?? "ckpt";
string scratch = Path.Combine(Path.GetTempPath(), $"snn-fuzz-{Environment.ProcessId}");
Directory.CreateDirectory(scratch);
string file = Path.Combine(scratch, "input");
SharpFuzz.Fuzzer.LibFuzzer.Run(data =>
{
    File.WriteAllBytes(file, data.ToArray());
    var problem = FileFuzz.LoadOne(target, file);
    if (problem != null) throw new InvalidOperationException(problem);
});
return 0;

static int Mutate(string[] args)
{
    double seconds = args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 60;
    int seed = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : Environment.TickCount;
    string outDir = args.Length > 3 ? args[3] : "fuzz-findings";
    string work = Directory.CreateTempSubdirectory("snn-fuzz").FullName;
    var seeds = FileFuzz.Seeds(work);
    var r = new Random(seed);
    var sw = Stopwatch.StartNew();
    long n = 0, problems = 0;
    string path = Path.Combine(work, "fuzzed");
    while (sw.Elapsed.TotalSeconds < seconds)
    {
        var (kind, bytes) = seeds[(int)(n % seeds.Count)];
        // Mutations stack: a few rounds on one input reach deeper than one edit.
        var m = bytes;
        for (int round = r.Next(1, 4); round > 0; round--) m = FileFuzz.Mutate(m, r);
        if (kind == "ckpt" && r.Next(2) == 0) m = FileFuzz.Rehash(m);
        File.WriteAllBytes(path, m);
        var problem = FileFuzz.LoadOne(kind, path);
        n++;
        if (problem == null) continue;
        problems++;
        Directory.CreateDirectory(outDir);
        string saved = Path.Combine(outDir, $"{kind}-{seed}-{n}.bin");
        File.WriteAllBytes(saved, m);
        Console.WriteLine($"{saved}: {problem}");
    }
    Console.WriteLine($"{n} inputs in {sw.Elapsed.TotalSeconds:F0} s (seed {seed}): {problems} problems");
    Directory.Delete(work, true);
    return problems == 0 ? 0 : 1;
}
