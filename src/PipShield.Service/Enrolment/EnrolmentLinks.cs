using System.Net;
using System.Net.Sockets;
using PipShield.Service.BlockPage;
using PipShield.Service.Devices;

namespace PipShield.Service.Enrolment;

/// <summary>The addresses one device's settings use, derived from its ID and the <c>Devices</c> options.</summary>
internal sealed class EnrolmentLinks
{
    private EnrolmentLinks(string id) => Id = id;

    public string Id { get; }

    /// <summary>The device's DNS-over-HTTPS URL (<c>{DohBaseUrl}/{id}</c>); null when no DoH URL is configured.</summary>
    public string? DohUrl { get; private init; }

    /// <summary>The device's DNS-over-TLS host name (<c>{id}.{DotHostName}</c>); null when none is configured.</summary>
    public string? DotHost { get; private init; }

    /// <summary>The enrolment page's address on the warning page server; null when the page is off or has no reachable address.</summary>
    public string? PageUrl { get; private init; }

    /// <summary>Addresses of the DNS server for settings that want them (Windows); may be empty.</summary>
    public IReadOnlyList<IPAddress> ServerAddresses { get; private init; } = [];

    public static EnrolmentLinks For(string id, DevicesOptions devices, BlockPageOptions? page)
    {
        IPAddress? v4 = page is null ? null : BlockPageAddresses.Reachable(page, AddressFamily.InterNetwork);
        IPAddress? v6 = page is null ? null : BlockPageAddresses.Reachable(page, AddressFamily.InterNetworkV6);
        string? pageUrl = null;
        if (page is { Enabled: true, HttpEndPoints.Count: > 0 } && v4 is not null)
        {
            int port = IPEndPoint.Parse(page.HttpEndPoints[0]).Port;
            pageUrl = port == 80 ? $"http://{v4}/enrol/{id}" : $"http://{v4}:{port}/enrol/{id}";
        }

        return new EnrolmentLinks(id)
        {
            DohUrl = devices.DohBaseUrl is { Length: > 0 } doh ? $"{doh.TrimEnd('/')}/{id}" : null,
            DotHost = devices.DotHostName is { Length: > 0 } dot ? $"{id}.{dot.TrimEnd('.')}" : null,
            PageUrl = pageUrl,
            // The warning page runs in the same process as the resolver, so its reachable address is the server's.
            ServerAddresses = [.. new[] { v4, v6 }.OfType<IPAddress>()],
        };
    }
}
