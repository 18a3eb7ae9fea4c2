using NUnit.Framework;
using ScriptableNN.IO;
using ScriptableNN.NN;

namespace ScriptableNN.Lua.Tests;

/// <summary>torch.load of a saved Lua value that was forged: a clear error, and the host goes on.</summary>
public class SavedValueTests
{
    [TestCase("""{"root":{"t":1},"tables":[[[{"n":"nan"},{"b":true}]]]}""", "nil or NaN key")]
    [TestCase("""{"root":{"t":7},"tables":[[]]}""", "reference to table 7 of 1")]
    [TestCase("""{"root":{"T":1},"tables":[]}""", "reference to tensor 1 of 0")]
    [TestCase("""{"root":{"x":1},"tables":[]}""", "unknown kind 'x'")]
    [TestCase("""{"root":{"s":"\u4e00"},"tables":[]}""", "string is damaged")]
    public void AForgedValueIsRefusedClearly(string graph, string message)
    {
        string path = Path.Combine(Path.GetTempPath(), $"snn-forged-{Guid.NewGuid():N}.t7");
        try
        {
            Checkpoint.Save(path, new Sequential(), null, new Dictionary<string, string> { ["luavalue"] = graph, ["tensors"] = "[]" });
            using var host = new LuaHost(new LuaHostOptions { ReadRoots = { Path.GetTempPath() } });
            var e = Assert.Throws<LuaScriptException>(() => host.Run($"return torch.load([[{path}]])"));
            Assert.That(e!.Message, Does.Contain(message));
            Assert.That(host.Run("return 1 + 1")[0], Is.EqualTo(2L), "the host goes on");
        }
        finally { File.Delete(path); }
    }
}
