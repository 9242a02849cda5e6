using System.Text;
using System.Text.Json;
using PipShield.Service.Alerts;
using PipShield.Service.Tests.Cli;

namespace PipShield.Service.Tests.Alerts;

/// <summary><c>pipshield alerts</c> over a history file: newest first, filtered by age, limited, text or JSON.</summary>
public sealed class AlertsCommandTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "pipshield-alerts-cli-" + Guid.NewGuid().ToString("N"));

    public AlertsCommandTests() => Directory.CreateDirectory(_folder);

    private string HistoryPath => Path.Combine(_folder, "alerts.jsonl");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Alerts_AreListedNewestFirst_WithTimeDeviceKindRuleCategoryAndCount()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        WriteHistory(
            Alert("192.0.2.1", AlertKind.C2Query, "c2.example.net", now.AddHours(-3), count: 7),
            Alert("192.0.2.2", AlertKind.BlockedConnection, "198.51.100.0/24", now.AddHours(-1), count: 1200));

        CliRun run = CliWorkspace.Run("alerts", "--file", HistoryPath);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(3, run.StdoutLines.Length);
        Assert.Matches(@"^\s*last seen \(UTC\)\s+device\s+kind\s+rule\s+category\s+count\s+first seen \(UTC\)$", run.StdoutLines[0]);
        Assert.Matches($@"^{now.AddHours(-1).UtcDateTime:yyyy-MM-dd HH:mm:ss}\s+192\.0\.2\.2\s+blocked-connection\s+198\.51\.100\.0/24\s+c2\s+1,200\s", run.StdoutLines[1]);
        Assert.Matches(@"192\.0\.2\.1\s+c2-query\s+c2\.example\.net\s+c2\s+7\s", run.StdoutLines[2]);
    }

    [Fact]
    public void RepeatsAndUpdates_OfOneAlert_ShowAsOneRow_WithTheLatestCountAndLastSeen()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        Alert first = Alert("192.0.2.1", AlertKind.C2Query, "c2.example.net", now.AddHours(-3));
        Alert update = first with { Time = now.AddHours(-2), LastSeen = now.AddHours(-2), Count = 40, Update = true };
        Alert repeat = first with { Time = now.AddMinutes(-5), LastSeen = now.AddMinutes(-5), Count = 41, Repeat = true };
        WriteHistory(first, Alert("192.0.2.2", AlertKind.C2Query, "c2.example.net", now.AddMinutes(-30)), update);

        Assert.Equal(["192.0.2.2", "192.0.2.1"], Devices("alerts", "--json", "--file", HistoryPath));
        Assert.Equal(40, JsonDocument.Parse(CliWorkspace.Run("alerts", "--json", "--file", HistoryPath).Stdout).RootElement[1].GetProperty("count").GetInt64());

        File.AppendAllLines(HistoryPath, [Encoding.UTF8.GetString(AlertJson.Write(repeat, "test-host"))]);
        CliRun run = CliWorkspace.Run("alerts", "--file", HistoryPath);
        Assert.Equal(3, run.StdoutLines.Length);
        Assert.Matches(@"192\.0\.2\.1\s+c2-query\s+c2\.example\.net\s+c2\s+41\s", run.StdoutLines[1]);
    }

    [Fact]
    public void Json_IsAnArrayOfTheAlertsAsTheWebhookGetsThem_NewestFirst()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        WriteHistory(Alert("192.0.2.1", AlertKind.C2Query, "c2.example.net", now.AddMinutes(-5)), Alert("192.0.2.2", AlertKind.C2Query, "c2.example.net", now));

        CliRun run = CliWorkspace.Run("alerts", "--json", "--file", HistoryPath);

        Assert.Equal(0, run.ExitCode);
        JsonElement[] alerts = [.. JsonDocument.Parse(run.Stdout).RootElement.EnumerateArray()];
        Assert.Equal(["192.0.2.2", "192.0.2.1"], alerts.Select(a => a.GetProperty("device").GetString()));
        Assert.Equal("pipshield.alert", alerts[0].GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, alerts[0].GetProperty("deviceName").ValueKind);
    }

    [Fact]
    public void Since_AndLimit_ChooseWhichAlertsAreShown()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        WriteHistory(
            Alert("192.0.2.1", AlertKind.C2Query, "c2.example.net", now.AddDays(-3)),
            Alert("192.0.2.2", AlertKind.C2Query, "c2.example.net", now.AddHours(-30)),
            Alert("192.0.2.3", AlertKind.C2Query, "c2.example.net", now.AddHours(-2)),
            Alert("192.0.2.4", AlertKind.C2Query, "c2.example.net", now.AddMinutes(-10)));

        Assert.Equal(["192.0.2.4", "192.0.2.3"], Devices("alerts", "--json", "--file", HistoryPath));
        Assert.Equal(["192.0.2.4", "192.0.2.3", "192.0.2.2"], Devices("alerts", "--json", "--since", "2d", "--file", HistoryPath));
        Assert.Equal(["192.0.2.4"], Devices("alerts", "--json", "--since", "30m", "--file", HistoryPath));
        Assert.Equal(["192.0.2.4", "192.0.2.3"], Devices("alerts", "--json", "--since", "7d", "--limit", "2", "--file", HistoryPath));

        CliRun limited = CliWorkspace.Run("alerts", "--since", "7d", "--limit", "1", "--file", HistoryPath);
        Assert.Contains("(3 older alerts not shown; see --limit)", limited.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFile_AndNoRecentAlerts_SaySo()
    {
        CliRun missing = CliWorkspace.Run("alerts", "--file", HistoryPath);
        Assert.Equal(0, missing.ExitCode);
        Assert.Equal($"No alerts: {HistoryPath} does not exist yet (the service creates it with the first alert).", missing.Stdout.Trim());

        CliRun missingJson = CliWorkspace.Run("alerts", "--json", "--file", HistoryPath);
        Assert.Equal("[]", missingJson.Stdout.Trim());

        WriteHistory(Alert("192.0.2.1", AlertKind.C2Query, "c2.example.net", DateTimeOffset.UtcNow.AddDays(-2)));
        CliRun old = CliWorkspace.Run("alerts", "--file", HistoryPath);
        Assert.Equal(0, old.ExitCode);
        Assert.Equal($"No alerts in the last 24h ({HistoryPath}).", old.Stdout.Trim());
    }

    [Fact]
    public void UnreadableLines_AreSkippedAndCounted_NotFatal()
    {
        WriteHistory(Alert("192.0.2.1", AlertKind.C2Query, "c2.example.net", DateTimeOffset.UtcNow));
        File.AppendAllText(HistoryPath, "{\"time\": 12}\nnot json\n{\"version\":1,\"time\":\"2026-");

        CliRun run = CliWorkspace.Run("alerts", "--file", HistoryPath);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("192.0.2.1", run.Stdout, StringComparison.Ordinal);
        Assert.Equal($"pipshield: {HistoryPath}: skipped 3 unreadable lines", run.Stderr.Trim());
    }

    [Theory]
    [InlineData("--since", "yesterday", "--since: 'yesterday' is not a duration")]
    [InlineData("--since", "-5h", "--since: '-5h' is not a duration")]
    [InlineData("--limit", "0", "--limit: 0 is not a positive number")]
    public void BadArguments_FailWithOneLine(string option, string value, string message)
    {
        CliRun run = CliWorkspace.Run("alerts", option, value, "--file", HistoryPath);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("pipshield: " + message, Assert.Single(run.StderrLines), StringComparison.Ordinal);
    }

    private List<string?> Devices(params string[] args)
    {
        CliRun run = CliWorkspace.Run(args);
        Assert.Equal(0, run.ExitCode);
        return [.. JsonDocument.Parse(run.Stdout).RootElement.EnumerateArray().Select(a => a.GetProperty("device").GetString())];
    }

    private void WriteHistory(params Alert[] alerts) =>
        File.WriteAllLines(HistoryPath, alerts.Select(a => Encoding.UTF8.GetString(AlertJson.Write(a, "test-host"))));

    private static Alert Alert(string device, AlertKind kind, string rule, DateTimeOffset time, long count = 1) =>
        new(Guid.NewGuid().ToString("N"), kind, device, null, rule, "c2", "test-c2", time, time.AddMinutes(-1), time, count, false);
}
