using PipShield.Service.Tests.Cli;

namespace PipShield.Service.Tests.Firewall;

public sealed class FirewallCommandTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private string Image(string list)
    {
        string path = _workspace.PathOf("ips.pipbl");
        File.WriteAllBytes(path, FirewallImages.CompileBytes(list));
        return path;
    }

    [Fact]
    public void Show_PrintsTheWindowsScript_WhenAskedForPowerShell()
    {
        CliRun run = CliWorkspace.Run("firewall", "show", "--image", Image("192.0.2.0/24\n"), "--format", "powershell");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("-RemoteAddress @('192.0.2.0/24')", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Show_SaysWhatWasCutOut_OnStandardError()
    {
        // 9.9.9.9 is one of the default upstream resolvers: the rules must never cut the service off from it.
        CliRun run = CliWorkspace.Run("firewall", "show", "--image", Image("9.9.9.0/24\n"), "--format", "nft");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("9.9.9.0-9.9.9.8", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("9.9.9.9 (upstream resolver)", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void ApplyDryRun_PrintsTheScript_AndChangesNothing()
    {
        CliRun run = CliWorkspace.Run("firewall", "apply", "--dry-run", "--image", Image("198.51.100.7\n"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains(OperatingSystem.IsWindows() ? "'198.51.100.7'" : "      198.51.100.7\n", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void RemoveDryRun_PrintsTheRemovalScript()
    {
        CliRun run = CliWorkspace.Run("firewall", "remove", "--dry-run", "--image", Image("198.51.100.7\n"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains(OperatingSystem.IsWindows() ? "Remove-NetFirewallRule" : "delete table inet pipshield", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_WithAMissingNft_FailsWithOneLineNamingTheProgram()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("nft is the Linux backend");
        }

        string config = _workspace.PathOf("pipshield.json");
        File.WriteAllText(config, """{ "Firewall": { "NftPath": "/nonexistent/nft" } }""");

        CliRun run = CliWorkspace.Run("firewall", "apply", "--config", config, "--image", Image("198.51.100.7\n"));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("/nonexistent/nft", Assert.Single(run.StderrLines, l => l.Contains("nftables", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Mode", "\"router\"")]
    [InlineData("HitPollInterval", "\"00:00:00\"")]
    [InlineData("RedirectPort", "0")]
    [InlineData("NftPath", "\"\"")]
    [InlineData("Enable", "true")]
    public void ConfigCheck_RejectsABadFirewallSetting_NamingTheKey(string key, string value)
    {
        string config = _workspace.PathOf("bad.json");
        File.WriteAllText(config, $$"""{ "Firewall": { "{{key}}": {{value}} } }""");

        CliRun run = CliWorkspace.Run("config", "check", config);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains($"Firewall:{key}", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigCheck_AcceptsAFullGatewayConfiguration()
    {
        string config = _workspace.PathOf("gateway.json");
        File.WriteAllText(config, """
            { "Firewall": { "Enabled": true, "Mode": "Gateway", "Action": "Reject", "KeepWhenStopped": false,
              "StopDnsBypass": true, "BypassAction": "Redirect", "NftPath": "nft", "HitPollInterval": "00:01:00", "RedirectPort": 53 } }
            """);

        CliRun run = CliWorkspace.Run("config", "check", config);

        Assert.True(run.ExitCode == 0, run.ToString());
    }
}
