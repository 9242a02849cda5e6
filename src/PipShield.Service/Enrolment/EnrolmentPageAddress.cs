using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace PipShield.Service.Enrolment;

/// <summary>
/// The address the enrolment page puts in its QR code and "open this page on the device" link. The best one is the
/// address the browser used (the request's Host): opened from a laptop on the network, the phone can follow it too.
/// The Host comes from the client, so only a strict IP literal or DNS host name with an optional port is used; anything
/// else falls back to the configured address, then to the address the connection arrived on.
/// </summary>
internal static class EnrolmentPageAddress
{
    private const int MaxNameLength = 253; // RFC 1035 §2.3.4, in presentation form without the final dot
    private const int MaxLabelLength = 63;

    /// <summary>The page's own URL for a request with <paramref name="hostHeader"/>, arriving on <paramref name="local"/>.</summary>
    /// <param name="scheme"><c>http</c> or <c>https</c>, as the request came in.</param>
    /// <param name="local">The server-side end of the connection; null when unknown.</param>
    /// <returns>The URL, and whether it only works on the server itself (no phone can follow it).</returns>
    public static (string Url, bool LocalOnly) For(string? hostHeader, string scheme, EnrolmentLinks links, IPEndPoint? local)
    {
        string? host = NormaliseHost(hostHeader);
        string? fromHost = host is null ? null : $"{scheme}://{host}{links.PagePath}";
        string? fromConnection = local is null ? null : $"{scheme}://{Authority(Unmapped(local.Address), local.Port, scheme)}{links.PagePath}";
        bool hostIsLocal = host is null || IsLocalOnly(HostPart(host));
        bool connectionIsLocal = local is null || IsLocalOnly(Unmapped(local.Address));

        // A link the phone can follow beats the one the browser used, when that one was loopback (opened on the server).
        if (fromHost is not null && !hostIsLocal)
        {
            return (fromHost, false);
        }

        if (links.PageUrl is not null && links.Reach == PageReach.Reachable)
        {
            return (links.PageUrl, false);
        }

        if (fromConnection is not null && !connectionIsLocal)
        {
            return (fromConnection, false);
        }

        return (fromHost ?? links.PageUrl ?? fromConnection ?? links.PagePath, true);
    }

    /// <summary>
    /// <paramref name="header"/> as <c>host[:port]</c> when it is an IPv4 literal (dotted quad), a bracketed IPv6
    /// literal, or a DNS host name (letters, digits, hyphens), each with an optional port; null for anything else.
    /// IP literals come back in canonical form and names in lower case.
    /// </summary>
    public static string? NormaliseHost(string? header)
    {
        if (string.IsNullOrEmpty(header) || header.Length > MaxNameLength + 1 + 6)
        {
            return null;
        }

        string host;
        string port;
        if (header.StartsWith('['))
        {
            int close = header.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return null;
            }

            host = header[1..close];
            port = header[(close + 1)..];
            // A zone ID (fe80::1%eth0) means nothing to another device, and browsers do not take one in a URL.
            if (host.Contains('%', StringComparison.Ordinal) || !IPAddress.TryParse(host, out IPAddress? v6)
                || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return null;
            }

            host = $"[{v6}]";
        }
        else
        {
            int colon = header.IndexOf(':', StringComparison.Ordinal);
            host = colon < 0 ? header : header[..colon];
            port = colon < 0 ? "" : header[colon..];
            string? normalised = DottedQuad(host) ?? HostName(host);
            if (normalised is null)
            {
                return null;
            }

            host = normalised;
        }

        if (port.Length == 0)
        {
            return host;
        }

        int number = PortNumber(port);
        return number > 0 ? $"{host}:{number.ToString(CultureInfo.InvariantCulture)}" : null;
    }

    /// <summary>Whether a link to <paramref name="address"/> works on the server itself only (loopback or a wildcard).</summary>
    public static bool IsLocalOnly(IPAddress address)
    {
        address = Unmapped(address);
        return IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);
    }

    /// <summary>Whether a normalised host (no port) names the server itself only.</summary>
    private static bool IsLocalOnly(string host)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? address))
        {
            return IsLocalOnly(address);
        }

        // RFC 6761 §6.3: localhost and names under it are this machine.
        string name = host.TrimEnd('.');
        return name == "localhost" || name.EndsWith(".localhost", StringComparison.Ordinal);
    }

    private static string HostPart(string authority) =>
        authority.StartsWith('[') ? authority[..(authority.IndexOf(']', StringComparison.Ordinal) + 1)]
        : authority.IndexOf(':', StringComparison.Ordinal) is var colon and >= 0 ? authority[..colon] : authority;

    private static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static string Authority(IPAddress address, int port, string scheme)
    {
        string host = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        bool defaultPort = (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
        return defaultPort ? host : $"{host}:{port.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>The text as a canonical dotted quad, or null. Only four decimal parts without leading zeros: browsers
    /// read <c>010</c> as octal and <c>1.2.3</c> as 1.2.0.3, so those would take the phone somewhere else.</summary>
    private static string? DottedQuad(string text)
    {
        string[] parts = text.Split('.');
        if (parts.Length != 4 || !text.All(c => char.IsAsciiDigit(c) || c == '.'))
        {
            return null;
        }

        foreach (string part in parts)
        {
            if (part.Length is 0 or > 3 || (part.Length > 1 && part[0] == '0') || int.Parse(part, CultureInfo.InvariantCulture) > 255)
            {
                return null;
            }
        }

        return text;
    }

    /// <summary>The text as a lower-case DNS host name (RFC 1123 §2.1 letters, digits and hyphens), or null.</summary>
    private static string? HostName(string text)
    {
        string name = text.EndsWith('.') ? text[..^1] : text;
        if (name.Length is 0 or > MaxNameLength)
        {
            return null;
        }

        string[] labels = name.Split('.');
        foreach (string label in labels)
        {
            if (label.Length is 0 or > MaxLabelLength || label[0] == '-' || label[^1] == '-'
                || !label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                return null;
            }
        }

        // A browser reads a name whose last label is a number (1.2.3.4.5, example.0x7f) as an IPv4 address.
        string last = labels[^1];
        if (last.All(char.IsAsciiDigit) || (last.Length > 1 && last[0] == '0' && (last[1] | 0x20) == 'x' && last[2..].All(char.IsAsciiHexDigit)))
        {
            return null;
        }

        return text.ToLowerInvariant();
    }

    /// <summary>The number of a <c>:port</c> suffix (1–65535), or 0 when it is not one.</summary>
    private static int PortNumber(string port) =>
        port.Length is >= 2 and <= 6 && port[0] == ':' && port[1..].All(char.IsAsciiDigit)
        && int.Parse(port.AsSpan(1), CultureInfo.InvariantCulture) is var number and >= 1 and <= 65535 ? number : 0;
}
