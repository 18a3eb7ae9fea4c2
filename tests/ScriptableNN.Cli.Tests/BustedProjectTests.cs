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
}
