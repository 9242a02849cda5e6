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
    [InlineData("Resolver:Upstream:CaFile", "missing-ca.pem", "Resolver:Upstream:CaFile: 'missing-ca.pem' does not exist")]
    public async Task Run_WithABadSetting_ExitsWithOneLineNamingTheKey(string key, string value, string named)
    {
        Assert.SkipWhen(PipShieldProcess.Program is null, "the pipshield apphost is not next to the tests; build the solution first");
        (int? exitCode, string errors, string output) = await PipShieldProcess.RunWithSettingAsync(_folder, key, value);

        Assert.Equal(1, exitCode);
        string line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("pipshield: ", line, StringComparison.Ordinal);
        Assert.Contains(named, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal); // no stack trace in the log either
    }
}
