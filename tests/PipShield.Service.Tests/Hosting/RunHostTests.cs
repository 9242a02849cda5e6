using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PipShield.Resolver.Server;
using PipShield.Resolver.Stages.RateLimit;
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
            ["Feeds:Enabled"] = "false", // no live feed downloads from tests
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
    public async Task Run_ListensOnlyWhereTheConfigFileSays_NotAlsoOnTheDefaults()
    {
        // Configuration merges arrays by position: a default list of two would have kept its second entry.
        int port = FreePort();
        string config = _workspace.PathOf("pipshield.json");
        await File.WriteAllTextAsync(config, $$"""
            { "Resolver": { "Server": { "ListenEndPoints": [ "127.0.0.1:{{port}}" ] }, "RateLimit": { "Exempt": [ "192.0.2.0/24" ] } } }
            """, TestContext.Current.CancellationToken);
        RunSettings settings = Settings(port, configFile: config);
        settings.Listen.Clear();
        using IHost host = ResolverHost.Build(settings);
        await host.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            var service = host.Services.GetRequiredService<ResolverHostedService>();
            Assert.Equal([$"127.0.0.1:{port}"], service.Engine!.Server.EndPoints.Select(e => e.ToString()));
            Assert.Equal(["192.0.2.0/24"], host.Services.GetRequiredService<IOptions<RateLimitOptions>>().Value.Exempt);
        }
        finally
        {
            await host.StopAsync(TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public void Run_WithoutListenSettings_AnswersOnLoopbackPort5335_AndExemptsLoopbackFromRateLimits()
    {
        RunSettings settings = Settings(FreePort());
        settings.Listen.Clear();
        using IHost host = ResolverHost.Build(settings);

        Assert.Equal(["127.0.0.1:5335", "[::1]:5335"], host.Services.GetRequiredService<IOptions<ResolverServerOptions>>().Value.ListenEndPoints);
        Assert.Equal(["127.0.0.0/8", "::1/128"], host.Services.GetRequiredService<IOptions<RateLimitOptions>>().Value.Exempt);
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
    public void Run_ShippedDefaults_ExemptLoopbackFromTheRateLimit_AndKeepTheResolverFloodLimits()
    {
        using IHost host = ResolverHost.Build(Settings(FreePort()));

        var rateLimit = host.Services.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        var server = host.Services.GetRequiredService<IOptions<ResolverServerOptions>>().Value;

        Assert.Equal(["127.0.0.0/8", "::1/128"], rateLimit.Exempt);
        var defaults = new RateLimitOptions();
        Assert.Equal((defaults.ResponsesPerSecond, defaults.Burst, defaults.Slip, 24, 56),
            (rateLimit.ResponsesPerSecond, rateLimit.Burst, rateLimit.Slip, rateLimit.IPv4PrefixLength, rateLimit.IPv6PrefixLength));

        // The TCP flood tests run with the ResolverServerOptions defaults; the shipped configuration must not weaken them.
        var serverDefaults = new ResolverServerOptions();
        Assert.Equal((serverDefaults.MaxTcpConnections, serverDefaults.MaxTcpConnectionsPerClient, serverDefaults.TcpIdleTimeout, serverDefaults.MaxQueriesInFlight),
            (server.MaxTcpConnections, server.MaxTcpConnectionsPerClient, server.TcpIdleTimeout, server.MaxQueriesInFlight));
    }

    [Fact]
    public async Task Run_LimitsUdpResponses_AsConfigured_ButNeverTcp()
    {
        int port = FreePort();
        using IHost host = ResolverHost.Build(Settings(port, new()
        {
            ["Resolver:RateLimit:ResponsesPerSecond"] = "1",
            ["Resolver:RateLimit:Burst"] = "5",
            ["Resolver:RateLimit:Exempt:0"] = "192.0.2.0/24",     // replaces the shipped loopback entries, by position
            ["Resolver:RateLimit:Exempt:1"] = "2001:db8::/32",
        }));
        await host.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            var udp = new LookupClient(new LookupClientOptions(new NameServer(IPAddress.Loopback, port))
            {
                UseCache = false,
                Retries = 0,
                Timeout = TimeSpan.FromMilliseconds(300),
                UseTcpFallback = false,
                ThrowDnsErrors = false,
            });
            int answered = 0;
            for (int i = 0; i < 20; i++)
            {
                try
                {
                    IDnsQueryResponse response = await udp.QueryAsync("phish.example.net", QueryType.A, cancellationToken: TestContext.Current.CancellationToken);
                    answered += response.Answers.ARecords().Any() ? 1 : 0; // a truncated answer has no records
                }
                catch (DnsResponseException)
                {
                    // dropped by the limit: timed out
                }
            }

            Assert.InRange(answered, 5, 19);
            var tcp = new LookupClient(new LookupClientOptions(new NameServer(IPAddress.Loopback, port)) { UseCache = false, UseTcpOnly = true });
            for (int i = 0; i < 20; i++)
            {
                IDnsQueryResponse response = await tcp.QueryAsync("phish.example.net", QueryType.A, cancellationToken: TestContext.Current.CancellationToken);
                Assert.Single(response.Answers.ARecords());
            }
        }
        finally
        {
            await host.StopAsync(TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Run_RefusesABadRateLimitExemptPrefix_NamingTheKey()
    {
        using IHost host = ResolverHost.Build(Settings(FreePort(), new() { ["Resolver:RateLimit:Exempt:0"] = "127.0.0.0/8", ["Resolver:RateLimit:Exempt:1"] = "loopback" }));

        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("Resolver:RateLimit:Exempt:1", error.Message);
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
