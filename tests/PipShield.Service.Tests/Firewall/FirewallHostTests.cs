using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PipShield.Service.Firewall;
using PipShield.Service.Hosting;
using PipShield.Service.Tests.Cli;
using PipShield.Service.Tests.Hosting;

namespace PipShield.Service.Tests.Firewall;

/// <summary>The service with the firewall on, where the rules cannot be loaded: DNS goes on and the failure is reported.</summary>
public sealed class FirewallHostTests : IDisposable
{
    private const string Sinkhole = "192.0.2.80";
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task Service_WhoseFirewallToolIsMissing_KeepsFilteringDns_AndSaysWhatWentWrong()
    {
        string list = _workspace.PathOf("mixed.txt");
        File.WriteAllText(list, "login.phish.example.net\n");
        string ips = _workspace.PathOf("ips.txt");
        File.WriteAllText(ips, "198.51.100.7\n");
        int port = HostTestKit.FreePort();
        using IHost host = ResolverHost.Build(new RunSettings
        {
            Listen = [$"127.0.0.1:{port}"],
            Upstreams = ["127.0.0.1:9"],
            Lists = [list + ":domains:phishing", ips + ":ip:malware"],
            Overrides = new()
            {
                ["Lists:StateDirectory"] = _workspace.Folder,
                ["Lists:ReloadCheckInterval"] = "00:00:00",
                ["Resolver:Policy:SinkholeIPv4"] = Sinkhole,
                ["Firewall:Enabled"] = "true",
                ["Firewall:NftPath"] = _workspace.PathOf("no-such-nft"),
            },
        });
        await host.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            FirewallHostedService firewall = host.Services.GetRequiredService<FirewallHostedService>();
            for (int i = 0; i < 200 && firewall.AppliedCount == 0; i++)
            {
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }

            Assert.NotNull(firewall.LastRun);
            Assert.False(firewall.LastRun.Succeeded);
            Assert.Contains("no-such-nft", firewall.LastRun.Problem, StringComparison.Ordinal);

            IDnsQueryResponse response = await HostTestKit.Client(port).QueryAsync("login.phish.example.net", QueryType.A, cancellationToken: TestContext.Current.CancellationToken);
            Assert.Contains(response.Answers.ARecords(), a => a.Address.ToString() == Sinkhole);
        }
        finally
        {
            await host.StopAsync(TestContext.Current.CancellationToken);
        }
    }
}
