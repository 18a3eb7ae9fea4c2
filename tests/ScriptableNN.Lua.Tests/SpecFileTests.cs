using NUnit.Framework;
using ScriptableNN.Lua;

namespace ScriptableNN.Lua.Tests;

/// <summary>Each Lua spec file under spec/ is one NUnit case, run by the same runner as `snn test`.</summary>
[TestFixture]
public class SpecFileTests
{
    public static IEnumerable<TestCaseData> SpecFiles() =>
        Directory.EnumerateFiles(Path.Combine(TestContext.CurrentContext.TestDirectory, "spec"), "*.lua")
            .OrderBy(f => f)
            .Select(f => new TestCaseData(f).SetArgDisplayNames(Path.GetFileName(f)));

    [TestCaseSource(nameof(SpecFiles))]
    public void SpecFilePasses(string path)
    {
        var results = SpecRunner.RunFile(path);
        Assert.That(results, Is.Not.Empty, "the file defines specs");
        var failed = results.Where(r => r.Failed).Select(r => $"{r.Name}: {r.Message} ({r.At})").ToList();
        Assert.That(failed, Is.Empty);
        Assert.That(results.Count(r => r.Passed), Is.GreaterThan(0));
    }

    [Test]
    public void AFailingSpecReportsFileLineAndMessage()
    {
        var path = Path.Combine(Path.GetTempPath(), "snn-failing-" + Guid.NewGuid().ToString("N") + "_spec.lua");
        File.WriteAllText(path, "describe('math', function()\n  it('adds', function()\n    assert.are.equal(3, 1 + 1)\n  end)\n  it('passes', function() assert.is_true(true) end)\nend)\n");
        try
        {
            var results = SpecRunner.RunFile(path);
            Assert.That(results.Count, Is.EqualTo(2));
            var f = results.Single(r => r.Failed);
            Assert.That(f.Name, Is.EqualTo("math adds"));
            Assert.That(f.Message, Does.Contain(Path.GetFileName(path) + ":3:").And.Contain("Expected objects to be equal.").And.Contain("Expected:\n(number) 3"));
            Assert.That(results.Single(r => r.Passed).Name, Is.EqualTo("math passes"));
        }
        finally { File.Delete(path); }
    }
}
