namespace PipShield.Service.Hosting.Install;

/// <summary>How a service manager should start this very build of <c>pipshield</c>.</summary>
internal static class InstalledProgram
{
    /// <summary>
    /// The apphost (<c>pipshield</c> or <c>pipshield.exe</c>) next to the running assembly; without one (a
    /// framework-dependent copy of the dll alone), the <c>dotnet</c> host running us followed by the dll's path.
    /// </summary>
    public static IReadOnlyList<string> Command(string folder, string? processPath)
    {
        string appHost = Path.Combine(folder, OperatingSystem.IsWindows() ? "pipshield.exe" : "pipshield");
        if (File.Exists(appHost))
        {
            return [appHost];
        }

        string dotnet = processPath is not null && Path.GetFileNameWithoutExtension(processPath).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? processPath
            : DotnetOnPath();
        return [dotnet, Path.Combine(folder, "pipshield.dll")];
    }

    /// <summary>The running program's command.</summary>
    public static IReadOnlyList<string> Current() => Command(AppContext.BaseDirectory, Environment.ProcessPath);

    /// <summary>The folder of the .NET install running us (holding <c>dotnet</c> and <c>shared/</c>), or null for a
    /// self-contained build, which carries its own runtime.</summary>
    public static string? DotnetRoot()
    {
        // The runtime directory is ROOT/shared/Microsoft.NETCore.App/VERSION/.
        string root = Path.GetFullPath(Path.Combine(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        return File.Exists(Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet")) ? root.TrimEnd(Path.DirectorySeparatorChar) : null;
    }

    private static string DotnetOnPath()
    {
        string name = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(folder, name);
            if (File.Exists(candidate))
            {
                // systemd wants an absolute path, and a service's PATH is not the installer's.
                return Path.GetFullPath(candidate);
            }
        }

        return name;
    }
}
