using NUnit.Framework;

namespace ScriptableNN.Examples.Tests;

/// <summary>Where the repository is, seen from the test's output folder.</summary>
internal static class Repo
{
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "ScriptableNN.sln"))) dir = dir.Parent;
            return dir!.FullName;
        }
    }
}
