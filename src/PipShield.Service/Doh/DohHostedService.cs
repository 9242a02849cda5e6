using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PipShield.Resolver.Listeners.Tls;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Server;
using PipShield.Service.BlockPage;
using PipShield.Service.Hosting;

namespace PipShield.Service.Doh;

/// <summary>
/// Serves DNS-over-HTTPS (HTTP/2 and HTTP/1.1 over TLS) with a Kestrel server of its own, answered by the resolver's
/// pipeline. Off until <c>Resolver:Server:Tls</c> names a certificate; an endpoint that cannot be bound logs one
/// warning and leaves plain DNS running, as the warning page does.
/// </summary>
internal sealed class DohHostedService(
    IOptions<DohOptions> options,
    IOptions<ResolverServerOptions> server,
    IOptions<BlockPageOptions> page,
    ResolverHostedService resolver,
    ILoggerFactory loggerFactory,
    IDeviceDirectory? devices = null) : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("PipShield.Doh");
    private WebApplication? _app;
    private ReloadingCertificate? _certificate;
    private DohEndpoint? _endpoint;

    /// <summary>The addresses DoH's own server listens on, once started; empty when it is off or shares the page's.</summary>
    public IReadOnlyList<IPEndPoint> EndPoints { get; private set; } = [];

    /// <summary>
    /// DoH for the warning page's server to carry on the ports both want; null when DoH is off or shares no port. Loads
    /// the certificate, so the page (which starts first) and this service use one.
    /// </summary>
    /// <exception cref="StartupException">The certificate cannot be read.</exception>
    public DohSite? ShareWithPage()
    {
        IReadOnlySet<int> shared = DohSite.PortsSharedWithPage(options.Value, page.Value);
        return shared.Count > 0 && Prepare() is { } endpoint ? new DohSite(_certificate!, endpoint, shared) : null;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        DohOptions doh = options.Value;
        if (!doh.Enabled)
        {
            return;
        }

        if (!server.Value.Tls.IsConfigured)
        {
            DohLog.NoCertificate(_logger);
            return;
        }

        Prepare();
        IReadOnlySet<int> shared = DohSite.PortsSharedWithPage(doh, page.Value);
        if (shared.Count > 0)
        {
            DohLog.SharedWithPage(_logger, string.Join(", ", shared), doh.Path);
        }

        List<IPEndPoint> endPoints = [.. doh.EffectiveEndPoints.Select(IPEndPoint.Parse).Where(e => !shared.Contains(e.Port))];
        if (endPoints.Count == 0)
        {
            return;
        }

        string shown = string.Join(", ", endPoints.Select(e => "https://" + e));
        WebApplication app = Build(endPoints);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or AddressInUseException or UnauthorizedAccessException)
        {
            DohLog.BindFailed(_logger, shown, ex.InnerException?.Message ?? ex.Message);
            await app.DisposeAsync().ConfigureAwait(false);
            return;
        }

        _app = app;
        EndPoints = endPoints;
        DohLog.Started(_logger, shown, doh.Path);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            _app = null;
        }

        _certificate?.Dispose(); // after the server: no handshake can ask for it any more
        _certificate = null;
    }

    /// <summary>Loads the certificate and makes the endpoint, once; null when DoH is off.</summary>
    private DohEndpoint? Prepare()
    {
        if (_endpoint is not null || !options.Value.Enabled || !server.Value.Tls.IsConfigured)
        {
            return _endpoint;
        }

        try
        {
            _certificate = ReloadingCertificate.Load(server.Value.Tls, _logger);
        }
        catch (ArgumentException ex)
        {
            throw new StartupException(ex.Message);
        }

        _endpoint = new DohEndpoint(() => resolver.Engine?.Server, devices, options.Value.Path, _logger);
        return _endpoint;
    }

    private WebApplication Build(List<IPEndPoint> endPoints)
    {
        WebApplicationBuilder builder = EmbeddedWebServer.CreateBuilder(loggerFactory);
        ReloadingCertificate certificate = _certificate!;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            kestrel.Limits.MaxRequestLineSize = 8 * 1024; // a GET carries a 512-byte query in about 700 characters
            kestrel.Limits.MaxRequestBodySize = 64 * 1024; // DohEndpoint answers 413 past 65535 itself
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromMinutes(2); // phones keep one connection for many queries
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            foreach (IPEndPoint endPoint in endPoints)
            {
                kestrel.Listen(endPoint, listen =>
                {
                    listen.Protocols = HttpProtocols.Http1AndHttp2;
                    listen.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        // Asked on every handshake, so a renewed certificate reaches new connections without a restart.
                        ServerCertificateSelector = (_, _) => certificate.Certificate,
                        SslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
                    });
                });
            }
        });

        WebApplication app = builder.Build();
        app.Run(_endpoint!.HandleAsync);
        return app;
    }
}
