using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace PipShield.Resolver.Upstream;

/// <summary>How PipShield talks to one upstream resolver.</summary>
public enum UpstreamProtocol : byte
{
    /// <summary>Plain DNS: UDP, retried over TCP when a reply is truncated.</summary>
    Dns = 0,

    /// <summary>DNS-over-TLS (RFC 7858) on one long-lived, pipelined connection.</summary>
    Tls = 1,

    /// <summary>DNS-over-HTTPS (RFC 8484), POST over pooled HTTP/2 (or HTTP/1.1) connections.</summary>
    Https = 2,
}

/// <summary>
/// One entry of <c>Resolver:Upstream:Servers</c>:
/// <list type="bullet">
/// <item><c>ADDR[:PORT]</c> — plain DNS (port 53), e.g. <c>9.9.9.9</c>, <c>[2620:fe::fe]:53</c>;</item>
/// <item><c>tls://ADDR[:PORT][#NAME]</c> — DNS-over-TLS (port 853), e.g. <c>tls://9.9.9.9#dns.quad9.net</c>;</item>
/// <item><c>https://ADDR[:PORT]/PATH[#NAME]</c> — DNS-over-HTTPS (port 443), e.g. <c>https://9.9.9.9/dns-query#dns.quad9.net</c>.</item>
/// </list>
/// The address is always an IP address: finding a resolver by name would need a resolver (and, on a machine whose
/// resolver is PipShield, would ask PipShield itself). <c>NAME</c> is the name the server's certificate must carry
/// (also sent as SNI, and as the HTTP host); without it the certificate must carry the IP address, as those of
/// Quad9 and Cloudflare do.
/// </summary>
public sealed class UpstreamAddress
{
    public const int TlsPort = 853;
    public const int HttpsPort = 443;
    public const string DefaultPath = "/dns-query";

    private const string Forms = "ADDR[:PORT], tls://ADDR[:PORT][#NAME] or https://ADDR[:PORT]/PATH[#NAME]";

    private UpstreamAddress(UpstreamProtocol protocol, IPEndPoint endPoint, string? tlsName, string path)
    {
        Protocol = protocol;
        EndPoint = endPoint;
        TlsName = tlsName;
        Path = path;
        string host = endPoint.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{endPoint.Address}]" : endPoint.Address.ToString();
        string suffix = tlsName is null ? string.Empty : "#" + tlsName;
        Text = protocol switch
        {
            UpstreamProtocol.Tls => $"tls://{host}:{endPoint.Port}{suffix}",
            UpstreamProtocol.Https => $"https://{host}:{endPoint.Port}{path}{suffix}",
            _ => endPoint.ToString(),
        };
    }

    public UpstreamProtocol Protocol { get; }

    /// <summary>Where connections and datagrams go.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The name the certificate must carry (and SNI); null to check the certificate against the IP address.</summary>
    public string? TlsName { get; }

    /// <summary>The DoH path, e.g. <c>/dns-query</c>; empty for the other protocols.</summary>
    public string Path { get; }

    /// <summary>The host to authenticate: <see cref="TlsName"/>, else the address.</summary>
    public string TargetHost => TlsName ?? EndPoint.Address.ToString();

    /// <summary>The DoH request URI: the host is <see cref="TlsName"/> when given (connections still go to <see cref="EndPoint"/>).</summary>
    public Uri RequestUri => new UriBuilder(Uri.UriSchemeHttps, TlsName ?? EndPoint.Address.ToString(), EndPoint.Port, Path).Uri;

    /// <summary>The address in its canonical written form, for logs.</summary>
    public string Text { get; }

    public override string ToString() => Text;

    /// <summary>Reads one entry; <paramref name="error"/> says what is wrong with it otherwise.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out UpstreamAddress? address, [NotNullWhen(false)] out string? error)
    {
        address = null;
        error = null;
        string value = text?.Trim() ?? string.Empty;
        if (value.StartsWith("tls://", StringComparison.OrdinalIgnoreCase))
        {
            return TryParseTls(value, out address, out error);
        }

        if (value.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            return TryParseHttps(value, out address, out error);
        }

        if (value.Contains("://", StringComparison.Ordinal))
        {
            error = $"'{value}': unknown scheme; use {Forms}";
            return false;
        }

        if (!UpstreamEndPoint.TryParse(value, out IPEndPoint? plain))
        {
            error = $"'{value}' is not {Forms} (the address must be an IP address)";
            return false;
        }

        address = new UpstreamAddress(UpstreamProtocol.Dns, plain, null, string.Empty);
        return true;
    }

    private static bool TryParseTls(string value, out UpstreamAddress? address, out string? error)
    {
        address = null;
        (string hostPort, string? name) = SplitName(value["tls://".Length..]);
        if (!TryName(value, name, out error))
        {
            return false;
        }

        if (!TryEndPoint(hostPort, TlsPort, out IPEndPoint? endPoint))
        {
            error = NotAnAddress(value, hostPort, "tls://9.9.9.9#dns.quad9.net");
            return false;
        }

        address = new UpstreamAddress(UpstreamProtocol.Tls, endPoint, name, string.Empty);
        return true;
    }

    private static bool TryParseHttps(string value, out UpstreamAddress? address, out string? error)
    {
        address = null;
        (string url, string? name) = SplitName(value);
        if (!TryName(value, name, out error))
        {
            return false;
        }

        // A URI template (RFC 8484 §4.1: https://host/dns-query{?dns}) names the same endpoint; POST needs no variable.
        int template = url.IndexOf('{', StringComparison.Ordinal);
        if (template >= 0)
        {
            url = url[..template];
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.Query.Length > 0 || uri.UserInfo.Length > 0)
        {
            error = $"'{value}' is not https://ADDR[:PORT]/PATH[#NAME]";
            return false;
        }

        if (uri.HostNameType is not (UriHostNameType.IPv4 or UriHostNameType.IPv6))
        {
            error = NotAnAddress(value, uri.Host, $"https://9.9.9.9{(uri.AbsolutePath == "/" ? DefaultPath : uri.AbsolutePath)}#{uri.Host}");
            return false;
        }

        IPAddress ip = IPAddress.Parse(uri.Host.Trim('[', ']'));
        if (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any))
        {
            error = $"'{value}': {ip} is not an address a server can have";
            return false;
        }

        string path = uri.AbsolutePath is "" or "/" ? DefaultPath : uri.AbsolutePath;
        address = new UpstreamAddress(UpstreamProtocol.Https, new IPEndPoint(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip, uri.Port), name, path);
        return true;
    }

    private static (string Main, string? Name) SplitName(string value)
    {
        int hash = value.IndexOf('#', StringComparison.Ordinal);
        return hash < 0 ? (value, null) : (value[..hash], value[(hash + 1)..]);
    }

    private static bool TryName(string value, string? name, out string? error)
    {
        error = null;
        if (name is not null && Uri.CheckHostName(name) != UriHostNameType.Dns)
        {
            error = $"'{value}': '{name}' after # is not a host name";
            return false;
        }

        return true;
    }

    private static bool TryEndPoint(string text, int defaultPort, [NotNullWhen(true)] out IPEndPoint? endPoint)
    {
        endPoint = null;
        if (!UpstreamEndPoint.TryParse(text, out IPEndPoint? parsed))
        {
            return false;
        }

        // UpstreamEndPoint fills in 53 for a missing port; tell "no port" from an explicit ":53".
        bool explicitPort = text.EndsWith(":" + parsed.Port, StringComparison.Ordinal) && (text.Contains(']', StringComparison.Ordinal) || text.Count(c => c == ':') == 1);
        endPoint = explicitPort ? parsed : new IPEndPoint(parsed.Address, defaultPort);
        return true;
    }

    private static string NotAnAddress(string value, string host, string example) =>
        $"'{value}': '{host}' must be an IP address (PipShield does not look its upstreams up by name, which would need a resolver); put the name after #, e.g. {example}";
}
