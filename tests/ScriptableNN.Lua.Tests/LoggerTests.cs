using NUnit.Framework;

namespace ScriptableNN.Lua.Tests;

/// <summary>optim.Logger writes Torch7's log format under the script's write folders.</summary>
public class LoggerTests
{
    [Test]
    public void TheLogHasANamedHeaderAndOneRowPerAddInTorch7sNumberFormat()
    {
        var dir = Directory.CreateTempSubdirectory("snn-logger").FullName;
        try
        {
            var o = new LuaHostOptions();
            o.WriteRoots.Add(dir); o.ReadRoots.Add(dir);
            using var host = new LuaHost(o);
            host.SetGlobal("dir", dir);
            host.Run("""
                local logger = optim.Logger(dir .. '/acc.log')
                logger:setNames{'train acc', 'test acc'}
                logger:add{0.5, 0.25}
                logger:add{0.75, 0.5}
                logger:plot()
                local named = optim.Logger(dir .. '/err.log')
                named:add{['training error'] = 0.5, ['test error'] = 0.6}
                """);
            Assert.That(File.ReadAllText(Path.Combine(dir, "acc.log")), Is.EqualTo("train acc\ttest acc\t\n 5.0000e-01\t 2.5000e-01\t\n 7.5000e-01\t 5.0000e-01\t\n"));
            Assert.That(File.ReadAllLines(Path.Combine(dir, "err.log"))[1], Is.EqualTo(" 6.0000e-01\t 5.0000e-01\t"));
            var e = Assert.Throws<LuaScriptException>(() => host.Run("optim.Logger('/etc/forbidden.log')"));
            Assert.That(e!.Message, Does.Contain("forbidden.log"));
        }
        finally { Directory.Delete(dir, true); }
    }
}
