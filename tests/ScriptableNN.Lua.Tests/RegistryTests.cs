using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NUnit.Framework;
using ScriptableNN.IO;
using ScriptableNN.NN;
using ScriptableNN.Optim;
using ScriptableNN.Registry;

namespace ScriptableNN.Lua.Tests;

/// <summary>What the registry promises: one description per type, read the same way everywhere.</summary>
public class RegistryTests
{
    private static string Root()
    {
        var dir = TestContext.CurrentContext.TestDirectory;
        while (!File.Exists(Path.Combine(dir, "ScriptableNN.sln"))) dir = Path.GetDirectoryName(dir)!;
        return dir;
    }

    private static Dictionary<string, double> Numbers(JsonObject j)
    {
        var d = new Dictionary<string, double>();
        foreach (var (k, v) in j)
            if (v is JsonValue value)
                d[k] = value.TryGetValue(out bool b) ? (b ? 1 : 0) : (double)value;
        return d;
    }

    // Every built-in optimizer made with no settings from C#, from Lua, and after a checkpoint round trip.
    [TestCase("SGD")]
    [TestCase("Adam")]
    [TestCase("AdamW")]
    [TestCase("RMSprop")]
    public void AnOptimizersDefaultsAreTheSameFromCSharpFromLuaAndAfterACheckpoint(string name)
    {
        var type = Catalog.Optimizer(name)!;
        var expected = Numbers(type.Defaults);
        Assert.That(expected, Does.ContainKey("learningRate"));

        var ps = new Linear(2, 2).ParameterArray();
        Optimizer csharp = name switch
        {
            "SGD" => new Sgd(ps), "Adam" => new Adam(ps), "AdamW" => Adam.W(ps), "RMSprop" => new RmsProp(ps),
            _ => throw new ArgumentException(name),
        };
        Assert.That(Numbers(Catalog.TypeOf(csharp).Describe(csharp)), Is.EqualTo(expected), "C# constructor");

        var dir = Directory.CreateTempSubdirectory("snn-reg").FullName;
        try
        {
            var o = new LuaHostOptions();
            o.WriteRoots.Add(dir);
            o.ReadRoots.Add(dir);
            using var host = new LuaHost(o);
            string path = Path.Combine(dir, "o.ckpt");
            host.SetGlobal("path", path);
            var r = host.Run($"local net = nn.Linear(2, 2); local opt = optim.{name}(net); torch.save(path, net, opt); return opt:config()");
            var fromLua = ((IDictionary<object, object?>)r[0]!).ToDictionary(kv => (string)kv.Key, kv => kv.Value is bool b ? (b ? 1.0 : 0.0) : Convert.ToDouble(kv.Value));
            Assert.That(fromLua, Is.EqualTo(expected), "Lua");
            var loaded = Checkpoint.Load(path).Optimizer!;
            Assert.That(Numbers(Catalog.TypeOf(loaded).Describe(loaded)), Is.EqualTo(expected), "checkpoint");
            Assert.That(loaded.LearningRate, Is.EqualTo((float)expected["learningRate"]));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void EveryBuiltInNameAppearsInItsOwnFileAndTheRegistrationListOnly()
    {
        var root = Path.Combine(Root(), "src");
        var files = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(root, "*.lua", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .ToDictionary(f => f, f => string.Join("\n", File.ReadAllLines(f).Select(StripComment)));
        // Maxout is built from an affine map: it holds a Linear, as Torch7's nn.Maxout holds an nn.Linear.
        // OnnxGraph names the graph's output with ONNX's own Identity operator.
        // The RL agents' default networks and optimizers are composed of units in one file, as SB3's MlpPolicy.
        // Identity is what ONNX's Reshape of a batch of vectors imports as (an ONNX operator name, not the unit).
        var composedOf = new Dictionary<string, string[]>
        {
            ["Linear"] = new[] { "Maxout.cs", "MlpPolicy.cs" }, ["Identity"] = new[] { "OnnxGraph.cs" }, ["Tanh"] = new[] { "MlpPolicy.cs" },
            ["ReLU"] = new[] { "MlpPolicy.cs" }, ["HardTanh"] = new[] { "MlpPolicy.cs" }, ["Adam"] = new[] { "MlpPolicy.cs" },
            ["Reshape"] = new[] { "Identity.cs" },
        };
        var names = Catalog.Modules.Where(t => t.ModuleClass.Assembly == typeof(Module).Assembly && !t.IsContainer).Select(t => t.Name)
            .Concat(Catalog.Criteria.Where(t => t.CriterionClass.Assembly == typeof(Module).Assembly).Select(t => t.Name))
            .Concat(Catalog.Optimizers.Where(t => t.OptimizerClass.Assembly == typeof(Module).Assembly).Select(t => t.OptimizerClass.Name))
            .Distinct();
        var offences = new List<string>();
        foreach (var name in names)
        {
            // The name as an identifier or a word in a string, not a member (TP.Tanh) or another method (Ops.Tanh(...) defined as Tanh().
            var word = new Regex($@"(?<![.\w]){Regex.Escape(name)}(?!\w)(?!\s*\()|new\s+{Regex.Escape(name)}\s*\(");
            var where = files.Where(kv => word.IsMatch(kv.Value)).Select(kv => Path.GetFileName(kv.Key))
                .Where(f => f != name + ".cs" && f != "BuiltIns.cs" && !(composedOf.GetValueOrDefault(name)?.Contains(f) ?? false)
                            && !(name == "Adam" && f == "Adam.cs") && !(name == "Sgd" && f == "Sgd.cs") && !(name == "RmsProp" && f == "RmsProp.cs"))
                .ToList();
            if (where.Count > 0) offences.Add($"{name}: also in {string.Join(", ", where)}");
        }
        Assert.That(offences, Is.Empty);
    }

    private static string StripComment(string line)
    {
        int i = line.IndexOf("//", StringComparison.Ordinal);
        int dash = line.IndexOf("--", StringComparison.Ordinal);
        if (i >= 0 && !line[..i].Contains('"')) line = line[..i];
        if (dash >= 0 && line.TrimStart().StartsWith("--")) line = "";
        return line;
    }
}
