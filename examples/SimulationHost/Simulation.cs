using System.Diagnostics;
using ScriptableNN.Tensors;

namespace SimulationHost;

/// <summary>What a run is asked to do.</summary>
/// <param name="Mode">"imitate": learn from the expert; "rl": learn from the script's reward, no expert.</param>
/// <param name="LearnFrames">RL mode: frames of learning before the learned policy is scored.</param>
/// <param name="ScoreEpisodes">RL mode: episodes the learned policy is scored on at least, past <c>Frames</c> if it took over late.</param>
public sealed record SimulationOptions(int Frames = 3000, int Agents = 32, double BudgetMs = 4, int EpisodeFrames = 240,
    double SwitchError = 0.02, int MinExpertFrames = 720, int Seed = 1, string Script = "behaviour.lua", int ReportEvery = 250,
    string Mode = "imitate", int LearnFrames = 20000, int ScoreEpisodes = 2);

/// <summary>What a run measured.</summary>
public sealed record SimulationReport(double ExpertSuccess, double LearnedSuccess, int SwitchFrame, double P50Ms, double P99Ms,
    double StepsPerTrainingFrame, List<(int Frame, double Error)> ValidationErrors, int Reloads)
{
    /// <summary>RL mode: the 99th percentile of how far a frame's training call ran past its budget, in ms.</summary>
    public double P99OvershootMs { get; init; }
    /// <summary>RL mode: the learner's success share per world episode while learning.</summary>
    public List<(int Frame, double Success)> LearningSuccess { get; init; } = new();
    /// <summary>Bytes allocated on the frame thread by the learned-policy frames (inference and world step).</summary>
    public long LearnedFrameBytes { get; init; }
}

/// <summary>
/// The frame loop: the expert drives while the script learns from it between frames within a
/// per-frame budget; once the policy's validation error is low it is compiled and drives the
/// agents, one allocation-free inference per agent per frame.
/// </summary>
public sealed class Simulation : IDisposable
{
    private readonly SimulationOptions _o;
    private readonly TextWriter _out;
    public readonly World World;
    public readonly Behaviour Behaviour;
    private readonly float[] _actions;
    private readonly float[] _obs = new float[World.Features];

    public Simulation(SimulationOptions options, TextWriter output)
    {
        _o = options;
        _out = output;
        World = new World(options.Agents, options.Seed);
        Behaviour = new Behaviour(options.Script, options.Agents, output);
        _actions = new float[options.Agents * World.Actions];
    }

    /// <summary>One frame of inference: every agent's action from the compiled policy. Allocates nothing.</summary>
    public void ActLearned()
    {
        var policy = Behaviour.Policy!;
        for (int i = 0; i < World.Agents; i++)
        {
            World.Observe(i, _obs);
            policy.Run(_obs, _actions.AsSpan(2 * i, 2));
        }
    }

    private void ActExpert()
    {
        var s = Behaviour.States.Span; var a = Behaviour.Actions.Span;
        for (int i = 0; i < World.Agents; i++)
        {
            World.Observe(i, s.Slice(i * World.Features, World.Features));
            World.Expert(i, a.Slice(i * World.Actions, World.Actions));
        }
        a.CopyTo(_actions);
    }

    public SimulationReport Run() => _o.Mode == "rl" ? RunRL() : RunImitation();

    // Each report line: the frame-time percentiles of the window and the collections it saw.
    private int _gc0, _gc1, _gc2;
    private string GcWindow()
    {
        int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
        var s = $"gc {g0 - _gc0}/{g1 - _gc1}/{g2 - _gc2}";
        (_gc0, _gc1, _gc2) = (g0, g1, g2);
        return s;
    }

    private void ObserveAll(Tensor into)
    {
        var s = into.Span;
        for (int i = 0; i < World.Agents; i++) World.Observe(i, s.Slice(i * World.Features, World.Features));
    }

    /// <summary>
    /// RL mode: first the expert drives a few episodes (its success rate is the yardstick); then
    /// the script's agent acts every frame, is told what its actions brought (it computes the
    /// reward itself, in Lua), and trains within the frame budget. An agent that reaches its target
    /// starts again elsewhere at once; at each episode's end every agent is cut off (truncated) and
    /// the world restarts. While an update waits for training the world holds still, so a rerun
    /// with the same seed gives the same weights however long the frames took. After
    /// <see cref="SimulationOptions.LearnFrames"/> frames the policy is compiled and scored on
    /// ordinary episodes, one allocation-free inference per agent per frame.
    /// </summary>
    private SimulationReport RunRL()
    {
        int agents = World.Agents;
        var frameMs = new List<double>(_o.Frames);
        var overshoot = new List<double>();
        var learning = new List<(int, double)>();
        var final = Tensor.Zeros(agents, World.Features);
        var reached = new bool[agents];
        var sw = new Stopwatch();
        double budget = _o.BudgetMs / 1000.0;
        int expertEpisodes = Math.Max(1, Math.Min(4, _o.Frames / (4 * _o.EpisodeFrames)));
        double expertSum = 0, learnedSum = 0;
        int learnedEpisodes = 0, episodeFrame = 0, switchFrame = -1, successes = 0, attempts = 0;
        long trainSteps = 0; int trainFrames = 0;
        long learnedBytes = 0;
        int worldFrames = 0;                 // frames in which the world moved: the experience gathered
        (_gc0, _gc1, _gc2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));

        // The yardstick: the expert's success on the first episodes.
        for (int e = 0; e < expertEpisodes; e++)
        {
            for (int f = 0; f < _o.EpisodeFrames; f++) { ActExpert(); World.Step(_actions, f); }
            expertSum += World.SuccessShare();
            World.StartEpisode();
        }
        double expert = expertSum / expertEpisodes;
        _out.WriteLine($"expert: {100 * expert:F1}% of agents reach their targets ({expertEpisodes} episodes)");

        void Report(int frame, bool learned)
        {
            if ((frame + 1) % _o.ReportEvery != 0) return;
            var window = frameMs.Skip(Math.Max(0, frameMs.Count - _o.ReportEvery)).OrderBy(v => v).ToArray();
            var over = overshoot.Skip(Math.Max(0, overshoot.Count - _o.ReportEvery)).OrderBy(v => v).ToArray();
            _out.WriteLine($"frame {frame + 1,6}  {(learned ? "learned" : "learning"),-8}  success {(learning.Count > 0 ? 100 * learning[^1].Item2 : 0),5:F1}%  " +
                           $"frame ms p50 {Percentile(window, 0.5):F2} p99 {Percentile(window, 0.99):F2}  overshoot p99 {Percentile(over, 0.99):F2} ms  {GcWindow()}");
        }

        // Past Frames, a run whose policy took over late (training held the world still for many
        // frames on a slow or busy machine) goes on until ScoreEpisodes episodes are scored.
        for (int frame = 0; frame < _o.Frames || (switchFrame > 0 && learnedEpisodes < _o.ScoreEpisodes && frame < 2 * _o.Frames); frame++)
        {
            sw.Restart();
            bool learned = Behaviour.Policy != null;
            if (learned)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                ActLearned();
                World.Step(_actions, worldFrames++);
                learnedBytes += GC.GetAllocatedBytesForCurrentThread() - before;
            }
            else
            {
                var t0 = Stopwatch.GetTimestamp();
                var (took, pending) = Behaviour.TrainRL(budget);
                trainSteps += took;
                double trained = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                trainFrames++;
                overshoot.Add(Math.Max(0, trained - budget) * 1000);
                if (pending) { frameMs.Add(sw.Elapsed.TotalMilliseconds); Report(frame, false); continue; }   // the world holds still
                ObserveAll(Behaviour.States);
                if (!Behaviour.Act(_actions)) Array.Clear(_actions);
                World.Step(_actions, worldFrames++);
                bool end = episodeFrame + 1 == _o.EpisodeFrames;
                var fs = final.Span;
                for (int i = 0; i < agents; i++)
                {
                    reached[i] = World.Reached[i];
                    World.Observe(i, fs.Slice(i * World.Features, World.Features));
                    if (reached[i]) { successes++; attempts++; World.Respawn(i); }
                }
                ObserveAll(Behaviour.States);
                Behaviour.Observe(final, reached, end);
            }
            frameMs.Add(sw.Elapsed.TotalMilliseconds);

            if (++episodeFrame == _o.EpisodeFrames)
            {
                if (learned) { learnedSum += World.SuccessShare(); learnedEpisodes++; }
                else
                {
                    attempts += agents - CountReached();
                    learning.Add((worldFrames, attempts > 0 ? (double)successes / attempts : 0));
                    successes = attempts = 0;
                }
                World.StartEpisode();
                episodeFrame = 0;
                if (!learned && worldFrames >= _o.LearnFrames)
                {
                    Behaviour.CompilePolicy();
                    switchFrame = frame + 1;
                    _out.WriteLine($"frame {frame + 1}: the learned policy drives after {worldFrames} frames of experience (success while learning {100 * learning[^1].Item2:F1}%)");
                }
            }
            Report(frame, learned);
        }
        var sorted = frameMs.OrderBy(v => v).ToArray();
        var overs = overshoot.OrderBy(v => v).ToArray();
        return new SimulationReport(expert, learnedEpisodes > 0 ? learnedSum / learnedEpisodes : 0, switchFrame,
            Percentile(sorted, 0.5), Percentile(sorted, 0.99), trainFrames > 0 ? (double)trainSteps / trainFrames : 0, new(), Behaviour.Reloads)
        { P99OvershootMs = Percentile(overs, 0.99), LearningSuccess = learning, LearnedFrameBytes = learnedBytes };
    }

    private int CountReached()
    {
        int n = 0;
        foreach (var r in World.Reached) if (r) n++;
        return n;
    }

    private SimulationReport RunImitation()
    {
        var frameMs = new List<double>(_o.Frames);
        var errors = new List<(int, double)>();
        double expertSum = 0, learnedSum = 0;
        int expertEpisodes = 0, learnedEpisodes = 0, episodeFrame = 0, switchFrame = -1;
        long trainSteps = 0; int trainFrames = 0;
        double lastError = double.PositiveInfinity;
        var sw = new Stopwatch();
        // Past Frames, a run whose policy took over late (training held the world still for many
        // frames on a slow or busy machine) goes on until ScoreEpisodes episodes are scored.
        for (int frame = 0; frame < _o.Frames || (switchFrame > 0 && learnedEpisodes < _o.ScoreEpisodes && frame < 2 * _o.Frames); frame++)
        {
            sw.Restart();
            bool learned = Behaviour.Policy != null;
            if (learned) ActLearned();
            else
            {
                ActExpert();
                Behaviour.Collect();
                long steps = Behaviour.Train(_o.BudgetMs / 1000.0);
                trainSteps += steps; trainFrames++;
            }
            World.Step(_actions, frame);
            frameMs.Add(sw.Elapsed.TotalMilliseconds);

            if (++episodeFrame == _o.EpisodeFrames)
            {
                if (learned) { learnedSum += World.SuccessShare(); learnedEpisodes++; }
                else { expertSum += World.SuccessShare(); expertEpisodes++; }
                World.StartEpisode();
                episodeFrame = 0;
                if (!learned)
                {
                    lastError = Behaviour.ValidationError();
                    errors.Add((frame + 1, lastError));
                    // Switch at an episode boundary, so each episode is scored under one driver.
                    bool lastChance = frame + 1 >= _o.Frames / 2;
                    if ((lastError < _o.SwitchError && frame + 1 >= _o.MinExpertFrames) || lastChance)
                    {
                        Behaviour.CompilePolicy();
                        switchFrame = frame + 1;
                        _out.WriteLine($"frame {frame + 1}: the learned policy takes over (validation error {lastError:F4})");
                    }
                }
            }
            if (frame % 30 == 29) Behaviour.ReloadIfChanged();
            if ((frame + 1) % _o.ReportEvery == 0)
            {
                var window = frameMs.Skip(Math.Max(0, frameMs.Count - _o.ReportEvery)).OrderBy(v => v).ToArray();
                _out.WriteLine($"frame {frame + 1,5}  {(learned ? "learned" : "expert "),-7}  steps/frame {(trainFrames > 0 ? (double)trainSteps / trainFrames : 0),6:F1}  " +
                               $"frame ms p50 {Percentile(window, 0.5):F2} p99 {Percentile(window, 0.99):F2}  validation error {lastError:F4}  {GcWindow()}");
            }
        }
        var sorted = frameMs.OrderBy(v => v).ToArray();
        return new SimulationReport(expertEpisodes > 0 ? expertSum / expertEpisodes : 0, learnedEpisodes > 0 ? learnedSum / learnedEpisodes : 0,
            switchFrame, Percentile(sorted, 0.5), Percentile(sorted, 0.99), trainFrames > 0 ? (double)trainSteps / trainFrames : 0, errors, Behaviour.Reloads);
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    public void Dispose() => Behaviour.Dispose();
}
