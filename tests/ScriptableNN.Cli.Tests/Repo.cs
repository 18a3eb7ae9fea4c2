using System.Diagnostics;
using NUnit.Framework;
using ScriptableNN.Cli;

namespace ScriptableNN.Cli.Tests;

/// <summary>Finds the repository and runs the tool, in this process or in a new one.</summary>
internal static class Repo
{
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "ScriptableNN.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
        }
    }

    public static string Scripts => Path.Combine(Root, "scripts");

    /// <summary>Runs snn in this process; returns exit code, stdout and stderr.</summary>
    public static (int Code, string Out, string Err) Snn(params string[] args)
    {
        var o = new StringWriter(); var e = new StringWriter();
        int code = SnnApp.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    /// <summary>The built tool (snn.dll beside the tests).</summary>
    public static string SnnDll => Path.Combine(TestContext.CurrentContext.TestDirectory, "snn.dll");

    /// <summary>Runs snn in a new process.</summary>
    public static (int Code, string Out, string Err) SnnProcess(string workDir, params string[] args) => SnnProcess(workDir, null, args);

    /// <summary>Runs snn in a new process with extra environment variables (DOTNET_EnableAVX2=0, say).</summary>
    public static (int Code, string Out, string Err) SnnProcess(string workDir, IDictionary<string, string>? env, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workDir };
        if (env != null) foreach (var (k, v) in env) psi.Environment[k] = v;
        psi.ArgumentList.Add(SnnDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException("snn did not finish"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
