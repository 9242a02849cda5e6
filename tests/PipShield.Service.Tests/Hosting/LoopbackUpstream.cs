using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace PipShield.Service.Tests.Hosting;

/// <summary>
/// A UDP DNS server on 127.0.0.1 for tests that run the real program: answers every A query with
/// <see cref="Address"/> after <c>delay</c>, and counts what it received.
/// </summary>
internal sealed class LoopbackUpstream : IAsyncDisposable
{
    public const string Address = "192.0.2.53";
    private const int MaxDatagrams = 10_000;

    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TimeSpan _delay;
    private readonly Task _loop;
    private int _received;

    public LoopbackUpstream(TimeSpan delay = default)
    {
        _delay = delay;
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _loop = Task.Run(ReceiveAsync);
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Queries received so far (answered or still waiting for the delay).</summary>
    public int Received => Volatile.Read(ref _received);

    private async Task ReceiveAsync()
    {
        var pending = new List<Task>();
        for (int i = 0; i < MaxDatagrams && !_stopping.IsCancellationRequested; i++)
        {
            byte[] buffer = new byte[512];
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), _stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                break;
            }

            Interlocked.Increment(ref _received);
            pending.Add(AnswerAsync(buffer.AsMemory(0, received.ReceivedBytes), received.RemoteEndPoint));
        }

        await Task.WhenAll(pending);
    }

    private async Task AnswerAsync(ReadOnlyMemory<byte> query, EndPoint client)
    {
        byte[]? reply = Reply(query.Span);
        if (reply is null)
        {
            return;
        }

        try
        {
            await Task.Delay(_delay, _stopping.Token);
            await _socket.SendToAsync(reply, client, _stopping.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopped while the reply was waiting: the test is over.
        }
    }

    /// <summary>The query's ID and question, with one A record for an A query; null for anything unparsable.</summary>
    internal static byte[]? Reply(ReadOnlySpan<byte> query)
    {
        int end = 12;
        while (end < query.Length && query[end] != 0)
        {
            end += query[end] + 1;
        }

        end += 5; // root label, QTYPE, QCLASS
        if (query.Length < 12 || end > query.Length)
        {
            return null;
        }

        bool isA = BinaryPrimitives.ReadUInt16BigEndian(query[(end - 4)..]) == 1;
        byte[] reply = new byte[end + (isA ? 16 : 0)];
        query[..end].CopyTo(reply);
        reply[2] = (byte)(0x80 | (query[2] & 0x01)); // QR, RD copied
        reply[3] = 0x80;                              // RA, NOERROR
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(6), (ushort)(isA ? 1 : 0));
        BinaryPrimitives.WriteUInt32BigEndian(reply.AsSpan(8), 0); // no authority or additional (drops the OPT)
        if (isA)
        {
            Span<byte> answer = reply.AsSpan(end);
            answer[0] = 0xC0; // RFC 1035 §4.1.4: pointer to the question name at offset 12
            answer[1] = 12;
            BinaryPrimitives.WriteUInt16BigEndian(answer[2..], 1);
            BinaryPrimitives.WriteUInt16BigEndian(answer[4..], 1);
            BinaryPrimitives.WriteUInt32BigEndian(answer[6..], 60);
            BinaryPrimitives.WriteUInt16BigEndian(answer[10..], 4);
            IPAddress.Parse(Address).TryWriteBytes(answer[12..], out _);
        }

        return reply;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _socket.Dispose();
        await _loop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }
}
