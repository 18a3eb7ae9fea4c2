using System.Diagnostics;
using NUnit.Framework;

namespace ScriptableNN.Cli.Tests;

/// <summary>
/// The attacks of the robustness issue that used to crash or hang the process, each run by
/// `snn run` in a process of its own: a crash (SIGABRT, SIGSEGV, "Stack overflow") shows as an
/// exit code other than the 0 or 1 a script gives, and a hang as the harness's timeout.
/// </summary>
[TestFixture]
public class RobustnessTests
{
    // Enough tensor churn to make the .NET collector run: a longjmp over C# frames shows up at
    // the next collection, not at the bad call.
    private const string ForceGc = "\nfor i = 1, 300 do local t = torch.zeros(1000, 1000) end\nprint('alive')\n";

    private static (int Code, string Out, string Err, double Seconds) Run(string script, params string[] args)
    {
        var dir = Directory.CreateTempSubdirectory("snn-attack").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "attack.lua"), script);
            var sw = Stopwatch.StartNew();
            var all = new List<string> { "run", "attack.lua" };
            all.AddRange(args);
            var (code, o, e) = Repo.SnnProcess(dir, all.ToArray());
            return (code, o, e, sw.Elapsed.TotalSeconds);
        }
        finally { Directory.Delete(dir, true); }
    }

    // Class 1: a metamethod that errors, read by C# while it parses options.
    [TestCase("nn.Linear, 2, 2, bad")]
    [TestCase("nn.MSECriterion, bad")]
    [TestCase("nn.CrossEntropyCriterion, bad")]
    [TestCase("data.spirals, bad")]
    [TestCase("optim.SGD, nn.Linear(2, 2), bad")]
    [TestCase("train.Trainer, bad")]
    [TestCase("optim.sgd, function(x) return 0, torch.zeros(x:size(1)) end, torch.zeros(3), bad, bad")]
    public void AMetamethodThatErrorsNeverRunsUnderACSharpFrame(string call)
    {
        var (code, o, e, _) = Run(
            "local bad = setmetatable({}, {__index = function() error('boom') end, __newindex = function() error('boom') end})\n" +
            $"print(pcall({call}))" + ForceGc);
        Assert.That(code, Is.EqualTo(0), o + e);
        Assert.That(o, Does.Contain("alive"));
    }

    [Test]
    public void AGlobalTableWithMetamethodsDoesNotReachTheHost()
    {
        var (code, o, e, _) = Run("setmetatable(_G, {__index = function() error('boom') end, __newindex = function() error('boom') end})" + ForceGc);
        Assert.That(code, Is.EqualTo(0), o + e);
        Assert.That(o, Does.Contain("alive"));
    }

    // Class 2: pushes of variable counts.
    [TestCase("local t = {}; t[1] = t; print(pcall(torch.Tensor, t))", "more than 4 deep")]
    [TestCase("local d = {}; local c = d; for i = 1, 100 do c[1] = {}; c = c[1] end; print(pcall(torch.Tensor, d))", "more than 4 deep")]
    public void CyclicAndDeepTablesGiveAClearError(string script, string expected)
    {
        var (code, o, e, _) = Run(script + ForceGc);
        Assert.That(code, Is.EqualTo(0), o + e);
        Assert.That(o, Does.Contain(expected));
        Assert.That(o, Does.Contain("alive"));
    }

    [Test]
    public void ManyScriptArgumentsArrive()
    {
        var args = Enumerable.Range(1, 300).Select(i => i.ToString()).ToArray();
        var (code, o, e, _) = Run("print(select('#', ...), #arg, arg[300])", args);
        Assert.That(code, Is.EqualTo(0), o + e);
        Assert.That(o, Does.Contain("300\t300\t300"));
    }

    // Class 3: the memory cap stops the script with a message naming it, also under pcall.
    [TestCase("local t = {} while true do t[#t+1] = {} end", 1)]
    [TestCase("print(pcall(function() local t = {} while true do t[#t+1] = {} end end))", 0)]
    [TestCase("print(pcall(function() return torch.Tensor(5e6):totable() end))", 0)]
    [TestCase("local keep = {} for i = 1, 100 do keep[i] = torch.zeros(1e6) end", 1)]
    [TestCase("local s = 'x' while true do s = s .. s end", 1)]
    public void TheMemoryCapStopsInsteadOfAborting(string script, int exit)
    {
        var (code, o, e, _) = Run(script, "--memory", "16");
        Assert.That(code, Is.EqualTo(exit), o + e);
        Assert.That(o + e, Does.Contain("not enough memory"));
        if (exit == 1) Assert.That(e, Does.Contain("16 MB"), "the message names the cap");
    }

    // Class 4: a container that contains itself.
    [Test]
    public void ASequentialCannotContainItself()
    {
        var (code, o, e, _) = Run(
            "local s = nn.Sequential():add(nn.Linear(2, 2))\nprint(pcall(s.add, s, s))\n" +
            "local a, b = nn.Sequential(), nn.Sequential(); a:add(b); print(pcall(b.add, b, a))\n" +
            "print(s); print(s:forward(torch.zeros(1, 2)):size(2)); torch.save('s.ckpt', s)" + ForceGc);
        Assert.That(code, Is.EqualTo(0), o + e);
        Assert.That(o, Does.Contain("cannot contain itself"));
        Assert.That(o, Does.Contain("alive"));
    }

    [Test]
    public void ANetworkNestedFarTooDeepFailsCleanly()
    {
        // Built top-down, past add's own depth check: every later walk must fail, not overflow.
        var (code, o, e, _) = Run(
            "local root = nn.Sequential(); local c = root\n" +
            "for i = 1, 200000 do local n = nn.Sequential(); c:add(n); c = n end\n" +
            "print(pcall(tostring, root))\nprint('save', pcall(torch.save, 'deep.ckpt', root))\nprint('forward', pcall(root.forward, root, torch.zeros(1, 2)))" + ForceGc);
        Assert.That(code, Is.EqualTo(0), o + e);
        Assert.That(o, Does.Contain("alive"));
        Assert.That(o, Does.Contain("nested deeper than 32 levels"), "printing elides past 32 levels");
        Assert.That(o, Does.Contain("save\tfalse").And.Contain("holds at most 32"));
        Assert.That(o, Does.Contain("forward\tfalse").And.Contain("nested too deep"));
    }

    // Class 5: the timeout holds where the script cannot yield.
    [TestCase("table.sort({3, 2, 1}, function(a, b) while true do end end)")]
    [TestCase("string.gsub('abc', '%w', function() while true do end end)")]
    [TestCase("xpcall(function() error('x') end, function() while true do end end)")]
    [TestCase("local mt = {__lt = function() while true do end end}; local a, b = setmetatable({}, mt), setmetatable({}, mt); pcall(table.sort, {a, b, a, b})")]
    [TestCase("local x <close> = setmetatable({}, {__close = function() while true do end end}); while true do end")]
    [TestCase("local co = coroutine.wrap(function() local x <close> = setmetatable({}, {__close = function() while true do end end}); table.sort({1, 2, 3}, function() while true do end end) end); co()")]
    [TestCase("local t = setmetatable({}, {__index = function() while true do end end}); print(table.concat(t, ',', 1, 3))")]
    [TestCase("print(tostring(setmetatable({}, {__tostring = function() while true do end end})))")]
    [TestCase("local f = load(function() while true do end end)")]
    [TestCase("local tr = train.Trainer{model = nn.Linear(1, 1), loss = nn.MSECriterion(), data = data.sine{n = 100}, epochs = 1e9}; tr:stepFor(1e9); while true do end")]
    [TestCase("local tr = train.Trainer{model = nn.Linear(1, 1), loss = nn.MSECriterion(), data = data.sine{n = 100}, epochs = 1e9}; tr:step(1e9); while true do end")]
    public void TheTimeoutHoldsInNonYieldableContexts(string script)
    {
        var (code, o, e, seconds) = Run(script, "--timeout", "1");
        Assert.That(code, Is.EqualTo(1), o + e);
        Assert.That(e, Does.Contain("timeout of 1 s exceeded"));
        Assert.That(seconds, Is.LessThan(15), "stopped near the timeout, not by the harness");
    }

    [Test]
    public void GcMetamethodsAreRefusedInTheSandbox()
    {
        var (code, o, e, _) = Run("print(pcall(setmetatable, {}, {__gc = function() while true do end end}))");
        Assert.That(code, Is.EqualTo(0), o + e);
        Assert.That(o, Does.Contain("__gc metamethods are not available"));
    }

    // Class 6: values the host cannot hand over are nil, not an unhandled exception.
    [Test]
    public void ReturningAFreedTensorIsNotAnUnhandledException()
    {
        var (code, o, e, _) = Run("local t = torch.zeros(3); t:free(); return t");
        Assert.That(code, Is.EqualTo(0), o + e);
        Assert.That(e, Does.Not.Contain("Unhandled"));
    }

    // Class 9: files only under the granted roots.
    [Test]
    public void SavesAndReadsStayUnderTheGrantedRoots()
    {
        var outside = Directory.CreateTempSubdirectory("snn-outside").FullName;
        try
        {
            File.WriteAllText(Path.Combine(outside, "secret.csv"), "root:x:0:0:root:/root:/bin/bash\n1,2\n");
            string target = Path.Combine(outside, "evil.ckpt").Replace("\\", "\\\\");
            string secret = Path.Combine(outside, "secret.csv").Replace("\\", "\\\\");
            var (code, o, e, _) = Run(
                $"print(pcall(torch.save, '{target}', nn.Linear(2, 2)))\n" +
                "print(pcall(torch.save, '../escape.ckpt', nn.Linear(2, 2)))\n" +
                $"print(pcall(data.csv, '{secret}'))\n" +
                "print(pcall(torch.save, 'inside.ckpt', nn.Linear(2, 2)))\n" +
                "print(pcall(torch.load, 'inside.ckpt'))");
            Assert.That(code, Is.EqualTo(0), o + e);
            Assert.That(File.Exists(Path.Combine(outside, "evil.ckpt")), Is.False);
            Assert.That(o, Does.Contain("is not allowed"));
            Assert.That(o, Does.Not.Contain("root:x"), "no file contents in messages");
            var lines = o.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(lines[0], Does.StartWith("false"));
            Assert.That(lines[1], Does.StartWith("false"));
            Assert.That(lines[2], Does.StartWith("false"));
            Assert.That(lines[3], Does.StartWith("true"));
            Assert.That(lines[4], Does.StartWith("true"));
        }
        finally { Directory.Delete(outside, true); }
    }

    [Test]
    public void ASymlinkInsideTheWorkingFolderDoesNotLeadOutside()
    {
        if (OperatingSystem.IsWindows()) Assert.Ignore("symbolic links need privileges on Windows");
        var outside = Directory.CreateTempSubdirectory("snn-outside").FullName;
        var work = Directory.CreateTempSubdirectory("snn-work").FullName;
        try
        {
            Directory.CreateSymbolicLink(Path.Combine(work, "link"), outside);
            File.WriteAllText(Path.Combine(work, "attack.lua"), "print(pcall(torch.save, 'link/evil.ckpt', nn.Linear(2, 2)))");
            var (code, o, e) = Repo.SnnProcess(work, "run", "attack.lua");
            Assert.That(code, Is.EqualTo(0), o + e);
            Assert.That(o, Does.Contain("is not allowed"));
            Assert.That(File.Exists(Path.Combine(outside, "evil.ckpt")), Is.False);
            var (code2, o2, e2) = Repo.SnnProcess(work, "run", "attack.lua", "--write", outside);
            Assert.That(code2, Is.EqualTo(0), o2 + e2);
            Assert.That(File.Exists(Path.Combine(outside, "evil.ckpt")), Is.True, "--write grants the folder");
        }
        finally { Directory.Delete(work, true); Directory.Delete(outside, true); }
    }
}
