using System.CommandLine;
using ScriptableNN.Lua;

namespace ScriptableNN.Cli;

/// <summary>The `snn` tool: run a script, run spec suites, or an interactive prompt.</summary>
public static class SnnApp
{
    /// <summary>Runs the tool with <paramref name="args"/>; returns the exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("snn: train and test neural networks from Lua scripts (ScriptableNN).");

        var script = new Argument<string>("script") { Description = "The Lua script to run." };
        var scriptArgs = new Argument<string[]>("args") { Description = "Arguments for the script (as ... and arg).", Arity = ArgumentArity.ZeroOrMore };
        var allowIo = new Option<bool>("--allow-io") { Description = "Grant the full io and os libraries (the sandbox keeps them out)." };
        var trusted = new Option<bool>("--trusted") { Description = "Trusted code: no sandbox, Lua's whole standard library (io, os, package, debug, loadfile); budgets may not hold against it." };
        var timeout = new Option<double?>("--timeout") { Description = "Stop the script after this many seconds." };
        var memory = new Option<long?>("--memory") { Description = "Cap the script's memory (Lua's heap plus tensor storage) at this many megabytes." };
        var read = new Option<string[]>("--read") { Description = "Also let the script read files under this folder (repeatable).", AllowMultipleArgumentsPerToken = false };
        var write = new Option<string[]>("--write") { Description = "Also let the script write (and read) files under this folder (repeatable)." };
        var seed = new Option<ulong>("--seed") { Description = "Seed of torch's global generator (default 0)." };
        var plain = new Option<bool>("--plain") { Description = "Plain progress lines even on a terminal." };
        var log = new Option<string?>("--log") { Description = "Write each train.fit's history (history.csv and TensorBoard events) into this folder." };
        var run = new Command("run", "Run a training script.") { script, scriptArgs, allowIo, timeout, memory, seed, plain, read, write, log, trusted };
        run.SetAction(r =>
        {
            var o = Roots(Options(r.GetValue(allowIo) || r.GetValue(trusted), r.GetValue(timeout), r.GetValue(memory), r.GetValue(seed), output), r.GetValue(read), r.GetValue(write), r.GetValue(script));
            if (r.GetValue(trusted)) o.Sandbox = false;
            if (r.GetValue(log) is { } dir) { o.LogDirectory = Path.GetFullPath(dir); o.WriteRoots.Add(o.LogDirectory); }
            return RunCommand.Execute(r.GetValue(script)!, r.GetValue(scriptArgs) ?? Array.Empty<string>(), o, output, error, r.GetValue(plain));
        });

        var paths = new Argument<string[]>("paths") { Description = "Spec files or folders (default: spec, or scripts/spec).", Arity = ArgumentArity.ZeroOrMore };
        var junit = new Option<string?>("--junit") { Description = "Also write the results as JUnit XML to this file." };
        var allowEmpty = new Option<bool>("--allow-empty") { Description = "Pass a spec file that defines no tests (by default it fails)." };
        var tags = new Option<string[]>("--tags", "-t") { Description = "Only tests whose name (or a describe's) holds one of these #tags (comma-separated or repeated)." };
        var excludeTags = new Option<string[]>("--exclude-tags") { Description = "Skip tests holding one of these #tags." };
        var filter = new Option<string[]>("--filter") { Description = "Only tests whose full name matches one of these Lua patterns." };
        var filterOut = new Option<string[]>("--filter-out") { Description = "Skip tests whose full name matches one of these Lua patterns." };
        var pattern = new Option<string?>("--pattern", "-p") { Description = "Only spec files whose name matches this Lua pattern (busted's default in a .busted project: _spec)." };
        var runTask = new Option<string?>("--run", "-r") { Description = "The task of the project's .busted file to take options from (default: its `default`)." };
        var format = new Option<string?>("--output", "-o") { Description = "Output format: TAP or json (as busted writes them), junit (JUnit XML on stdout), or the default terminal listing." };
        var shuffle = new Option<bool>("--shuffle") { Description = "Run files and tests in a shuffled order (busted's --shuffle-files and --shuffle-tests)." };
        var shuffleFiles = new Option<bool>("--shuffle-files") { Description = "Run the spec files in a shuffled order." };
        var shuffleTests = new Option<bool>("--shuffle-tests") { Description = "Run each block's tests and blocks in a shuffled order." };
        var specSeed = new Option<long?>("--seed") { Description = "The seed of shuffled orders and of randomize() (default: drawn from the clock); the same seed gives busted's order." };
        var repeat = new Option<int>("--repeat") { Description = "Run the whole suite this many times.", DefaultValueFactory = _ => 1 };
        var outputOptions = new Option<string[]>("-Xoutput") { Description = "An option for the output handler, as busted passes it: --color or --plain for utfTerminal (default: colours on a terminal)." };
        var test = new Command("test", "Run Lua spec suites (busted style) and report N passed, N failed.") { paths, junit, allowIo, timeout, memory, allowEmpty, read, write, trusted, tags, excludeTags, filter, filterOut, pattern, runTask, format, shuffle, shuffleFiles, shuffleTests, specSeed, repeat, outputOptions };
        // busted's module path from the project's root: ./src/?.lua and ./src/?/init.lua after ./?.lua.
        test.SetAction(r => TestCommand.Execute(r.GetValue(paths) ?? Array.Empty<string>(), r.GetValue(junit),
            file =>
            {
                var o = Roots(Options(r.GetValue(allowIo) || r.GetValue(trusted), r.GetValue(timeout), r.GetValue(memory), 0, output), r.GetValue(read), r.GetValue(write), file);
                o.SearchPaths.Add(Path.Combine(Directory.GetCurrentDirectory(), "src"));
                if (r.GetValue(trusted)) o.Sandbox = false;
                return o;
            },
            output, error, r.GetValue(allowEmpty),
            Selection(r.GetValue(tags), r.GetValue(excludeTags), r.GetValue(filter), r.GetValue(filterOut), r.GetValue(shuffle) || r.GetValue(shuffleTests), r.GetValue(specSeed)),
            r.GetValue(pattern), r.GetValue(runTask), r.GetValue(format), r.GetValue(shuffle) || r.GetValue(shuffleFiles), r.GetValue(repeat),
            r.GetValue(outputOptions), !Console.IsOutputRedirected));

        var dir = new Argument<string>("dir") { Description = "A folder written by snn run --log (or its history.csv)." };
        var plot = new Command("plot", "Draw a logged run's loss and accuracy curves (curves.png, curves.svg).") { dir };
        plot.SetAction(r => PlotCommand.Execute(r.GetValue(dir)!, output, error));

        var repl = new Command("repl", "An interactive Lua prompt with torch, nn and optim loaded.") { allowIo };
        repl.SetAction(r => ReplCommand.Execute(Options(r.GetValue(allowIo), null, null, 0, output), Console.In, output, error));

        // Our own --version: the default one reports the entry assembly, which is not snn when embedded.
        for (int i = root.Options.Count - 1; i >= 0; i--) if (root.Options[i] is VersionOption) root.Options.RemoveAt(i);
        var version = new Option<bool>("--version") { Description = "Show the version of snn and the engine." };
        root.Options.Add(version);
        root.SetAction(r =>
        {
            if (!r.GetValue(version)) { output.WriteLine("snn: give a command (run, test, repl); see snn --help."); return 2; }
            var v = typeof(SnnApp).Assembly.GetName().Version!;
            output.WriteLine($"snn {v.Major}.{v.Minor}.{v.Build} (ScriptableNN engine {typeof(ScriptableNN.Tensors.Tensor).Assembly.GetName().Version}, Lua 5.4, .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}, GEMM kernel {ScriptableNN.Kernels.Gemm.Detected})");
            return 0;
        });
        root.Subcommands.Add(run);
        root.Subcommands.Add(test);
        root.Subcommands.Add(repl);
        root.Subcommands.Add(plot);
        var parse = root.Parse(args);
        return parse.Invoke(new InvocationConfiguration { Output = output, Error = error });
    }

    // busted's selection flags; none given: every test runs.
    private static SpecSelection? Selection(string[]? tags, string[]? exclude, string[]? filter, string[]? filterOut, bool shuffle, long? seed)
    {
        static string[] Split(string[]? v) => (v ?? Array.Empty<string>()).SelectMany(x => x.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        var s = new SpecSelection(Split(tags), Split(exclude), Split(filter), Split(filterOut)) { Shuffle = shuffle, Seed = seed };
        return s.Selects || shuffle || seed != null ? s : null;
    }

    private static LuaHostOptions Options(bool allowIo, double? timeout, long? memoryMb, ulong seed, TextWriter output)
    {
        var o = new LuaHostOptions
        {
            AllowIO = allowIo,
            Timeout = timeout is { } t ? TimeSpan.FromSeconds(t) : null,
            MemoryLimit = memoryMb is { } m ? m << 20 : null,
            Seed = seed,
            Output = output,
            Plotter = new Plotter(),
        };
        o.SearchPaths.Add(Directory.GetCurrentDirectory());
        return o;
    }

    // The folders a script may reach: by default read under the working folder and the script's
    // folder, write under the working folder; --read and --write add to them.
    private static LuaHostOptions Roots(LuaHostOptions o, string[]? read, string[]? write, string? script)
    {
        string cwd = Directory.GetCurrentDirectory();
        o.ReadRoots.Add(cwd);
        if (script != null) o.ReadRoots.Add(Path.GetDirectoryName(Path.GetFullPath(script))!);
        o.WriteRoots.Add(cwd);
        foreach (var d in read ?? Array.Empty<string>()) o.ReadRoots.Add(Path.GetFullPath(d));
        foreach (var d in write ?? Array.Empty<string>()) o.WriteRoots.Add(Path.GetFullPath(d));
        return o;
    }

    internal static void ReportScriptError(LuaScriptException e, TextWriter error)
    {
        error.WriteLine($"snn: {e.Message}");
        if (e.LuaTraceback != null) error.WriteLine(e.LuaTraceback);
    }
}
