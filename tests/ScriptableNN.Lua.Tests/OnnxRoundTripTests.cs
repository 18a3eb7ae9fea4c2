using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;
using NUnit.Framework;
using ScriptableNN.IO;
using ScriptableNN.NN;
using ScriptableNN.Registry;
using ScriptableNN.Tensors;
using Tensor = ScriptableNN.Tensors.Tensor;

namespace ScriptableNN.Lua.Tests;

/// <summary>
/// Ours -> ONNX -> ONNX Runtime, and ours -> ONNX -> ours, for every built-in unit with an ONNX
/// form, on 10,000 random inputs.
/// </summary>
public class OnnxRoundTripTests
{
    public static IEnumerable<TestCaseData> Units() =>
        Catalog.Modules.Where(t => t.HasOnnx && !t.IsContainer && t.Name != "Linear" && t.ModuleClass.Assembly == typeof(Module).Assembly)
            .Select(t => new TestCaseData(t.Name).SetArgDisplayNames(t.Name));

    [TestCaseSource(nameof(Units))]
    public void OnnxRuntimeAndTheImporterComputeWhatTheUnitComputes(string name)
    {
        var type = Catalog.Module(name)!;
        var settings = name switch
        {
            "PReLU" => new JsonObject { ["units"] = 8, ["init"] = 0.3 },
            "BatchNormalization" => new JsonObject { ["features"] = 8, ["eps"] = 1e-3 },
            _ => new JsonObject(),
        };
        var rng = new Rng(21);
        var unit = type.Create(settings, rng);
        if (unit is PReLU p) for (int i = 0; i < 8; i++) p.Slope.Value[i] = (float)(rng.NextDouble() - 0.5);
        if (unit is BatchNormalization bn)
            for (int i = 0; i < 8; i++) { bn.RunningMean[i] = (float)(rng.NextDouble() - 0.5); bn.RunningVar[i] = 0.5f + (float)rng.NextDouble(); bn.Bias!.Value[i] = 0.1f * i; }
        var net = new Sequential(new Linear(6, 8, rng: rng), unit, new Linear(8, 3, rng: rng));
        net.Evaluate();
        const int rows = 10_000;
        var x = Tensor.Uniform(rng, -3, 3, rows, 6);
        var expected = net.Forward(x).ToArray();

        string path = Path.Combine(Path.GetTempPath(), $"snn-rt-{name}-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxExporter.Export(path, net, 6);
            using (var session = new InferenceSession(path))
            {
                var input = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(x.ToArray(), new[] { rows, 6 });
                using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("input", input) });
                var got = results.First().AsEnumerable<float>().ToArray();
                Assert.That(got.Length, Is.EqualTo(expected.Length));
                double worst = 0;
                for (int i = 0; i < got.Length; i++) worst = Math.Max(worst, Math.Abs(got[i] - expected[i]) / Math.Max(1, Math.Abs(expected[i])));
                Assert.That(worst, Is.LessThan(1e-5), "ONNX Runtime");
            }
            var back = OnnxImporter.Load(path);
            back.Evaluate();
            var again = back.Forward(x).ToArray();
            Assert.That(again, Is.EqualTo(expected).Within(1e-6f), "imported back");
        }
        finally { File.Delete(path); }
    }

    // Debian's python3-onnx (scripts/install-test-deps.sh installs it) checks every file we write,
    // shape inference included.
    [Test]
    public void OnnxsOwnCheckerAcceptsEveryFileWeWrite()
    {
        var dir = Directory.CreateTempSubdirectory("snn-check").FullName;
        try
        {
            var files = new List<string>();
            foreach (var data in Units())
            {
                string name = (string)data.Arguments[0]!;
                var settings = name switch
                {
                    "PReLU" => new JsonObject { ["units"] = 8 },
                    "BatchNormalization" => new JsonObject { ["features"] = 8 },
                    _ => new JsonObject(),
                };
                var net = new Sequential(new Linear(6, 8), Catalog.Module(name)!.Create(settings), new Linear(8, 3, bias: false));
                string path = Path.Combine(dir, name + ".onnx");
                OnnxExporter.Export(path, net, 6);
                files.Add(path);
            }
            var psi = new System.Diagnostics.ProcessStartInfo("/usr/bin/python3")
            {
                RedirectStandardOutput = true, RedirectStandardError = true,
            };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add("import onnx, sys\nfor p in sys.argv[1:]:\n    onnx.checker.check_model(onnx.load(p), full_check=True)\n    print('ok', p)");
            foreach (var f in files) psi.ArgumentList.Add(f);
            using var proc = System.Diagnostics.Process.Start(psi)!;
            string output = proc.StandardOutput.ReadToEnd(), errors = proc.StandardError.ReadToEnd();
            proc.WaitForExit();
            Assert.That(proc.ExitCode, Is.EqualTo(0), errors);
            Assert.That(output.Split('\n').Count(l => l.StartsWith("ok ")), Is.EqualTo(files.Count), output + errors);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void ScriptsExportAndLoadOnnxAndTheLoadedChainTrains()
    {
        var dir = Directory.CreateTempSubdirectory("snn-onnx").FullName;
        try
        {
            var o = new LuaHostOptions();
            o.ReadRoots.Add(dir); o.WriteRoots.Add(dir);
            using var host = new LuaHost(o);
            host.SetGlobal("path", Path.Combine(dir, "m.onnx"));
            var r = host.Run("""
                torch.manualSeed(1)
                local net = nn.Sequential():add(nn.Linear(3, 5)):add(nn.ELU()):add(nn.Linear(5, 2)):add(nn.LogSoftMax())
                net:exportOnnx(path, 3)
                local back = nn.loadOnnx(path)
                local x = torch.randn(7, 3)
                local diff = (back:forward(x) - net:forward(x)):abs():max()
                local h = train.fit{ model = back, loss = nn.ClassNLLCriterion(), data = { x = torch.randn(20, 3), y = torch.ones(20) },
                                     epochs = 5, verbose = false }
                return diff, h[1].loss, h[5].loss, tostring(back)
                """);
            Assert.That((double)r[0]!, Is.LessThan(1e-6));
            Assert.That((double)r[2]!, Is.LessThan((double)r[1]!), "the imported chain trains");
            Assert.That((string)r[3]!, Does.Contain("nn.ELU"));
            var e = Assert.Throws<LuaScriptException>(() => host.Run("nn.loadOnnx(path .. '.missing')"));
            Assert.That(e!.Message, Does.Contain("not found"));
        }
        finally { Directory.Delete(dir, true); }
    }
}
