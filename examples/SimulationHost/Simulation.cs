using System.Diagnostics;

namespace SimulationHost;

/// <summary>What a run is asked to do.</summary>
public sealed record SimulationOptions(int Frames = 3000, int Agents = 32, double BudgetMs = 4, int EpisodeFrames = 240,
    double SwitchError = 0.02, int MinExpertFrames = 720, int Seed = 1, string Script = "behaviour.lua", int ReportEvery = 250);

/// <summary>What a run measured.</summary>
public sealed record SimulationReport(double ExpertSuccess, double LearnedSuccess, int SwitchFrame, double P50Ms, double P99Ms,
    double StepsPerTrainingFrame, List<(int Frame, double Error)> ValidationErrors, int Reloads);

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

    public SimulationReport Run()
    {
        var frameMs = new List<double>(_o.Frames);
        var errors = new List<(int, double)>();
        double expertSum = 0, learnedSum = 0;
        int expertEpisodes = 0, learnedEpisodes = 0, episodeFrame = 0, switchFrame = -1;
        long trainSteps = 0; int trainFrames = 0;
        double lastError = double.PositiveInfinity;
        var sw = new Stopwatch();
        for (int frame = 0; frame < _o.Frames; frame++)
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
                               $"frame ms p50 {Percentile(window, 0.5):F2} p99 {Percentile(window, 0.99):F2}  validation error {lastError:F4}");
            }
        }
        var sorted = frameMs.OrderBy(v => v).ToArray();
        return new SimulationReport(expertEpisodes > 0 ? expertSum / expertEpisodes : 0, learnedEpisodes > 0 ? learnedSum / learnedEpisodes : 0,
            switchFrame, Percentile(sorted, 0.5), Percentile(sorted, 0.99), trainFrames > 0 ? (double)trainSteps / trainFrames : 0, errors, Behaviour.Reloads);
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    public void Dispose() => Behaviour.Dispose();
}
