using ScriptableNN.Lua;
using Spectre.Console;

namespace ScriptableNN.Cli;

/// <summary>`snn run script.lua [args]`.</summary>
internal static class RunCommand
{
    public static int Execute(string script, string[] args, LuaHostOptions options, TextWriter output, TextWriter error, bool plain)
    {
        if (!File.Exists(script))
        {
            error.WriteLine($"snn: script not found: {script}");
            return 2;
        }
        options.SearchPaths.Add(Path.GetDirectoryName(Path.GetFullPath(script))!);
        try
        {
            bool fancy = !plain && output == Console.Out && !Console.IsOutputRedirected
                && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));
            // A print after a progress line that was redrawn in place starts on a line of its own.
            if (fancy) options.Output = new AfterProgressWriter(options.Output);
            using var host = new LuaHost(options);
            host.Progress = fancy ? p => FancyProgress(p) : p => output.WriteLine(PlainProgress(p));
            host.AgentProgress = fancy ? p => FancyAgentProgress(p) : p => output.WriteLine(PlainAgentProgress(p));
            host.RunFile(script, args.Cast<object?>().ToArray());
            if (AfterProgressWriter.LineOpen) { output.WriteLine(); AfterProgressWriter.LineOpen = false; }
            return 0;
        }
        catch (LuaScriptException e)
        {
            SnnApp.ReportScriptError(e, error);
            return 1;
        }
    }

    /// <summary>One line per epoch: what CI logs and redirected output get.</summary>
    public static string PlainProgress(TrainingProgress p)
    {
        var s = $"epoch {p.Epoch}/{p.Epochs}  loss {p.Loss:F6}";
        if (p.Accuracy is { } a) s += $"  accuracy {a:F4}";
        if (p.ValidationLoss is { } vl) s += $"  val_loss {vl:F6}";
        if (p.ValidationAccuracy is { } va) s += $"  val_accuracy {va:F4}";
        return s;
    }

    /// <summary>One line per report of agent:learn: Stable-Baselines3's rollout figures and the last losses.</summary>
    public static string PlainAgentProgress(AgentProgress p)
    {
        var s = $"{p.Algorithm} steps {p.Steps}/{p.TotalSteps}";
        if (!double.IsNaN(p.MeanReturn)) s += $"  ep_rew_mean {p.MeanReturn:F2}  ep_len_mean {p.MeanLength:F1}";
        if (!double.IsNaN(p.StepsPerSecond)) s += $"  fps {p.StepsPerSecond:F0}";
        foreach (var key in new[] { "train/loss", "train/policy_gradient_loss", "train/value_loss", "train/entropy_loss", "train/approx_kl", "rollout/exploration_rate" })
            if (p.Metrics.TryGetValue(key, out var v)) s += $"  {key[(key.IndexOf('/') + 1)..]} {v:G4}";
        return s;
    }

    private static void FancyAgentProgress(AgentProgress p)
    {
        const int width = 24;
        int filled = p.TotalSteps > 0 ? (int)Math.Min(width, p.Steps * width / p.TotalSteps) : width;
        string bar = new string('━', filled) + new string('─', width - filled);
        var line = $"[grey]{p.Algorithm}[/] [bold]{p.Steps,8}/{p.TotalSteps}[/] [green]{bar}[/]";
        if (!double.IsNaN(p.MeanReturn)) line += $" return [yellow]{p.MeanReturn:F1}[/] length [yellow]{p.MeanLength:F0}[/]";
        if (!double.IsNaN(p.StepsPerSecond)) line += $" [grey]{p.StepsPerSecond:F0} steps/s[/]";
        AnsiConsole.Markup("\r" + line + "   ");
        AfterProgressWriter.LineOpen = true;
        if (p.Steps >= p.TotalSteps) { AnsiConsole.WriteLine(); AfterProgressWriter.LineOpen = false; }
    }

    private static void FancyProgress(TrainingProgress p)
    {
        const int width = 24;
        int filled = p.Epochs > 0 ? Math.Min(width, p.Epoch * width / p.Epochs) : width;
        string bar = new string('━', filled) + new string('─', width - filled);
        var line = $"[grey]epoch[/] [bold]{p.Epoch,4}/{p.Epochs}[/] [green]{bar}[/] loss [yellow]{p.Loss:F5}[/]";
        if (p.Accuracy is { } a) line += $" acc [yellow]{a:P1}[/]";
        if (p.ValidationLoss is { } vl) line += $" val_loss [yellow]{vl:F5}[/]";
        if (p.ValidationAccuracy is { } va) line += $" val_acc [yellow]{va:P1}[/]";
        bool last = p.Epoch >= p.Epochs;
        // Redraw one line while training; keep every tenth epoch and the last in the scrollback.
        AnsiConsole.Markup("\r" + line.Replace("%", "%%") + "   ");
        AfterProgressWriter.LineOpen = true;
        if (last || p.Epoch % Math.Max(1, p.Epochs / 10) == 0) { AnsiConsole.WriteLine(); AfterProgressWriter.LineOpen = false; }
    }

    /// <summary>Ends an open progress line before the script prints (early stopping leaves one open).</summary>
    private sealed class AfterProgressWriter(TextWriter inner) : TextWriter
    {
        public static bool LineOpen;
        public override System.Text.Encoding Encoding => inner.Encoding;
        public override void Write(char value) { EndLine(); inner.Write(value); }
        public override void Write(string? value) { EndLine(); inner.Write(value); }
        public override void WriteLine(string? value) { EndLine(); inner.WriteLine(value); }
        public override void Flush() => inner.Flush();
        private void EndLine()
        {
            if (!LineOpen) return;
            LineOpen = false;
            inner.WriteLine();
        }
    }
}
