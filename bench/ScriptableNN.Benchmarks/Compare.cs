using System.Diagnostics;
using System.Text.Json.Nodes;
using ScriptableNN.Inference;
using ScriptableNN.IO;
using ScriptableNN.Kernels;
using ScriptableNN.Lua;
using ScriptableNN.NN;
using ScriptableNN.Tensors;
#if WITH_PEERS
using Microsoft.ML.OnnxRuntime;
#endif

/// <summary>
/// The side-by-side suite: every case on ScriptableNN and its peers in one run, with the same
/// weights and data (written to a folder the peers read), medians of repeated timed batches,
/// and one markdown table of figures and ratios.
/// </summary>
public static class Compare
{
    private static readonly int[] MlpSizes = { 784, 256, 128, 10 };
    private static readonly int[] SmallSizes = { 16, 64, 64, 4 };

    private static Sequential Build(int[] sizes, ulong seed)
    {
        var rng = new Rng(seed);
        var net = new Sequential();
        for (int i = 0; i < sizes.Length - 1; i++)
        {
            net.Add(new Linear(sizes[i], sizes[i + 1], rng: rng));
            if (i < sizes.Length - 2) net.Add(new ReLU());
        }
        return net;
    }

    private static void WriteFloats(string path, ReadOnlySpan<float> data)
    {
        using var f = File.Create(path);
        foreach (var v in data) f.Write(BitConverter.GetBytes(v));
    }

    private sealed record Row(string Case, string Unit, double Snn, double? Torch, double? Ort, bool HigherIsBetter);

    public static void Run(string[] args)
    {
        string dir = Directory.CreateTempSubdirectory("snn-compare").FullName;
        var mlp = Build(MlpSizes, 1);
        var small = Build(SmallSizes, 2);
        var rng = new Rng(3);
        var x = Tensor.Uniform(rng, 0, 1, 512, 784);
        var y = Tensor.FromArray(Enumerable.Range(0, 512).Select(i => (float)(i % 10)).ToArray());
        var xs = Tensor.Uniform(rng, -1, 1, 16, 16);
        var meta = new JsonObject { ["mlp"] = new JsonObject { ["sizes"] = new JsonArray(MlpSizes.Select(v => (JsonNode)v).ToArray()) }, ["small"] = new JsonObject { ["sizes"] = new JsonArray(SmallSizes.Select(v => (JsonNode)v).ToArray()) } };
        File.WriteAllText(Path.Combine(dir, "meta.json"), meta.ToJsonString());
        foreach (var (name, net) in new[] { ("mlp", mlp), ("small", small) })
        {
            var linears = net.Children.OfType<Linear>().ToArray();
            for (int i = 0; i < linears.Length; i++)
            {
                WriteFloats(Path.Combine(dir, $"{name}_w{i}.bin"), linears[i].Weight.Value.Span);
                WriteFloats(Path.Combine(dir, $"{name}_b{i}.bin"), linears[i].Bias!.Value.Span);
            }
            OnnxExporter.Export(Path.Combine(dir, $"{name}.onnx"), net, name == "mlp" ? 784 : 16);
        }
        WriteFloats(Path.Combine(dir, "mlp_x.bin"), x.Span);
        WriteFloats(Path.Combine(dir, "mlp_y.bin"), y.Span);
        WriteFloats(Path.Combine(dir, "small_x.bin"), xs.Span);

        // PyTorch first, in its own processes (its threads would fight ours otherwise).
        var torch = RunTorch(dir);
        var rows = new List<Row>();

        foreach (int batch in new[] { 32, 128, 512 })
        {
            double best = 0; int bestThreads = 1;
            foreach (int threads in new[] { 1, 2 })
            {
                Gemm.MaxThreads = threads;
                var m = new TrainingTable.Mlp(batch);
                double sps = batch / GemmTable.Median(() => m.Step(), 0.1);
                if (sps > best) { best = sps; bestThreads = threads; }
            }
            Gemm.MaxThreads = 2;
            rows.Add(new Row($"train 784-256-128-10, Adam, batch {batch} (C#, best of 1/2 threads: {bestThreads})", "samples/s", best, torch?.Get($"train_{batch}"), null, true));
        }
        // The same Torch7-style loop (forward, backward with gradInput, Adam step) from Lua and from C#.
        // Best of three alternating rounds each: the host's load moves between rounds, and a
        // single Lua run against a single C# run measured the load as much as the loop.
        double lua = 0, cs = 0;
        for (int round = 0; round < 3; round++)
        {
            lua = Math.Max(lua, LuaTrain(128));
            cs = Math.Max(cs, 128 / LuaTable.CSharpLoop(300));
        }
        rows.Add(new Row("train batch 128, Torch7-style loop from a Lua script (2 threads)", "samples/s", lua, torch?.Get("train_128"), null, true));

        var cSmall = CompiledNetwork.Compile(small);
        var cMlp = CompiledNetwork.Compile(mlp);
        var outSmall = new float[4]; var outMlp = new float[10];
        var inSmall = xs.Select(0).ToArray(); var inMlp = x.Select(0).ToArray();
        // Half a second of calls first: tiered compilation promotes the callers only after a
        // delay, and GemmTable.Median's short warm-up would time their first-tier code.
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed.TotalSeconds < 0.5) { cSmall.Run(inSmall, outSmall); cMlp.Run(inMlp, outMlp); }
        double snnSmall = GemmTable.Median(() => cSmall.Run(inSmall, outSmall), 0.05) * 1e6;
        double snnMlp = GemmTable.Median(() => cMlp.Run(inMlp, outMlp), 0.05) * 1e6;
        var ort = RunOrt(dir, inSmall, inMlp, x, v => { var o = new float[4]; cSmall.Run(v, o); return o; });
        rows.Add(new Row("inference 16-64-64-4, one sample", "us/call", snnSmall, torch?.Get("infer1_small"), ort?.Small, false));
        rows.Add(new Row("inference 784-256-128-10, one sample", "us/call", snnMlp, torch?.Get("infer1_mlp"), ort?.Mlp, false));
        mlp.Evaluate();
        var x256 = x.Narrow(0, 256);
        double snnBatch = 256 / GemmTable.Median(() => mlp.Forward(x256), 0.05);
        rows.Add(new Row("inference 784-256-128-10, batch 256 (module forward)", "samples/s", snnBatch, torch?.Get("infer256_mlp"), ort?.Batch, true));
        var out256 = new float[256 * 10];
        double compiledBatch = 256 / GemmTable.Median(() => cMlp.RunBatch(x256.Span, out256, 256), 0.05);
        rows.Add(new Row("inference 784-256-128-10, batch 256 (compiled RunBatch)", "samples/s", compiledBatch, torch?.Get("infer256_mlp"), ort?.Batch, true));

        // GEMM on the MLP's products: GFLOP/s (best of 1 and 2 threads), and the share of the
        // two-thread FMA peak measured in the same run.
        double peak2 = Peak.Measure(2, 5_000_000);
        foreach (var (m, k, n) in new[] { (128, 784, 256), (128, 256, 784), (784, 128, 256) })
        {
            var a = Tensor.Uniform(rng, -1, 1, m, k); var b = Tensor.Uniform(rng, -1, 1, k, n); var c = Tensor.Zeros(m, n);
            double best = 0;
            foreach (int threads in new[] { 1, 2 })
            {
                Gemm.MaxThreads = threads;
                best = Math.Max(best, 2.0 * m * n * k / GemmTable.Median(() => Tensor.MatMul(a, b, c), 0.05) / 1e9);
            }
            Gemm.MaxThreads = 2;
            rows.Add(new Row($"GEMM {m}x{k} @ {k}x{n} ({100 * best / peak2:F0}% of the 2-thread peak {peak2:F0})", "GFLOP/s", best, torch?.Get($"mm_{m}x{k}x{n}"), null, true));
        }

        long allocInfer = Allocated(() => cSmall.Run(inSmall, outSmall), 1000);
        var mstep = new TrainingTable.Mlp(128);
        long allocStep = Allocated(() => mstep.Step(), 20);
        rows.Add(new Row("bytes allocated per inference call (16-64-64-4)", "bytes", allocInfer, null, ort?.BytesPerRun, false));
        rows.Add(new Row("bytes allocated per training step (batch 128)", "bytes", allocStep, null, null, false));

        Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}, GEMM kernel {Gemm.Detected}, .NET {Environment.Version}; PyTorch {(torch == null ? "not available" : torch.Version)}; ONNX Runtime {(ort == null ? "not built (bench/run builds it)" : ort.Version)}");
        Console.WriteLine($"PyTorch thread settings tried: {torch?.Settings ?? "-"}; best per case reported. ONNX Runtime: IntraOpNumThreads 1 and 2, best reported.");
        Console.WriteLine();
        Console.WriteLine("| case | unit | ScriptableNN | PyTorch | ONNX Runtime | vs PyTorch | vs ONNX Runtime |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            string Ratio(double? peer) => peer is not { } p || p == 0 || r.Snn == 0 ? "" : r.HigherIsBetter ? $"{r.Snn / p:F1}x" : $"{p / r.Snn:F1}x";
            string F(double? v) => v is not { } d ? "-" : d >= 100 ? d.ToString("F0") : d.ToString("F2");
            Console.WriteLine($"| {r.Case} | {r.Unit} | {F(r.Snn)} | {F(r.Torch)} | {F(r.Ort)} | {Ratio(r.Torch)} | {Ratio(r.Ort)} |");
        }
        Console.WriteLine();
        Console.WriteLine($"Torch7-style training loop, Lua / C# (batch 128, samples/s, best of three alternating rounds each): {lua / cs:F3} ({lua:F0} vs {cs:F0})");
        Console.WriteLine("Ratios: how many times faster ScriptableNN is (throughput over throughput, or time over time).");
        Directory.Delete(dir, true);
    }

    private static long Allocated(Action a, int n)
    {
        a(); a();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < n; i++) a();
        return (GC.GetAllocatedBytesForCurrentThread() - before) / n;
    }

    private static double LuaTrain(int batch)
    {
        using var host = new LuaHost();
        return batch / LuaTable.LuaLoop(host, 300, batch);
    }

    private sealed record TorchResults(JsonObject Best, string Version, string Settings)
    {
        public double? Get(string key) => Best[key] is JsonNode n ? (double)n : null;
    }

    private static TorchResults? RunTorch(string dir)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "bench", "torch_bench.py");
        if (!File.Exists(script) || !File.Exists("/usr/bin/python3")) return null;
        var best = new JsonObject();
        var settings = new List<string>();
        string version = "";
        foreach (var (blas, threads) in new[] { (1, 1), (2, 1), (1, 2), (2, 2) })
        {
            var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add(script); psi.ArgumentList.Add(dir);
            psi.Environment["OPENBLAS_NUM_THREADS"] = blas.ToString();
            psi.Environment["OMP_NUM_THREADS"] = "1";
            psi.Environment["SNN_TORCH_THREADS"] = threads.ToString();
            psi.Environment.Remove("OPENBLAS_CORETYPE");   // per the machine notes: older kernels slow a current BLAS
            psi.Environment.Remove("OPENBLAS_L2_SIZE");
            using var p = Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd();
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) { Console.Error.WriteLine($"PyTorch run failed (OpenBLAS {blas}, torch {threads}): {err}"); continue; }
            settings.Add($"OpenBLAS {blas} x torch {threads}");
            var res = JsonNode.Parse(output)!.AsObject();
            foreach (var (k, v) in res)
            {
                double val = (double)v!;
                bool higher = !k.StartsWith("infer1_");
                if (best[k] is not JsonNode old || (higher ? val > (double)old : val < (double)old)) best[k] = val;
            }
        }
        if (settings.Count == 0) return null;
        var ver = Process.Start(new ProcessStartInfo("/usr/bin/python3", "-c \"import torch; print(torch.__version__)\"") { RedirectStandardOutput = true })!;
        version = ver.StandardOutput.ReadToEnd().Trim();
        ver.WaitForExit();
        return new TorchResults(best, version, string.Join(", ", settings));
    }

    private sealed record OrtResults(double Small, double Mlp, double Batch, long BytesPerRun, string Version);

#if WITH_PEERS
    private static OrtResults? RunOrt(string dir, float[] inSmall, float[] inMlp, Tensor x, Func<float[], float[]> reference)
    {
        double bestSmall = double.MaxValue, bestMlp = double.MaxValue, bestBatch = 0;
        long bytes = 0;
        foreach (int threads in new[] { 1, 2 })
        {
            using var opts = new SessionOptions { IntraOpNumThreads = threads, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
            using var sSmall = new InferenceSession(Path.Combine(dir, "small.onnx"), opts);
            using var sMlp = new InferenceSession(Path.Combine(dir, "mlp.onnx"), opts);
            using var run = new RunOptions();
            var names = new[] { "input" }; var outNames = new[] { "output" };
            var outSmall = new float[4]; var outMlp = new float[10];
            var x256 = x.Narrow(0, 256).ToArray(); var out256 = new float[2560];
            using var iSmall = OrtValue.CreateTensorValueFromMemory(inSmall, new long[] { 1, 16 });
            using var oSmall = OrtValue.CreateTensorValueFromMemory(outSmall, new long[] { 1, 4 });
            using var iMlp = OrtValue.CreateTensorValueFromMemory(inMlp, new long[] { 1, 784 });
            using var oMlp = OrtValue.CreateTensorValueFromMemory(outMlp, new long[] { 1, 10 });
            using var iB = OrtValue.CreateTensorValueFromMemory(x256, new long[] { 256, 784 });
            using var oB = OrtValue.CreateTensorValueFromMemory(out256, new long[] { 256, 10 });
            var inS = new[] { iSmall }; var outS = new[] { oSmall };
            var inM = new[] { iMlp }; var outM = new[] { oMlp };
            var inBs = new[] { iB }; var outBs = new[] { oB };
            bestSmall = Math.Min(bestSmall, GemmTable.Median(() => sSmall.Run(run, names, inS, outNames, outS), 0.05) * 1e6);
            bestMlp = Math.Min(bestMlp, GemmTable.Median(() => sMlp.Run(run, names, inM, outNames, outM), 0.05) * 1e6);
            bestBatch = Math.Max(bestBatch, 256 / GemmTable.Median(() => sMlp.Run(run, names, inBs, outNames, outBs), 0.05));
            if (threads == 1) bytes = Allocated(() => sSmall.Run(run, names, inS, outNames, outS), 1000);
            // Same weights, same answer: the exported model must be the network.
            sSmall.Run(run, names, inS, outNames, outS);
            var mine = reference(inSmall);
            for (int j = 0; j < 4; j++)
                if (Math.Abs(mine[j] - outSmall[j]) > 1e-4)
                    throw new InvalidOperationException($"ONNX Runtime output {outSmall[j]} differs from ScriptableNN's {mine[j]} at {j}: the export is wrong.");
        }
        return new OrtResults(bestSmall, bestMlp, bestBatch, bytes, typeof(InferenceSession).Assembly.GetName().Version?.ToString() ?? "");
    }
#else
    private static OrtResults? RunOrt(string dir, float[] inSmall, float[] inMlp, Tensor x, Func<float[], float[]> reference) => null;
#endif
}
