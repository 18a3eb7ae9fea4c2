using System.Diagnostics;
using ScriptableNN.Kernels;
using ScriptableNN.Losses;
using ScriptableNN.Lua;
using ScriptableNN.NN;
using ScriptableNN.Optim;
using ScriptableNN.Tensors;

/// <summary>
/// The cost of a bound method call from Lua (minus an empty loop), the bytes it allocates, and a
/// Lua-driven training loop against the same loop in C#.
/// </summary>
public static class LuaTable
{
    // Times `body` n times against an empty loop of the same length, best of 5: t is the
    // receiver, n the count (a global or an argument, as the caller sets up).
    private static string TimingChunk(string setup, string body) => $@"
            {setup}
            local function run(k) local s = 0; for i = 1, k do {body} end; return s end
            local function empty(k) local s = 0; for i = 1, k do s = s + i end; return s end
            run(1000); empty(1000)
            local best_run, best_empty = math.huge, math.huge
            for rep = 1, 5 do
              local c0 = os.clock(); run(n); local c1 = os.clock(); empty(n); local c2 = os.clock()
              best_run = math.min(best_run, c1 - c0); best_empty = math.min(best_empty, c2 - c1)
            end
            return best_run, best_empty";

    public static double CallNanoseconds(LuaHost host, string body, int n, out long bytes)
    {
        string code = TimingChunk("local t = torch.zeros(3, 4)\n            local n = ...", body);
        host.Run(code, "bench", 10_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var r = host.Run(code, "bench", n);
        bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        return ((double)r[0]! - (double)r[1]!) / n * 1e9;
    }

    /// <summary>ns per call of <paramref name="body"/> in NLua, with t a Tensor handed over as a .NET object.</summary>
    public static double NLuaNanoseconds(string body, int n, out long bytes)
    {
        using var lua = new NLua.Lua();
        lua["t"] = Tensor.Zeros(3, 4);
        string code = TimingChunk($"local n = {n}", body);
        lua.DoString(code);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var r = lua.DoString(code);
        bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        return (Convert.ToDouble(r[0]) - Convert.ToDouble(r[1])) / n * 1e9;
    }

    public static void Run()
    {
        using var host = new LuaHost();
        Console.WriteLine("| Lua call | ns per call (minus empty loop) | bytes allocated over the whole run |");
        Console.WriteLine("|---|---:|---:|");
        foreach (var body in new[] { "s = s + t:size(1)", "s = s + t:nElement()", "s = s + t:dim()" })
        {
            double ns = CallNanoseconds(host, body, 2_000_000, out long bytes);
            Console.WriteLine($"| `{body}` | {ns:F1} | {bytes} |");
        }
        // The peer: the same call through NLua's reflection bridge on the same KeraLua build.
        foreach (var body in new[] { "s = s + t:Size(0)", "s = s + t.Length", "s = s + t.Rank" })
        {
            double ns = NLuaNanoseconds(body, 500_000, out long bytes);
            Console.WriteLine($"| NLua 1.6.0: `{body}` on a Tensor | {ns:F1} | {bytes} |");
        }
        Console.WriteLine();
        Console.WriteLine("| training loop, 784-256-128-10, batch 128, Adam | ms per step | Lua / C# |");
        Console.WriteLine("|---|---:|---:|");
        const int steps = 300;
        double cs = CSharpLoop(steps), lua = LuaLoop(host, steps);
        cs = Math.Min(cs, CSharpLoop(steps)); lua = Math.Min(lua, LuaLoop(host, steps));
        Console.WriteLine($"| C# (forward, backward, step) | {cs * 1e3:F3} | |");
        Console.WriteLine($"| Lua (same calls from a script) | {lua * 1e3:F3} | {lua / cs:F3} |");
    }

    /// <summary>Seconds per step of the Torch7-style loop (forward, backward, Adam) written in C#.</summary>
    public static double CSharpLoop(int steps)
    {
        var rng = new Rng(1);
        var net = new Sequential(new Linear(784, 256, rng: rng), new ReLU(), new Linear(256, 128, rng: rng), new ReLU(), new Linear(128, 10, rng: rng));
        var x = Tensor.Uniform(rng, 0, 1, 128, 784);
        var y = Tensor.FromArray(Enumerable.Range(0, 128).Select(i => (float)(i % 10)).ToArray());
        var ce = new CrossEntropyCriterion();
        var opt = new Adam(net.Parameters());
        void Step()
        {
            opt.ZeroGrad();
            var o = net.Forward(x);
            ce.Forward(o, y);
            net.Backward(x, ce.Backward(o, y));
            opt.Step();
        }
        // Warm up for half a second: tiered compilation promotes the engine's methods only after
        // a delay, and a short warm-up would time tier-0 code against the Lua run that follows.
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed.TotalSeconds < 0.5) Step();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) Step();
        return sw.Elapsed.TotalSeconds / steps;
    }

    /// <summary>Seconds per step of the Torch7-style loop run from a Lua script.</summary>
    public static double LuaLoop(LuaHost host, int steps, int batch = 128)
    {
        var r = host.Run(@"
            local steps, batch = ...
            torch.manualSeed(1)
            local net = nn.Sequential():add(nn.Linear(784, 256)):add(nn.ReLU()):add(nn.Linear(256, 128)):add(nn.ReLU()):add(nn.Linear(128, 10))
            local x = torch.rand(batch, 784)
            local y = torch.Tensor(batch)
            for i = 1, batch do y[i] = (i - 1) % 10 + 1 end
            local ce = nn.CrossEntropyCriterion()
            local opt = optim.Adam(net, {lr = 1e-3})
            local function step()
              opt:zeroGrad()
              local o = net:forward(x)
              ce:forward(o, y)
              net:backward(x, ce:backward(o, y))
              opt:step()
            end
            local warm = torch.Timer()
            while warm:time().real < 0.5 do step() end   -- past tiered compilation's delay
            local timer = torch.Timer()          -- wall clock: os.clock counts both GEMM threads
            for i = 1, steps do step() end
            return timer:time().real / steps", "train", steps, batch);
        return (double)r[0]!;
    }
}
