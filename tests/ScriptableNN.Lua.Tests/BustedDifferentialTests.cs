using System.Diagnostics;
using System.Text.RegularExpressions;
using NUnit.Framework;

namespace ScriptableNN.Lua.Tests;

/// <summary>
/// The same spec files under Debian's busted 2.1.1 (scripts/install-test-deps.sh installs
/// lua-busted) and under our runner: every test passes or fails alike, and as many are pending.
/// </summary>
public class BustedDifferentialTests
{
    private static string Corpus => Path.Combine(TestContext.CurrentContext.TestDirectory, "busted-corpus");

    [Test]
    public void OurRunnerAgreesWithBustedTestByTest() => Compare(null, Array.Empty<string>());

    [TestCase("--tags=fast", "fast", null, null, null)]
    [TestCase("--exclude-tags=slow", null, "slow", null, null)]
    [TestCase("--tags=db,fast --exclude-tags=slow", "db,fast", "slow", null, null)]
    [TestCase("--filter=storage", null, null, "storage", null)]
    [TestCase("--filter-out=^math", null, null, null, "^math")]
    public void SelectionAgreesWithBusted(string flags, string? tags, string? exclude, string? filter, string? filterOut)
    {
        static string[]? L(string? v) => v?.Split(',');
        Compare(new SpecSelection(L(tags), L(exclude), L(filter), L(filterOut)), flags.Split(' '));
    }

    private static void Compare(SpecSelection? selection, string[] flags)
    {
        var psi = new ProcessStartInfo("busted") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TestContext.CurrentContext.TestDirectory };
        foreach (var f in flags) psi.ArgumentList.Add(f);
        psi.ArgumentList.Add("-o"); psi.ArgumentList.Add("TAP"); psi.ArgumentList.Add("busted-corpus");
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception) { Assert.Fail("busted is not installed: scripts/install-test-deps.sh installs Debian's lua-busted"); return; }
        string tap = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var theirs = new List<(string Name, string Status)>();
        int theirPending = 0;
        foreach (var line in tap.Split('\n'))
        {
            var m = Regex.Match(line, @"^(ok|not ok) \d+ - (.*)$");
            if (!m.Success) continue;
            if (m.Groups[2].Value.StartsWith("# SKIP")) { theirPending++; continue; }
            theirs.Add((m.Groups[2].Value, m.Groups[1].Value == "ok" ? "passed" : "failed"));
        }
        Assert.That(theirs, Is.Not.Empty, tap);

        var ours = new List<(string Name, string Status)>();
        int ourPending = 0;
        foreach (var file in Directory.GetFiles(Corpus, "*_spec.lua").Order(StringComparer.Ordinal))
            foreach (var r in SpecRunner.RunFile(file, null, selection))
            {
                if (r.Status == "pending") ourPending++;
                else ours.Add((r.Name, r.Status));
            }
        Assert.That(ours.OrderBy(x => x.Name), Is.EqualTo(theirs.OrderBy(x => x.Name)), "busted:\n" + tap);
        Assert.That(selection == null || ours.Count < 25, "a selection leaves tests out");
        Assert.That(ourPending, Is.EqualTo(theirPending), "pending tests");
        TestContext.Out.WriteLine($"{theirs.Count} tests and {theirPending} pending agree with busted 2.1.1");
    }
}
