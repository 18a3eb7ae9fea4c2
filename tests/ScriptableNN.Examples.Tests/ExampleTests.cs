using System.Diagnostics;
using NUnit.Framework;
using SimulationHost;

namespace ScriptableNN.Examples.Tests;

[TestFixture]
public class SimulationHostTests
{
    private string _dir = "";
    private string _script = "";

    [SetUp]
    public void CopyScript()
    {
        _dir = Directory.CreateTempSubdirectory("snn-sim").FullName;
        _script = Path.Combine(_dir, "behaviour.lua");
        File.Copy(Path.Combine(TestContext.CurrentContext.TestDirectory, "behaviour.lua"), _script);
    }

    [TearDown] public void Remove() => Directory.Delete(_dir, true);

    [Test]
    public void TheLearnedPolicyReachesNinetyPercentOfTheExpert()
    {
        var log = new StringWriter();
        using var sim = new Simulation(new SimulationOptions(Frames: 3000, BudgetMs: 2, Script: _script), log);
        var r = sim.Run();
        Assert.That(r.SwitchFrame, Is.GreaterThan(0), log.ToString());
        Assert.That(r.ExpertSuccess, Is.GreaterThan(0.9), log.ToString());
        Assert.That(r.LearnedSuccess, Is.GreaterThanOrEqualTo(0.9 * r.ExpertSuccess), log.ToString());
        Assert.That(r.ValidationErrors.First().Error, Is.GreaterThan(r.ValidationErrors.Last().Error), "the validation error falls");
        // Training moves on in the frames given to it; how many steps fit a 2 ms budget is a
        // matter of the machine and of what else runs (the test projects run side by side), so
        // it is reported, not asserted.
        TestContext.Out.WriteLine($"steps per training frame: {r.StepsPerTrainingFrame:F2}");
        Assert.That(r.StepsPerTrainingFrame, Is.GreaterThan(0));
    }

    [Test]
    public void InRLModeTheAgentsLearnFromTheScriptsRewardToEightyPercentOfTheExpert()
    {
        var log = new StringWriter();
        string script = Path.Combine(TestContext.CurrentContext.TestDirectory, "behaviour_rl.lua");
        using var sim = new Simulation(new SimulationOptions(Frames: 7000, BudgetMs: 2, Script: script, Mode: "rl", LearnFrames: 4000), log);
        var r = sim.Run();
        TestContext.Out.WriteLine(log.ToString());
        Assert.That(r.SwitchFrame, Is.GreaterThan(0), "the learned policy took over");
        Assert.That(r.ExpertSuccess, Is.GreaterThan(0.9));
        Assert.That(r.LearningSuccess.First().Success, Is.LessThan(0.5), "the first episodes are clumsy");
        Assert.That(r.LearnedSuccess, Is.GreaterThanOrEqualTo(0.8 * r.ExpertSuccess));
        Assert.That(r.LearnedFrameBytes, Is.EqualTo(0), "the learned policy's frames allocate nothing");
    }

    [Test]
    public void InRLModeTheSameSeedGivesTheSameWeightsWhateverTheFrameBudget()
    {
        string script = Path.Combine(TestContext.CurrentContext.TestDirectory, "behaviour_rl.lua");
        float[] Run(double budgetMs)
        {
            using var sim = new Simulation(new SimulationOptions(Frames: 2000, BudgetMs: budgetMs, Script: script, Mode: "rl", LearnFrames: 480), TextWriter.Null);
            sim.Run();
            Assert.That(sim.Behaviour.Policy, Is.Not.Null);
            var obs = new[] { 0.3f, -0.2f, 0.1f, 0f, 0.2f, 0.1f, 0.3f, 0.4f }; var act = new float[2];
            sim.Behaviour.Policy!.Run(obs, act);
            return act;
        }
        var a = Run(0.5); var b = Run(5);
        Assert.That(b, Is.EqualTo(a), "updates spread over more frames end in the same weights");
    }

    [Test]
    public void PerFrameInferenceAllocatesNothing()
    {
        using var sim = new Simulation(new SimulationOptions(Frames: 0, Script: _script), TextWriter.Null);
        sim.Behaviour.CompilePolicy();
        for (int frame = 0; frame < 500; frame++) sim.ActLearned();   // past the JIT's tiering
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int frame = 0; frame < 100; frame++) sim.ActLearned();
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0));
    }

    private static void Touch(string path, string text)
    {
        File.WriteAllText(path, text);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5));
    }

    [Test]
    public void EditingTheScriptReloadsItAndKeepsTheTrainedWeights()
    {
        var log = new StringWriter();
        using var sim = new Simulation(new SimulationOptions(Frames: 600, BudgetMs: 1, Script: _script), log);
        sim.Run();
        sim.Behaviour.CompilePolicy();
        var obs = new float[World.Features]; var before = new float[2]; var after = new float[2];
        sim.World.Observe(0, obs);
        sim.Behaviour.Policy!.Run(obs, before);
        Touch(_script, File.ReadAllText(_script) + "\n-- tuned by a designer\n");
        Assert.That(sim.Behaviour.ReloadIfChanged(), Is.True, log.ToString());
        sim.Behaviour.Policy!.Run(obs, after);
        Assert.That(after, Is.EqualTo(before));
        Assert.That(log.ToString(), Does.Contain("trained weights kept"));
    }

    [Test]
    public void ABrokenEditIsReportedWithFileAndLineAndTheLastGoodScriptKeepsRunning()
    {
        var log = new StringWriter();
        using var sim = new Simulation(new SimulationOptions(Frames: 300, BudgetMs: 1, Script: _script), log);
        string good = File.ReadAllText(_script);
        Touch(_script, good + "\nfunction broken(\n");
        Assert.That(sim.Behaviour.ReloadIfChanged(), Is.False);
        Assert.That(log.ToString(), Does.Contain("behaviour.lua:").And.Contain("keeping the last good script"));
        var r = sim.Run();
        Assert.That(r.ExpertSuccess, Is.GreaterThan(0.5), "the simulation ran on");

        // A script that throws during a frame: reported once, with its line, and the frames go on.
        File.WriteAllText(_script, good.Replace("function train(seconds)", "function train(seconds)\n  error('tuning went wrong')"));
        var log2 = new StringWriter();
        using var sim2 = new Simulation(new SimulationOptions(Frames: 300, BudgetMs: 1, Script: _script), log2);
        var r2 = sim2.Run();
        string tail = log2.ToString();
        Assert.That(tail, Does.Contain("behaviour.lua:").And.Contain("tuning went wrong").And.Contain("keeps running"));
        Assert.That(tail.Split("tuning went wrong").Length - 1, Is.EqualTo(1), "reported once, not every frame");
        Assert.That(r2.ExpertSuccess, Is.GreaterThan(0.5));
    }
}

[TestFixture]
public class HelloEmbedTests
{
    [Test]
    public void TrainsInLuaAndRunsTheNetworkFromCSharp()
    {
        var dll = Path.Combine(TestContext.CurrentContext.TestDirectory, "HelloEmbed.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(dll);
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit(60_000);
        Assert.That(p.ExitCode, Is.EqualTo(0), output + p.StandardError.ReadToEnd());
        Assert.That(output, Does.Contain("frame 7:").And.Contain("largest error"));
        Assert.That(File.ReadAllLines(Path.Combine(TestContext.CurrentContext.WorkDirectory, "..", "..", "..", "..", "..", "examples", "HelloEmbed", "Program.cs")).Length, Is.LessThan(60));
    }
}
