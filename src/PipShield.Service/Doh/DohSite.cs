using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using PipShield.Resolver.Listeners.Tls;
using PipShield.Service.BlockPage;

namespace PipShield.Service.Doh;

/// <summary>
/// DoH as another HTTPS server carries it: on a port the warning page's HTTPS also wants (443 by default for both),
/// one Kestrel server takes both. A handshake naming the DoH host (or none, as a DNS client dialling an address may
/// send) gets the DoH certificate, any other name the page's; requests on the DoH path go to the DoH endpoint.
/// </summary>
internal sealed class DohSite(ReloadingCertificate certificate, DohEndpoint endpoint, IReadOnlySet<int> sharedPorts)
{
    /// <summary>Request bodies DoH accepts on the shared server, whose own limit (the page reads none) is zero.</summary>
    private const long MaxBody = 64 * 1024;

    /// <summary>The HTTPS ports where the warning page's server also answers DoH.</summary>
    public IReadOnlySet<int> SharedPorts { get; } = sharedPorts;

    /// <summary>
    /// The ports of <paramref name="doh"/>'s endpoints that the warning page's HTTPS also listens on, when the page has
    /// HTTPS configured (a certificate or its own CA); DoH is then served by the page's server on those ports.
    /// </summary>
    public static IReadOnlySet<int> PortsSharedWithPage(DohOptions doh, BlockPageOptions page)
    {
        if (!page.Enabled || (page.CertificateFile is null && !page.OwnCa))
        {
            return new HashSet<int>();
        }

        var pagePorts = new HashSet<int>();
        foreach (string text in page.HttpsEndPoints)
        {
            pagePorts.Add(IPEndPoint.Parse(text).Port);
        }

        var shared = new HashSet<int>();
        foreach (string text in doh.EffectiveEndPoints)
        {
            int port = IPEndPoint.Parse(text).Port;
            if (pagePorts.Contains(port))
            {
                shared.Add(port);
            }
        }

        return shared;
    }

    /// <summary>The certificate for a handshake naming <paramref name="serverName"/> on a shared port, or null for the page's.</summary>
    public X509Certificate2? CertificateFor(string? serverName)
    {
        X509Certificate2 current = certificate.Certificate;
        return string.IsNullOrEmpty(serverName) || current.MatchesHostname(serverName) ? current : null;
    }

    /// <summary>Whether <paramref name="context"/> is a DoH request on a shared port.</summary>
    public bool Handles(HttpContext context) =>
        context.Request.IsHttps && SharedPorts.Contains(context.Connection.LocalPort) && endpoint.Handles(context.Request.Path);

    public Task HandleAsync(HttpContext context)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBody;
        }

        return endpoint.HandleAsync(context);
    }
}
