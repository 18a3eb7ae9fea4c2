using System.Diagnostics;
using NUnit.Framework;
using ScriptableNN.Lua;

namespace ScriptableNN.Lua.Tests;

/// <summary>
/// The API fuzz test: 100,000 random calls of every function and method a script reaches,
/// with adversarial arguments (metamethods that error, yield or loop, cyclic and deep tables,
/// freed tensors, huge and negative sizes, NaN and infinities), seeded and bounded in time.
/// One host takes them all: it must survive each, every error must be a clean one, and after
/// any budget stop the same host runs the next batch.
/// </summary>
[TestFixture]
public class FuzzTests
{
    private const int Calls = 100_000, Batch = 2_000;

    [Test]
    public void OneHundredThousandAdversarialCallsLeaveTheHostStanding()
    {
        var dir = Directory.CreateTempSubdirectory("snn-fuzz").FullName;
        try
        {
            var options = new LuaHostOptions
            {
                Timeout = TimeSpan.FromSeconds(1), InstructionBudget = 50_000_000, MemoryLimit = 256L << 20, Output = TextWriter.Null,
            };
            options.ReadRoots.Add(dir);
            options.WriteRoots.Add(dir);
            using var host = new LuaHost(options);
            host.Run(File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "fuzz", "api_fuzz.lua")), "api_fuzz.lua");
            var names = Bindings.All.Select(b => b.Binding.Name).Concat(new[]
            {
                "add", "sub", "mul", "div", "cmul", "cdiv", "clamp", "pow", "exp", "log", "abs", "sqrt", "tanh", "sigmoid", "neg",
                "matmul", "numel", "type", "float", "double", "item", "predict", "save", "compile", "split", "history", "last",
                "zeroGrad", "learningRate", "stepCount", "transform", "run", "train", "size",
                "t", "transpose", "narrow", "select", "expand", "expandAs", "unfold", "contiguous", "isContiguous", "stride",
                "resizeAs", "squeeze", "unsqueeze", "index", "indexCopy", "maskedFill", "fill", "copy", "totable", "apply",
            }).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToArray();
            var unclean = new List<string>();
            int done = 0, stops = 0, batches = 0;
            var sw = Stopwatch.StartNew();
            while (done < Calls)
            {
                // One batch in ten carries a metamethod that loops: it must end at the budget.
                bool loops = batches % 10 == 9;
                batches++;
                try
                {
                    var r = host.Call("fuzz", 20261126L, (long)done, (long)Batch, names, dir, loops);
                    done += Batch;
                    if (r[1] is object?[] list) unclean.AddRange(list.Select(x => x?.ToString() ?? ""));
                }
                catch (LuaScriptException e)
                {
                    // A budget stop, or a yield that reached the top: the batch ends there.
                    stops++;
                    long ran = host.GetGlobal("fuzz_done") is long n ? n : 0;
                    done += (int)Math.Max(1, ran);
                    Assert.That(e.Message, Does.Not.Contain("Exception"), e.Message);
                }
            }
            TestContext.Out.WriteLine($"{done} calls in {batches} batches, {stops} stopped by a budget, {sw.Elapsed.TotalSeconds:F1} s, {unclean.Count} unclean errors");
            Assert.That(unclean.Distinct().Take(40), Is.Empty);
            Assert.That(host.Run("return torch.ones(2):sum()")[0], Is.EqualTo(2.0), "the host still runs scripts");
        }
        finally { Directory.Delete(dir, true); }
    }
}
