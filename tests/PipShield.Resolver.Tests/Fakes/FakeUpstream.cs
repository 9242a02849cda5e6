using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace PipShield.Resolver.Tests.Fakes;

/// <summary>
/// A DNS server on loopback for tests: UDP and TCP on the same free port, answering from the records and
/// misbehaviours of a <see cref="FakeUpstreamBuilder"/>, and recording every query it receives.
/// </summary>
/// <example>
/// <code>
/// await using var upstream = await FakeUpstream.StartAsync(b => b.WithAnswer("example.org. 60 IN A 192.0.2.1"));
/// // point the resolver at upstream.EndPoint, query, then:
/// Assert.Equal(1, upstream.QueryCount);
/// </code>
/// </example>
public sealed class FakeUpstream : IAsyncDisposable
{
    private const int MaxDatagrams = 100_000;
    private const int MaxQueriesPerConnection = 1_000;

    private readonly Socket _udp;
    private readonly Socket _otherSource;
    private readonly TcpListener _tcp;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _tasks = [];
    private readonly List<byte[]> _queries = [];
    private readonly List<(IPEndPoint Source, byte[] Query)> _udpLog = [];
    private FakeUpstreamBuilder.FakeBehavior _behavior;
    private int _udpQueries;
    private int _tcpQueries;

    private FakeUpstream(Socket udp, TcpListener tcp, FakeUpstreamBuilder.FakeBehavior behavior)
    {
        _udp = udp;
        _tcp = tcp;
        _behavior = behavior;
        EndPoint = (IPEndPoint)udp.LocalEndPoint!;
        _otherSource = new Socket(EndPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _otherSource.Bind(new IPEndPoint(EndPoint.Address, 0));
    }

    /// <summary>Where the fake listens, for both UDP and TCP.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>Queries received over UDP and TCP.</summary>
    public int QueryCount => UdpQueryCount + TcpQueryCount;

    public int UdpQueryCount => Volatile.Read(ref _udpQueries);

    public int TcpQueryCount => Volatile.Read(ref _tcpQueries);

    /// <summary>Copies of every well-formed query received, in arrival order.</summary>
    public IReadOnlyList<byte[]> ReceivedQueries
    {
        get
        {
            lock (_queries)
            {
                return [.. _queries];
            }
        }
    }

    /// <summary>The most recent well-formed UDP query and where it came from (the resolver's source port), or null.</summary>
    public (IPEndPoint Source, byte[] Query)? LastUdpQuery
    {
        get
        {
            lock (_udpLog)
            {
                return _udpLog.Count > 0 ? _udpLog[^1] : null;
            }
        }
    }

    /// <summary>The most recent query, or null.</summary>
    public byte[]? LastQuery
    {
        get
        {
            lock (_queries)
            {
                return _queries.Count > 0 ? _queries[^1] : null;
            }
        }
    }

    /// <summary>Starts a fake on <paramref name="address"/> (127.0.0.1 by default) and a free port.</summary>
    public static Task<FakeUpstream> StartAsync(Action<FakeUpstreamBuilder>? configure = null, IPAddress? address = null)
    {
        var builder = new FakeUpstreamBuilder();
        configure?.Invoke(builder);
        address ??= IPAddress.Loopback;

        // The UDP port is free by construction; the same TCP port usually is, else try another pair.
        for (int attempt = 0; ; attempt++)
        {
            var udp = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            TcpListener? tcp = null;
            try
            {
                udp.Bind(new IPEndPoint(address, 0));
                tcp = new TcpListener(address, ((IPEndPoint)udp.LocalEndPoint!).Port);
                tcp.Start();
                var fake = new FakeUpstream(udp, tcp, builder.Build());
                fake.Start();
                return Task.FromResult(fake);
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse && attempt < 20)
            {
                udp.Dispose();
                tcp?.Dispose();
            }
            catch
            {
                udp.Dispose();
                tcp?.Dispose();
                throw;
            }
        }
    }

    /// <summary>Replaces the behaviour from now on (records, rcode, misbehaviours); counts and history stay.</summary>
    public void Reconfigure(Action<FakeUpstreamBuilder> configure)
    {
        var builder = new FakeUpstreamBuilder();
        configure(builder);
        Volatile.Write(ref _behavior, builder.Build());
    }

    /// <summary>Sends <paramref name="datagram"/> from the fake's own address and port: what a forger spoofing the server would send.</summary>
    public ValueTask<int> SendFromServerAsync(ReadOnlyMemory<byte> datagram, EndPoint destination, CancellationToken cancellationToken) =>
        _udp.SendToAsync(datagram, SocketFlags.None, destination, cancellationToken);

    /// <summary>Sends <paramref name="datagram"/> from the fake's address but another port.</summary>
    public ValueTask<int> SendFromOtherPortAsync(ReadOnlyMemory<byte> datagram, EndPoint destination, CancellationToken cancellationToken) =>
        _otherSource.SendToAsync(datagram, SocketFlags.None, destination, cancellationToken);

    /// <summary>Stops accepting TCP: connections to the port are refused from now on (UDP carries on).</summary>
    public void StopTcp() => _tcp.Stop();

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _udp.Dispose();
        _otherSource.Dispose();
        _tcp.Stop();
        Task[] tasks;
        lock (_tasks)
        {
            tasks = [.. _tasks];
        }

        try
        {
            await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or TimeoutException)
        {
            // Stopping: loops end with whatever their socket threw.
        }

        _stopping.Dispose();
    }

    private void Start()
    {
        Track(ReceiveUdpAsync());
        Track(AcceptTcpAsync());
    }

    private void Track(Task task)
    {
        lock (_tasks)
        {
            _tasks.RemoveAll(t => t.IsCompleted);
            _tasks.Add(task);
        }
    }

    private FakeQuery? Record(ReadOnlySpan<byte> message, ref int counter)
    {
        FakeQuery? query = FakeWire.TryParseQuery(message);
        if (query is not null)
        {
            Interlocked.Increment(ref counter);
            lock (_queries)
            {
                _queries.Add(message.ToArray());
            }
        }

        return query;
    }

    private async Task ReceiveUdpAsync()
    {
        CancellationToken token = _stopping.Token;
        var buffer = new byte[65535];
        EndPoint any = new IPEndPoint(EndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        for (int i = 0; i < MaxDatagrams && !token.IsCancellationRequested; i++)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, any, token).ConfigureAwait(false);
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused)
            {
                continue; // Windows reports an ICMP error for an earlier reply to a closed client port
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            FakeQuery? query = Record(buffer.AsSpan(0, received.ReceivedBytes), ref _udpQueries);
            if (query is not null)
            {
                lock (_udpLog)
                {
                    _udpLog.Add(((IPEndPoint)received.RemoteEndPoint, buffer[..received.ReceivedBytes]));
                }

                Track(ReplyUdpAsync(query, received.RemoteEndPoint, Volatile.Read(ref _behavior), token));
            }
        }
    }

    private async Task ReplyUdpAsync(FakeQuery query, EndPoint client, FakeUpstreamBuilder.FakeBehavior behavior, CancellationToken token)
    {
        if (behavior.Silent)
        {
            return;
        }

        try
        {
            bool answer = true;
            switch (behavior.BogusReply)
            {
                case FakeUpstreamBuilder.Bogus.WrongId:
                    await _udp.SendToAsync(FakeWire.BuildReply(query, behavior, id: (ushort)(query.Id ^ 0x5A5A)), client, token).ConfigureAwait(false);
                    answer = behavior.BogusThenAnswer;
                    break;
                case FakeUpstreamBuilder.Bogus.WrongQuestion:
                    await _udp.SendToAsync(FakeWire.BuildReply(query, behavior, questionName: "wrong-question.example."), client, token).ConfigureAwait(false);
                    answer = behavior.BogusThenAnswer;
                    break;
                case FakeUpstreamBuilder.Bogus.WrongSource:
                    await _otherSource.SendToAsync(FakeWire.BuildReply(query, behavior, behavior.Truncate), client, token).ConfigureAwait(false);
                    answer = behavior.BogusThenAnswer;
                    break;
            }

            if (!answer)
            {
                return;
            }

            if (behavior.Delay > TimeSpan.Zero)
            {
                await Task.Delay(behavior.Delay, token).ConfigureAwait(false);
            }

            byte[] reply = FakeWire.BuildReply(query, behavior, behavior.Truncate);
            for (int i = 0; i < behavior.Copies; i++)
            {
                await _udp.SendToAsync(reply, client, token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopping, or the client went away.
        }
    }

    private async Task AcceptTcpAsync()
    {
        CancellationToken token = _stopping.Token;
        for (int i = 0; i < MaxDatagrams && !token.IsCancellationRequested; i++)
        {
            Socket connection;
            try
            {
                connection = await _tcp.AcceptSocketAsync(token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Track(ServeTcpAsync(connection, token));
        }
    }

    private async Task ServeTcpAsync(Socket connection, CancellationToken token)
    {
        using (connection)
        {
            var prefix = new byte[2];
            try
            {
                for (int i = 0; i < MaxQueriesPerConnection; i++)
                {
                    if (!await ReadExactlyAsync(connection, prefix, token).ConfigureAwait(false))
                    {
                        return;
                    }

                    var message = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
                    if (!await ReadExactlyAsync(connection, message, token).ConfigureAwait(false))
                    {
                        return;
                    }

                    FakeUpstreamBuilder.FakeBehavior behavior = Volatile.Read(ref _behavior);
                    FakeQuery? query = Record(message, ref _tcpQueries);
                    if (query is null || behavior.Silent || behavior.TcpFailure == FakeTcpFailure.Silent)
                    {
                        continue;
                    }

                    if (behavior.TcpFailure == FakeTcpFailure.Reset)
                    {
                        connection.LingerState = new LingerOption(true, 0); // close sends RST instead of FIN
                        connection.Close();
                        return;
                    }

                    if (behavior.TcpFailure == FakeTcpFailure.Close)
                    {
                        connection.Shutdown(SocketShutdown.Both);
                        return;
                    }

                    if (behavior.Delay > TimeSpan.Zero)
                    {
                        await Task.Delay(behavior.Delay, token).ConfigureAwait(false);
                    }

                    byte[] reply = FakeWire.BuildReply(query, behavior);
                    byte[] framed = [(byte)(reply.Length >> 8), (byte)reply.Length, .. reply];
                    await connection.SendAsync(framed, SocketFlags.None, token).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                // Stopping, or the client closed the connection.
            }
        }
    }

    private static async Task<bool> ReadExactlyAsync(Socket socket, Memory<byte> destination, CancellationToken token)
    {
        for (int read = 0; read < destination.Length;)
        {
            int received = await socket.ReceiveAsync(destination[read..], SocketFlags.None, token).ConfigureAwait(false);
            if (received == 0)
            {
                return false;
            }

            read += received;
        }

        return true;
    }
}
