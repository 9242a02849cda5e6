using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using PipShield.Service.Alerts;
using PipShield.Service.Firewall;
using PipShield.Service.Hosting;
using PipShield.Service.Tests.Hosting;

namespace PipShield.Service.Tests.Firewall;

/// <summary>
/// The rules at work on real traffic, in network namespaces the tests make: a protected namespace runs the
/// service's nft rules, a peer namespace listens on an allowed and a listed address.
/// </summary>
public sealed class NetnsEnforcementTests : IDisposable
{
    private const int Port = 8080;
    private readonly NetnsLab _lab;
    private readonly string _net;

    public NetnsEnforcementTests()
    {
        NetnsLab.SkipUnlessAvailable();
        _lab = new NetnsLab();
        _net = "198.18." + Random.Shared.Next(0, 256).ToString(CultureInfo.InvariantCulture); // one /24 of 198.18.0.0/15
    }

    public void Dispose() => _lab.Dispose();

    private string Address(int host) => $"{_net}.{host}";

    [Fact]
    public async Task Service_DropsTrafficToAListedAddress_RecordsTheDevice_AndLetsItThroughOnceDelisted()
    {
        string protectedNs = _lab.AddNamespace("p");
        string peer = _lab.AddNamespace("q");
        _lab.Link(protectedNs, [Address(1) + "/24"], peer, [Address(2) + "/24", Address(3) + "/24"]);
        _lab.Listen(peer, Port);
        Assert.True(_lab.WaitUntilConnects(protectedNs, Address(3), Port), "the peer's listener never came up");

        string list = Path.Combine(_lab.Folder, "listed.ip");
        File.WriteAllText(list, $"# test feed\n{Address(3)}\n");
        IHost host = ResolverHost.Build(Settings(list, _lab.NftWrapper(protectedNs)));
        await host.StartAsync(TestContext.Current.CancellationToken);
        FirewallHostedService firewall = host.Services.GetRequiredService<FirewallHostedService>();
        try
        {
            Assert.True(await EventuallyAsync(() => firewall.AppliedCount >= 1), "the rules were never applied");
            Assert.True(firewall.LastRun!.Succeeded, firewall.LastRun.Problem);

            Assert.True(_lab.CanConnect(protectedNs, Address(2), Port), "an address nobody lists must stay reachable");
            Assert.False(_lab.CanConnect(protectedNs, Address(3), Port), "the listed address must be unreachable");
            Assert.Contains("\"packets\": ", _lab.Exec(protectedNs, "nft", "-j", "list", "counter", "inet", "pipshield", "dropped4"), StringComparison.Ordinal);
            Assert.DoesNotContain("\"packets\": 0,", _lab.Exec(protectedNs, "nft", "-j", "list", "counter", "inet", "pipshield", "dropped4"), StringComparison.Ordinal);

            // The hits set names the device; the poller turns it into an alert with the listed prefix and its list.
            var reporter = new RecordingReporter();
            var poller = new FirewallHitPoller(new NftBackend(new FirewallOptions { NftPath = _lab.NftWrapper(protectedNs) }),
                host.Services.GetRequiredService<ResolverHostedService>().Reloader!.Images, reporter, TimeProvider.System, NullLogger.Instance);
            Assert.Equal(1, await poller.PollAsync(TestContext.Current.CancellationToken));
            AlertSignal signal = Assert.Single(reporter.Signals);
            Assert.Equal((AlertKind.BlockedConnection, Address(1), Address(3), "malware"), (signal.Kind, signal.Device, signal.Rule, signal.Category));
            Assert.True(signal.Count >= 1);
            Assert.Equal(0, await poller.PollAsync(TestContext.Current.CancellationToken)); // nothing new since

            // A list update that drops the address: the service reloads and replaces the rules.
            File.WriteAllText(list, "# test feed\n192.0.2.1\n");
            Assert.True(await EventuallyAsync(() => firewall.AppliedCount >= 2), "the rules were not replaced after the list update");
            Assert.True(firewall.LastRun!.Succeeded, firewall.LastRun.Problem);
            Assert.True(_lab.CanConnect(protectedNs, Address(3), Port), "a delisted address must be reachable again");
        }
        finally
        {
            await host.StopAsync(TestContext.Current.CancellationToken);
            host.Dispose();
        }

        // Firewall:KeepWhenStopped is false here, so stopping took the table away.
        Assert.Throws<Xunit.Sdk.TrueException>(() => _lab.Exec(protectedNs, "nft", "list", "table", "inet", "pipshield"));
    }

    [Fact]
    public async Task Gateway_DropsForwardedTrafficToAListedAddress_AndDnsToOtherResolvers()
    {
        string client = _lab.AddNamespace("c");
        string gateway = _lab.AddNamespace("g");
        string server = _lab.AddNamespace("s");
        string other = "198.19." + _net[(_net.LastIndexOf('.') + 1)..];
        _lab.Link(client, [Address(2) + "/24"], gateway, [Address(1) + "/24"]);
        _lab.Link(gateway, [other + ".1/24"], server, [other + ".2/24", other + ".3/24"]);
        _lab.Exec(client, "ip", "route", "add", "default", "via", Address(1));
        _lab.Exec(server, "ip", "route", "add", "default", "via", other + ".1");
        _lab.Exec(gateway, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        _lab.Listen(server, Port);
        _lab.Listen(server, 53); // stands in for a resolver a device might use instead of PipShield
        Assert.True(_lab.WaitUntilConnects(client, other + ".3", Port), "the server's listener never came up through the gateway");
        Assert.True(_lab.WaitUntilConnects(client, other + ".2", 53), "the server's port 53 listener never came up");

        var options = new FirewallOptions { Mode = FirewallMode.Gateway, Action = FirewallAction.Reject, StopDnsBypass = true, NftPath = _lab.NftWrapper(gateway) };
        using var image = FirewallImages.Compile($"{other}.3\n");
        var enforcer = new FirewallEnforcer(options, new NftBackend(options), [], NullLogger.Instance);
        ToolRun run = await enforcer.ApplyAsync(enforcer.Targets(image), TestContext.Current.CancellationToken);
        Assert.True(run.Succeeded, run.Problem);

        Assert.True(_lab.CanConnect(client, other + ".2", Port), "an unlisted server must stay reachable through the gateway");
        Assert.False(_lab.CanConnect(client, other + ".3", Port), "the gateway must stop the device reaching a listed server");
        Assert.False(_lab.CanConnect(client, other + ".2", 53), "DNS to another resolver must be stopped at the gateway");
        string hits = _lab.Exec(gateway, "nft", "-j", "list", "set", "inet", "pipshield", NftRuleset.Hits4);
        Assert.Contains($"\"{Address(2)}\", \"{other}.3\"", hits, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoppedService_LeavesTheRulesInPlace_ByDefault()
    {
        string ns = _lab.AddNamespace("k");
        string list = Path.Combine(_lab.Folder, "listed.ip");
        File.WriteAllText(list, "192.0.2.1\n");
        RunSettings settings = Settings(list, _lab.NftWrapper(ns));
        settings.Overrides.Remove("Firewall:KeepWhenStopped"); // the default: fail closed
        IHost host = ResolverHost.Build(settings);
        await host.StartAsync(TestContext.Current.CancellationToken);
        FirewallHostedService firewall = host.Services.GetRequiredService<FirewallHostedService>();
        try
        {
            Assert.True(await EventuallyAsync(() => firewall.AppliedCount >= 1), "the rules were never applied");
            Assert.True(firewall.LastRun!.Succeeded, firewall.LastRun.Problem);
        }
        finally
        {
            await host.StopAsync(TestContext.Current.CancellationToken);
            host.Dispose();
        }

        Assert.Contains("192.0.2.1", _lab.Exec(ns, "nft", "list", "set", "inet", "pipshield", "blocked4"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(FirewallMode.Host, FirewallAction.Drop, false, BypassAction.Drop)]
    [InlineData(FirewallMode.Host, FirewallAction.Reject, true, BypassAction.Redirect)]
    [InlineData(FirewallMode.Gateway, FirewallAction.Drop, true, BypassAction.Drop)]
    [InlineData(FirewallMode.Gateway, FirewallAction.Reject, true, BypassAction.Redirect)]
    public async Task Ruleset_LoadsIntoNft_AndReplacesItself_WithIpv4AndIpv6Ranges(FirewallMode mode, FirewallAction action, bool stopBypass, BypassAction bypass)
    {
        string ns = _lab.AddNamespace("n");
        var options = new FirewallOptions { Mode = mode, Action = action, StopDnsBypass = stopBypass, BypassAction = bypass, NftPath = _lab.NftWrapper(ns) };
        var enforcer = new FirewallEnforcer(options, new NftBackend(options), [], NullLogger.Instance);
        using var first = FirewallImages.Compile("192.0.2.0/24\n198.51.100.1\n198.51.100.2\n2001:db8::/32\n2001:db8:1::/48\n", allowed: "192.0.2.64/26\n");
        using var second = FirewallImages.Compile("203.0.113.0/24\n");

        ToolRun loaded = await enforcer.ApplyAsync(enforcer.Targets(first), TestContext.Current.CancellationToken);
        Assert.True(loaded.Succeeded, loaded.Problem);
        string set = _lab.Exec(ns, "nft", "list", "set", "inet", "pipshield", "blocked4");
        Assert.Contains("192.0.2.0/26", set, StringComparison.Ordinal);
        Assert.Contains("192.0.2.128/25", set, StringComparison.Ordinal);
        Assert.Contains("2001:db8::/32", _lab.Exec(ns, "nft", "list", "set", "inet", "pipshield", "blocked6"), StringComparison.Ordinal);

        ToolRun replaced = await enforcer.ApplyAsync(enforcer.Targets(second), TestContext.Current.CancellationToken);
        Assert.True(replaced.Succeeded, replaced.Problem);
        set = _lab.Exec(ns, "nft", "list", "set", "inet", "pipshield", "blocked4");
        Assert.Contains("203.0.113.0/24", set, StringComparison.Ordinal);
        Assert.DoesNotContain("192.0.2.", set, StringComparison.Ordinal);

        ToolRun removed = await enforcer.RemoveAsync(TestContext.Current.CancellationToken);
        Assert.True(removed.Succeeded, removed.Problem);
        Assert.DoesNotContain("pipshield", _lab.Exec(ns, "nft", "list", "tables"), StringComparison.Ordinal);
        Assert.True((await enforcer.RemoveAsync(TestContext.Current.CancellationToken)).Succeeded, "removing rules that are not there must succeed");
    }

    [Fact]
    public async Task Apply_WithABrokenScript_ReportsNftsErrorLine_AndKeepsThePreviousRules()
    {
        string ns = _lab.AddNamespace("b");
        var options = new FirewallOptions { NftPath = _lab.NftWrapper(ns) };
        var backend = new NftBackend(options);
        using var image = FirewallImages.Compile("192.0.2.0/24\n");
        Assert.True((await backend.RunAsync(backend.Render(FirewallTargets.From(image, [])), TestContext.Current.CancellationToken)).Succeeded);

        string broken = backend.Render(FirewallTargets.Empty).Replace("policy accept;", "policy sideways;", StringComparison.Ordinal);
        ToolRun run = await backend.RunAsync(broken, TestContext.Current.CancellationToken);

        Assert.Equal(ToolOutcome.Failed, run.Outcome);
        Assert.Contains("Error", run.Problem, StringComparison.Ordinal);
        Assert.Contains("192.0.2.0/24", _lab.Exec(ns, "nft", "list", "set", "inet", "pipshield", "blocked4"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gateway_RedirectsDnsToOtherResolvers_ToThisMachine()
    {
        string client = _lab.AddNamespace("c");
        string gateway = _lab.AddNamespace("g");
        string server = _lab.AddNamespace("s");
        string other = "198.19." + _net[(_net.LastIndexOf('.') + 1)..];
        _lab.Link(client, [Address(2) + "/24"], gateway, [Address(1) + "/24"]);
        _lab.Link(gateway, [other + ".1/24"], server, [other + ".2/24"]);
        _lab.Exec(client, "ip", "route", "add", "default", "via", Address(1));
        _lab.Exec(server, "ip", "route", "add", "default", "via", other + ".1");
        _lab.Exec(gateway, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        _lab.Listen(server, Port);
        _lab.Listen(server, 853); // stands in for another resolver's DNS-over-TLS
        _lab.Listen(gateway, 5353); // stands in for PipShield on the gateway
        Assert.True(_lab.WaitUntilConnects(client, other + ".2", Port), "the server never became reachable through the gateway");
        Assert.True(_lab.WaitUntilConnects(client, other + ".2", 853), "the server's port 853 listener never came up");
        Assert.True(_lab.WaitUntilConnects(client, Address(1), 5353), "the gateway's listener never came up");
        Assert.False(_lab.CanConnect(client, other + ".2", 53), "nothing listens on the server's port 53, so before the rules this fails");

        var options = new FirewallOptions
        {
            Mode = FirewallMode.Gateway, StopDnsBypass = true, BypassAction = BypassAction.Redirect, RedirectPort = 5353, NftPath = _lab.NftWrapper(gateway),
        };
        var enforcer = new FirewallEnforcer(options, new NftBackend(options), [], NullLogger.Instance);
        ToolRun run = await enforcer.ApplyAsync(FirewallTargets.Empty, TestContext.Current.CancellationToken);
        Assert.True(run.Succeeded, run.Problem);

        Assert.True(_lab.CanConnect(client, other + ".2", 53), "DNS to another resolver must reach the gateway's listener instead");
        Assert.False(_lab.CanConnect(client, other + ".2", 853), "DNS-over-TLS to another resolver must be dropped");
    }

    private RunSettings Settings(string list, string nft) => new()
    {
        Listen = [$"127.0.0.1:{HostTestKit.FreePort()}"],
        Upstreams = ["127.0.0.1:9"],
        Lists = [list + ":ip:malware"],
        Overrides = new()
        {
            ["Lists:StateDirectory"] = _lab.Folder,
            ["Lists:ReloadCheckInterval"] = "00:00:00.100",
            ["Firewall:Enabled"] = "true",
            ["Firewall:NftPath"] = nft,
            ["Firewall:KeepWhenStopped"] = "false",
        },
    };

    /// <summary>Polls every 50 ms for at most 20 s.</summary>
    private static async Task<bool> EventuallyAsync(Func<bool> condition)
    {
        for (int i = 0; i < 400; i++)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        return false;
    }
}
