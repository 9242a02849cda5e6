using System.Net;
using System.Net.Sockets;
using System.Text;
using DnsClient;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PipShield.Service.BlockPage;
using PipShield.Service.Hosting;
using PipShield.Service.Tests.Cli;
using PipShield.Service.Tests.Hosting;

namespace PipShield.Service.Tests.BlockPage;

/// <summary>The service host on loopback with free ports: DNS, the warning page over HTTP, and optionally HTTPS.</summary>
internal sealed class BlockPageTestHost : IAsyncDisposable
{
    private readonly CliWorkspace _workspace;
    private readonly IHost _host;

    private BlockPageTestHost(CliWorkspace workspace, IHost host, int dnsPort, int httpPort, int httpsPort)
    {
        _workspace = workspace;
        _host = host;
        DnsPort = dnsPort;
        HttpPort = httpPort;
        HttpsPort = httpsPort;
    }

    public int DnsPort { get; }

    public int HttpPort { get; }

    public int HttpsPort { get; }

    public string StateDirectory => _workspace.Folder;

    public BlockPageHostedService Page => _host.Services.GetRequiredService<BlockPageHostedService>();

    public IServiceProvider Services => _host.Services;

    public LookupClient Dns => HostTestKit.Client(DnsPort);

    /// <summary>Starts the host with the sample phishing list (category "phishing") and <paramref name="overrides"/>.</summary>
    public static async Task<BlockPageTestHost> StartAsync(Dictionary<string, string?>? overrides = null, int? httpPort = null, int? httpsPort = null)
    {
        var workspace = new CliWorkspace();
        int dnsPort = HostTestKit.FreePort();
        int http = httpPort ?? HostTestKit.FreePort();
        int https = httpsPort ?? HostTestKit.FreePort();

        // The shipped defaults list two endpoints each; configuration arrays merge by index, so both are replaced.
        var settings = new RunSettings
        {
            Listen = [$"127.0.0.1:{dnsPort}"],
            Upstreams = ["127.0.0.1:9"],
            Lists = [workspace.PathOf("sample-phishing.domains.txt") + "::phishing"],
            Overrides = new Dictionary<string, string?>
            {
                ["Lists:StateDirectory"] = workspace.Folder,
                ["Resolver:Upstream:Deadline"] = "00:00:01",
                ["Resolver:Upstream:Timeout"] = "00:00:00.500",
                ["BlockPage:HttpEndPoints:0"] = $"127.0.0.1:{http}",
                ["BlockPage:HttpEndPoints:1"] = $"127.0.0.1:{HostTestKit.FreePort()}",
                ["BlockPage:HttpsEndPoints:0"] = $"127.0.0.1:{https}",
                ["BlockPage:HttpsEndPoints:1"] = $"127.0.0.1:{HostTestKit.FreePort()}",
                ["BlockPage:Organisation"] = "Example Campaign",
                ["BlockPage:Contact"] = "Sam Example, your IT lead",
                ["BlockPage:ReportAddress"] = "false-positive@example.org",
            },
        };
        foreach (KeyValuePair<string, string?> entry in overrides ?? [])
        {
            settings.Overrides[entry.Key] = entry.Value;
        }

        IHost host = ResolverHost.Build(settings);
        try
        {
            await host.StartAsync(TestContext.Current.CancellationToken);
        }
        catch
        {
            host.Dispose();
            workspace.Dispose();
            throw;
        }

        return new BlockPageTestHost(workspace, host, dnsPort, http, https);
    }

    /// <summary>GET (or <paramref name="method"/>) of <paramref name="path"/> with <paramref name="host"/> as the Host header.</summary>
    public async Task<HttpResponseMessage> GetAsync(string host, string path = "/", HttpMethod? method = null)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, $"http://127.0.0.1:{HttpPort}{path}");
        request.Headers.Host = host;
        HttpResponseMessage response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        await response.Content.LoadIntoBufferAsync(TestContext.Current.CancellationToken);
        return response;
    }

    /// <summary>Sends <paramref name="requestHead"/> as raw bytes (no client-side checks) and returns the whole reply.</summary>
    public async Task<string> RawAsync(byte[] requestHead)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancel.CancelAfter(TimeSpan.FromSeconds(10));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, HttpPort), cancel.Token);
        await socket.SendAsync(requestHead, cancel.Token);
        var reply = new MemoryStream();
        byte[] buffer = new byte[8192];
        for (int i = 0; i < 1000; i++)
        {
            int read = await socket.ReceiveAsync(buffer, cancel.Token);
            if (read == 0)
            {
                break;
            }

            reply.Write(buffer, 0, read);
        }

        return Encoding.UTF8.GetString(reply.ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(TestContext.Current.CancellationToken);
        _host.Dispose();
        _workspace.Dispose();
    }
}
