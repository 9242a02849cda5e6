using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using PipShield.Tests.Tls;

namespace PipShield.Resolver.Tests.Fakes;

/// <summary>How <see cref="FakeDotServer"/> treats a connection.</summary>
internal sealed record FakeDotBehavior
{
    /// <summary>Holds replies until this many queries arrived on the connection, then answers them last first (1: at once, in order).</summary>
    public int ReverseBatch { get; init; } = 1;

    /// <summary>Closes the connection after this many replies, as a server closing an idle connection would (0: never).</summary>
    public int CloseAfter { get; init; }

    /// <summary>Reads queries and never answers.</summary>
    public bool Silent { get; init; }
}

/// <summary>
/// A DNS-over-TLS upstream on 127.0.0.1 with the test CA's certificate: answers like <see cref="FakeUpstream"/> (the same
/// builder), counts connections and queries, records the server names clients asked for, and can answer out of order or
/// close connections to test a client's pipelining and reconnecting.
/// </summary>
internal sealed class FakeDotServer : IAsyncDisposable
{
    private const int MaxConnections = 1_000;
    private const int MaxQueriesPerConnection = 10_000;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly X509Certificate2 _certificate;
    private readonly FakeUpstreamBuilder.FakeBehavior _answers;
    private readonly FakeDotBehavior _behavior;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _tasks = [];
    private readonly List<string> _serverNames = [];
    private readonly Task _accepting;
    private int _connections;
    private int _queries;

    private FakeDotServer(TestCertificates certificates, FakeUpstreamBuilder.FakeBehavior answers, FakeDotBehavior behavior)
    {
        _certificate = X509Certificate2.CreateFromPemFile(certificates.CertificateFile, certificates.KeyFile);
        _answers = answers;
        _behavior = behavior;
        _listener.Start();
        EndPoint = (IPEndPoint)_listener.LocalEndpoint;
        _accepting = AcceptAsync();
    }

    public IPEndPoint EndPoint { get; }

    public int Connections => Volatile.Read(ref _connections);

    public int QueryCount => Volatile.Read(ref _queries);

    /// <summary>The SNI names of the connections so far ("" for a connection that sent none).</summary>
    public IReadOnlyList<string> ServerNames
    {
        get
        {
            lock (_serverNames)
            {
                return [.. _serverNames];
            }
        }
    }

    public static FakeDotServer Start(TestCertificates certificates, Action<FakeUpstreamBuilder>? answers = null, FakeDotBehavior? behavior = null)
    {
        var builder = new FakeUpstreamBuilder();
        answers?.Invoke(builder);
        return new FakeDotServer(certificates, builder.Build(), behavior ?? new FakeDotBehavior());
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        Task[] tasks;
        lock (_tasks)
        {
            tasks = [.. _tasks, _accepting];
        }

        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _certificate.Dispose();
        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        for (int i = 0; i < MaxConnections && !_stopping.IsCancellationRequested; i++)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            lock (_tasks)
            {
                _tasks.Add(ServeAsync(socket, _stopping.Token));
            }
        }
    }

    private async Task ServeAsync(Socket socket, CancellationToken token)
    {
        await using var stream = new SslStream(new NetworkStream(socket, ownsSocket: true));
        try
        {
            await stream.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, token);
            lock (_serverNames)
            {
                _serverNames.Add(stream.TargetHostName);
            }

            var held = new List<byte[]>();
            int replies = 0;
            var prefix = new byte[2];
            for (int i = 0; i < MaxQueriesPerConnection; i++)
            {
                await stream.ReadExactlyAsync(prefix, token);
                var message = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
                await stream.ReadExactlyAsync(message, token);
                FakeQuery? query = FakeWire.TryParseQuery(message);
                if (query is null)
                {
                    continue;
                }

                Interlocked.Increment(ref _queries);
                if (_behavior.Silent)
                {
                    continue;
                }

                if (_answers.Delay > TimeSpan.Zero)
                {
                    await Task.Delay(_answers.Delay, token);
                }

                held.Add(FakeWire.BuildReply(query, _answers));
                if (held.Count < _behavior.ReverseBatch)
                {
                    continue;
                }

                for (int r = held.Count - 1; r >= 0; r--)
                {
                    var framed = new byte[held[r].Length + 2];
                    BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)held[r].Length);
                    held[r].CopyTo(framed, 2);
                    await stream.WriteAsync(framed, token);
                    replies++;
                }

                held.Clear();
                if (_behavior.CloseAfter > 0 && replies >= _behavior.CloseAfter)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
        {
            // The client went away, the handshake failed (a test of a wrong name), or the test is over.
        }
    }
}
