namespace ScriptableNN.Lua;

/// <summary>
/// Paths as the file system will see them: every symbolic link on the way resolved, so that a
/// link inside a granted folder cannot lead a script outside it.
/// </summary>
internal static class FilePolicy
{
    /// <summary>The full path with each existing component's links followed; a missing tail is kept as written.</summary>
    public static string RealPath(string path)
    {
        string full = Path.GetFullPath(path);
        string root = Path.GetPathRoot(full)!;
        string current = root;
        var parts = full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < parts.Length; i++)
        {
            string next = Path.Combine(current, parts[i]);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (info.LinkTarget != null)
            {
                // The final target, even when it does not exist yet (a dangling link to a file a
                // save would create is judged by where the file would land).
                FileSystemInfo? target;
                try { target = info.ResolveLinkTarget(returnFinalTarget: true); }
                catch (IOException) { throw new ScriptError($"cannot resolve the link '{next}' (a loop of links?)"); }
                if (target != null) next = RealPath(target.FullName);
            }
            current = next;
        }
        return current;
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="root"/> or lies under it (both resolved).</summary>
    public static bool IsUnder(string path, string root)
    {
        var cmp = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        root = root.TrimEnd(Path.DirectorySeparatorChar);
        if (root.Length == 0) return true;                // the file system's root
        return path.Equals(root, cmp) || path.StartsWith(root + Path.DirectorySeparatorChar, cmp);
    }
}
