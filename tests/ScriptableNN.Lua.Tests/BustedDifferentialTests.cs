using System.Diagnostics;
using System.Text.RegularExpressions;
using NUnit.Framework;

namespace ScriptableNN.Lua.Tests;

/// <summary>
/// The same spec files under Debian's busted 2.1.1 on Lua 5.4 (scripts/install-test-deps.sh
/// installs lua-busted and lua5.4) and under our runner: every test passes or fails alike, as
/// many are pending, failures and errors fall in busted's kinds, and a shuffled run with a seed
/// runs the tests in busted's order.
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

    // busted run by Lua 5.4 (Debian's `busted` runs whatever `lua` is, 5.2 on some machines,
    // whose math.random differs from 5.4's).
    internal static string Busted(params string[] args)
    {
        var psi = new ProcessStartInfo("lua5.4") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TestContext.CurrentContext.TestDirectory };
        psi.ArgumentList.Add("/usr/bin/busted");
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception) { Assert.Fail("lua5.4 is not installed: scripts/install-test-deps.sh installs Debian's lua5.4 and lua-busted"); return ""; }
        if (!File.Exists("/usr/bin/busted")) Assert.Fail("busted is not installed: scripts/install-test-deps.sh installs Debian's lua-busted");
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }

    [TestCase(42L)]
    [TestCase(7L)]
    [TestCase(2024L)]
    public void AShuffledRunWithASeedRunsTheTestsInBustedsOrder(long seed)
    {
        string tap = Busted("--shuffle-tests", $"--seed={seed}", "-o", "TAP", "busted-corpus");
        var theirs = Regex.Matches(tap, @"^(?:ok|not ok) \d+ - (?!# SKIP)(.*)$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        var ours = new List<string>();
        foreach (var file in Directory.GetFiles(Corpus, "*_spec.lua").Order(StringComparer.Ordinal))
            foreach (var r in SpecRunner.RunFile(file, null, new SpecSelection { Shuffle = true, Seed = seed }))
                if (!r.Pending) ours.Add(r.Name);
        Assert.That(theirs, Is.Not.Empty, tap);
        Assert.That(ours, Is.EqualTo(theirs), "busted:\n" + tap);
        var plain = new List<string>();
        foreach (var file in Directory.GetFiles(Corpus, "*_spec.lua").Order(StringComparer.Ordinal))
            foreach (var r in SpecRunner.RunFile(file)) if (!r.Pending) plain.Add(r.Name);
        Assert.That(ours, Is.Not.EqualTo(plain), "the order changed");
        Assert.That(ours.Order(), Is.EqualTo(plain.Order()), "the same tests");
    }

    [Test]
    public void FailuresAndErrorsFallInBustedsKinds()
    {
        static List<string> Names(System.Text.Json.Nodes.JsonNode? n) => n!.AsArray().Select(e => (string)e!["name"]!).Order(StringComparer.Ordinal).ToList();
        int compared = 0, errors = 0;
        foreach (var file in Directory.GetFiles(Corpus, "*_spec.lua").Order(StringComparer.Ordinal))
        {
            // busted's json handler writes nothing for a file whose results dkjson cannot encode
            // (blocks_spec.lua's); those files are compared by TAP above only.
            string json = Busted("-o", "json", Path.Combine("busted-corpus", Path.GetFileName(file)));
            if (json.Trim().Length == 0) continue;
            var doc = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
            var ours = new Dictionary<string, List<string>> { ["successes"] = new(), ["failures"] = new(), ["errors"] = new(), ["pendings"] = new() };
            foreach (var r in SpecRunner.RunFile(file))
                ours[r.Passed ? "successes" : r.Pending ? "pendings" : r.IsError ? "errors" : "failures"].Add(r.Name);
            foreach (var kind in new[] { "successes", "failures", "errors" })
                Assert.That(ours[kind].Order(StringComparer.Ordinal), Is.EqualTo(Names(doc[kind])), $"{Path.GetFileName(file)} {kind}\n{json}");
            Assert.That(ours["pendings"].Count, Is.EqualTo(doc["pendings"]!.AsArray().Count));
            errors += ours["errors"].Count;
            compared++;
        }
        Assert.That(compared, Is.GreaterThanOrEqualTo(3), "files busted writes json for");
        Assert.That(errors, Is.GreaterThan(0), "the corpus has errors that are not assertion failures");
    }

    private static void Compare(SpecSelection? selection, string[] flags)
    {
        var args = new List<string>(flags) { "-o", "TAP", "busted-corpus" };
        string tap = Busted(args.Where(a => a.Length > 0).ToArray());
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
        if (selection != null)
        {
            int all = Directory.GetFiles(Corpus, "*_spec.lua").Sum(f => SpecRunner.RunFile(f).Count(r => !r.Pending));
            Assert.That(ours.Count, Is.LessThan(all), "a selection leaves tests out");
        }
        Assert.That(ourPending, Is.EqualTo(theirPending), "pending tests");
        TestContext.Out.WriteLine($"{theirs.Count} tests and {theirPending} pending agree with busted 2.1.1");
    }
}
