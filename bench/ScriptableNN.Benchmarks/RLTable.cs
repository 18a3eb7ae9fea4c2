using System.Diagnostics;
using System.Text.Json.Nodes;
using ScriptableNN.Kernels;
using ScriptableNN.RL;
using ScriptableNN.Tensors;

/// <summary>
/// `rl [seeds]`: the reinforcement-learning targets of the README, measured in one run: PPO and DQN
/// on CartPole-v1 and PPO on Pendulum-v1 with the hyperparameters of scripts/cartpole_ppo.lua,
/// scripts/cartpole_dqn.lua and scripts/pendulum_ppo.lua, each over several seeds and evaluated as
/// Stable-Baselines3's evaluate_policy does (100 greedy episodes on fresh copies); then PPO's
/// environment steps per second, training included, side by side with the same PPO in PyTorch
/// (bench/ppo_cartpole_torch.py, the environment in NumPy).
/// </summary>
static class RLTable
{
    public static void Run(string[] args)
    {
        int seeds = args.Length > 1 && int.TryParse(args[1], out var s) ? s : 5;
        Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {Peak.Flags()}; GEMM kernel {Gemm.Kernel}, .NET {Environment.Version}");
        Console.WriteLine();
        if (args.Length > 1 && args[1] == "speed") { Speed(); return; }
        Console.WriteLine("| Task | Seed | Steps | Wall time | Steps/s | Mean return (100 episodes) | Target |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        int ppoOk = 0, dqnOk = 0, pendOk = 0;
        for (int seed = 1; seed <= seeds; seed++)
        {
            var ppo = CartPolePpo((ulong)seed);
            var (t, ret) = Train(ppo, 100_000, new VectorEnvironment(4, _ => new CartPole()), seed);
            if (ret >= 475) ppoOk++;
            Row("PPO CartPole-v1", seed, ppo.Steps, t, ret, ">= 475 at 100k");
        }
        for (int seed = 1; seed <= seeds; seed++)
        {
            // The zoo runs 50k steps; where that falls short, learning goes on (epsilon at its
            // floor) to 100k, evaluated every 10k: the first evaluation at 475 or more counts.
            var dqn = CartPoleDqn((ulong)seed);
            var eval = new VectorEnvironment(4, _ => new CartPole());
            var (t, ret) = Train(dqn, 50_000, eval, seed);
            while (ret < 475 && dqn.Steps < 100_000)
            {
                var sw = Stopwatch.StartNew();
                dqn.Step(10_000);
                t += sw.Elapsed.TotalSeconds;
                ret = dqn.Evaluate(eval, 100, seed: 1000 + (ulong)seed).Mean;
            }
            if (ret >= 475) dqnOk++;
            Row("DQN CartPole-v1", seed, dqn.Steps, t, ret, ">= 475 within 100k");
        }
        for (int seed = 1; seed <= seeds; seed++)
        {
            var (pi, v) = PPO.DefaultNetworks(3, 1, rng: new Rng((ulong)seed));
            var agent = new PPO(pi, v, 4, 3, 0, 1, new PpoSettings { NSteps = 1024, BatchSize = 64, NEpochs = 10, Gamma = 0.9f, GaeLambda = 0.95f, LearningRate = 1e-3f, Seed = (ulong)seed })
                { Environment = new VectorEnvironment(4, _ => new Pendulum()) };
            var (t, ret) = Train(agent, 200_000, new VectorEnvironment(4, _ => new Pendulum()), seed);
            if (ret >= -250) pendOk++;
            Row("PPO Pendulum-v1", seed, agent.Steps, t, ret, ">= -250 at 200k");
        }
        Console.WriteLine();
        Console.WriteLine($"Seeds meeting the target: PPO CartPole {ppoOk}/{seeds} (needs 4 of 5), DQN CartPole {dqnOk}/{seeds} (3 of 5), PPO Pendulum {pendOk}/{seeds} (3 of 5).");

        Console.WriteLine();
        Speed();
    }

    // Speed: the CartPole PPO, ours and PyTorch's, same hyperparameters: 5,120 steps to warm up
    // (JIT, allocators), then 50,000 timed steps of the same run.
    private const int Warmup = 5_120, Timed = 50_000;
    private static void Speed()
    {
        var speed = CartPolePpo(1);
        speed.TotalSteps = Warmup + Timed;
        speed.Step(Warmup / 8);
        var timer = Stopwatch.StartNew();
        speed.Step(Timed / 8);
        double ours = Timed / timer.Elapsed.TotalSeconds;
        var torch = TorchPpo(Timed);
        Console.WriteLine("| PPO CartPole-v1, 8 environments, training included | Environment steps per second |");
        Console.WriteLine("|---|---|");
        Console.WriteLine($"| ScriptableNN (C#) | {ours:F0} |");
        if (torch is { } tr)
        {
            Console.WriteLine($"| PyTorch {tr["torch"]} ({tr["threads"]} thread(s)), NumPy environment | {(double)tr["steps_per_second"]!:F0} |");
            Console.WriteLine($"| ratio | {ours / (double)tr["steps_per_second"]!:F1}x |");
        }
        else Console.WriteLine("| PyTorch | not available (/usr/bin/python3 with torch and numpy) |");
    }

    private static PPO CartPolePpo(ulong seed)
    {
        var (pi, v) = PPO.DefaultNetworks(4, 2, rng: new Rng(seed));
        var s = new PpoSettings { NSteps = 32, BatchSize = 256, GaeLambda = 0.8f, Gamma = 0.98f, NEpochs = 20, LearningRate = 1e-3f,
            AnnealLearningRate = true, ClipRange = 0.2f, AnnealClipRange = true, Seed = seed };
        return new PPO(pi, v, 8, 4, 2, 1, s) { Environment = new VectorEnvironment(8, _ => new CartPole()) };
    }

    private static DQN CartPoleDqn(ulong seed)
    {
        var q = DQN.DefaultNetwork(4, 2, new[] { 256, 256 }, new Rng(seed));
        var s = new DqnSettings { LearningRate = 2.3e-3f, BatchSize = 64, BufferSize = 100_000, LearningStarts = 1000, Gamma = 0.99f,
            TargetUpdateInterval = 10, TrainFreq = 256, GradientSteps = 128, ExplorationFraction = 0.16f, ExplorationFinalEps = 0.04f, Seed = seed };
        return new DQN(q, 1, 4, 2, s) { Environment = new VectorEnvironment(1, _ => new CartPole()) };
    }

    private static (double Seconds, double Return) Train(Agent agent, long steps, VectorEnvironment eval, int seed)
    {
        var sw = Stopwatch.StartNew();
        agent.Learn(steps);
        double t = sw.Elapsed.TotalSeconds;
        return (t, agent.Evaluate(eval, 100, seed: 1000 + (ulong)seed).Mean);
    }

    private static void Row(string task, int seed, long steps, double seconds, double ret, string target) =>
        Console.WriteLine($"| {task} | {seed} | {steps} | {seconds:F1} s | {steps / seconds:F0} | {ret:F1} | {target} |");

    private static JsonObject? TorchPpo(int steps)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "bench", "ppo_cartpole_torch.py");
        if (!File.Exists(script) || !File.Exists("/usr/bin/python3")) return null;
        JsonObject? best = null;
        foreach (int threads in new[] { 1, 2 })
        {
            var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add(script); psi.ArgumentList.Add(steps.ToString()); psi.ArgumentList.Add("1"); psi.ArgumentList.Add(Warmup.ToString());
            psi.Environment["OMP_NUM_THREADS"] = threads.ToString();
            psi.Environment["OPENBLAS_NUM_THREADS"] = threads.ToString();
            using var p = Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd();
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) { Console.Error.WriteLine($"PyTorch PPO failed ({threads} threads): {err}"); continue; }
            var r = JsonNode.Parse(output)!.AsObject();
            if (best == null || (double)r["steps_per_second"]! > (double)best["steps_per_second"]!) best = r;
        }
        return best;
    }
}
