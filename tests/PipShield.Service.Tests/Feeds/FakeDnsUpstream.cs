using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PipShield.Service.Tests.Feeds;

/// <summary>
/// A tiny UDP DNS server on loopback: A queries for mapped names get their address, other A queries get
/// <see cref="DefaultAddress"/> (or NXDOMAIN when it is null); every other type gets an empty NOERROR.
/// </summary>
internal sealed class FakeDnsUpstream : IAsyncDisposable
{
    private readonly UdpClient _socket = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly Dictionary<string, IPAddress> _names = new(StringComparer.OrdinalIgnoreCase);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;

    private FakeDnsUpstream(IPAddress? defaultAddress, params (string Name, IPAddress Address)[] names)
    {
        DefaultAddress = defaultAddress;
        foreach ((string name, IPAddress address) in names)
        {
            _names[name] = address;
        }

        _serving = ServeAsync();
    }

    public IPAddress? DefaultAddress { get; }

    public int Port => ((IPEndPoint)_socket.Client.LocalEndPoint!).Port;

    /// <summary>Every name asked for, in order.</summary>
    public ConcurrentQueue<string> Asked { get; } = new();

    public static FakeDnsUpstream Start(IPAddress? defaultAddress, params (string Name, IPAddress Address)[] names) => new(defaultAddress, names);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        try
        {
            await _serving;
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }

        _stop.Dispose();
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult request = await _socket.ReceiveAsync(_stop.Token);
            byte[]? response = Answer(request.Buffer);
            if (response is not null)
            {
                await _socket.SendAsync(response, request.RemoteEndPoint, _stop.Token);
            }
        }
    }

    private byte[]? Answer(byte[] query)
    {
        if (query.Length < 17)
        {
            return null;
        }

        // RFC 1035 §4.1.2: the question is the name's labels, a zero byte, then QTYPE and QCLASS.
        var name = new StringBuilder();
        int at = 12;
        while (at < query.Length && query[at] != 0)
        {
            int length = query[at];
            if (at + 1 + length >= query.Length)
            {
                return null;
            }

            name.Append(name.Length > 0 ? "." : string.Empty).Append(Encoding.ASCII.GetString(query, at + 1, length));
            at += 1 + length;
        }

        int questionEnd = at + 5;
        if (questionEnd > query.Length)
        {
            return null;
        }

        ushort qtype = BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(at + 1));
        string qname = name.ToString();
        Asked.Enqueue(qname);
        IPAddress? address = _names.TryGetValue(qname, out IPAddress? mapped) ? mapped : DefaultAddress;
        bool answer = qtype == 1 && address is not null;
        using var response = new MemoryStream();
        response.Write(query, 0, 2); // the query's ID
        response.Write([0x81, (byte)(address is null ? 0x83 : 0x80)]); // QR RD; RA; NXDOMAIN for unknown names
        response.Write([0, 1, 0, (byte)(answer ? 1 : 0), 0, 0, 0, 0]);
        response.Write(query, 12, questionEnd - 12);
        if (answer)
        {
            response.Write([0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]); // name pointer, A, IN, TTL 60, 4 bytes
            response.Write(address!.GetAddressBytes());
        }

        return response.ToArray();
    }
}
