using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PipShield.Service.Hosting;

namespace PipShield.Service.BlockPage;

/// <summary>
/// Serves the warning page with a Kestrel server of its own, beside the resolver. A page that cannot listen
/// (port 80 needs privilege) logs one warning and leaves DNS running.
/// </summary>
internal sealed class BlockPageHostedService(
    IOptions<BlockPageOptions> options,
    IOptions<ListsOptions> lists,
    ResolverHostedService resolver,
    ILoggerFactory loggerFactory,
    Enrolment.EnrolmentEndpoint? enrolment = null,
    Doh.DohHostedService? doh = null) : IHostedService, IAsyncDisposable
{
    /// <summary>Headers every response carries: nothing may run, be cached, sniffed, framed or leak a referrer.</summary>
    internal static readonly KeyValuePair<string, string>[] SecurityHeaders =
    [
        new("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"),
        new("Cache-Control", "no-store"),
        new("X-Content-Type-Options", "nosniff"),
        new("Referrer-Policy", "no-referrer"),
        new("X-Frame-Options", "DENY"),
    ];

    private readonly ILogger _logger = loggerFactory.CreateLogger("PipShield.BlockPage");
    private WebApplication? _app;
    private BlockPageLookup? _lookup;
    private BlockPageRenderer? _renderer;
    private Doh.DohSite? _doh;

    /// <summary>The certificates of the HTTPS page, once started with HTTPS on; null otherwise.</summary>
    public BlockPageCertificates? Certificates { get; private set; }

    /// <summary>Whether the page is listening.</summary>
    public bool IsServing => _app is not null;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        BlockPageOptions page = options.Value;
        if (!page.Enabled)
        {
            return;
        }

        ReportAddresses(page);
        _lookup = new BlockPageLookup(() => resolver.Images, TimeProvider.System);
        _renderer = new BlockPageRenderer(page);
        Certificates = BlockPageCertificates.Create(page, lists.Value.StateDirectory, _logger);
        if (Certificates is null && page.HttpsEndPoints.Count > 0)
        {
            BlockPageLog.HttpsOff(_logger);
        }

        List<IPEndPoint> http = [.. page.HttpEndPoints.Select(IPEndPoint.Parse)];
        List<IPEndPoint> https = Certificates is null ? [] : [.. page.HttpsEndPoints.Select(IPEndPoint.Parse)];
        _doh = Certificates is null ? null : doh?.ShareWithPage(); // DoH on the same port: this server answers it too
        string endPoints = string.Join(", ", http.Select(e => "http://" + e).Concat(https.Select(e => "https://" + e)));
        if (http.Count + https.Count == 0)
        {
            return;
        }

        WebApplication app = Build(http, https);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or AddressInUseException or UnauthorizedAccessException)
        {
            BlockPageLog.BindFailed(_logger, endPoints, ex.InnerException?.Message ?? ex.Message);
            await app.DisposeAsync().ConfigureAwait(false);
            return;
        }

        _app = app;
        BlockPageLog.Started(_logger, endPoints, string.Join(", ", new[]
        {
            BlockPageAddresses.Reachable(page, AddressFamily.InterNetwork), BlockPageAddresses.Reachable(page, AddressFamily.InterNetworkV6),
        }.OfType<IPAddress>()));
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

        Certificates?.Dispose(); // after the server: no handshake can ask for a certificate any more
        Certificates = null;
    }

    private WebApplication Build(List<IPEndPoint> http, List<IPEndPoint> https)
    {
        WebApplicationBuilder builder = EmbeddedWebServer.CreateBuilder(loggerFactory);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            kestrel.Limits.MaxRequestLineSize = 8 * 1024;
            kestrel.Limits.MaxRequestBodySize = 0; // the page never reads a body
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(30);
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            foreach (IPEndPoint endPoint in http)
            {
                kestrel.Listen(endPoint);
            }

            foreach (IPEndPoint endPoint in https)
            {
                Doh.DohSite? shared = _doh is not null && _doh.SharedPorts.Contains(endPoint.Port) ? _doh : null;
                kestrel.Listen(endPoint, listen => listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificateSelector = (_, serverName) => shared?.CertificateFor(serverName) ?? Certificates!.Select(serverName),
                }));
            }
        });

        WebApplication app = builder.Build();
        app.Run(RespondAsync);
        return app;
    }

    private async Task RespondAsync(HttpContext context)
    {
        if (_doh is not null && _doh.Handles(context))
        {
            await _doh.HandleAsync(context).ConfigureAwait(false);
            return;
        }

        if (enrolment is not null && Enrolment.EnrolmentEndpoint.Handles(context.Request.Path))
        {
            await enrolment.RespondAsync(context).ConfigureAwait(false); // device set-up pages share the page's server
            return;
        }

        string html;
        try
        {
            // The raw header: HostString.Host decodes punycode and throws on a bad A-label.
            BlockPageModel model = _lookup!.Describe(BlockPageLookup.WithoutPort(context.Request.Headers.Host.ToString()));
            html = _renderer!.Render(model);
        }
        catch (Exception ex)
        {
            // A bug in the page must not take the server down; the browser still gets a safe, generic page.
            BlockPageLog.RequestFailed(_logger, ex);
            html = _renderer!.Render(new BlockPageModel { When = DateTimeOffset.UtcNow });
        }

        byte[] body = Encoding.UTF8.GetBytes(html);
        HttpResponse response = context.Response;
        response.StatusCode = StatusCodes.Status403Forbidden;
        response.ContentType = "text/html; charset=utf-8";
        foreach (KeyValuePair<string, string> header in SecurityHeaders)
        {
            response.Headers[header.Key] = header.Value;
        }

        response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private void ReportAddresses(BlockPageOptions page)
    {
        // Only a wildcard listener leaves the answer unknown; a specific address is answered as it is.
        List<IPAddress> listening = [.. page.HttpEndPoints.Concat(page.HttpsEndPoints).Select(e => IPEndPoint.Parse(e).Address)];
        if (listening.Any(a => a.Equals(IPAddress.Any) || a.Equals(IPAddress.IPv6Any)))
        {
            if (BlockPageAddresses.Reachable(page, AddressFamily.InterNetwork) is null)
            {
                BlockPageLog.NoReachableAddress(_logger, "IPv4", "A");
            }

            if (BlockPageAddresses.Reachable(page, AddressFamily.InterNetworkV6) is null)
            {
                BlockPageLog.NoReachableAddress(_logger, "IPv6", "AAAA");
            }
        }
    }
}
