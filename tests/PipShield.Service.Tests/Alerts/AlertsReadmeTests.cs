using System.Text.RegularExpressions;
using PipShield.Service.Tests.Cli;

namespace PipShield.Service.Tests.Alerts;

/// <summary>The configuration example in the Alerts README passes <c>pipshield config check</c>, as the service would take it.</summary>
public sealed partial class AlertsReadmeTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), "pipshield-alerts-readme-" + Guid.NewGuid().ToString("N") + ".json");

    public void Dispose() => File.Delete(_file);

    [Fact]
    public void ReadmeExample_IsAValidConfiguration()
    {
        string readme = File.ReadAllText(Path.Combine(CliWorkspace.BlocklistsFolder, "..", "src", "PipShield.Service", "Alerts", "README.md"));
        File.WriteAllText(_file, JsonBlock().Match(readme).Groups[1].Value);

        CliRun run = CliWorkspace.Run("config", "check", _file);

        Assert.True(run.ExitCode == 0, run.ToString());
    }

    [Fact]
    public void MisspeltAlertSetting_IsReported_ByConfigCheck()
    {
        File.WriteAllText(_file, """{ "Alerts": { "WebhookURI": "https://hooks.example.net/pipshield" } }""");

        CliRun run = CliWorkspace.Run("config", "check", _file);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Alerts:WebhookURI: not a setting PipShield knows", run.Stderr, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"```json\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
