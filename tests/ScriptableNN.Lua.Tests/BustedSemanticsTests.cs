using NUnit.Framework;
using ScriptableNN.Lua;

namespace ScriptableNN.Lua.Tests;

/// <summary>busted's execution rules where the runner decides the result: pending inside a test, hook order.</summary>
[TestFixture]
public class BustedSemanticsTests
{
    private static IReadOnlyList<SpecResult> Run(string spec)
    {
        var path = Path.Combine(Path.GetTempPath(), "snn-busted-" + Guid.NewGuid().ToString("N") + "_spec.lua");
        File.WriteAllText(path, spec);
        try { return SpecRunner.RunFile(path); }
        finally { File.Delete(path); }
    }

    [Test]
    public void PendingInsideATestEndsItAsPending()
    {
        var r = Run("describe('d', function()\n  it('later', function() pending('not yet'); error('never reached') end)\n  it('passes', function() end)\nend)");
        Assert.That(r.Select(x => x.Status), Is.EqualTo(new[] { "pending", "passed" }));
        Assert.That(r[0].Message, Is.EqualTo("not yet"));
    }

    [Test]
    public void AfterEachHooksRunInnermostFirst()
    {
        var r = Run(@"
            local order = {}
            describe('outer', function()
              before_each(function() order[#order + 1] = 'before outer' end)
              after_each(function() order[#order + 1] = 'after outer' end)
              describe('inner', function()
                before_each(function() order[#order + 1] = 'before inner' end)
                after_each(function() order[#order + 1] = 'after inner' end)
                it('runs', function() order[#order + 1] = 'test' end)
              end)
              it('checks', function()
                assert.are.same({ 'before outer', 'before inner', 'test', 'after inner', 'after outer', 'before outer' }, order)
              end)
            end)");
        Assert.That(r.Select(x => x.Status), Is.EqualTo(new[] { "passed", "passed" }), string.Join("\n", r.Select(x => x.Message)));
    }

    [Test]
    public void DescribeBodiesRunWhenReachedAfterTheTestsBeforeThem()
    {
        var r = Run(@"
            local log = {}
            describe('a', function()
              it('first', function() log[#log + 1] = 'first test' end)
            end)
            describe('b', function()
              log[#log + 1] = 'b body'
              it('sees the order', function() assert.are.same({ 'first test', 'b body' }, log) end)
            end)");
        Assert.That(r.Select(x => x.Status), Is.EqualTo(new[] { "passed", "passed" }), string.Join("\n", r.Select(x => x.Message)));
        Assert.That(r[1].Name, Is.EqualTo("b sees the order"));
    }

    [Test]
    public void ADescribeBodyThatFailsIsOneFailureAndTheRestRun()
    {
        var r = Run(@"
            describe('broken', function() error('setup went wrong') end)
            describe('fine', function() it('runs', function() end) end)");
        Assert.That(r.Select(x => x.Status), Is.EqualTo(new[] { "failed", "passed" }));
        Assert.That(r[0].Name, Is.EqualTo("broken"), "named as busted names it");
        Assert.That(r[0].Message, Does.Contain("setup went wrong"));
    }
}
