using System.Xml.Linq;
using ScriptableNN.Lua;

namespace ScriptableNN.Cli;

/// <summary>`snn test [paths]`: runs spec files, prints each failure with file and line, then "N passed, N failed".</summary>
internal static class TestCommand
{
    public static int Execute(string[] paths, string? junit, Func<string, LuaHostOptions> options, TextWriter output, TextWriter error, bool allowEmpty = false,
        SpecSelection? selection = null, string? pattern = null, string? run = null, string? format = null,
        bool shuffleFiles = false, int repeat = 1, string[]? outputOptions = null, bool isTerminal = false)
    {
        // -o TAP: busted's TAP output (ok/not ok lines, failures as # comments, 1..N); -o json:
        // busted's JSON document (successes, failures, errors, pendings, duration); -o junit: the
        // JUnit XML on stdout. Nothing else goes to stdout with these.
        bool tap = string.Equals(format, "TAP", StringComparison.OrdinalIgnoreCase);
        bool json = string.Equals(format, "json", StringComparison.OrdinalIgnoreCase);
        bool junitOut = string.Equals(format, "junit", StringComparison.OrdinalIgnoreCase);
        bool plainTerm = string.Equals(format, "plainTerminal", StringComparison.OrdinalIgnoreCase);
        bool utfTerm = string.Equals(format, "utfTerminal", StringComparison.OrdinalIgnoreCase);
        if (format != null && !tap && !json && !junitOut && !plainTerm && !utfTerm)
        {
            error.WriteLine($"snn: unknown output format '{format}' (TAP, json, junit, plainTerminal, utfTerminal)");
            return 2;
        }
        if (repeat < 1) { error.WriteLine($"snn: --repeat must be at least 1, got {repeat}"); return 2; }
        // busted's utfTerminal colours its marks, counts and places on a terminal, or always with
        // -Xoutput --color, never with -Xoutput --plain; then luassert marks a table's first
        // difference in red too.
        bool color = utfTerm && isTerminal;
        foreach (var o in outputOptions ?? Array.Empty<string>())
        {
            if (o == "--color") color = utfTerm;
            else if (o == "--plain") color = false;
            else { error.WriteLine($"snn: unknown output handler option '{o}' (utfTerminal takes --color or --plain)"); return 2; }
        }
        if (color) selection = (selection ?? new SpecSelection()) with { Color = true };
        var shown = output;
        if (tap || json || junitOut || plainTerm || utfTerm) output = TextWriter.Null;
        var terminal = plainTerm || utfTerm ? new BustedTerminal(shown, utfTerm, color) : null;
        // A project's .busted file gives what the command line leaves out.
        BustedConfig? config;
        try { config = BustedConfig.Load(Directory.GetCurrentDirectory(), run); }
        catch (Exception e) when (e is InvalidDataException or LuaScriptException)
        {
            error.WriteLine($"snn: {e.Message}");
            return 2;
        }
        if (config != null)
        {
            if (paths.Length == 0 && config.Roots.Length > 0) paths = config.Roots;
            pattern ??= config.Pattern;
            selection ??= config.Selection;
            var inner = options;
            options = file => { var o = inner(file); foreach (var d in config.SearchDirs) if (!o.SearchPaths.Contains(d)) o.SearchPaths.Add(d); return o; };
        }
        if (paths.Length == 0) paths = new[] { Directory.Exists("spec") ? "spec" : Path.Combine("scripts", "spec") };
        List<string> files;
        try { files = SpecRunner.Discover(paths, pattern).ToList(); }
        catch (FileNotFoundException e)
        {
            error.WriteLine($"snn: {e.Message}");
            return 2;
        }
        if (files.Count == 0)
        {
            error.WriteLine($"snn: no spec files under {string.Join(", ", paths)}");
            return 2;
        }
        // busted's --seed gives the file order, the test orders and randomize() their seed; without
        // one a seed is drawn from the clock, as busted does.
        long seed = selection?.Seed ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (selection != null && selection.Seed == null) selection = selection with { Seed = seed };
        if (shuffleFiles) files = SpecRunner.Shuffle(files, seed).ToList();
        bool anyFailed = false;
        for (int round = 0; round < repeat; round++)
        {
            int tapNumber = 0;
            int passed = 0, failed = 0, pending = 0;
            var suites = new List<XElement>();
            var jsonDoc = new JsonDocument();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            terminal?.Start(round + 1, repeat);
        foreach (var file in files)
        {
            var started = DateTime.UtcNow;
            IReadOnlyList<SpecResult> results;
            // Whatever happens in one file, the others run and the summary and JUnit are written.
            try { results = SpecRunner.RunFile(file, options(file), selection); }
            catch (Exception e)
            {
                results = new[] { new SpecResult("failed", Path.GetFileName(file) + " (runner)", $"{e.GetType().Name}: {e.Message}", file) };
            }
            if (results.Count == 0 && !allowEmpty && selection?.Selects != true)
                results = new[] { new SpecResult("failed", Path.GetFileName(file) + " (no tests)", "the file defines no tests (describe/it); snn test --allow-empty accepts that", file) };
            double seconds = (DateTime.UtcNow - started).TotalSeconds;
            output.WriteLine(file);
            var cases = new List<XElement>();
            foreach (var r in results)
            {
                if (tap) Tap(shown, ++tapNumber, r);
                if (json) jsonDoc.Add(r);
                terminal?.Add(r);
                var tc = new XElement("testcase", new XAttribute("classname", Path.GetFileNameWithoutExtension(file)), new XAttribute("name", r.Name));
                if (r.Passed) { passed++; output.WriteLine($"  ✓ {r.Name}"); }
                else if (r.Pending) { pending++; output.WriteLine($"  ○ {r.Name} (pending)"); tc.Add(new XElement("skipped")); }
                else
                {
                    failed++;
                    output.WriteLine($"  ✗ {r.Name}");
                    output.WriteLine($"      {r.Message}");
                    tc.Add(new XElement("failure", new XAttribute("message", r.Message), $"{r.Message}\n(spec defined at {r.At})"));
                }
                cases.Add(tc);
            }
            suites.Add(new XElement("testsuite",
                new XAttribute("name", file), new XAttribute("tests", results.Count),
                new XAttribute("failures", results.Count(r => r.Failed)), new XAttribute("skipped", results.Count(r => r.Pending)),
                new XAttribute("time", seconds.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)), cases));
        }
        output.WriteLine();
        output.WriteLine(pending > 0 ? $"{passed} passed, {failed} failed, {pending} skipped" : $"{passed} passed, {failed} failed");
        if (tap) shown.WriteLine($"1..{tapNumber}");
        if (json) shown.WriteLine(jsonDoc.ToJson(clock.Elapsed.TotalSeconds));
        terminal?.End(clock.Elapsed.TotalSeconds);
        var doc = new XDocument(new XElement("testsuites",
            new XAttribute("tests", passed + failed + pending), new XAttribute("failures", failed), new XAttribute("skipped", pending), suites));
        if (junit != null) doc.Save(junit);
        if (junitOut) shown.WriteLine(doc.ToString());
        anyFailed |= failed > 0;
        }
        return anyFailed ? 1 : 0;
    }

    // busted's plainTerminal and utfTerminal output handlers: a mark per test as it ends, then the
    // counts, then each pending, failure and error with its place and message; utfTerminal's
    // colours are term.colors' escapes (the text, then a reset).
    private sealed class BustedTerminal(TextWriter o, bool utf, bool color)
    {
        private readonly List<SpecResult> _pendings = new(), _failures = new(), _errors = new();
        private int _successes;
        private string Arrow => utf ? " \u2192 " : " -> ";

        private string Paint(int code, object text) => color ? $"\u001b[{code}m{text}\u001b[0m" : text.ToString()!;
        private const int Bright = 1, Red = 31, Green = 32, Yellow = 33, Magenta = 35, Cyan = 36;

        public void Start(int run, int runs)
        {
            _pendings.Clear(); _failures.Clear(); _errors.Clear(); _successes = 0;
            if (runs > 1) o.Write($"\nRepeating all tests (run {run} of {runs}) . . .\n\n");
        }

        public void Add(SpecResult r)
        {
            if (r.Passed) { _successes++; o.Write(utf ? Paint(Green, "\u25cf") : "+"); }
            else if (r.Pending) { _pendings.Add(r); o.Write(utf ? Paint(Yellow, "\u25cc") : "."); }
            else if (r.IsError) { _errors.Add(r); if (!r.InHook) o.Write(utf ? Paint(Magenta, "\u2731") : "*"); }
            else { _failures.Add(r); o.Write(utf ? Paint(Red, "\u25fc") : "-"); }
        }

        private static (string File, string Line) Place(SpecResult r)
        {
            int colon = r.At.LastIndexOf(':');
            return colon > 0 ? (r.At[..colon], r.At[(colon + 1)..]) : (r.At, "?");
        }

        private static string Plural(int n, string single, string plural) => n == 1 ? single : plural;

        public void End(double seconds)
        {
            string time = System.Text.RegularExpressions.Regex.Replace(seconds.ToString("F6", System.Globalization.CultureInfo.InvariantCulture), "([0-9])0+$", "$1");
            int s = _successes, f = _failures.Count, e = _errors.Count, p = _pendings.Count;
            o.Write("\n");
            o.Write($"{Paint(Green, s)} {Plural(s, "success", "successes")} / {Paint(Red, f)} {Plural(f, "failure", "failures")} / " +
                    $"{Paint(Magenta, e)} {Plural(e, "error", "errors")} / {Paint(Yellow, p)} pending : {Paint(Bright, time)} seconds\n");
            foreach (var pending in _pendings)
            {
                var (file, line) = Place(pending);
                o.Write($"\n{Paint(Yellow, "Pending")}{Arrow}{Paint(Cyan, file)} @ {Paint(Cyan, line)}\n{Paint(Bright, pending.Name)}" +
                        (pending.Message.Length > 0 ? $"\n{pending.At}: {pending.Message}" : "") + "\n");
            }
            foreach (var (list, word, code) in new[] { (_failures, "Failure", Red), (_errors, "Error", Magenta) })
                foreach (var failure in list)
                {
                    var (file, line) = Place(failure);
                    string seed = failure.RandomSeed is { } rs ? $"Random seed: {rs}\n" : "";
                    o.Write($"\n{Paint(code, word)}{Arrow}{Paint(Cyan, file)} @ {Paint(Cyan, line)}\n{Paint(Bright, failure.Name)}\n{seed}{failure.Message}\n");
                }
        }
    }

    // busted's json output handler: every test under its outcome, with its full name, the short
    // name and kind of its element, where it is, and for the others the message.
    private sealed class JsonDocument
    {
        private readonly System.Text.Json.Nodes.JsonArray _successes = new(), _failures = new(), _errors = new(), _pendings = new();

        public void Add(SpecResult r)
        {
            int colon = r.At.LastIndexOf(':');
            string file = colon > 0 ? r.At[..colon] : r.At;
            int line = colon > 0 && int.TryParse(r.At[(colon + 1)..], out var l) ? l : 0;
            System.Text.Json.Nodes.JsonObject Trace() => new() { ["short_src"] = file, ["source"] = "@" + file, ["currentline"] = line, ["what"] = "Lua" };
            var entry = new System.Text.Json.Nodes.JsonObject
            {
                ["name"] = r.Name,
                ["trace"] = Trace(),
                ["element"] = new System.Text.Json.Nodes.JsonObject { ["name"] = r.ShortName, ["descriptor"] = r.Pending && r.Message.Length == 0 ? "pending" : "it", ["trace"] = Trace() },
            };
            if (!r.Passed) entry["message"] = r.Message;
            if (r.Failed && r.IsError) entry["isError"] = true;
            if (r.RandomSeed is { } seed) entry["randomseed"] = seed;
            (r.Passed ? _successes : r.Pending ? _pendings : r.IsError ? _errors : _failures).Add(entry);
        }

        public string ToJson(double seconds) => new System.Text.Json.Nodes.JsonObject
        {
            ["pendings"] = _pendings, ["successes"] = _successes, ["failures"] = _failures, ["errors"] = _errors, ["duration"] = seconds,
        }.ToJsonString();
    }

    // One result as busted's TAP handler writes it: "ok N - name", "not ok N - name" with the
    // place and the message as comments, "ok N - # SKIP name" for a pending test.
    private static void Tap(TextWriter o, int n, SpecResult r)
    {
        // busted shows a pending raised inside a test by its place and message, a declared one by its name.
        if (r.Pending) { o.WriteLine(r.Message.Length > 0 ? $"ok {n} - # SKIP {r.At}: {r.Message}" : $"ok {n} - # SKIP {r.Name}"); return; }
        if (r.Passed) { o.WriteLine($"ok {n} - {r.Name}"); return; }
        o.WriteLine($"not ok {n} - {r.Name}");
        int colon = r.At.LastIndexOf(':');
        o.WriteLine("# " + (colon > 0 ? $"{r.At[..colon]} @ {r.At[(colon + 1)..]}" : r.At));
        if (r.RandomSeed is { } seed) o.WriteLine($"# Random seed: {seed}");
        var lines = r.Message.Split('\n');
        o.WriteLine("# Failure message: " + lines[0]);
        for (int i = 1; i < lines.Length; i++) o.WriteLine("# " + lines[i]);
    }
}
