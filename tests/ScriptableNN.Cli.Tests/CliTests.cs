using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using NUnit.Framework;

namespace ScriptableNN.Cli.Tests;

[TestFixture]
public class ScriptTests
{
    [Test]
    public void XorPrintsFourOfFourCorrect()
    {
        var (code, output, err) = Repo.Snn("run", Path.Combine(Repo.Scripts, "xor.lua"));
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(output, Does.Contain("hand-set network: 0 1 1 0"));
        Assert.That(output, Does.Contain("4/4 correct"));
    }

    [Test]
    public void CartPolePpoPrintsProgressLinesAndItsEvaluation()
    {
        // A shorter run than the script's default (the full 100,000 steps are in the benchmark).
        var (code, output, err) = Repo.Snn("run", Path.Combine(Repo.Scripts, "cartpole_ppo.lua"), "1", "16000");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(output, Does.Match(@"PPO steps 16000/16000  ep_rew_mean [\d.]+  ep_len_mean [\d.]+  fps \d+"));
        var m = Regex.Match(output, @"PPO CartPole-v1 seed 1: mean return ([\d.]+) \+/- [\d.]+ over 100 episodes after 16000 steps");
        Assert.That(m.Success, output);
        Assert.That(double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(100), "a random policy averages about 22");
    }

    [Test]
    public void SpiralsReachAtLeast99PercentTrainingAccuracy()
    {
        var (code, output, err) = Repo.Snn("run", Path.Combine(Repo.Scripts, "spirals.lua"));
        Assert.That(code, Is.EqualTo(0), err);
        var m = Regex.Match(output, @"training accuracy ([\d.]+)%");
        Assert.That(m.Success, output);
        Assert.That(double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(99.0));
        Assert.That(output, Does.Contain("epoch 200/200"), "plain progress lines when output is redirected");
    }

    [Test]
    public void RegressionValidationMseIsWithinTenPercentOfTheNoiseVariance()
    {
        var (code, output, err) = Repo.Snn("run", Path.Combine(Repo.Scripts, "regression.lua"));
        Assert.That(code, Is.EqualTo(0), err);
        var m = Regex.Match(output, @"validation MSE ([\d.]+) \(noise variance ([\d.]+)");
        Assert.That(m.Success, output);
        double mse = double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        double variance = double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(mse, Is.LessThan(variance * 1.1));
    }

    [Test]
    public void CsvScriptClassifiesTheShippedFile()
    {
        var (code, output, err) = Repo.Snn("run", Path.Combine(Repo.Scripts, "csv.lua"));
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(output, Does.Contain("150 examples, 3 features, classes: apple, banana, cherry"));
        var m = Regex.Match(output, @"validation accuracy ([\d.]+)%");
        Assert.That(double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(90.0));
    }

    [Test]
    public void ArgumentsReachTheScript()
    {
        var dir = Directory.CreateTempSubdirectory("snn-args").FullName;
        var path = Path.Combine(dir, "args.lua");
        File.WriteAllText(path, "local a, b = ...\nprint(a .. '+' .. b, arg[1], #arg)");
        var (code, output, _) = Repo.Snn("run", path, "one", "two");
        Assert.That(code, Is.EqualTo(0));
        Assert.That(output, Does.Contain("one+two\tone\t2"));
        Directory.Delete(dir, true);
    }
}

[TestFixture]
public class CommandLineTests
{
    [Test]
    public void SpecSuitesOfTheScriptsPass()
    {
        // Run from the repository's root, as a user would: the specs read scripts/data, which
        // lies under the working folder, the default read root.
        var (code, output, err) = Repo.SnnProcess(Repo.Root, "test", Path.Combine("scripts", "spec"));
        Assert.That(code, Is.EqualTo(0), output + err);
        Assert.That(output, Does.Match(@"\d+ passed, 0 failed"));
    }

    [Test]
    public void AFailingSpecExitsNonZeroNamingFileAndLineAndWritesJUnit()
    {
        var dir = Directory.CreateTempSubdirectory("snn-spec").FullName;
        File.WriteAllText(Path.Combine(dir, "math_spec.lua"), "describe('math', function()\n  it('adds', function()\n    assert.are.equal(3, 1 + 1)\n  end)\n  it('works', function() end)\nend)\n");
        var junit = Path.Combine(dir, "results.xml");
        var (code, output, _) = Repo.Snn("test", dir, "--junit", junit);
        Assert.That(code, Is.Not.EqualTo(0));
        Assert.That(output, Does.Contain("math_spec.lua:3:").And.Contain("Expected objects to be equal.").And.Contain("Passed in:\n(number) 2"));
        Assert.That(output, Does.Contain("1 passed, 1 failed"));
        var doc = XDocument.Load(junit);
        Assert.That(doc.Root!.Attribute("failures")!.Value, Is.EqualTo("1"));
        Assert.That(doc.Descendants("failure").Single().Attribute("message")!.Value, Does.Contain("Expected objects to be equal."));
        Directory.Delete(dir, true);
    }

    [Test]
    public void HelpVersionAndBadInput()
    {
        var (code, output, _) = Repo.Snn("--help");
        Assert.That(code, Is.EqualTo(0));
        Assert.That(output, Does.Contain("run").And.Contain("test").And.Contain("repl"));
        (code, output, _) = Repo.Snn("--version");
        Assert.That(code, Is.EqualTo(0));
        Assert.That(output, Does.Contain("0.1.0"));
        var (c2, _, e2) = Repo.Snn("frobnicate");
        Assert.That(c2, Is.Not.EqualTo(0));
        Assert.That(e2, Does.Contain("frobnicate"));
        var (c3, _, e3) = Repo.Snn("run", "no/such/script.lua");
        Assert.That(c3, Is.EqualTo(2));
        Assert.That(e3, Does.Contain("script not found: no/such/script.lua"));
    }

    [Test]
    public void ScriptErrorsNameFileAndLineAndExitNonZero()
    {
        var dir = Directory.CreateTempSubdirectory("snn-err").FullName;
        var path = Path.Combine(dir, "broken.lua");
        File.WriteAllText(path, "local net = nn.Sequential():add(nn.Linear(3, 4))\nlocal y = net:forward(torch.zeros(2, 5))\n");
        var (code, _, err) = Repo.Snn("run", path);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(err, Does.Contain("broken.lua:2:").And.Contain("layer 1").And.Contain("[2, 5]"));
        File.WriteAllText(path, "while true do end");
        (code, _, err) = Repo.Snn("run", path, "--timeout", "0.3");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(err, Does.Contain("timeout"));
        File.WriteAllText(path, "print(io == nil, os.getenv == nil)");
        var (c4, o4, _) = Repo.Snn("run", path);
        Assert.That(o4, Does.Contain("true\ttrue"));
        (c4, o4, _) = Repo.Snn("run", path, "--allow-io");
        Assert.That(o4, Does.Contain("false\tfalse"));
        Directory.Delete(dir, true);
    }

    [Test]
    public void ReplEvaluatesExpressionsAndStatements()
    {
        var o = new StringWriter(); var e = new StringWriter();
        var input = new StringReader("x = torch.ones(2, 2)\nx:sum()\nfor i = 1, 2 do\nx = x * 2 end\nx:sum()\nerror('oops')\n");
        int code = ReplCommand.Execute(new ScriptableNN.Lua.LuaHostOptions { Output = o }, input, o, e);
        Assert.That(code, Is.EqualTo(0));
        Assert.That(o.ToString(), Does.Contain("4\n").And.Contain("16\n"));
        Assert.That(e.ToString(), Does.Contain("oops"));
    }
}

[TestFixture]
public class CheckpointProcessTests
{
    [Test]
    public void ACheckpointLoadedInANewProcessGivesBitIdenticalOutputs()
    {
        var dir = Directory.CreateTempSubdirectory("snn-ckpt").FullName;
        File.WriteAllText(Path.Combine(dir, "save.lua"), @"
            torch.manualSeed(3)
            local net = nn.Sequential():add(nn.Linear(4, 16)):add(nn.Tanh()):add(nn.Linear(16, 3)):add(nn.SoftMax())
            local x = torch.Tensor({{0.1, -0.2, 0.3, 0.4}, {1, 2, 3, 4}})
            net:save('model.snn')
            local y = net:forward(x)
            for i = 1, 2 do for j = 1, 3 do print(string.format('%a', y[i][j])) end end");
        File.WriteAllText(Path.Combine(dir, "load.lua"), @"
            local net = nn.load('model.snn')
            local x = torch.Tensor({{0.1, -0.2, 0.3, 0.4}, {1, 2, 3, 4}})
            local y = net:forward(x)
            for i = 1, 2 do for j = 1, 3 do print(string.format('%a', y[i][j])) end end");
        var saved = Repo.SnnProcess(dir, "run", "save.lua");
        Assert.That(saved.Code, Is.EqualTo(0), saved.Err);
        var loaded = Repo.SnnProcess(dir, "run", "load.lua");
        Assert.That(loaded.Code, Is.EqualTo(0), loaded.Err);
        Assert.That(loaded.Out.Trim(), Is.EqualTo(saved.Out.Trim()));
        Assert.That(saved.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(6));
        Directory.Delete(dir, true);
    }

    [Test]
    public void KillingTheProcessDuringASaveNeverLosesThePreviousCheckpoint()
    {
        var dir = Directory.CreateTempSubdirectory("snn-kill").FullName;
        File.WriteAllText(Path.Combine(dir, "saver.lua"), @"
            local net = nn.Sequential():add(nn.Linear(1500, 1500))
            net:save('big.snn')
            print('first save done')
            while true do
              net:get(1).bias:add(1)
              net:save('big.snn')
            end");
        var rng = new Random(5);
        for (int round = 0; round < 4; round++)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
            psi.ArgumentList.Add(Repo.SnnDll); psi.ArgumentList.Add("run"); psi.ArgumentList.Add("saver.lua");
            using var p = Process.Start(psi)!;
            string? line = p.StandardOutput.ReadLine();           // the first checkpoint exists
            Assert.That(line, Is.EqualTo("first save done"));
            Thread.Sleep(100 + rng.Next(400));                    // somewhere inside a later save
            p.Kill(true);
            p.WaitForExit();
            var ckpt = ScriptableNN.IO.Checkpoint.Load(Path.Combine(dir, "big.snn"));
            Assert.That(ckpt.Model.ToString(), Does.Contain("nn.Linear(1500 -> 1500)"), $"round {round}");
        }
        Directory.Delete(dir, true);
    }
}

[TestFixture]
public class BadDataTests
{
    [Test]
    public void BadIdxAndMissingFilesGiveClearMessagesAndNonZeroExit()
    {
        var dir = Directory.CreateTempSubdirectory("snn-bad").FullName;
        File.WriteAllBytes(Path.Combine(dir, "bad.idx"), new byte[] { 9, 9, 8, 1, 0, 0, 0, 4 });
        File.WriteAllBytes(Path.Combine(dir, "short.idx"), new byte[] { 0, 0, 8, 1, 0, 0, 0, 4, 1 });
        File.WriteAllText(Path.Combine(dir, "magic.lua"), "data.idx('bad.idx')");
        File.WriteAllText(Path.Combine(dir, "short.lua"), "data.idx('short.idx')");
        File.WriteAllText(Path.Combine(dir, "missing.lua"), "data.csv('nope.csv')");
        var (c1, _, e1) = Repo.Snn("run", Path.Combine(dir, "magic.lua"));
        Assert.That(c1, Is.EqualTo(1));
        Assert.That(e1, Does.Contain("magic.lua:1:").And.Contain("not an IDX file"));
        var (c2, _, e2) = Repo.Snn("run", Path.Combine(dir, "short.lua"));
        Assert.That(c2, Is.EqualTo(1));
        Assert.That(e2, Does.Contain("ends early"));
        var (c3, _, e3) = Repo.Snn("run", Path.Combine(dir, "missing.lua"));
        Assert.That(c3, Is.EqualTo(1));
        Assert.That(e3, Does.Contain("nope.csv"));
        Directory.Delete(dir, true);
    }
}
