using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace PipShield.Service.Tests.QueryLog;

/// <summary>A UDP upstream on 127.0.0.1 that answers every A query with 192.0.2.1, so queries can be forwarded.</summary>
internal sealed class LoopbackUpstream : IAsyncDisposable
{
    private const int MaxQueries = 10_000;

    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _serving;

    public LoopbackUpstream()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _serving = ServeAsync();
    }

    public IPEndPoint EndPoint { get; }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _socket.Dispose();
        try
        {
            await _serving;
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }

        _stopping.Dispose();
    }

    private async Task ServeAsync()
    {
        var buffer = new byte[4096];
        for (int i = 0; i < MaxQueries && !_stopping.IsCancellationRequested; i++)
        {
            SocketReceiveFromResult received = await _socket.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), _stopping.Token);
            byte[]? reply = Answer(buffer.AsSpan(0, received.ReceivedBytes));
            if (reply is not null)
            {
                await _socket.SendToAsync(reply, received.RemoteEndPoint, _stopping.Token);
            }
        }
    }

    /// <summary>The question echoed with QR and RA set and one A record; null for a packet without a question.</summary>
    private static byte[]? Answer(ReadOnlySpan<byte> query)
    {
        int position = 12;
        while (position < query.Length && query[position] != 0)
        {
            position += 1 + query[position];
        }

        int questionEnd = position + 5;
        if (query.Length < questionEnd)
        {
            return null;
        }

        byte[] record = [0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1];
        var reply = new byte[questionEnd + record.Length];
        query[..questionEnd].CopyTo(reply);
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(2), (ushort)(0x8000 | 0x0100 | 0x0080)); // QR, RD, RA
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(6), 1); // ANCOUNT
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(8), 0);
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(10), 0); // the query's OPT is not echoed
        record.CopyTo(reply, questionEnd);
        return reply;
    }
}
