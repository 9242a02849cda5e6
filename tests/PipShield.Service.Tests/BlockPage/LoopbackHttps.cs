using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace PipShield.Service.Tests.BlockPage;

/// <summary>
/// An HTTPS client handler for a server on loopback: every URL's host connects to 127.0.0.1:<c>port</c>, as a browser
/// would after PipShield resolved the name there, and only chains ending at <c>root</c>, for the URL's name, are trusted.
/// </summary>
internal static class LoopbackHttps
{
    /// <param name="presented">The leaf certificate the server presented, once a handshake has run.</param>
    public static SocketsHttpHandler Handler(int port, X509Certificate2 root, out Func<X509Certificate2?> presented)
    {
        X509Certificate2? leaf = null;
        presented = () => leaf;
        return new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                    {
                        return false;
                    }

                    leaf = new X509Certificate2(certificate);
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(root);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(leaf);
                },
            },
        };
    }
}
