using System.Diagnostics;
using NUnit.Framework;

namespace ScriptableNN.Cli.Tests;

/// <summary>snn test -o TAP/json/junit write what busted writes (Debian's busted 2.1.1 on Lua 5.4).</summary>
public class TapOutputTests
{
    private static string Dir => Path.Combine(Repo.Root, "tests", "ScriptableNN.Lua.Tests");

    private static string Busted(params string[] args)
    {
        var psi = new ProcessStartInfo("lua5.4") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Dir };
        psi.ArgumentList.Add("/usr/bin/busted");
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }

    // Whole outputs, table addresses aside.
    private static string[] All(string tap) => tap.Split('\n').Where(l => l.Length > 0)
        .Select(l => System.Text.RegularExpressions.Regex.Replace(l, "0x[0-9a-f]+", "ADDR")).ToArray();

    [TestCase("--shuffle", "--seed=42")]
    [TestCase("--shuffle-tests", "--seed=99")]
    [TestCase("--repeat=2")]
    public void ShuffledAndRepeatedRunsMatchBustedsTap(params string[] flags)
    {
        var args = new List<string> { "test" };
        foreach (var f in flags) args.AddRange(f.Split('='));
        args.AddRange(new[] { "-o", "TAP", "busted-corpus" });
        var (code, ours, err) = Repo.SnnProcess(Dir, args.ToArray());
        Assert.That(code, Is.EqualTo(1), err);
        var theirs = Busted(flags.Concat(new[] { "-o", "TAP", "busted-corpus" }).ToArray());
        Assert.That(All(ours), Is.EqualTo(All(theirs)));
        Assert.That(ours, flags[0] == "--repeat=2" ? Does.Contain("1..61\nok 1 -") : Does.Contain("# Random seed: "));
        // Shuffled, the hooks' order test fails: its table diff marks the first differing key, as luassert does.
        if (flags[0] == "--shuffle") Assert.That(ours, Does.Contain("#  *[4] = 'first'"));
    }

    [TestCase("plainTerminal")]
    [TestCase("utfTerminal")]
    [TestCase("plainTerminal", "--shuffle", "--seed=42")]
    [TestCase("plainTerminal", "--repeat=2")]
    [TestCase("utfTerminal", "-Xoutput=--color")]
    [TestCase("utfTerminal", "-Xoutput=--plain")]
    public void TerminalOutputsMatchBusteds(string format, params string[] flags)
    {
        var args = new List<string> { "test" };
        foreach (var f in flags) args.AddRange(f.Split('='));
        args.AddRange(new[] { "-o", format, "busted-corpus" });
        var (code, ours, err) = Repo.SnnProcess(Dir, args.ToArray());
        Assert.That(code, Is.EqualTo(1), err);
        var theirs = Busted(flags.Concat(new[] { "-o", format, "busted-corpus" }).ToArray());
        static string[] Norm(string s) => All(System.Text.RegularExpressions.Regex.Replace(s, @": (\u001b\[1m)?[0-9.]+(\u001b\[0m)? seconds", ": T seconds"));
        Assert.That(Norm(ours), Is.EqualTo(Norm(theirs)));
        bool color = flags.Contains("-Xoutput=--color");
        Assert.That(ours, Does.Contain(color ? " / \u001b[35m4\u001b[0m errors / \u001b[33m2\u001b[0m pending : " : " / 4 errors / 2 pending : "));
        // with colours, luassert marks a table's first difference in red
        Assert.That(ours.Contains(" \u001b[31m*\u001b[0m[a] = { ... more } }"), Is.EqualTo(color));
    }

    [Test]
    public void JsonAndJunitOutputs()
    {
        var (code, json, err) = Repo.SnnProcess(Dir, "test", "-o", "json", Path.Combine("busted-corpus", "order_spec.lua"));
        Assert.That(code, Is.EqualTo(1), err);
        var ours = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        var theirs = System.Text.Json.Nodes.JsonNode.Parse(Busted("-o", "json", Path.Combine("busted-corpus", "order_spec.lua")))!.AsObject();
        foreach (var kind in new[] { "successes", "failures", "errors", "pendings" })
        {
            static string[] Names(System.Text.Json.Nodes.JsonNode n, string key) => n.AsArray().Select(e => (string)e![key]!).ToArray();
            static string[] Elements(System.Text.Json.Nodes.JsonNode n) => n.AsArray().Select(e => (string)e!["element"]!["name"]!).ToArray();
            Assert.That(Names(ours[kind]!, "name"), Is.EqualTo(Names(theirs[kind]!, "name")), kind);
            Assert.That(Elements(ours[kind]!), Is.EqualTo(Elements(theirs[kind]!)), kind + " elements");
        }
        Assert.That((int)ours["errors"]![0]!["trace"]!["currentline"]!, Is.EqualTo((int)theirs["errors"]![0]!["trace"]!["currentline"]!));
        var (_, junit, _) = Repo.SnnProcess(Dir, "test", "-o", "junit", Path.Combine("busted-corpus", "order_spec.lua"));
        var doc = System.Xml.Linq.XDocument.Parse(junit);
        Assert.That(doc.Root!.Attribute("tests")!.Value, Is.EqualTo("13"));
        Assert.That(doc.Root!.Attribute("failures")!.Value, Is.EqualTo("2"));
    }

    [Test]
    public void TheTapLinesMatchBustedsOnTheSameSpecs()
    {
        var (code, ours, err) = Repo.SnnProcess(Dir, "test", "-o", "TAP", "busted-corpus");
        Assert.That(code, Is.EqualTo(1), "the corpus has failing tests on purpose: " + err);
        Assert.That(ours, Does.Not.Contain("passed,"), "TAP alone on stdout");
        string theirs = Busted("-o", "TAP", "busted-corpus");
        static string[] Lines(string tap) => tap.Split('\n').Where(l => l.StartsWith("ok ") || l.StartsWith("not ok ") || l.StartsWith("1..")).ToArray();
        Assert.That(Lines(ours), Is.EqualTo(Lines(theirs)));
        Assert.That(Lines(ours).Last(), Is.EqualTo("1..61"));
        Assert.That(ours, Does.Contain("# Failure message: busted-corpus/assertions_spec.lua:22: Expected a different error."));
        // Whole output, comments and table diffs included (luassert marks the differing key with *).
        Assert.That(All(ours), Is.EqualTo(All(theirs)));
    }
}
