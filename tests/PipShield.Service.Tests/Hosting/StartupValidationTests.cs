namespace PipShield.Service.Tests.Hosting;

/// <summary>A bad setting stops the real program before it serves: exit 1, one line on stderr naming the key, no stack trace.</summary>
public sealed class StartupValidationTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("pipshield-validation-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData("Resolver:Server:UdpReceiveThreads", "0", "Resolver:Server:UdpReceiveThreads")]
    [InlineData("Resolver:Upstream:MaxAttempts", "99", "Resolver:Upstream:MaxAttempts")]
    [InlineData("Resolver:Cache:MaxEntries", "5", "Resolver:Cache:MaxEntries")]
    [InlineData("Resolver:Cache:MaxEntries", "lots", "Resolver:Cache:MaxEntries")]
    [InlineData("Resolver:Policy:BlockTtlSeconds", "-5", "Resolver:Policy:BlockTtlSeconds")]
    [InlineData("Resolver:RateLimit:Burst", "0", "Resolver:RateLimit:Burst")]
    [InlineData("Resolver:AccessControl:Allow:0", "not-a-prefix", "Resolver:AccessControl:Allow: access control entry 'not-a-prefix'")]
    [InlineData("Lists:ReloadCheckInterval", "2.00:00:00", "Lists:ReloadCheckInterval")]
    [InlineData("Resolver:Policy:BlockTtl", "5", "Resolver:Policy:BlockTtl: not a setting")]
    public async Task Run_WithABadSetting_ExitsWithOneLineNamingTheKey(string key, string value, string named)
    {
        Assert.SkipWhen(PipShieldProcess.Program is null, "the pipshield apphost is not next to the tests; build the solution first");
        var environment = new Dictionary<string, string>
        {
            ["PIPSHIELD__Lists__SourcesFile"] = "",
            ["PIPSHIELD__Lists__StateDirectory"] = _folder,
            ["PIPSHIELD__" + key.Replace(":", "__", StringComparison.Ordinal)] = value,
        };

        using var process = PipShieldProcess.Start(_folder, environment, "run", "--listen", $"127.0.0.1:{HostTestKit.FreePort()}", "--upstream", "127.0.0.1:9");
        int? exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, exitCode);
        string line = Assert.Single(process.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("pipshield: ", line, StringComparison.Ordinal);
        Assert.Contains(named, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal); // no stack trace in the log either
    }
}
