using Microsoft.ML.OnnxRuntime;
using NUnit.Framework;
using ScriptableNN.Inference;
using ScriptableNN.IO;
using ScriptableNN.NN;
using ScriptableNN.Optim;
using ScriptableNN.Registry;
using ScriptableNN.Tensors;
using Tensor = ScriptableNN.Tensors.Tensor;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace ScriptableNN.Lua.Tests;

// A unit and an optimizer that exist only in this test assembly, registered the way a host
// registers its own: each is one type plus one registration line.

/// <summary>Swish (SiLU): y = x sigmoid(x); y' = s + y (1 - s).</summary>
public readonly struct SwishOp : IPointwise
{
    public void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        var s = new float[x.Length];
        TP.Sigmoid(x, s);
        TP.Multiply(x, s, y);
    }

    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (int i = 0; i < x.Length; i++)
        {
            float s = 1f / (1f + MathF.Exp(-x[i]));
            dx[i] = dy[i] * (s + y[i] * (1f - s));
        }
    }
}

public sealed class Swish : Pointwise<SwishOp>
{
    public static readonly ModuleType<Swish, NoSettings> Type = new("Swish")
    {
        Aliases = new[] { "SiLU" },
        New = static (_, _) => new Swish(),
        SettingsOf = static _ => new NoSettings(),
        Pointwise = static _ => new SwishOp(),
        // x * Sigmoid(x): two standard ONNX nodes.
        Onnx = static (_, g) =>
        {
            string x = g.Current;
            g.Node("Sigmoid");
            g.Node("Mul", new[] { x });
        },
    };

    public Swish() : base(default) { }
}

public sealed record AdagradConfig
{
    public float LearningRate { get; init; } = 0.01f;
    public float Epsilon { get; init; } = 1e-10f;
}

/// <summary>Adagrad: each parameter's step divided by the root of its summed squared gradients.</summary>
public sealed class Adagrad : Optimizer
{
    public static readonly OptimizerType<Adagrad, AdagradConfig> Type = new("Adagrad")
    {
        New = static (ps, c) => new Adagrad(ps, c),
        SettingsOf = static o => o.Config,
    };

    public AdagradConfig Config { get; }

    public Adagrad(IEnumerable<Parameter> ps, AdagradConfig? config = null) : base(ps, (config ?? new()).LearningRate) => Config = config ?? new();

    protected override void Update(int index, Parameter p)
    {
        var w = p.Value.Span; var g = p.Grad.Span;
        var sum = Buffer(0, index, p).Span;
        for (int i = 0; i < w.Length; i++)
        {
            sum[i] += g[i] * g[i];
            w[i] -= LearningRate * g[i] / (MathF.Sqrt(sum[i]) + Config.Epsilon);
        }
    }
}

public class ExtensionTests
{
    private static readonly Lazy<bool> Registered = new(() =>
    {
        Catalog.Register(Swish.Type);
        Catalog.Register(Adagrad.Type);
        PointwiseFunctions.Register("swish", new SwishOp());
        return true;
    });

    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        _ = Registered.Value;
        _dir = Directory.CreateTempSubdirectory("snn-ext").FullName;
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, true);

    private LuaHost Host()
    {
        var o = new LuaHostOptions();
        o.ReadRoots.Add(_dir);
        o.WriteRoots.Add(_dir);
        return new LuaHost(o);
    }

    [Test]
    public void AHostsUnitAndOptimizerTrainSaveLoadCompileAndExport()
    {
        string ckpt = Path.Combine(_dir, "swish.ckpt");
        Tensor probe, expected;
        using (var host = Host())
        {
            host.SetGlobal("path", ckpt);
            var r = host.Run("""
                torch.manualSeed(7)
                local x, y = torch.randn(64, 2), torch.randn(64, 1)
                net = nn.Sequential():add(nn.Linear(2, 8)):add(nn.SiLU()):add(nn.Linear(8, 1))
                opt = optim.Adagrad(net, {lr = 0.05})
                local history = train.fit{model = net, loss = nn.MSECriterion(), optimizer = opt,
                                          data = {x = x, y = y}, epochs = 20, batchSize = 16, verbose = false}
                torch.save(path, net, opt)
                probe = torch.randn(5, 2)
                expected = net:forward(probe):clone()
                return history[1].loss, history[20].loss, opt:config().learningRate, opt:config().epsilon
                """);
            Assert.That((double)r[1]!, Is.LessThan((double)r[0]!), "training with the host's optimizer lowered the loss");
            Assert.That((double)r[2]!, Is.EqualTo(0.05).Within(1e-7), "PyTorch's lr spelling reached the host's settings record");
            Assert.That((double)r[3]!, Is.EqualTo(1e-10).Within(1e-16), "the record's default filled in");
            probe = host.GetTensor("probe");
            expected = host.GetTensor("expected");
        }

        // A new host loads the checkpoint: the unit and the optimizer come back by name.
        using (var host = Host())
        {
            host.SetGlobal("path", ckpt);
            host.SetGlobal("probe", probe);
            var r = host.Run("""
                local m, o = torch.load(path)
                local y = m:forward(probe)
                return y, o:config().learningRate, o:stepCount(), tostring(m)
                """);
            Assert.That(((Tensor)r[0]!).ToArray(), Is.EqualTo(expected.ToArray()).Within(1e-6f));
            Assert.That((double)r[1]!, Is.EqualTo(0.05).Within(1e-7));
            Assert.That((long)r[2]!, Is.EqualTo(80L), "20 epochs of 4 steps, kept in the checkpoint");
            Assert.That((string)r[3]!, Does.Contain("nn.Swish"));
        }

        var data = Checkpoint.Load(ckpt);
        Assert.That(data.Optimizer, Is.InstanceOf<Adagrad>());
        Assert.That(data.Optimizer!.State.Buffers, Has.Count.EqualTo(1), "Adagrad's sums of squares were saved");
        var net = data.Model;

        // Compiled: the host's unit is fused after the affine layer through its Pointwise form.
        var compiled = CompiledNetwork.Compile(net);
        var row = new float[1];
        for (int i = 0; i < probe.Rows; i++)
        {
            compiled.Run(probe.Span.Slice(2 * i, 2), row);
            Assert.That(row[0], Is.EqualTo(expected[i, 0]).Within(1e-5f), $"compiled row {i}");
        }

        // ONNX through the mapping the test supplied, run by ONNX Runtime.
        string onnx = Path.Combine(_dir, "swish.onnx");
        OnnxExporter.Export(onnx, net, 2);
        using var session = new InferenceSession(onnx);
        var input = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(probe.ToArray(), new[] { probe.Rows, 2 });
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("input", input) });
        var output = results.First().AsEnumerable<float>().ToArray();
        Assert.That(output, Is.EqualTo(expected.ToArray()).Within(1e-5f));
    }

    [Test]
    public void AHostsElementwiseFunctionIsATensorMethodWithItsDerivative()
    {
        using var host = Host();
        var r = host.Run("""
            local x = torch.Tensor({-1, 0, 2})
            local y = torch.swish(x)
            local w = torch.Tensor({0.5, 1, 1.5}); w.requiresGrad = true
            local loss = torch.sum(torch.swish(w)); loss:backward()
            local z = x:clone(); z:swish()
            return y, w.grad, z
            """);
        float Swish(float v) => v / (1 + MathF.Exp(-v));
        float Slope(float v) { float s = 1 / (1 + MathF.Exp(-v)); return s + v * s * (1 - s); }
        Assert.That(((Tensor)r[0]!).ToArray(), Is.EqualTo(new[] { Swish(-1), 0f, Swish(2) }).Within(1e-6f));
        Assert.That(((Tensor)r[1]!).ToArray(), Is.EqualTo(new[] { Slope(0.5f), Slope(1), Slope(1.5f) }).Within(1e-5f));
        Assert.That(((Tensor)r[2]!).ToArray(), Is.EqualTo(((Tensor)r[0]!).ToArray()), "in place");
    }

    [Test]
    public void AModuleWithoutAnOnnxFormIsNamedInTheError()
    {
        var net = new Sequential(new Linear(2, 3), new RBF(3, 2));
        var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.Export(Path.Combine(_dir, "x.onnx"), net, 2));
        Assert.That(e!.Message, Does.Contain("layer 2 (nn.RBF"));
    }

    [Test]
    public void AnUnregisteredModuleIsNamedWhenSavedAndStillCompiles()
    {
        var net = new Sequential(new Linear(2, 3), new Unregistered());
        var e = Assert.Throws<NotSupportedException>(() => Checkpoint.Save(Path.Combine(_dir, "x.ckpt"), net));
        Assert.That(e!.Message, Does.Contain("not a registered module type"));
        var c = CompiledNetwork.Compile(net);
        var x = Tensor.Ones(1, 2);
        var y = new float[3];
        c.Run(x.Span, y);
        Assert.That(y, Is.EqualTo(net.Forward(x).ToArray()).Within(1e-6f), "the generic path runs the module's own forward");
    }

    private sealed class Unregistered : Pointwise<TanhOp>
    {
        public Unregistered() : base(default) { }
    }
}
