using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Upstream;

/// <summary>How one exchange with one server ended.</summary>
internal enum ExchangeOutcome : byte
{
    /// <summary>An accepted reply (any rcode) is in the response buffer.</summary>
    Reply = 0,

    /// <summary>An accepted UDP reply with TC=1: ask again over TCP.</summary>
    Truncated = 1,

    Timeout = 2,

    /// <summary>The socket failed: refused, unreachable, reset.</summary>
    NetworkError = 3,

    /// <summary>The server answered with something that cannot be used.</summary>
    Unusable = 4,

    /// <summary>
    /// <see cref="UpstreamExchange.MaxIgnoredReplies"/> datagrams reached the socket that were not the reply: someone
    /// may be guessing the ID. Not the server's fault, so not held against its health.
    /// </summary>
    Spoofed = 5,
}

/// <summary>One query to one server over UDP or TCP. Never throws for network trouble; only the caller's cancellation escapes.</summary>
internal static class UpstreamExchange
{
    /// <summary>
    /// Datagrams ignored per attempt before it is abandoned. Only a datagram from the server's address and port to
    /// our random port gets this far, so a run of them means someone is guessing the ID of this query; a new
    /// attempt draws a new port and ID and restarts the guessing (PowerDNS Recursor's spoof-nearmiss-max). It
    /// also bounds the work a flood can cause.
    /// </summary>
    public const int MaxIgnoredReplies = 32;

    // Ports below 1024 need privileges; the rest of the range gives 16 bits of source-port entropy minus a little.
    private const int LowestSourcePort = 1024;
    private const int SourcePortBindTries = 8;

    /// <summary>
    /// Sends <paramref name="query"/> (the ID already written) from a fresh socket on a random port and waits for
    /// the reply whose source, ID and question match (RFC 5452 §9.1); anything else is counted and ignored.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<(ExchangeOutcome Outcome, int Length, int Ignored)> UdpAsync(UpstreamServer server,
        ReadOnlyMemory<byte> query, int questionEnd, Memory<byte> response, CancellationToken cancellationToken)
    {
        ushort id = DnsHeader.Id(query.Span);
        int ignored = 0;
        try
        {
            using Socket socket = OpenUdpSocket(server.EndPoint.AddressFamily);

            // Connected, so the kernel drops datagrams from other sources and reports ICMP errors as
            // ConnectionRefused/Reset instead of leaving us to time out; the source is still checked below.
            socket.Connect(server.EndPoint);
            await socket.SendAsync(query, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            var source = new SocketAddress(server.SocketAddress.Family, server.SocketAddress.Size);
            while (ignored < MaxIgnoredReplies)
            {
                // A flood keeps data waiting, so receives may complete at once: check the timeout every time round.
                cancellationToken.ThrowIfCancellationRequested();
                int received = await socket.ReceiveFromAsync(response, SocketFlags.None, source, cancellationToken).ConfigureAwait(false);
                ReadOnlySpan<byte> reply = response.Span[..received];
                ReplyCheck check = SameSource(source, server.SocketAddress)
                    ? UpstreamReply.Check(reply, id, query.Span[DnsHeader.Size..questionEnd])
                    : ReplyCheck.Ignore;
                switch (check)
                {
                    case ReplyCheck.Accept:
                        bool truncated = (DnsHeader.Flags(reply) & DnsHeader.TcFlag) != 0;
                        return (truncated ? ExchangeOutcome.Truncated : ExchangeOutcome.Reply, received, ignored);
                    case ReplyCheck.Unusable:
                        return (ExchangeOutcome.Unusable, 0, ignored);
                    default:
                        ignored++;
                        break;
                }
            }

            return (ExchangeOutcome.Spoofed, 0, ignored);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return (ExchangeOutcome.Timeout, 0, ignored);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.MessageSize)
        {
            return (ExchangeOutcome.Unusable, 0, ignored);
        }
        catch (SocketException)
        {
            return (ExchangeOutcome.NetworkError, 0, ignored);
        }
    }

    /// <summary>
    /// Sends <paramref name="framed"/> (a 2-byte length prefix, then the query with its ID written) over a new
    /// TCP connection and reads one reply (RFC 1035 §4.2.2, RFC 7766 §8).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<(ExchangeOutcome Outcome, int Length)> TcpAsync(UpstreamServer server,
        ReadOnlyMemory<byte> framed, int questionEnd, Memory<byte> response, CancellationToken cancellationToken)
    {
        ReadOnlyMemory<byte> query = framed[2..];
        ushort id = DnsHeader.Id(query.Span);
        try
        {
            using var socket = new Socket(server.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(server.EndPoint, cancellationToken).ConfigureAwait(false);
            for (int sent = 0; sent < framed.Length;)
            {
                sent += await socket.SendAsync(framed[sent..], SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }

            if (!await ReadExactlyAsync(socket, response[..2], cancellationToken).ConfigureAwait(false))
            {
                return (ExchangeOutcome.Unusable, 0);
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(response.Span);
            if (length > response.Length || !await ReadExactlyAsync(socket, response[..length], cancellationToken).ConfigureAwait(false))
            {
                return (ExchangeOutcome.Unusable, 0);
            }

            // A connection cannot be spoofed off-path, so a mismatch here is a broken server: fail over.
            return UpstreamReply.Check(response.Span[..length], id, query.Span[DnsHeader.Size..questionEnd]) == ReplyCheck.Accept
                ? (ExchangeOutcome.Reply, length)
                : (ExchangeOutcome.Unusable, 0);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return (ExchangeOutcome.Timeout, 0);
        }
        catch (SocketException)
        {
            return (ExchangeOutcome.NetworkError, 0);
        }
    }

    /// <summary>A random query ID from the system CSPRNG (RFC 5452 §4.3: IDs must not be predictable).</summary>
    public static ushort NewId()
    {
        Span<byte> bytes = stackalloc byte[2];
        RandomNumberGenerator.Fill(bytes);
        return BinaryPrimitives.ReadUInt16BigEndian(bytes);
    }

    /// <summary>
    /// A UDP socket bound to a port drawn from the CSPRNG (RFC 5452 §9.2), not left to the operating system,
    /// whose ephemeral range and allocation order differ by platform. Falls back to an OS-chosen port when
    /// every draw is taken.
    /// </summary>
    internal static Socket OpenUdpSocket(AddressFamily family)
    {
        var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            IPAddress any = family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
            for (int i = 0; i < SourcePortBindTries; i++)
            {
                try
                {
                    socket.Bind(new IPEndPoint(any, RandomNumberGenerator.GetInt32(LowestSourcePort, 65536)));
                    return socket;
                }
                catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
                {
                    // Taken, or reserved (Windows excludes port ranges for Hyper-V and others): draw again.
                }
            }

            socket.Bind(new IPEndPoint(any, 0));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Same family, port and address; IPv6 flow labels and scope ids are not compared.</summary>
    internal static bool SameSource(SocketAddress received, SocketAddress expected)
    {
        if (received.Family != expected.Family)
        {
            return false;
        }

        ReadOnlySpan<byte> a = received.Buffer.Span;
        ReadOnlySpan<byte> b = expected.Buffer.Span;

        // sockaddr_in: family(2) port(2) address(4); sockaddr_in6: family(2) port(2) flowinfo(4) address(16).
        return received.Family == AddressFamily.InterNetworkV6
            ? a.Length >= 24 && a.Slice(2, 2).SequenceEqual(b.Slice(2, 2)) && a.Slice(8, 16).SequenceEqual(b.Slice(8, 16))
            : a.Length >= 8 && a.Slice(2, 6).SequenceEqual(b.Slice(2, 6));
    }

    private static async ValueTask<bool> ReadExactlyAsync(Socket socket, Memory<byte> destination, CancellationToken cancellationToken)
    {
        // Bounded: each pass either fills at least one byte or ends the read.
        for (int read = 0; read < destination.Length;)
        {
            int received = await socket.ReceiveAsync(destination[read..], SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (received == 0)
            {
                return false;
            }

            read += received;
        }

        return true;
    }
}
