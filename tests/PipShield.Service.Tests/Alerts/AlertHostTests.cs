using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using DnsClient;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PipShield.Service.Alerts;
using PipShield.Service.Hosting;
using PipShield.Service.Tests.Cli;
using PipShield.Service.Tests.Hosting;
using PipShield.Service.Tests.QueryLog;

namespace PipShield.Service.Tests.Alerts;

/// <summary>Alerts from the running service: real DNS queries over loopback for a name in a c2-category list.</summary>
public sealed class AlertHostTests : IDisposable
{
    private const string C2Name = "beacon.c2.example.net";

    private readonly CliWorkspace _workspace = new();

    public AlertHostTests() => File.WriteAllText(_workspace.PathOf("test-c2.domains.txt"), "# a tiny c2 list\nc2.example.net\n");

    public void Dispose() => _workspace.Dispose();

    private string HistoryPath => _workspace.PathOf("alerts.jsonl");

    [Fact]
    public async Task BurstOfC2Queries_FromOneClient_RaisesOneAlert_PhishingNone_AndASecondClientItsOwn()
    {
        await using var upstream = new LoopbackUpstream();
        await using var webhook = new LoopbackWebhook();
        int port = HostTestKit.FreePort();
        using IHost host = ResolverHost.Build(Settings(port, upstream, new() { ["Alerts:WebhookUrl"] = webhook.Url }));
        await host.StartAsync(Cancel);
        bool secondClient;
        try
        {
            LookupClient client = HostTestKit.Client(port);
            for (int i = 0; i < 5; i++)
            {
                await client.QueryAsync(C2Name, QueryType.A, cancellationToken: Cancel);
            }

            await client.QueryAsync("login.phish.example.net", QueryType.A, cancellationToken: Cancel);
            await client.QueryAsync("www.example.org", QueryType.A, cancellationToken: Cancel);
            secondClient = await QueryFromAsync(IPAddress.Parse("127.0.0.2"), port, C2Name);
            await webhook.WaitForAsync(secondClient ? 2 : 1, TimeSpan.FromSeconds(20));
        }
        finally
        {
            await host.StopAsync(Cancel);
        }

        List<JsonElement> history = ReadHistory();
        string[] expected = secondClient ? ["127.0.0.1", "127.0.0.2"] : ["127.0.0.1"];
        List<JsonElement> alerts = [.. history.Where(a => a.GetProperty("type").GetString() == "pipshield.alert")];
        Assert.Equal(expected, alerts.Select(a => a.GetProperty("device").GetString()));
        JsonElement first = alerts[0];
        Assert.Equal("c2-query", first.GetProperty("kind").GetString());
        Assert.Equal("c2.example.net", first.GetProperty("rule").GetString());
        Assert.Equal("c2", first.GetProperty("category").GetString());
        Assert.Contains("test-c2", first.GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, first.GetProperty("count").GetInt64());

        // The rest of the burst is on record as the alert's final count, written when the service stopped.
        JsonElement update = Assert.Single(history, a => a.GetProperty("type").GetString() == "pipshield.alert-update");
        Assert.Equal(first.GetProperty("id").GetString(), update.GetProperty("id").GetString());
        Assert.Equal(5, update.GetProperty("count").GetInt64());
        Assert.Equal(expected, webhook.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("device").GetString()).Order());

        // The phishing name was blocked too, just not alerted: only c2 counts.
        string[] blocks = File.ReadAllLines(_workspace.PathOf("queries.jsonl"));
        Assert.Contains(blocks, line => line.Contains("\"category\":\"phishing\"", StringComparison.Ordinal));
        Assert.Equal(secondClient ? 6 : 5, blocks.Count(line => line.Contains("\"category\":\"c2\"", StringComparison.Ordinal)));
        Assert.SkipUnless(secondClient, "127.0.0.2 cannot be bound on this machine; the second-client half was not run");
    }

    [Fact]
    public async Task Host_HandsOutOneReporter_ForTheFirewallSide_AndAlertsListsWhatItRaised()
    {
        await using var upstream = new LoopbackUpstream();
        int port = HostTestKit.FreePort();
        using IHost host = ResolverHost.Build(Settings(port, upstream, []));
        await host.StartAsync(Cancel);
        try
        {
            IAlertReporter reporter = host.Services.GetRequiredService<IAlertReporter>();
            Assert.Same(reporter, host.Services.GetRequiredService<IAlertReporter>());
            reporter.Report(new AlertSignal(AlertKind.BlockedConnection, "192.0.2.44", "198.51.100.0/24", "c2", "sample-c2", DateTimeOffset.UtcNow, Count: 3));
            await HostTestKit.Client(port).QueryAsync(C2Name, QueryType.A, cancellationToken: Cancel);
        }
        finally
        {
            await host.StopAsync(Cancel);
        }

        // The CLI finds the history through the same configuration the service used.
        string config = _workspace.PathOf("pipshield.json");
        File.WriteAllText(config, JsonSerializer.Serialize(new { Lists = new { StateDirectory = _workspace.Folder } }));
        CliRun text = CliWorkspace.Run("alerts", "--config", config);
        Assert.Equal(0, text.ExitCode);
        Assert.Equal(3, text.StdoutLines.Length); // header, then newest first
        Assert.Contains("127.0.0.1", text.StdoutLines[1], StringComparison.Ordinal);
        Assert.Contains("c2-query", text.StdoutLines[1], StringComparison.Ordinal);
        Assert.Contains("192.0.2.44", text.StdoutLines[2], StringComparison.Ordinal);
        Assert.Contains("blocked-connection", text.StdoutLines[2], StringComparison.Ordinal);

        CliRun json = CliWorkspace.Run("alerts", "--json", "--config", config);
        Assert.Equal(0, json.ExitCode);
        JsonElement[] alerts = [.. JsonDocument.Parse(json.Stdout).RootElement.EnumerateArray()];
        Assert.Equal(["127.0.0.1", "192.0.2.44"], alerts.Select(a => a.GetProperty("device").GetString()));
        Assert.Equal(3, alerts[1].GetProperty("count").GetInt64());
    }

    [Theory]
    [InlineData("Alerts:WebhookUrl", "http://hooks.example.net/pipshield", "https")]
    [InlineData("Alerts:WebhookUrl", "hooks.example.net", "not an absolute")]
    [InlineData("Alerts:WebhookSecret", "short", "16 characters")]
    [InlineData("Alerts:Window", "00:00:00", "between")]
    [InlineData("Alerts:MaxQueued", "0", "between")]
    public void Options_OutOfRange_StopStartup_NamingTheKey(string key, string value, string reason)
    {
        using IHost host = ResolverHost.Build(new RunSettings { Overrides = new() { [key] = value } });

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<AlertsOptions>>().Value);
        Assert.Contains(key + ":", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("/pipshield", error.Message, StringComparison.Ordinal); // a URL's path may hold a token
    }

    [Fact]
    public void Options_ConfiguredCategories_ReplaceTheDefault()
    {
        using IHost host = ResolverHost.Build(new RunSettings { Overrides = new() { ["Alerts:C2Categories:0"] = "botnet" } });

        Assert.Equal(["botnet"], host.Services.GetRequiredService<IOptions<AlertsOptions>>().Value.EffectiveC2Categories);
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>One A query sent from <paramref name="source"/>; false when that address cannot be bound here.</summary>
    private static async Task<bool> QueryFromAsync(IPAddress source, int port, string name)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(new IPEndPoint(source, 0));
        }
        catch (SocketException)
        {
            return false;
        }

        var labels = name.Split('.').SelectMany(l => new[] { (byte)l.Length }.Concat(System.Text.Encoding.ASCII.GetBytes(l)));
        byte[] query = [0x4a, 0x17, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, .. labels, 0, 0, 1, 0, 1];
        await socket.SendToAsync(query, new IPEndPoint(IPAddress.Loopback, port), Cancel);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        var reply = new byte[512];
        int received = await socket.ReceiveAsync(reply, SocketFlags.None, timeout.Token);
        Assert.True(received >= 12 && reply[0] == 0x4a && reply[1] == 0x17, "no reply to the query from " + source);
        return true;
    }

    private List<JsonElement> ReadHistory() =>
        [.. File.ReadAllLines(HistoryPath).Select(line => JsonDocument.Parse(line).RootElement.Clone())];

    private RunSettings Settings(int port, LoopbackUpstream upstream, Dictionary<string, string?> overrides) => new()
    {
        Listen = [$"127.0.0.1:{port}"],
        Upstreams = [upstream.EndPoint.ToString()],
        Lists = [_workspace.PathOf("sample-phishing.domains.txt") + "::phishing", _workspace.PathOf("test-c2.domains.txt") + "::c2"],
        Overrides = new Dictionary<string, string?>(overrides)
        {
            ["Lists:StateDirectory"] = _workspace.Folder,
            ["QueryLog:Path"] = _workspace.PathOf("queries.jsonl"),
            ["Resolver:Upstream:Deadline"] = "00:00:01",
            ["Resolver:Upstream:Timeout"] = "00:00:00.500",
        },
    };
}
