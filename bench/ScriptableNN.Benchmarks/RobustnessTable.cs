using System.Diagnostics;
using ScriptableNN.Lua;

/// <summary>
/// The robustness table of the README: the attacks of each class run in this process against
/// hosts with a 0.5 s timeout and a 32 MB memory cap. For each class: attacks tried, how many
/// ended in a clean error or stop, failures (an attack that ran to completion unchecked, or a
/// .NET exception other than the host's own), and the worst overrun of the timeout (wall time
/// past it) and of the cap (the most held at once, past it). A crash would end the table.
/// </summary>
public static class RobustnessTable
{
    private const double Timeout = 0.5;
    private const long Cap = 32L << 20;

    private const string Collect = "; for i = 1, 100 do local t = torch.zeros(1000, 100) end; collectgarbage(); error('clean')";

    private static readonly (string Class, string Script)[] Attacks =
    {
        // Class 1 passes when no metamethod runs under C# (the options are read raw) and the
        // .NET collector finds the runtime intact afterwards.
        ("1 metamethods under C#", "local bad = setmetatable({}, {__index = function() error('boom') end}); nn.Linear(2, 2, bad)" + Collect),
        ("1 metamethods under C#", "local bad = setmetatable({}, {__index = function() error('boom') end}); nn.MSECriterion(bad)" + Collect),
        ("1 metamethods under C#", "local bad = setmetatable({}, {__index = function() error('boom') end}); pcall(train.Trainer, bad)" + Collect),
        ("1 metamethods under C#", "local bad = setmetatable({}, {__index = function() error('boom') end}); optim.SGD(nn.Linear(2, 2), bad)" + Collect),
        ("1 metamethods under C#", "local bad = setmetatable({}, {__index = function() error('boom') end}); data.spirals(bad)" + Collect),
        ("1 metamethods under C#", "local bad = setmetatable({}, {__index = function() error('boom') end}); pcall(optim.sgd, function(x) return 0, torch.zeros(3) end, torch.zeros(3), bad, bad)" + Collect),
        ("1 metamethods under C#", "setmetatable(_G, {__index = function() error('boom') end, __newindex = function() error('boom') end})" + Collect),
        ("2 stack", "local t = {}; t[1] = t; torch.Tensor(t)"),
        ("2 stack", "local d = {}; local c = d; for i = 1, 100 do c[1] = {}; c = c[1] end; torch.Tensor(d)"),
        ("3 memory cap", "local t = {} while true do t[#t+1] = {} end"),
        ("3 memory cap", "pcall(function() local t = {} while true do t[#t+1] = {} end end); local t = {} while true do t[#t+1] = {} end"),
        ("3 memory cap", "torch.Tensor(5e6):totable()"),
        ("3 memory cap", "local keep = {} for i = 1, 100 do keep[i] = torch.zeros(1e6) end"),
        ("3 memory cap", "local s = 'x' while true do s = s .. s end"),
        ("3 memory cap", "local keep = {} for i = 1, 100 do keep[i] = nn.Linear(1000, 1000) end"),
        ("3 memory cap", "local s = string.rep('ab', 1e6); local t = {} for i = 1, 1e6 do t[i] = s:gsub('a', 'aaaa') end"),
        ("4 cycles", "local s = nn.Sequential(); s:add(s)"),
        ("4 cycles", "local root = nn.Sequential(); local c = root; for i = 1, 20000 do local n = nn.Sequential(); c:add(n); c = n end; tostring(root); pcall(torch.save, 'deep.ckpt', root); root:forward(torch.zeros(1, 2)); error('clean')"),
        ("5 timeout", "while true do end"),
        ("5 timeout", "table.sort({3, 2, 1}, function() while true do end end)"),
        ("5 timeout", "string.gsub('abc', '%w', function() while true do end end)"),
        ("5 timeout", "xpcall(function() error('x') end, function() while true do end end)"),
        ("5 timeout", "local mt = {__lt = function() while true do end end}; table.sort({setmetatable({}, mt), setmetatable({}, mt)})"),
        ("5 timeout", "tostring(setmetatable({}, {__tostring = function() while true do end end}))"),
        ("5 timeout", "local x <close> = setmetatable({}, {__close = function() while true do end end}); while true do end"),
        ("5 timeout", "local co = coroutine.wrap(function() local x <close> = setmetatable({}, {__close = function() while true do end end}); table.sort({1, 2, 3}, function() while true do end end) end); co()"),
        ("5 timeout", "load(function() while true do end end)"),
        ("5 timeout", "while true do pcall(function() while true do end end) end"),
        ("5 timeout", "local s = string.rep('a', 5000); s:find('.-.-.-.-.-.-.-b')"),
        ("5 timeout", "local s = string.rep('a', 1e6); s:find('.-b')"),
        ("5 timeout", "local tr = train.Trainer{model = nn.Linear(1, 1), loss = nn.MSECriterion(), data = data.sine{n = 100}, epochs = 1e9}; tr:step(1e9); while true do end"),
        ("5 timeout", "local tr = train.Trainer{model = nn.Linear(1, 1), loss = nn.MSECriterion(), data = data.sine{n = 100}, epochs = 1e9}; tr:stepFor(1e9); while true do end"),
        ("5 timeout", "local a = torch.rand(1400, 1400); while true do torch.mm(a, a) end"),
        ("6 unhandled", "local t = torch.zeros(3); t:free(); return t"),
        ("6 unhandled", "coroutine.yield()"),
        ("10 small", "torch.Tensor(65536, 65536, 65536, 65536)"),
        ("10 small", "local m = nn.Sequential():add(nn.Linear(2, 2)):add(nn.ReLU()); m:backward(torch.zeros(1, 2), torch.zeros(1, 2))"),
        ("10 small", "local a = torch.rand(40, 40); local b = a:clone(); a:mm(a, a); if (a - torch.mm(b, b)):abs():max() > 1e-3 then error('RAN-UNCHECKED: wrong product') end; error('clean')"),
        ("9 files", "torch.save('/tmp/snn-robustness-evil.ckpt', nn.Linear(2, 2)); error('RAN-UNCHECKED')"),
        ("9 files", "torch.save('../snn-robustness-evil.ckpt', nn.Linear(2, 2)); error('RAN-UNCHECKED')"),
        ("9 files", "data.csv('/etc/passwd'); error('RAN-UNCHECKED')"),
    };

    public static void Run()
    {
        var rows = new SortedDictionary<string, (int Tried, int Clean, int Failed, double Late, long Over)>(StringComparer.Ordinal);
        foreach (var (cls, script) in Attacks)
        {
            var options = new LuaHostOptions { Timeout = TimeSpan.FromSeconds(Timeout), MemoryLimit = Cap, Output = TextWriter.Null };
            using var host = new LuaHost(options);
            host.ResetMemoryPeak();
            var sw = Stopwatch.StartNew();
            bool clean, failed = false;
            string what;
            try
            {
                host.Run(script, "attack");
                GC.Collect();
                clean = cls.StartsWith("6");        // returning a freed tensor: nil, no exception
                what = "returned";
            }
            catch (LuaBudgetException e) { clean = true; what = e.Message; }
            catch (LuaScriptException e) { clean = !e.Message.Contains("RAN-UNCHECKED") && !e.Message.Contains("Exception"); failed = !clean; what = e.Message; }
            catch (Exception e) { clean = false; failed = true; what = e.GetType().Name + ": " + e.Message; }
            double late = Math.Max(0, sw.Elapsed.TotalSeconds - Timeout);
            GC.Collect();                            // a longjmp over C# frames shows up here, as a crash
            long over = Math.Max(0, host.MemoryPeak - Cap);
            if (!clean) failed = true;
            if (Environment.GetEnvironmentVariable("SNN_ROBUSTNESS_VERBOSE") != null) Console.WriteLine($"  {cls}: peak {host.MemoryPeak / 1048576.0:F2} MB, {sw.Elapsed.TotalSeconds:F2} s: {what}");
            rows.TryGetValue(cls, out var r);
            rows[cls] = (r.Tried + 1, r.Clean + (clean ? 1 : 0), r.Failed + (failed ? 1 : 0),
                         cls.StartsWith("5") ? Math.Max(r.Late, late) : r.Late, Math.Max(r.Over, over));
        }
        Console.WriteLine($"| class | attacks | clean error or stop | failures | timeout overrun at worst | memory past the cap at worst |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (cls, r) in rows)
            Console.WriteLine($"| {cls} | {r.Tried} | {r.Clean} | {r.Failed} | {(cls.StartsWith("5") ? $"{r.Late * 1000:F0} ms" : "")} | {r.Over / 1024.0:F0} KB |");
        Console.WriteLine($"(timeout {Timeout} s, cap {Cap >> 20} MB; {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription})");
    }
}
