using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using TcpListener = PipShield.Resolver.Listeners.TcpListener;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PipShield.Resolver.Listeners;
using PipShield.Resolver.Listeners.Tls;
using PipShield.Resolver.Pipeline;

namespace PipShield.Resolver.Server;

/// <summary>
/// Serves a <see cref="QueryPipeline"/> over UDP and TCP on every configured address, and over TLS on every TLS address
/// when a certificate is configured. Each address gets a UDP socket with dedicated receive threads and a TCP listener
/// on the same port. <see cref="QueryAsync"/> runs one query from outside (DNS-over-HTTPS). Dispose it to stop: listeners close first, then
/// queries still waiting on upstream are cancelled and drained.
/// </summary>
public sealed partial class ResolverServer : IAsyncDisposable
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly QueryContextPool _contexts;
    private readonly ListenerMetrics _metrics = new();
    private readonly List<UdpListener> _udp = [];
    private readonly List<TcpListener> _tcp = [];
    private readonly List<TcpListener> _tls = [];
    private QueryPipeline? _pipeline;
    private ReloadingCertificate? _certificate;
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

    /// <summary>The DNS-over-TLS addresses served, with the ports actually bound; empty when DoT is off.</summary>
    public IReadOnlyList<IPEndPoint> TlsEndPoints { get; private set; } = [];

    private int ReceiveThreadCount { get; set; }

    /// <summary>Binds every address in <paramref name="options"/> and starts serving.</summary>
    /// <exception cref="ArgumentException">The options are invalid; the message names the key.</exception>
    /// <exception cref="SocketException">An address cannot be bound; nothing is left listening.</exception>
    /// <param name="devices">The enrolled devices, which DoT server names are looked up in; null for none.</param>
    public static ResolverServer Start(QueryPipeline pipeline, ResolverServerOptions options, ILoggerFactory? loggerFactory = null,
        IDeviceDirectory? devices = null)
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
            server.Listen(pipeline, options, loggerFactory, devices);
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

    private void Listen(QueryPipeline pipeline, ResolverServerOptions options, ILoggerFactory loggerFactory, IDeviceDirectory? devices)
    {
        _pipeline = pipeline;
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
        ListenTls(pipeline, options, tcpLogger, devices);
    }

    private void ListenTls(QueryPipeline pipeline, ResolverServerOptions options, ILogger logger, IDeviceDirectory? devices)
    {
        if (!options.Tls.IsConfigured || options.TlsEndPoints.Count == 0)
        {
            return;
        }

        _certificate = ReloadingCertificate.Load(options.Tls, logger);
        var context = new TlsServerContext(_certificate, options.Tls.HostName is { Length: > 0 } host ? host.TrimEnd('.') : null, devices);
        var endPoints = new List<IPEndPoint>();
        foreach (string text in options.TlsEndPoints)
        {
            ResolverServerOptions.TryParseEndPoint(text, 853, out IPEndPoint? requested);
            var tls = new TcpListener(SocketBinding.BindTcp(requested!), pipeline, _contexts, _metrics, logger, options.MaxTcpConnections,
                options.MaxTcpConnectionsPerClient, options.TcpIdleTimeout, _stopping.Token, context);
            _tls.Add(tls);
            endPoints.Add(tls.LocalEndPoint);
        }

        foreach (TcpListener tls in _tls)
        {
            tls.Start();
        }

        TlsEndPoints = endPoints;
    }

    private async Task StopListeners()
    {
        foreach (UdpListener udp in _udp)
        {
            udp.Stop();
        }

        await Task.WhenAll(_tcp.Concat(_tls).Select(tcp => tcp.StopAsync(DrainTimeout))).ConfigureAwait(false);
        _certificate?.Dispose();
    }
}
