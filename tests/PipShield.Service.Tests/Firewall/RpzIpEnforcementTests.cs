using System.Net;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Hosting;
using PipShield.Service.Hosting;
using PipShield.Service.Tests.Cli;
using PipShield.Service.Tests.Hosting;

namespace PipShield.Service.Tests.Firewall;

/// <summary>An <c>rpz-ip</c> trigger in an RPZ feed is one IP rule: it blocks answers and goes into the firewall.</summary>
public sealed class RpzIpEnforcementTests : IDisposable
{
    // 24.0.2.0.192.rpz-ip is 192.0.2.0/24, the network of the address LoopbackUpstream answers every query with.
    private const string Zone = """
        $TTL 300
        @ IN SOA localhost. hostmaster.localhost. 1 3600 600 86400 60
        @ IN NS localhost.
        24.0.2.0.192.rpz-ip CNAME .
        """;

    private readonly CliWorkspace _workspace = new();

    public RpzIpEnforcementTests() => File.WriteAllText(ZonePath, Zone);

    public void Dispose() => _workspace.Dispose();

    private string ZonePath => _workspace.PathOf("feed.rpz");

    [Fact]
    public void RpzIpTrigger_EndsUpInTheNftRuleset()
    {
        CliRun run = CliWorkspace.Run("firewall", "show", "--format", "nft", "--config", WriteConfig(upstream: "127.0.0.1:9"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("      192.0.2.0/24\n", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RpzIpTrigger_BlocksAnUpstreamAnswerInsideItsPrefix()
    {
        await using var upstream = new LoopbackUpstream();
        int port = HostTestKit.FreePort();
        using IHost host = ResolverHost.Build(new RunSettings
        {
            ConfigFile = WriteConfig(upstream.EndPoint.ToString()),
            Listen = [$"127.0.0.1:{port}"],
        });
        await host.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            IDnsQueryResponse response = await HostTestKit.Client(port).QueryAsync("www.example.org", QueryType.A, cancellationToken: TestContext.Current.CancellationToken);

            Assert.DoesNotContain(response.Answers.ARecords(), a => a.Address.Equals(IPAddress.Parse(LoopbackUpstream.Address)));
            Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, response.Header.ResponseCode); // RPZ "CNAME ." is NXDOMAIN
        }
        finally
        {
            await host.StopAsync(TestContext.Current.CancellationToken);
        }
    }

    private string WriteConfig(string upstream)
    {
        string path = _workspace.PathOf("pipshield.json");
        File.WriteAllText(path, $$"""
            {
              "Resolver": { "Upstream": { "Servers": [ "{{upstream}}" ] } },
              "Lists": {
                "SourcesFile": null,
                "Sources": [ "{{ZonePath.Replace("\\", "\\\\", StringComparison.Ordinal)}}:rpz:malware" ],
                "StateDirectory": "{{_workspace.Folder.Replace("\\", "\\\\", StringComparison.Ordinal)}}",
                "ReloadCheckInterval": "00:00:00"
              }
            }
            """);
        return path;
    }
}
