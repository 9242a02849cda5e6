using PipShield.Service.Hosting.Lifetime;

namespace PipShield.Service.Hosting.Install;

/// <summary>
/// The <c>sc.exe</c> and <c>icacls</c> command lines that register PipShield as a Windows service: automatic
/// start, restart on failure, run as LocalService (binding port 53 needs no privilege on Windows).
/// </summary>
internal sealed class WindowsServiceCommands(IReadOnlyList<string> program, string dataFolder)
{
    public const string ServiceName = ServiceManagers.WindowsServiceName;
    public const string DisplayName = "PipShield protective DNS";
    public const string Description = "Answers DNS for this network and sinkholes names on the configured block lists.";
    public const string Account = @"NT AUTHORITY\LocalService";

    /// <summary>The configuration file the service reads; install creates it when absent.</summary>
    public string ConfigFile => WindowsPath("pipshield.json");

    /// <summary>Where the service writes compiled images; install creates it and lets the service account write.</summary>
    public string StateDirectory => WindowsPath("state");

    /// <summary>The command line the service control manager runs (sc.exe's <c>binPath=</c>).</summary>
    public string BinaryPath => string.Join(' ', program.Select(Quote)) + " run --config " + Quote(ConfigFile);

    public IReadOnlyList<ExternalCommand> Install() =>
    [
        new("icacls", StateDirectory, "/grant", Account + ":(OI)(CI)M"),
        new("sc.exe", "create", ServiceName, "binPath=", BinaryPath, "start=", "auto", "obj=", Account, "DisplayName=", DisplayName),
        new("sc.exe", "description", ServiceName, Description),
        // Restart after 5 s, twice, then after a minute; forget failures after a day.
        new("sc.exe", "failure", ServiceName, "reset=", "86400", "actions=", "restart/5000/restart/5000/restart/60000"),
        // Also treat a stop with a non-zero exit code (bad configuration, lost port) as a failure.
        new("sc.exe", "failureflag", ServiceName, "1"),
    ];

    public ExternalCommand Start => new("sc.exe", "start", ServiceName);

    public ExternalCommand Stop => new("sc.exe", "stop", ServiceName);

    public ExternalCommand Delete => new("sc.exe", "delete", ServiceName);

    // Backslashes whatever the OS: these are Windows paths, and the tests that check them run on Linux too.
    private string WindowsPath(string name) => dataFolder.TrimEnd('\\') + "\\" + name;

    private static string Quote(string value) => value.Contains(' ', StringComparison.Ordinal) ? "\"" + value + "\"" : value;
}
