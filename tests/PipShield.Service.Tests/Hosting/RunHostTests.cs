using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PipShield.Service.Hosting;
using PipShield.Service.Tests.Cli;

namespace PipShield.Service.Tests.Hosting;

/// <summary>The service host as <c>pipshield run</c> builds it, on loopback with free ports.</summary>
public sealed class RunHostTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private static int FreePort() => HostTestKit.FreePort();

    private RunSettings Settings(int port, Dictionary<string, string?>? overrides = null, string? configFile = null) => new()
    {
        Listen = [$"127.0.0.1:{port}"],
        Upstreams = ["127.0.0.1:9"], // discard port: nothing answers, so only blocks and errors come back
        Lists = [_workspace.PathOf("sample-phishing.domains.txt") + "::phishing"],
        ConfigFile = configFile,
        Overrides = new Dictionary<string, string?>(overrides ?? [])
        {
            ["Lists:StateDirectory"] = _workspace.Folder,
            ["Resolver:Upstream:Deadline"] = "00:00:01",
            ["Resolver:Upstream:Timeout"] = "00:00:00.500",
        },
    };

    private static LookupClient Client(int port) => HostTestKit.Client(port);

    [Fact]
    public async Task Run_AnswersBlockedNames_WithTheSinkhole_FromListsCompiledAtStart()
    {
        int port = FreePort();
        using IHost host = ResolverHost.Build(Settings(port, new() { ["Resolver:Policy:SinkholeIPv4"] = "192.0.2.80" }));
        await host.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            IDnsQueryResponse response = await Client(port).QueryAsync("login.phish.example.net", QueryType.A, cancellationToken: TestContext.Current.CancellationToken);

            ARecord answer = Assert.Single(response.Answers.ARecords());
            Assert.Equal("192.0.2.80", answer.Address.ToString());
        }
        finally
        {
            await host.StopAsync(TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Run_AppliesConfigFile_ThenEnvironmentStyleOverrides_ThenCommandLine()
    {
        int port = FreePort();
        string config = _workspace.PathOf("pipshield.json");
        await File.WriteAllTextAsync(config, """
            { "Resolver": { "Policy": { "DefaultAction": "NxDomain", "BlockTtlSeconds": 77 } } }
            """, TestContext.Current.CancellationToken);
        using IHost host = ResolverHost.Build(Settings(port, new() { ["Resolver:Policy:BlockTtlSeconds"] = "33" }, config));
        await host.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            IDnsQueryResponse response = await Client(port).QueryAsync("phish.example.net", QueryType.A, cancellationToken: TestContext.Current.CancellationToken);

            Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, response.Header.ResponseCode);
            Assert.Equal(33, Assert.Single(response.Authorities.SoaRecords()).InitialTimeToLive);
        }
        finally
        {
            await host.StopAsync(TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Run_RefusesToForwardToItself()
    {
        int port = FreePort();
        RunSettings settings = Settings(port);
        settings.Upstreams.Clear();
        settings.Upstreams.Add($"127.0.0.1:{port}");
        using IHost host = ResolverHost.Build(settings);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("Resolver:Upstream:Servers", error.Message);
        Assert.Contains("itself", error.Message);
    }

    [Fact]
    public void Run_RejectsOutOfRangeSettings_NamingTheSection()
    {
        using IHost host = ResolverHost.Build(Settings(FreePort(), new() { ["Resolver:Policy:BlockTtlSeconds"] = "-5" }));

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<PipShield.Resolver.Stages.Policy.PolicyOptions>>().Value);

        Assert.Contains("Resolver:Policy", error.Message);
    }

    [Fact]
    public void Run_RejectsUnknownSettings()
    {
        using IHost host = ResolverHost.Build(Settings(FreePort(), new() { ["Resolver:Policy:BlockTtl"] = "5" }));

        var error = Assert.Throws<InvalidOperationException>(() => host.Services.GetRequiredService<IOptions<PipShield.Resolver.Stages.Policy.PolicyOptions>>().Value);

        Assert.Contains("BlockTtl", error.Message);
    }

    [Fact]
    public void RunCommand_WithAMissingImage_FailsWithOneLine()
    {
        CliRun run = CliWorkspace.Run("run", "--listen", $"127.0.0.1:{FreePort()}", "--image", _workspace.PathOf("missing.pipbl"));

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("missing.pipbl", run.Stderr);
        Assert.DoesNotContain("   at ", run.Stderr);
    }
}
