using System.Diagnostics;
using NUnit.Framework;

namespace ScriptableNN.Examples.Tests;

/// <summary>
/// The ARM64 job: the portable checks (tests/ScriptableNN.Arm64Check) published self-contained
/// for linux-arm64 and run under qemu-user: the Lua XOR script, a gradient check of every unit,
/// a GEMM sweep on the Vector128 (NEON) kernel, and checkpoints written on x64 and loaded on
/// ARM64 and back, with bit-identical parameters. qemu-user and the arm64 C libraries come
/// from Debian (scripts/install-test-deps.sh, which .ci/run calls first).
/// </summary>
[TestFixture]
public class Arm64Tests
{
    private static string Root => Repo.Root;

    private static (int Code, string Output, double Seconds) Run(string file, string workDir, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(400_000)) { p.Kill(true); return (-1, output + "\n(timed out)", sw.Elapsed.TotalSeconds); }
        return (p.ExitCode, output + err.Result, sw.Elapsed.TotalSeconds);
    }

    private static string? OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    [Test]
    public void TheChecksPassOnArm64UnderEmulationAndCheckpointsCrossBothWays()
    {
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64)
            Assert.Ignore("the ARM64 job runs from linux-x64 machines");
        var qemu = OnPath("qemu-aarch64");
        Assert.That(qemu, Is.Not.Null.And.Not.Empty, "qemu-aarch64 is missing: run scripts/install-test-deps.sh (what .ci/run does first)");
        Assert.That(File.Exists("/lib/ld-linux-aarch64.so.1") && File.Exists("/usr/lib/aarch64-linux-gnu/libssl.so.3"),
            "the arm64 C libraries are missing: run scripts/install-test-deps.sh (what .ci/run does first)");

        var work = Directory.CreateTempSubdirectory("snn-arm64").FullName;
        try
        {
            string pub = Path.Combine(work, "arm64");
            var (pc, po, ps) = Run("dotnet", Root, "publish", Path.Combine("tests", "ScriptableNN.Arm64Check"), "-c", "Release", "-p:Arm64=true", "-o", pub);
            Assert.That(pc, Is.EqualTo(0), po);
            string x64 = Path.Combine(work, "x64");
            var (bc, bo, _) = Run("dotnet", Root, "build", Path.Combine("tests", "ScriptableNN.Arm64Check"), "-c", "Release", "-o", x64);
            Assert.That(bc, Is.EqualTo(0), bo);
            string x64Dll = Path.Combine(x64, "ScriptableNN.Arm64Check.dll");

            var (wc, wo, _) = Run("dotnet", work, x64Dll, "write", work, "x64");
            Assert.That(wc, Is.EqualTo(0), wo);
            var (ac, ao, seconds) = Run(qemu!, work, Path.Combine(pub, "ScriptableNN.Arm64Check"), "all", work, "arm64");
            TestContext.Out.WriteLine($"ARM64 under qemu-user: {seconds:F1} s (publish {ps:F1} s)\n{ao}");
            Assert.That(ac, Is.EqualTo(0), ao);
            Assert.That(ao, Does.Contain("Arm64, GEMM kernel Vector128"));
            var (rc, ro, _) = Run(qemu!, work, Path.Combine(pub, "ScriptableNN.Arm64Check"), "read", work, "x64");
            Assert.That(rc, Is.EqualTo(0), "an x64 checkpoint loads on ARM64 bit for bit: " + ro);
            var (xc, xo, _) = Run("dotnet", work, x64Dll, "read", work, "arm64");
            Assert.That(xc, Is.EqualTo(0), "an ARM64 checkpoint loads on x64 bit for bit: " + xo);
        }
        finally { Directory.Delete(work, true); }
    }
}
