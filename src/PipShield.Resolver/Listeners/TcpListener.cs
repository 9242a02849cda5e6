using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using PipShield.Resolver.Listeners.Tls;
using PipShield.Resolver.Pipeline;

namespace PipShield.Resolver.Listeners;

/// <summary>
/// Accepts DNS-over-TCP connections (or DNS-over-TLS ones, when given a <see cref="TlsServerContext"/>) on one socket and enforces the connection caps (in all and per client address)
/// and the idle timeout. At a cap, the connection idle the longest makes room for the new one. A heartbeat, as in Kestrel, checks every connection's timers, so no connection needs a
/// timer of its own and a read or write carries no timeout token.
/// </summary>
internal sealed class TcpListener
{
    private readonly Socket _socket;
    private readonly int _maxConnections;
    private readonly int _maxPerClient;
    private readonly TimeSpan _idleTimeout;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private readonly HashSet<TcpConnection> _connections = [];
    private readonly Dictionary<ClientAddress, int> _perClient = [];
    private readonly List<TcpConnection> _heartbeatSnapshot = [];
    private LogLimiter _faultLog;
    private Task _accepting = Task.CompletedTask;
    private Task _heartbeat = Task.CompletedTask;

    /// <param name="socket">A bound, listening socket; the listener owns it.</param>
    /// <param name="stopping">Passed to the pipeline; cancelled when the server stops.</param>
    public TcpListener(Socket socket, QueryPipeline pipeline, QueryContextPool contexts, ListenerMetrics metrics, ILogger logger,
        int maxConnections, int maxPerClient, TimeSpan idleTimeout, CancellationToken stopping, TlsServerContext? tls = null)
    {
        Tls = tls;
        _socket = socket;
        Pipeline = pipeline;
        Contexts = contexts;
        Metrics = metrics;
        Logger = logger;
        _maxConnections = maxConnections;
        _maxPerClient = maxPerClient;
        _idleTimeout = idleTimeout;
        Stopping = stopping;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    public IPEndPoint LocalEndPoint { get; }

    internal QueryPipeline Pipeline { get; }

    internal QueryContextPool Contexts { get; }

    internal ListenerMetrics Metrics { get; }

    internal ILogger Logger { get; }

    internal CancellationToken Stopping { get; }

    /// <summary>Set for a DNS-over-TLS listener: every connection shakes hands first.</summary>
    internal TlsServerContext? Tls { get; }

    public void Start()
    {
        _accepting = AcceptLoopAsync();
        _heartbeat = HeartbeatAsync();
        if (Tls is null)
        {
            ListenerLog.TcpStarted(Logger, LocalEndPoint);
        }
        else
        {
            TlsLog.Started(Logger, LocalEndPoint, Tls.Certificate.Certificate.Subject, Tls.Certificate.Certificate.NotAfter.ToUniversalTime());
        }
    }

    /// <summary>Stops accepting, closes every connection and waits for them, up to <paramref name="timeout"/>.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        _stop.Cancel();
        _socket.Dispose();
        Task[] connections;
        lock (_gate)
        {
            foreach (TcpConnection connection in _connections)
            {
                connection.Abort(TcpConnection.CloseReason.Shutdown);
            }

            connections = [.. _connections.Select(c => c.Completion)];
        }

        await Task.WhenAll([_accepting, _heartbeat, .. connections]).WaitAsync(timeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    internal void Fault(Exception exception)
    {
        Metrics.Error();
        if (_faultLog.TryEnter(out long suppressed))
        {
            ListenerLog.TcpFault(Logger, LocalEndPoint, suppressed, exception);
        }
    }

    internal void TimedOut(TcpConnection connection, TcpConnection.CloseReason reason)
    {
        Metrics.TcpTimeout();
        if (Logger.IsEnabled(LogLevel.Debug))
        {
            ListenerLog.TcpTimedOut(Logger, connection.Client.ToString(), reason == TcpConnection.CloseReason.Idle ? "idle" : "not reading its replies");
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex)
            {
                // Aborted handshakes are routine; running out of descriptors is not, but waiting lets connections close.
                if (ex.SocketErrorCode is not (SocketError.ConnectionAborted or SocketError.ConnectionReset))
                {
                    ListenerLog.AcceptFailed(Logger, LocalEndPoint, ex.SocketErrorCode);
                    await Task.Delay(100, CancellationToken.None).ConfigureAwait(false);
                }

                continue;
            }
            catch (Exception ex)
            {
                Fault(ex);
                await Task.Delay(100, CancellationToken.None).ConfigureAwait(false);
                continue;
            }

            try
            {
                Admit(client);
            }
            catch (Exception ex)
            {
                client.Dispose();
                Fault(ex);
            }
        }
    }

    private void Admit(Socket socket)
    {
        EndPoint? remote = socket.RemoteEndPoint;
        ClientAddress client = remote is IPEndPoint ip ? ClientAddress.From(ip.Address) : default;
        TcpConnection connection;
        TcpConnection? evicted = null;
        lock (_gate)
        {
            if (_stop.IsCancellationRequested)
            {
                socket.Dispose();
                return;
            }

            _perClient.TryGetValue(client, out int fromClient);
            bool clientFull = fromClient >= _maxPerClient;
            if (clientFull || _connections.Count >= _maxConnections)
            {
                // At a cap, close the connection idle the longest (of this client when its own cap is the one
                // reached) rather than refuse the new one, as Unbound and Knot do: idle and half-sent connections
                // cannot lock out new clients, and a client at its cap only ever competes with itself.
                evicted = OldestIdle(clientFull ? client : null);
                if (evicted is null)
                {
                    Metrics.TcpReject();
                    if (Logger.IsEnabled(LogLevel.Debug))
                    {
                        ListenerLog.TcpRejected(Logger, client.ToString(), _connections.Count, fromClient);
                    }

                    socket.Dispose(); // close at once: a waiting connection would still hold a descriptor
                    return;
                }

                // Forget it now, so the caps count it as gone while it closes.
                Forget(evicted);
                _perClient.TryGetValue(client, out fromClient);
            }

            connection = new TcpConnection(this, socket, client, remote);
            _connections.Add(connection);
            _perClient[client] = fromClient + 1;
        }

        if (evicted is not null)
        {
            Metrics.TcpEviction();
            evicted.Abort(TcpConnection.CloseReason.Evicted);
            if (Logger.IsEnabled(LogLevel.Debug))
            {
                ListenerLog.TcpEvicted(Logger, evicted.Client.ToString(), client.ToString());
            }
        }

        Metrics.TcpAccept();
        connection.Start();
        _ = ForgetWhenClosedAsync(connection);
    }

    /// <summary>The connection with no query in flight whose last activity is oldest, from <paramref name="client"/> only when given.</summary>
    /// <remarks>Called under the lock, and only at a cap: a scan of at most the total cap's worth of connections.</remarks>
    private TcpConnection? OldestIdle(ClientAddress? client)
    {
        TcpConnection? oldest = null;
        long oldestActivity = long.MaxValue;
        foreach (TcpConnection candidate in _connections)
        {
            if ((client is null || candidate.Client == client.Value) && candidate.IsIdle && candidate.LastActivity < oldestActivity)
            {
                oldest = candidate;
                oldestActivity = candidate.LastActivity;
            }
        }

        return oldest;
    }

    /// <summary>Drops a connection from the set and its client's count; called under the lock, once per connection.</summary>
    private void Forget(TcpConnection connection)
    {
        if (!_connections.Remove(connection))
        {
            return; // evicted earlier
        }

        int left = _perClient[connection.Client] - 1;
        if (left == 0)
        {
            _perClient.Remove(connection.Client);
        }
        else
        {
            _perClient[connection.Client] = left;
        }
    }

    private async Task ForgetWhenClosedAsync(TcpConnection connection)
    {
        await connection.Completion.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        lock (_gate)
        {
            Forget(connection);
        }

        Metrics.TcpClose();
    }

    private async Task HeartbeatAsync()
    {
        // Check often enough that a connection outlives its timeout by at most a quarter of it (and a second at most).
        TimeSpan period = TimeSpan.FromTicks(Math.Clamp(_idleTimeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 25, TimeSpan.TicksPerSecond));
        long timeoutTicks = (long)(_idleTimeout.TotalSeconds * Stopwatch.Frequency);
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                lock (_gate)
                {
                    _heartbeatSnapshot.AddRange(_connections);
                }

                long now = Stopwatch.GetTimestamp();
                foreach (TcpConnection connection in _heartbeatSnapshot)
                {
                    connection.CheckTimeouts(now, timeoutTicks);
                }

                _heartbeatSnapshot.Clear();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
