using System.Xml.Linq;
using NUnit.Framework;

namespace ScriptableNN.Cli.Tests;

/// <summary>`snn test` reports what the specs did, whatever a spec file does to the runner.</summary>
[TestFixture]
public class HonestSpecTests
{
    private string _dir = "";

    [SetUp]
    public void MakeFolder() => _dir = Directory.CreateTempSubdirectory("snn-honest").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, true);

    private (int Code, string Out, string Err, XDocument Junit) Test(string spec, params string[] flags)
    {
        File.WriteAllText(Path.Combine(_dir, "a_spec.lua"), spec);
        File.WriteAllText(Path.Combine(_dir, "b_spec.lua"), "describe('b', function() it('runs after a', function() assert.is_true(true) end) end)");
        var junit = Path.Combine(_dir, "results.xml");
        var args = new List<string> { "test", _dir, "--junit", junit };
        args.AddRange(flags);
        var (code, o, e) = Repo.SnnProcess(_dir, args.ToArray());
        Assert.That(File.Exists(junit), "the JUnit file is always written: " + o + e);
        return (code, o, e, XDocument.Load(junit));
    }

    [TestCase("it('yields', function() coroutine.yield() end)", "yielded")]
    [TestCase("it('loops', function() while true do end end)", "timeout")]
    [TestCase("it('sorts forever', function() table.sort({3, 2, 1}, function() while true do end end) end)", "timeout")]
    public void AYieldOrATimeoutFailsThatTestAndTheRestRun(string body, string why)
    {
        var (code, o, e, junit) = Test($"describe('a', function()\n  {body}\n  it('passes', function() end)\nend)", "--timeout", "1");
        Assert.That(code, Is.EqualTo(1), o + e);
        Assert.That(o, Does.Contain("2 passed, 1 failed"), "the other test in the file and the next file still run");
        Assert.That(o, Does.Contain(why));
        Assert.That(e, Does.Not.Contain("Unhandled"));
        Assert.That(junit.Root!.Attribute("failures")!.Value, Is.EqualTo("1"));
    }

    [Test]
    public void OsExitInsideASpecIsAFailureNotAnEarlyExit()
    {
        var (code, o, e, _) = Test("describe('a', function()\n  it('fails', function() assert.are.equal(1, 2) end)\n  it('exits', function() os.exit(0) end)\nend)", "--allow-io");
        Assert.That(code, Is.EqualTo(1), o + e);
        Assert.That(o, Does.Contain("1 passed, 2 failed"));
        Assert.That(o, Does.Contain("os.exit(0) called inside a spec"));
    }

    [Test]
    public void ASpecCannotRewriteTheResultsOfTheRunner()
    {
        // The runner's functions are out of reach, and it keeps its own pcall and ipairs.
        var (code, o, e, _) = Test(
            "describe('a', function()\n  it('fails', function() assert.are.equal(1, 2) end)\n" +
            "  it('cheats', function() __spec_run = function() return {} end; pcall = function() return true end; ipairs = function() return function() end end end)\n" +
            "  it('fails again', function() error('real failure') end)\nend)");
        Assert.That(code, Is.EqualTo(1), o + e);
        Assert.That(o, Does.Contain("2 passed, 2 failed"));
        Assert.That(o, Does.Contain("real failure"));
    }

    [Test]
    public void AFileWithNoTestsFailsUnlessAllowed()
    {
        var (code, o, e, _) = Test("-- nothing here\nlocal x = 1");
        Assert.That(code, Is.EqualTo(1), o + e);
        Assert.That(o, Does.Contain("defines no tests"));
        var (code2, o2, e2, _) = Test("-- nothing here\nlocal x = 1", "--allow-empty");
        Assert.That(code2, Is.EqualTo(0), o2 + e2);
    }

    [Test]
    public void AFileThatFailsToLoadIsOneFailureAndTheOthersRun()
    {
        var (code, o, e, _) = Test("describe('a', function() it('x', function() end) end)\nthis is not lua");
        Assert.That(code, Is.EqualTo(1), o + e);
        Assert.That(o, Does.Contain("1 passed, 1 failed"));
    }
}
