using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using DnsMessage = ARSoft.Tools.Net.Dns.DnsMessage;

namespace PipShield.Resolver.Tests.Listeners;

/// <summary>Sends hand-built packets over real loopback sockets; replies are decoded by ARSoft.Tools.Net, an independent codec.</summary>
internal static class RawDns
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Sends <paramref name="query"/> and waits for one datagram; null when none comes in time.</summary>
    public static async Task<byte[]?> TryQueryUdpAsync(IPEndPoint server, byte[] query, TimeSpan? timeout = null)
    {
        using var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(server);
        await socket.SendAsync(query, SocketFlags.None);
        return await TryReceiveAsync(socket, timeout ?? DefaultTimeout);
    }

    public static async Task<byte[]> QueryUdpAsync(IPEndPoint server, byte[] query) =>
        await TryQueryUdpAsync(server, query) ?? throw new TimeoutException("no UDP reply");

    public static async Task<byte[]?> TryReceiveAsync(Socket socket, TimeSpan timeout)
    {
        var buffer = new byte[65535];
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            int received = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            return buffer[..received];
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public static async Task<Socket> ConnectTcpAsync(IPEndPoint server)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(server);
        return socket;
    }

    /// <summary>The messages with their two-byte length prefixes, back to back.</summary>
    public static byte[] Frame(params byte[][] messages)
    {
        var framed = new List<byte>();
        foreach (byte[] message in messages)
        {
            framed.Add((byte)(message.Length >> 8));
            framed.Add((byte)message.Length);
            framed.AddRange(message);
        }

        return [.. framed];
    }

    /// <summary>Reads one framed message; null when the server closed the connection (or reset it) first, or on timeout.</summary>
    public static async Task<byte[]?> ReadFrameAsync(Socket socket, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        var prefix = new byte[2];
        if (!await ReadExactlyAsync(socket, prefix, cts.Token))
        {
            return null;
        }

        var message = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
        return await ReadExactlyAsync(socket, message, cts.Token) ? message : null;
    }

    /// <summary>True when the server closes the connection within <paramref name="timeout"/> (EOF or reset).</summary>
    public static async Task<bool> IsClosedByServerAsync(Socket socket, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[1024];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) > 0)
            {
            }

            return true;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public static DnsMessage Decode(byte[] message) => DnsMessage.Parse(message);

    public static ushort Id(byte[] message) => BinaryPrimitives.ReadUInt16BigEndian(message);

    private static async Task<bool> ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            while (buffer.Length > 0)
            {
                int read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                if (read == 0)
                {
                    return false;
                }

                buffer = buffer[read..];
            }

            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return false;
        }
    }
}
