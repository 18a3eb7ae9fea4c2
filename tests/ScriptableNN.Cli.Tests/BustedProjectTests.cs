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

    [Test]
    public void AProjectsDotBustedFileChoosesRootsPatternPathAndTagsAsBustedDoes()
    {
        var root = Directory.CreateTempSubdirectory("snn-dotbusted").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "lib"));
            Directory.CreateDirectory(Path.Combine(root, "tests"));
            File.WriteAllText(Path.Combine(root, ".busted"), """
                return {
                  _all = { lpath = "./lib/?.lua;./lib/?/init.lua" },
                  default = { ROOT = { "tests" }, pattern = "_test", tags = "fast" },
                  everything = { ROOT = { "tests" }, pattern = "_test" },
                }
                """);
            File.WriteAllText(Path.Combine(root, "lib", "calc.lua"), "return { add = function(a, b) return a + b end }\n");
            File.WriteAllText(Path.Combine(root, "tests", "helper.lua"), "error('a helper is not a spec file')\n");
            File.WriteAllText(Path.Combine(root, "tests", "calc_test.lua"), """
                local calc = require("calc")
                describe("calc", function()
                  it("adds #fast", function() assert.are.equal(3, calc.add(1, 2)) end)
                  it("adds slowly", function() assert.are.equal(5, calc.add(2, 3)) end)
                end)
                """);
            var (code, output, err) = Repo.SnnProcess(root, "test");
            Assert.That(code, Is.EqualTo(0), output + err);
            Assert.That(output, Does.Contain("1 passed, 0 failed"), "only the #fast test, the helper skipped by the pattern");
            (code, output, err) = Repo.SnnProcess(root, "test", "--run", "everything");
            Assert.That(output, Does.Contain("2 passed, 0 failed"), output + err);

            // busted itself reads the same file the same way.
            var psi = new System.Diagnostics.ProcessStartInfo("busted") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
            psi.ArgumentList.Add("-o"); psi.ArgumentList.Add("TAP");
            using var p = System.Diagnostics.Process.Start(psi)!;
            string tap = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.That(tap.Split('\n').Count(l => l.StartsWith("ok ")), Is.EqualTo(1), tap);
        }
        finally { Directory.Delete(root, true); }
    }
}
