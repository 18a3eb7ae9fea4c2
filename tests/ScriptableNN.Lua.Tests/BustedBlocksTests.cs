using NUnit.Framework;
using ScriptableNN.Lua;

namespace ScriptableNN.Lua.Tests;

/// <summary>
/// busted 2's blocks and helpers: strict and lazy setup/teardown, finally, insulate, spies,
/// stubs, mocks, matchers, custom assertions, and the busted modules by require.
/// </summary>
[TestFixture]
public class BustedBlocksTests
{
    private static IReadOnlyList<SpecResult> Run(string spec)
    {
        var path = Path.Combine(Path.GetTempPath(), "snn-blocks-" + Guid.NewGuid().ToString("N") + "_spec.lua");
        File.WriteAllText(path, spec);
        try { return SpecRunner.RunFile(path); }
        finally { File.Delete(path); }
    }

    private static string Why(IReadOnlyList<SpecResult> r) => string.Join("\n", r.Select(x => $"{x.Status} {x.Name}: {x.Message}"));

    [Test]
    public void SetupAndTeardownRunOnceABlockAroundItsTestsInBustedsOrder()
    {
        var r = Run(@"
            order = {}
            local function log(s) order[#order + 1] = s end
            describe('a', function()
              setup(function() log('setup a') end)
              teardown(function() log('teardown a') end)
              lazy_setup(function() log('lazy a') end)
              lazy_teardown(function() log('lazy teardown a') end)
              before_each(function() log('before') end)
              it('one', function() log('one') end)
              it('two', function() log('two') end)
            end)
            describe('empty', function()
              lazy_setup(function() log('lazy empty') end)
              strict_setup(function() log('strict empty') end)
            end)
            describe('check', function()
              it('order', function()
                assert.are.same({ 'setup a', 'lazy a', 'before', 'one', 'before', 'two', 'lazy teardown a', 'teardown a', 'strict empty' }, order)
              end)
            end)");
        Assert.That(r.Select(x => x.Status), Is.EqualTo(new[] { "passed", "passed", "passed" }), Why(r));
    }

    [Test]
    public void AFailingSetupSkipsItsBlockAndIsReported()
    {
        var r = Run(@"
            describe('broken', function()
              setup(function() error('no database') end)
              it('never runs', function() end)
            end)
            describe('fine', function() it('runs', function() end) end)");
        Assert.That(r.Select(x => (x.Status, x.Name)), Is.EqualTo(new[] { ("failed", "broken setup"), ("passed", "fine runs") }), Why(r));
        Assert.That(r[0].Message, Does.Contain("no database"));
    }

    [Test]
    public void FinallyRunsAfterTheTestPassOrFail()
    {
        var r = Run(@"
            cleaned = 0
            describe('f', function()
              it('fails', function() finally(function() cleaned = cleaned + 1 end); error('boom') end)
              it('passes', function() finally(function() cleaned = cleaned + 1 end) end)
              it('counts', function() assert.are.equal(2, cleaned) end)
              it('finally fails the test', function() finally(function() error('cleanup broke') end) end)
            end)");
        Assert.That(r.Select(x => x.Status), Is.EqualTo(new[] { "failed", "passed", "passed", "failed" }), Why(r));
        Assert.That(r[3].Message, Does.Contain("cleanup broke"));
    }

    [Test]
    public void InsulatePutsBackTheGlobalsItsBlockChanged()
    {
        var r = Run(@"
            kept = 1
            insulate('sandboxed', function()
              it('changes globals', function() kept = 2; extra = true end)
            end)
            describe('after', function()
              it('sees them restored', function() assert.are.equal(1, kept); assert.is_nil(extra) end)
            end)");
        Assert.That(r.Select(x => x.Status), Is.EqualTo(new[] { "passed", "passed" }), Why(r));
    }

    [Test]
    public void InsulatePutsBackTheLoadedModulesAsBustedDoesPackageLoaded()
    {
        var dir = Directory.CreateTempSubdirectory("snn-insulate").FullName;
        try
        {
            // A module with state: a fresh copy counts from zero again.
            File.WriteAllText(Path.Combine(dir, "counter.lua"), "local M = { n = 0 }\nfunction M.bump() M.n = M.n + 1; return M.n end\nreturn M\n");
            var path = Path.Combine(dir, "insulate_spec.lua");
            File.WriteAllText(path, @"
                local outside = require 'counter'
                outside.bump()
                insulate('a block that loads its own copy', function()
                  it('still sees the module loaded before the block', function()
                    assert.are.equal(outside, require 'counter')
                  end)
                end)
                insulate('a block whose module is unloaded after it', function()
                  it('loads a module the file had not', function()
                    local late = require 'lateload'
                    assert.are.equal(1, late.bump())
                  end)
                end)
                describe('after the blocks', function()
                  it('loads that module afresh', function()
                    assert.are.equal(1, require('lateload').bump())
                  end)
                end)");
            File.WriteAllText(Path.Combine(dir, "lateload.lua"), "local M = { n = 0 }\nfunction M.bump() M.n = M.n + 1; return M.n end\nreturn M\n");
            var r = SpecRunner.RunFile(path);
            Assert.That(r.Select(x => x.Status), Is.EqualTo(new[] { "passed", "passed", "passed" }), Why(r));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void SpiesStubsMocksAndMatchersAnswerLuassertsAssertions()
    {
        var r = Run(@"
            describe('spies', function()
              it('record calls and results', function()
                local s = spy.new(function(a, b) return a + b end)
                assert.are.equal(5, s(2, 3))
                s(1, 1)
                assert.spy(s).was.called()
                assert.spy(s).was.called(2)
                assert.spy(s).was_called_with(2, 3)
                assert.spy(s).was.called_with(match._, 1)
                assert.spy(s).was_not.called_with(9, 9)
                assert.spy(s).was.returned_with(5)
                assert.spy(s).was.called_at_least(1)
                assert.spy(s).was.called_at_most(2)
                assert.has_error(function() assert.spy(s).was.called(3) end)
              end)
              it('spy.on keeps calling the original and reverts', function()
                local t = { greet = function(name) return 'hi ' .. name end }
                local original = t.greet
                local s = spy.on(t, 'greet')
                assert.are.equal('hi bo', t.greet('bo'))
                assert.spy(t.greet).was.called_with('bo')
                s:revert()
                assert.are.equal(original, t.greet)
              end)
              it('stubs return what they are told', function()
                local t = { read = function() return 'disk' end }
                stub(t, 'read').returns('fake', 2)
                local a, b = t.read('x')
                assert.are.same({ 'fake', 2 }, { a, b })
                assert.stub(t.read).was.called_with('x')
                t.read:revert()
                assert.are.equal('disk', t.read())
              end)
              it('mock spies on every function of a table', function()
                local m = mock({ a = function() return 1 end, inner = { b = function() return 2 end } })
                assert.are.equal(1, m.a())
                m.inner.b()
                assert.spy(m.a).was.called(1)
                assert.spy(m.inner.b).was.called(1)
                local stubbed = mock({ c = function() return 3 end }, true)
                assert.is_nil(stubbed.c())
              end)
              it('matchers', function()
                local s = spy.new(function() end)
                s('text', 4, { 1, 2 })
                assert.spy(s).was.called_with(match.is_string(), match.is_number(), match.same({ 1, 2 }))
                assert.spy(s).was.called_with(match.matches('^te'), match.is_not_string(), match.is_table())
                assert.spy(s).was_not.called_with(match.is_number(), match._, match._)
              end)
            end)");
        Assert.That(r.Select(x => x.Status), Is.All.EqualTo("passed"), Why(r));
        Assert.That(r, Has.Count.EqualTo(5));
    }

    [Test]
    public void CustomAssertionsAndTheBustedModulesByRequire()
    {
        var r = Run(@"
            local say = require('say')
            local assert = require('luassert')
            local busted = require('busted')
            say:set('assertion.has_property.positive', 'Expected property %s in:\n%s')
            say:set('assertion.has_property.negative', 'Expected property %s not to be in:\n%s')
            assert:register('assertion', 'has_property', function(state, arguments)
              return type(arguments[2]) == 'table' and arguments[2][arguments[1]] ~= nil
            end, 'assertion.has_property.positive', 'assertion.has_property.negative')
            busted.describe('custom', function()
              busted.it('passes and fails with its own words', function()
                assert.has_property('name', { name = 'x' })
                assert.is_not.has_property('age', { name = 'x' })
                local ok, err = pcall(assert.has_property, 'age', { name = 'x' })
                assert.is_false(ok)
                assert.matches(""Expected property (string) 'age' in:"", err, 1, true)
                assert.are.equal(require('luassert.spy'), spy)
              end)
            end)");
        Assert.That(r.Select(x => x.Status), Is.EqualTo(new[] { "passed" }), Why(r));
    }
}
