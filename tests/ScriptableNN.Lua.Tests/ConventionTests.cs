using NUnit.Framework;
using ScriptableNN.NN;
using Tensor = ScriptableNN.Tensors.Tensor;

namespace ScriptableNN.Lua.Tests;

/// <summary>Conventions the Lua layer owns once: epoch progress, class counting, labels.</summary>
public class ConventionTests
{
    [Test]
    public void FitReportsEveryEpochToTheHostFromTheTrainersEvent()
    {
        using var host = new LuaHost();
        var seen = new List<TrainingProgress>();
        host.Progress = seen.Add;
        host.Run("""
            local d = data.moons{ n = 40, seed = 1 }
            local net = nn.Sequential():add(nn.Linear(2, 4)):add(nn.ReLU()):add(nn.Linear(4, 2))
            train.fit{ model = net, loss = nn.CrossEntropyCriterion(), data = d, epochs = 3, metrics = {"accuracy"} }
            train.fit{ model = net, loss = nn.CrossEntropyCriterion(), data = d, epochs = 2, verbose = false }
            """);
        Assert.That(seen.Select(p => p.Epoch), Is.EqualTo(new[] { 1, 2, 3 }), "verbose = false reports nothing");
        Assert.That(seen.All(p => p.Epochs == 3 && p.Accuracy != null && double.IsFinite(p.Loss)));
    }

    [Test]
    public void CountingClassesRunsNoForwardPass()
    {
        using var host = new LuaHost();
        host.Run("""
            torch.manualSeed(3)
            net = nn.Sequential():add(nn.Linear(2, 6)):add(nn.Dropout(0.5)):add(nn.Linear(6, 3))
            probe = torch.ones(4, 2)
            out = net:forward(probe):clone()
            """);
        var net = (Sequential)host.GetModule("net");
        var dropoutOutput = net[1].Output!.ToArray();
        // A trainer for a class loss needs the class count; building one must not run the model.
        host.Run("""
            local x, y = torch.randn(8, 2), torch.Tensor({1, 2, 3, 1, 2, 3, 1, 2})
            train.Trainer{ model = net, loss = nn.CrossEntropyCriterion(), data = { x = x, y = y } }
            """);
        Assert.That(net.Output!.ToArray(), Is.EqualTo(host.GetTensor("out").ToArray()), ".output untouched");
        Assert.That(net[1].Output!.ToArray(), Is.EqualTo(dropoutOutput), "Dropout drew no new mask");
    }

    [Test]
    public void LabelsOutsideTheModelsClassesAreNamedWithTheExample()
    {
        using var host = new LuaHost();
        var e = Assert.Throws<LuaScriptException>(() => host.Run("""
            local net = nn.Sequential():add(nn.Linear(2, 3))
            train.Trainer{ model = net, loss = nn.ClassNLLCriterion(), data = { x = torch.randn(3, 2), y = torch.Tensor({1, 4, 2}) } }
            """));
        Assert.That(e!.Message, Does.Contain("label 4 of example 2 is outside the classes 1..3"));
    }
}
