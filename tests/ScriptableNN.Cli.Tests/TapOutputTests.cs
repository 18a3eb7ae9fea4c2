using System.Diagnostics;
using NUnit.Framework;

namespace ScriptableNN.Cli.Tests;

/// <summary>snn test -o TAP writes what busted -o TAP writes, test line for test line.</summary>
public class TapOutputTests
{
    [Test]
    public void TheTapLinesMatchBustedsOnTheSameSpecs()
    {
        string dir = Path.Combine(Repo.Root, "tests", "ScriptableNN.Lua.Tests");
        var (code, ours, err) = Repo.SnnProcess(dir, "test", "-o", "TAP", "busted-corpus");
        Assert.That(code, Is.EqualTo(1), "the corpus has failing tests on purpose: " + err);
        Assert.That(ours, Does.Not.Contain("passed,"), "TAP alone on stdout");
        var psi = new ProcessStartInfo("busted") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
        psi.ArgumentList.Add("-o"); psi.ArgumentList.Add("TAP"); psi.ArgumentList.Add("busted-corpus");
        using var p = Process.Start(psi)!;
        string theirs = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        static string[] Lines(string tap) => tap.Split('\n').Where(l => l.StartsWith("ok ") || l.StartsWith("not ok ") || l.StartsWith("1..")).ToArray();
        Assert.That(Lines(ours), Is.EqualTo(Lines(theirs)));
        Assert.That(Lines(ours).Last(), Is.EqualTo("1..28"));
        Assert.That(ours, Does.Contain("# Failure message: busted-corpus/assertions_spec.lua:22: Expected a different error."));
        // Whole output, comments included, save luassert's table addresses.
        static string[] All(string tap) => tap.Split('\n').Where(l => l.Length > 0 && !l.Contains("(table")).ToArray();
        Assert.That(All(ours), Is.EqualTo(All(theirs)));
    }
}
