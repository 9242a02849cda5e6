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

    /// <summary>Whether neither a DoH URL nor a DoT host name is configured, so the device has no encrypted-DNS setting.</summary>
    public bool NoEncryptedDns => DohUrl is null && DotHost is null;

    /// <summary>The enrolment page's address on the warning page server; null when <see cref="Reach"/> is
    /// <see cref="PageReach.Off"/> or <see cref="PageReach.NoAddress"/>.</summary>
    public string? PageUrl { get; private init; }

    /// <summary>Whether a device can follow <see cref="PageUrl"/>.</summary>
    public PageReach Reach { get; private init; }

    /// <summary>The page's path on the warning page server, <c>/enrol/{id}</c>.</summary>
    public string PagePath => "/enrol/" + Id;

    /// <summary>Addresses of the DNS server for settings that want them (Windows); may be empty.</summary>
    public IReadOnlyList<IPAddress> ServerAddresses { get; private init; } = [];

    public static EnrolmentLinks For(string id, DevicesOptions devices, BlockPageOptions? page)
    {
        IPAddress? v4 = page is null ? null : BlockPageAddresses.Reachable(page, AddressFamily.InterNetwork);
        IPAddress? v6 = page is null ? null : BlockPageAddresses.Reachable(page, AddressFamily.InterNetworkV6);
        string? pageUrl = null;
        PageReach reach = PageReach.Off;
        if (page is { Enabled: true, HttpEndPoints.Count: > 0 })
        {
            // IPv4 first, as every phone has it; but an address a phone can reach beats one it cannot.
            IPAddress? address = new[] { v4, v6 }.FirstOrDefault(a => a is not null && !EnrolmentPageAddress.IsLocalOnly(a)) ?? v4 ?? v6;
            reach = address is null ? PageReach.NoAddress : EnrolmentPageAddress.IsLocalOnly(address) ? PageReach.LocalOnly : PageReach.Reachable;
            if (address is not null)
            {
                int port = PortFor(page.HttpEndPoints, address);
                string host = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
                pageUrl = port == 80 ? $"http://{host}/enrol/{id}" : $"http://{host}:{port}/enrol/{id}";
            }
        }

        return new EnrolmentLinks(id)
        {
            DohUrl = devices.DohBaseUrl is { Length: > 0 } doh ? $"{doh.TrimEnd('/')}/{id}" : null,
            DotHost = devices.DotHostName is { Length: > 0 } dot ? $"{id}.{dot.TrimEnd('.')}" : null,
            PageUrl = pageUrl,
            Reach = reach,
            // The warning page runs in the same process as the resolver, so its reachable address is the server's.
            ServerAddresses = [.. new[] { v4, v6 }.OfType<IPAddress>()],
        };
    }

    /// <summary>The port of the HTTP endpoint that listens on <paramref name="address"/> (or on every address of its
    /// family); the first endpoint's port when none does.</summary>
    private static int PortFor(List<string> endPoints, IPAddress address)
    {
        int first = -1;
        foreach (string text in endPoints)
        {
            if (!IPEndPoint.TryParse(text, out IPEndPoint? endPoint))
            {
                continue;
            }

            first = first < 0 ? endPoint.Port : first;
            if (endPoint.Address.Equals(address) || endPoint.Address.Equals(IPAddress.IPv6Any)
                || (endPoint.Address.Equals(IPAddress.Any) && address.AddressFamily == AddressFamily.InterNetwork))
            {
                return endPoint.Port;
            }
        }

        return first < 0 ? 80 : first;
    }
}
