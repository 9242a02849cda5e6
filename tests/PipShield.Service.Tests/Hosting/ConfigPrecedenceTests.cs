using DnsClient;
using DnsClient.Protocol;

namespace PipShield.Service.Tests.Hosting;

/// <summary>
/// Where the running program takes each setting from, lowest first: the embedded defaults, <c>pipshield.json</c>
/// (or <c>--config FILE</c>), <c>PIPSHIELD__…</c> environment variables, the command line.
/// </summary>
public sealed class ConfigPrecedenceTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly string _folder = Directory.CreateTempSubdirectory("pipshield-precedence-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string FileSettings(int port, string upstream, string sinkhole) => $$"""
        {
          "Resolver": {
            "Server": { "ListenEndPoints": [ "127.0.0.1:{{port}}" ] },
            "Upstream": { "Servers": [ "{{upstream}}" ] },
            "Policy": { "SinkholeIPv4": "{{sinkhole}}", "BlockTtlSeconds": 77 }
          }
        }
        """;

    [Fact]
    public async Task Run_TakesEachSetting_FromTheHighestLayerThatSetsIt()
    {
        Assert.SkipWhen(PipShieldProcess.Program is null, "the pipshield apphost is not next to the tests; build the solution first");
        await using var upstream = new LoopbackUpstream(TimeSpan.Zero);
        int filePort = HostTestKit.FreePort(), environmentPort = HostTestKit.FreePort(), commandLinePort = HostTestKit.FreePort();
        Assert.SkipWhen(new[] { filePort, environmentPort, commandLinePort }.Distinct().Count() < 3, "the free-port probe returned the same port twice");
        // pipshield.json in the working directory is read without --config.
        await File.WriteAllTextAsync(Path.Combine(_folder, "pipshield.json"), FileSettings(filePort, upstream.EndPoint.ToString(), "192.0.2.1"), TestContext.Current.CancellationToken);
        var environment = new Dictionary<string, string>
        {
            ["PIPSHIELD__Lists__StateDirectory"] = _folder,
            ["PIPSHIELD__Resolver__Policy__SinkholeIPv4"] = "192.0.2.2",
            ["PIPSHIELD__Resolver__Server__ListenEndPoints__0"] = $"127.0.0.1:{environmentPort}",
        };

        using var process = PipShieldProcess.Start(_folder, environment, "run", "--listen", $"127.0.0.1:{commandLinePort}");
        await WaitUntilStartedAsync(process);

        // Command line over environment over file: only the --listen port is bound.
        Assert.False(HostTestKit.IsFree(commandLinePort), process.Output);
        Assert.True(HostTestKit.IsFree(environmentPort), "the environment's port is bound\n" + process.Output);
        Assert.True(HostTestKit.IsFree(filePort), "the file's port is bound\n" + process.Output);
        LookupClient client = HostTestKit.Client(commandLinePort);

        // The block list is the embedded default's (the samples); the sinkhole address is the environment's over
        // the file's; the TTL is the file's over the default 60.
        IDnsQueryResponse blocked = await client.QueryAsync("phish.example.net", QueryType.A, cancellationToken: TestContext.Current.CancellationToken);
        ARecord sinkhole = Assert.Single(blocked.Answers.ARecords());
        Assert.Equal(("192.0.2.2", 77), (sinkhole.Address.ToString(), sinkhole.InitialTimeToLive));

        // The upstream is the file's, over the public resolvers of the defaults.
        IDnsQueryResponse forwarded = await client.QueryAsync("example.org", QueryType.A, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(LoopbackUpstream.Address, Assert.Single(forwarded.Answers.ARecords()).Address.ToString());

        process.Terminate();
        int? exit = await process.WaitForExitAsync(Patience);
        Assert.True(exit == 0, $"exit {exit}\n{process.Output}");
    }

    [Fact]
    public async Task Run_WithConfigOption_ReadsThatFile_InsteadOfPipshieldJsonInTheWorkingDirectory()
    {
        Assert.SkipWhen(PipShieldProcess.Program is null, "the pipshield apphost is not next to the tests; build the solution first");
        await using var upstream = new LoopbackUpstream(TimeSpan.Zero);
        int port = HostTestKit.FreePort();
        await File.WriteAllTextAsync(Path.Combine(_folder, "pipshield.json"), FileSettings(port, upstream.EndPoint.ToString(), "192.0.2.1"), TestContext.Current.CancellationToken);
        string elsewhere = Path.Combine(Directory.CreateDirectory(Path.Combine(_folder, "etc")).FullName, "custom.json");
        await File.WriteAllTextAsync(elsewhere, FileSettings(port, upstream.EndPoint.ToString(), "192.0.2.3"), TestContext.Current.CancellationToken);

        using var process = PipShieldProcess.Start(_folder, new Dictionary<string, string> { ["PIPSHIELD__Lists__StateDirectory"] = _folder }, "run", "--config", elsewhere);
        await WaitUntilStartedAsync(process);

        IDnsQueryResponse blocked = await HostTestKit.Client(port).QueryAsync("phish.example.net", QueryType.A, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("192.0.2.3", Assert.Single(blocked.Answers.ARecords()).Address.ToString());

        process.Terminate();
        int? exit = await process.WaitForExitAsync(Patience);
        Assert.True(exit == 0, $"exit {exit}\n{process.Output}");
    }

    private static async Task WaitUntilStartedAsync(PipShieldProcess process) =>
        Assert.True(await PipShieldProcess.EventuallyAsync(() => process.Output.Contains("PipShield resolving on", StringComparison.Ordinal), Patience),
            "not started within 30 s\n" + process.Output);
}
