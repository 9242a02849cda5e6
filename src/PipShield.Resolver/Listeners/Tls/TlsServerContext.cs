using System.Net.Security;
using System.Security.Authentication;
using PipShield.Resolver.Pipeline;

namespace PipShield.Resolver.Listeners.Tls;

/// <summary>What a DNS-over-TLS connection needs for its handshake and to learn its device: shared by every connection of a server.</summary>
internal sealed class TlsServerContext(ReloadingCertificate certificate, string? hostName, IDeviceDirectory? devices)
{
    // RFC 7858 §3.2: "dot" is the ALPN id; clients that send none are served too.
    private static readonly List<SslApplicationProtocol> Protocols = [new("dot"u8.ToArray())];

    public ReloadingCertificate Certificate { get; } = certificate;

    /// <summary>The options for one handshake, with the certificate in service at that moment.</summary>
    public SslServerAuthenticationOptions HandshakeOptions() => new()
    {
        ServerCertificateContext = Certificate.Current,
        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13, // RFC 8310 §9: TLS 1.2 or later
        ClientCertificateRequired = false,
        ApplicationProtocols = Protocols,
        AllowRenegotiation = false,
    };

    /// <summary>
    /// The device a connection is for, from the name the client asked for (SNI): <c>{id}.{HostName}</c> names device
    /// <c>id</c>. <paramref name="refused"/> is true when the ID is not enrolled and the directory refuses unknown IDs.
    /// </summary>
    public DeviceIdentity? FindDevice(string? serverName, out bool refused, out string? unknownId)
    {
        refused = false;
        unknownId = null;
        if (devices is null || hostName is null || string.IsNullOrEmpty(serverName))
        {
            return null;
        }

        ReadOnlySpan<char> name = serverName.AsSpan().TrimEnd('.');
        int idLength = name.Length - hostName.Length - 1;
        if (idLength <= 0 || name[idLength] != '.' || !name[(idLength + 1)..].Equals(hostName, StringComparison.OrdinalIgnoreCase))
        {
            return null; // the bare host name, or another name: an unidentified client
        }

        ReadOnlySpan<char> id = name[..idLength];
        if (id.Contains('.'))
        {
            return null; // only the first label can be an ID
        }

        DeviceIdentity? device = devices.FindById(id);
        if (device is null)
        {
            unknownId = id.ToString();
            refused = devices.RefuseUnknownIds;
        }

        return device;
    }
}
