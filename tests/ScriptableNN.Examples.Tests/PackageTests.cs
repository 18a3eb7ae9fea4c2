using System.Diagnostics;
using NUnit.Framework;

namespace ScriptableNN.Examples.Tests;

/// <summary>
/// Packs ScriptableNN and ScriptableNN.Lua into a local folder feed, then builds and runs a
/// small consumer against that feed, so a broken package fails CI. The sources are copied
/// first, so packing never touches the build the other tests run from.
/// </summary>
[TestFixture]
public class PackageTests
{
    private static string Root => Repo.Root;

    private static (int Code, string Output) Dotnet(string workDir, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(300_000)) { p.Kill(true); return (-1, output + "\n(timed out)"); }
        return (p.ExitCode, output + err.Result);
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(from, dir);
            if (rel.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj")) continue;
            Directory.CreateDirectory(Path.Combine(to, rel));
        }
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(from, file);
            if (rel.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj")) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(to, rel))!);
            File.Copy(file, Path.Combine(to, rel));
        }
    }

    [Test]
    public void ALocalFeedServesAWorkingConsumer()
    {
        var work = Directory.CreateTempSubdirectory("snn-pack").FullName;
        try
        {
            var src = Path.Combine(work, "src");
            foreach (var f in new[] { "Directory.Build.props", "README.md", "LICENSE" }) { Directory.CreateDirectory(src); File.Copy(Path.Combine(Root, f), Path.Combine(src, f)); }
            CopyTree(Path.Combine(Root, "src", "ScriptableNN"), Path.Combine(src, "src", "ScriptableNN"));
            CopyTree(Path.Combine(Root, "src", "ScriptableNN.Lua"), Path.Combine(src, "src", "ScriptableNN.Lua"));
            string feed = Path.Combine(work, "feed");
            string version = "0.1.0-ci." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff");
            foreach (var project in new[] { "ScriptableNN", "ScriptableNN.Lua" })
            {
                var (code, output) = Dotnet(src, "pack", Path.Combine("src", project, project + ".csproj"), "-c", "Release", "-o", feed, $"-p:Version={version}");
                Assert.That(code, Is.EqualTo(0), output);
            }
            Assert.That(File.Exists(Path.Combine(feed, $"ScriptableNN.{version}.nupkg")));
            Assert.That(File.Exists(Path.Combine(feed, $"ScriptableNN.Lua.{version}.snupkg")), "symbols");
            using (var zip = System.IO.Compression.ZipFile.OpenRead(Path.Combine(feed, $"ScriptableNN.Lua.{version}.nupkg")))
            {
                var names = zip.Entries.Select(e => e.FullName).ToList();
                Assert.That(names, Does.Contain("README.md").And.Contain("LICENSE").And.Contain("lib/net8.0/ScriptableNN.Lua.xml"));
            }

            var consumer = Path.Combine(work, "consumer");
            Directory.CreateDirectory(consumer);
            File.WriteAllText(Path.Combine(consumer, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration><packageSources><add key="local" value="{feed}" /></packageSources></configuration>
                """);
            File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings></PropertyGroup>
                  <ItemGroup><PackageReference Include="ScriptableNN.Lua" Version="{version}" /></ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(consumer, "Program.cs"), """
                using ScriptableNN.Inference;
                using ScriptableNN.Lua;
                using var host = new LuaHost(new LuaHostOptions { Seed = 1 });
                host.Run("net = nn.Sequential():add(nn.Linear(2, 8, {init = 'he_normal'})):add(nn.ReLU()):add(nn.Linear(8, 1, {init = 'he_normal'}))\n" +
                         "train.fit{model = net, loss = nn.MSECriterion(), optimizer = optim.Adam(net, {lr = 0.01}), data = data.xor(), epochs = 2000, batchSize = 4, shuffle = false, verbose = false}");
                var net = CompiledNetwork.Compile(host.GetModule("net"));
                int correct = 0;
                foreach (var (a, b) in new[] { (0f, 0f), (1f, 0f), (0f, 1f), (1f, 1f) })
                {
                    var y = new float[1];
                    net.Run(new[] { a, b }, y);
                    if ((y[0] > 0.5f) == ((a + b) == 1f)) correct++;
                }
                Console.WriteLine($"consumer: {correct}/4 correct");
                return correct == 4 ? 0 : 1;
                """);
            var (runCode, runOutput) = Dotnet(consumer, "run", "-c", "Release");
            Assert.That(runCode, Is.EqualTo(0), runOutput);
            Assert.That(runOutput, Does.Contain("consumer: 4/4 correct"));
        }
        finally
        {
            Directory.Delete(work, true);
        }
    }
}
