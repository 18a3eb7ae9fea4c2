using System.Globalization;
using System.Text.RegularExpressions;
using NUnit.Framework;

namespace ScriptableNN.Cli.Tests;

/// <summary>
/// The same script in processes where the runtime hides instruction sets (as a machine
/// without them would): each picks the next kernel family down, and training and inference
/// agree with the full machine's within float tolerance.
/// </summary>
[TestFixture]
public class KernelProcessTests
{
    private const string Script = @"
torch.manualSeed(1)
local ds = data.spirals{n = 60, classes = 3, seed = 4}
local model = nn.Sequential():add(nn.Linear(2, 48)):add(nn.ReLU()):add(nn.Linear(48, 300)):add(nn.Tanh()):add(nn.Linear(300, 3))
local history = train.fit{model = model, loss = nn.CrossEntropyCriterion(), optimizer = optim.Adam(model, {lr = 0.01}),
  data = ds, epochs = 15, batchSize = 30, seed = 3, verbose = false}
local y = model:forward(ds.x)
-- the compiled network: a batch (the packed GEMM) and one sample (the matrix-vector kernel)
local c = model:compile()
local cy = c:forward(ds.x)
local one = c:forward(ds.x[50])
print(string.format('loss %.6f out %.6f %.6f %.6f compiled %.6f %.6f', history[#history].loss, y[1][1], y[7][2], y[99][3], cy[99][3], one[2]))
";

    private static readonly (string Name, Dictionary<string, string> Env)[] Machines =
    {
        ("no AVX-512", new() { ["DOTNET_EnableAVX512F"] = "0" }),
        ("no AVX2", new() { ["DOTNET_EnableAVX2"] = "0" }),
        ("no SIMD", new() { ["DOTNET_EnableHWIntrinsic"] = "0" }),
    };

    private static double[] Numbers(string output)
    {
        var m = Regex.Match(output, @"loss (\S+) out (\S+) (\S+) (\S+) compiled (\S+) (\S+)");
        Assert.That(m.Success, output);
        return Enumerable.Range(1, 6).Select(i => double.Parse(m.Groups[i].Value, CultureInfo.InvariantCulture)).ToArray();
    }

    [Test]
    public void EveryHiddenInstructionSetGivesTheNextFamilyAndTheSameResults()
    {
        var dir = Directory.CreateTempSubdirectory("snn-kernels").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "train.lua"), Script);
            var (code, full, err) = Repo.SnnProcess(dir, "run", "train.lua");
            Assert.That(code, Is.EqualTo(0), full + err);
            var expected = Numbers(full);
            var seen = new List<string>();
            foreach (var (name, env) in Machines)
            {
                var (vc, version, _) = Repo.SnnProcess(dir, env, "--version");
                Assert.That(vc, Is.EqualTo(0));
                var kernel = Regex.Match(version, @"GEMM kernel (\w+)").Groups[1].Value;
                seen.Add($"{name}: {kernel}");
                if (name == "no AVX2") Assert.That(kernel, Is.AnyOf("Vector128", "Scalar"), version);
                if (name == "no SIMD") Assert.That(kernel, Is.EqualTo("Scalar"), version);
                var (c, o, e) = Repo.SnnProcess(dir, env, "run", "train.lua");
                Assert.That(c, Is.EqualTo(0), $"{name}: {o}{e}");
                var got = Numbers(o);
                for (int i = 0; i < got.Length; i++)
                    Assert.That(got[i], Is.EqualTo(expected[i]).Within(2e-3 * Math.Max(1, Math.Abs(expected[i]))), $"{name} ({kernel}): value {i} of {o}");
            }
            TestContext.Out.WriteLine(string.Join("; ", seen));
        }
        finally { Directory.Delete(dir, true); }
    }
}
