using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PipShield.Resolver.Pipeline;
using PipShield.Service.Hosting;
using PipShield.Service.Tests.Cli;
using PipShield.Service.Tests.Hosting;
using PipShield.Tests.Tls;

namespace PipShield.Service.Tests.Doh;

/// <summary>
/// The service host on loopback with a test certificate: plain DNS, DoT and DoH on free ports, the sample phishing
/// list, a loopback upstream answering every A query with 192.0.2.53 (TTL 60), and blocked names sinkholed to 127.0.0.1
/// so that tools which go on to connect stay on loopback.
/// </summary>
internal sealed class DohTestHost : IAsyncDisposable
{
    private readonly CliWorkspace _workspace;
    private readonly LoopbackUpstream _upstream;
    private readonly IHost _host;

    private DohTestHost(CliWorkspace workspace, LoopbackUpstream upstream, IHost host, int dohPort, int dotPort)
    {
        _workspace = workspace;
        _upstream = upstream;
        _host = host;
        DohEndPoint = new IPEndPoint(IPAddress.Loopback, dohPort);
        DotEndPoint = new IPEndPoint(IPAddress.Loopback, dotPort);
    }

    public IPEndPoint DohEndPoint { get; }

    public IPEndPoint DotEndPoint { get; }

    public int UpstreamQueries => _upstream.Received;

    /// <summary>The service's state directory (compiled image, query log).</summary>
    public string StateDirectory => _workspace.Folder;

    public Uri Url(string path = "/dns-query") => new($"https://127.0.0.1:{DohEndPoint.Port}{path}");

    public static async Task<DohTestHost> StartAsync(TestCertificates certificates, IDeviceDirectory? devices = null, Dictionary<string, string?>? overrides = null)
    {
        var workspace = new CliWorkspace();
        var upstream = new LoopbackUpstream(TimeSpan.Zero);
        int dohPort = HostTestKit.FreePort();
        int dotPort = HostTestKit.FreePort();
        var settings = new RunSettings
        {
            Listen = [$"127.0.0.1:{HostTestKit.FreePort()}"],
            Upstreams = [upstream.EndPoint.ToString()],
            Lists = [workspace.PathOf("sample-phishing.domains.txt") + "::phishing"],
            Overrides = new Dictionary<string, string?>
            {
                ["Lists:StateDirectory"] = workspace.Folder,
                ["BlockPage:Enabled"] = "false",
                ["Resolver:Policy:SinkholeIPv4"] = "127.0.0.1",
                ["Resolver:Policy:SinkholeIPv6"] = "::1",
                ["Resolver:Server:Tls:CertificateFile"] = certificates.CertificateFile,
                ["Resolver:Server:Tls:KeyFile"] = certificates.KeyFile,
                ["Resolver:Server:Tls:HostName"] = TestCertificates.HostName,
                ["Resolver:Server:TlsEndPoints:0"] = $"127.0.0.1:{dotPort}",
                ["Doh:EndPoints:0"] = $"127.0.0.1:{dohPort}",
            },
            Services = devices is null ? null : services => services.AddSingleton(devices),
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
            await upstream.DisposeAsync();
            workspace.Dispose();
            throw;
        }

        return new DohTestHost(workspace, upstream, host, dohPort, dotPort);
    }

    /// <summary>An HttpClient that trusts only the test CA and speaks exactly <paramref name="version"/>.</summary>
    public static HttpClient Client(TestCertificates certificates, Version version) => new(new SocketsHttpHandler
    {
        SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, errors) => certificates.Validate(certificate, errors) },
    })
    {
        DefaultRequestVersion = version,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(10),
    };

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(CancellationToken.None);
        _host.Dispose();
        await _upstream.DisposeAsync();
        _workspace.Dispose();
    }
}
