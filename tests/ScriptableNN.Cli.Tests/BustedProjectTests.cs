using NUnit.Framework;

namespace ScriptableNN.Cli.Tests;

/// <summary>A Lua library laid out as busted expects, tested from its root with snn test.</summary>
public class BustedProjectTests
{
    [Test]
    public void ModulesUnderSrcAndPackageFoldersAreFoundAsBustedFindsThem()
    {
        var root = Directory.CreateTempSubdirectory("snn-project").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "src", "shapes"));
            Directory.CreateDirectory(Path.Combine(root, "spec"));
            File.WriteAllText(Path.Combine(root, "src", "shapes", "init.lua"), "local M = {}\nfunction M.area(w, h) return w * h end\nM.util = require('shapes.util')\nreturn M\n");
            File.WriteAllText(Path.Combine(root, "src", "shapes", "util.lua"), "return { twice = function(x) return 2 * x end }\n");
            File.WriteAllText(Path.Combine(root, "spec", "shapes_spec.lua"), """
                local shapes = require("shapes")
                describe("shapes", function()
                  local calls
                  lazy_setup(function() calls = spy.new(shapes.area) end)
                  it("computes an area", function()
                    assert.equals(6, calls(2, 3))
                    assert.spy(calls).was.called_with(2, 3)
                  end)
                  it("loads its submodule", function() assert.are.equal(8, shapes.util.twice(4)) end)
                end)
                """);
            var (code, output, err) = Repo.SnnProcess(root, "test", "spec");
            Assert.That(code, Is.EqualTo(0), output + err);
            Assert.That(output, Does.Contain("2 passed, 0 failed"));
        }
        finally { Directory.Delete(root, true); }
    }

    [Test]
    public void TrustedSpecsGetLuasWholeStandardLibraryAndSandboxedOnesDoNot()
    {
        var root = Directory.CreateTempSubdirectory("snn-trusted").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "src"));
            Directory.CreateDirectory(Path.Combine(root, "spec"));
            File.WriteAllText(Path.Combine(root, "src", "counter.lua"), "local n = 0\nreturn { next = function() n = n + 1; return n end }\n");
            File.WriteAllText(Path.Combine(root, "spec", "stdlib_spec.lua"), """
                describe("the standard library", function()
                  it("has package, debug, io and loadfile", function()
                    assert.is_table(package)
                    assert.is_function(debug.getinfo)
                    local c = require("counter")
                    assert.are.equal(c, package.loaded.counter)
                    package.preload.fake = function() return { fake = true } end
                    assert.is_true(require("fake").fake)
                    local f = assert(io.open("out.txt", "w")); f:write("return 41 + 1"); f:close()
                    assert.are.equal(42, loadfile("out.txt")())
                    assert.are.equal(require("torch"), torch)
                  end)
                end)
                """);
            var (code, output, err) = Repo.SnnProcess(root, "test", "--trusted", "spec");
            Assert.That(code, Is.EqualTo(0), output + err);
            Assert.That(output, Does.Contain("1 passed, 0 failed"));
            (code, output, err) = Repo.SnnProcess(root, "test", "spec");
            Assert.That(code, Is.EqualTo(1), "sandboxed: no package, debug or loadfile");
            Assert.That(output + err, Does.Contain("1 failed"));
        }
        finally { Directory.Delete(root, true); }
    }
}
