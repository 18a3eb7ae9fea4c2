using SimulationHost;

// dotnet run --project examples/SimulationHost -- --frames 3000 [--agents 32] [--budget-ms 4] [--script behaviour.lua]
// dotnet run --project examples/SimulationHost -- --mode rl --frames 60000 --learn-frames 50000 --budget-ms 2
var o = new SimulationOptions(Script: Path.Combine(AppContext.BaseDirectory, "behaviour.lua"));
for (int i = 0; i + 1 < args.Length; i += 2)
{
    o = args[i] switch
    {
        "--frames" => o with { Frames = int.Parse(args[i + 1]) },
        "--agents" => o with { Agents = int.Parse(args[i + 1]) },
        "--budget-ms" => o with { BudgetMs = double.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) },
        "--script" => o with { Script = args[i + 1] },
        "--seed" => o with { Seed = int.Parse(args[i + 1]) },
        "--mode" => o with { Mode = args[i + 1], Script = args[i + 1] == "rl" && o.Script.EndsWith("behaviour.lua") ? Path.Combine(AppContext.BaseDirectory, "behaviour_rl.lua") : o.Script },
        "--learn-frames" => o with { LearnFrames = int.Parse(args[i + 1]) },
        _ => throw new ArgumentException($"unknown option {args[i]} (--frames, --agents, --budget-ms, --script, --seed, --mode imitate|rl, --learn-frames)"),
    };
}
Console.WriteLine($"simulation: {o.Mode} mode, {o.Agents} agents, {o.Frames} frames, training budget {o.BudgetMs} ms per frame, script {o.Script}");
using var sim = new Simulation(o, Console.Out);
var r = sim.Run();
Console.WriteLine();
Console.WriteLine($"validation error by episode: {string.Join(" ", r.ValidationErrors.Select(e => $"{e.Frame}:{e.Error:F4}"))}");
Console.WriteLine($"training steps per training frame: {r.StepsPerTrainingFrame:F1}");
Console.WriteLine($"frame time: p50 {r.P50Ms:F2} ms, p99 {r.P99Ms:F2} ms (budget {o.BudgetMs} ms + 1 ms = {o.BudgetMs + 1} ms)");
if (o.Mode == "rl") Console.WriteLine($"training past its budget: p99 {r.P99OvershootMs:F2} ms; learned-policy frames allocated {r.LearnedFrameBytes} bytes");
Console.WriteLine($"agents reaching their targets: expert {100 * r.ExpertSuccess:F1}%, learned policy {100 * r.LearnedSuccess:F1}% " +
                  $"({(r.ExpertSuccess > 0 ? 100 * r.LearnedSuccess / r.ExpertSuccess : 0):F1}% of the expert), learned policy from frame {r.SwitchFrame}");
return 0;
