using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using TcpListener = PipShield.Resolver.Listeners.TcpListener;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PipShield.Resolver.Listeners;
using PipShield.Resolver.Pipeline;

namespace PipShield.Resolver.Server;

/// <summary>
/// Serves a <see cref="QueryPipeline"/> over UDP and TCP on every configured address. Each address gets a UDP socket
/// with dedicated receive threads and a TCP listener on the same port. Dispose it to stop: listeners close first, then
/// queries still waiting on upstream are cancelled and drained.
/// </summary>
public sealed class ResolverServer : IAsyncDisposable
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly QueryContextPool _contexts;
    private readonly ListenerMetrics _metrics = new();
    private readonly List<UdpListener> _udp = [];
    private readonly List<TcpListener> _tcp = [];
    private readonly long _started = Stopwatch.GetTimestamp();
    private int _stopped;

    private ResolverServer(ResolverServerOptions options, ILogger logger)
    {
        _logger = logger;
        _contexts = new QueryContextPool(options.MaxQueriesInFlight);
    }

    /// <summary>The addresses served, with the ports actually bound; UDP and TCP share each one.</summary>
    public IReadOnlyList<IPEndPoint> EndPoints { get; private set; } = [];

    /// <summary>The counters so far.</summary>
    public ResolverCounters Counters => new()
    {
        Queries = _metrics.Queries,
        Responses = _metrics.Responses,
        Drops = _metrics.Drops,
        Truncated = _metrics.Truncated,
        Overloaded = _metrics.Overloaded,
        Errors = _metrics.Errors,
        QueriesInFlight = Math.Max(0, _contexts.Outstanding - ReceiveThreadCount),
        TcpConnectionsAccepted = _metrics.TcpAccepted,
        TcpConnectionsRejected = _metrics.TcpRejected,
        TcpConnectionsOpen = _metrics.TcpOpen,
        TcpConnectionsTimedOut = _metrics.TcpTimedOut,
        TcpConnectionsEvicted = _metrics.TcpEvicted,
    };

    private int ReceiveThreadCount { get; set; }

    /// <summary>Binds every address in <paramref name="options"/> and starts serving.</summary>
    /// <exception cref="ArgumentException">The options are invalid; the message names the key.</exception>
    /// <exception cref="SocketException">An address cannot be bound; nothing is left listening.</exception>
    public static ResolverServer Start(QueryPipeline pipeline, ResolverServerOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        loggerFactory ??= NullLoggerFactory.Instance;
        var server = new ResolverServer(options, loggerFactory.CreateLogger<ResolverServer>());
        try
        {
            server.Listen(pipeline, options, loggerFactory);
        }
        catch
        {
            server.StopListeners().GetAwaiter().GetResult();
            throw;
        }

        ServerLog.Started(server._logger, string.Join(", ", server.EndPoints), options.UdpReceiveThreads, options.MaxUdpResponseSize,
            options.MaxQueriesInFlight, options.MaxTcpConnections, options.MaxTcpConnectionsPerClient, options.TcpIdleTimeout.TotalSeconds);
        return server;
    }

    /// <summary>Stops serving; same as <see cref="DisposeAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        // Drain: take no new UDP queries, but let those waiting on an upstream finish and reply (bounded by the
        // upstream deadline in practice, by DrainTimeout at most).
        foreach (UdpListener udp in _udp)
        {
            udp.BeginDrain();
        }

        long drainStart = Stopwatch.GetTimestamp();
        while (_contexts.Outstanding > ReceiveThreadCount && Stopwatch.GetElapsedTime(drainStart) < DrainTimeout)
        {
            await Task.Delay(10).ConfigureAwait(false);
        }

        await StopListeners().ConfigureAwait(false);

        // Cancel what still waits on upstream, then wait for those queries to give their contexts back, so nothing
        // touches the pipeline (or the image it reads) once this returns.
        _stopping.Cancel();
        while (_contexts.Outstanding > 0 && Stopwatch.GetElapsedTime(drainStart) < DrainTimeout)
        {
            await Task.Delay(10).ConfigureAwait(false);
        }

        if (_contexts.Outstanding > 0)
        {
            ServerLog.StoppedWithQueriesInFlight(_logger, _contexts.Outstanding, DrainTimeout.TotalSeconds);
        }

        ServerLog.Stopped(_logger, Stopwatch.GetElapsedTime(_started).TotalSeconds);
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private void Listen(QueryPipeline pipeline, ResolverServerOptions options, ILoggerFactory loggerFactory)
    {
        ILogger udpLogger = loggerFactory.CreateLogger<UdpListener>();
        ILogger tcpLogger = loggerFactory.CreateLogger<TcpListener>();
        var endPoints = new List<IPEndPoint>();
        foreach (string text in options.EffectiveListenEndPoints)
        {
            ResolverServerOptions.TryParseEndPoint(text, out IPEndPoint? requested);
            (Socket udpSocket, Socket tcpSocket) = SocketBinding.Bind(requested!);
            var udp = new UdpListener(udpSocket, pipeline, _contexts, _metrics, udpLogger, options.UdpReceiveThreads,
                options.MaxUdpResponseSize, _stopping.Token);
            var tcp = new TcpListener(tcpSocket, pipeline, _contexts, _metrics, tcpLogger, options.MaxTcpConnections,
                options.MaxTcpConnectionsPerClient, options.TcpIdleTimeout, _stopping.Token);
            _udp.Add(udp);
            _tcp.Add(tcp);
            endPoints.Add(udp.LocalEndPoint);
        }

        foreach (UdpListener udp in _udp)
        {
            udp.Start();
            ReceiveThreadCount += options.UdpReceiveThreads;
        }

        foreach (TcpListener tcp in _tcp)
        {
            tcp.Start();
        }

        EndPoints = endPoints;
    }

    private async Task StopListeners()
    {
        foreach (UdpListener udp in _udp)
        {
            udp.Stop();
        }

        await Task.WhenAll(_tcp.Select(tcp => tcp.StopAsync(DrainTimeout))).ConfigureAwait(false);
    }
}
