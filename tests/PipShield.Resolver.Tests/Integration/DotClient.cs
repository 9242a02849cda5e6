using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using PipShield.Tests.Tls;

namespace PipShield.Resolver.Tests.Integration;

/// <summary>A minimal DNS-over-TLS client (RFC 7858) on SslStream, trusting only the test CA: one connection, queries in turn.</summary>
internal sealed class DotClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly SslStream _ssl;

    private DotClient(TcpClient tcp, SslStream ssl)
    {
        _tcp = tcp;
        _ssl = ssl;
    }

    /// <summary>The certificate the server presented.</summary>
    public string ServerThumbprint => new System.Security.Cryptography.X509Certificates.X509Certificate2(_ssl.RemoteCertificate!).Thumbprint;

    public static async Task<DotClient> ConnectAsync(IPEndPoint server, TestCertificates certificates, string serverName = TestCertificates.HostName)
    {
        var tcp = new TcpClient(server.AddressFamily);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await tcp.ConnectAsync(server, timeout.Token);
            var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = serverName,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => certificates.Validate(certificate, errors),
            }, timeout.Token);
            return new DotClient(tcp, ssl);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>Sends one framed query and reads one framed reply, within five seconds.</summary>
    public async Task<byte[]> QueryAsync(byte[] query)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        byte[] framed = new byte[query.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
        query.CopyTo(framed, 2);
        await _ssl.WriteAsync(framed, timeout.Token);
        byte[] length = new byte[2];
        await _ssl.ReadExactlyAsync(length, timeout.Token);
        byte[] reply = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
        await _ssl.ReadExactlyAsync(reply, timeout.Token);
        return reply;
    }

    public async ValueTask DisposeAsync()
    {
        await _ssl.DisposeAsync();
        _tcp.Dispose();
    }
}
