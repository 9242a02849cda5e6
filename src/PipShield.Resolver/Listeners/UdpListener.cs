using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using PipShield.Resolver.Pipeline;

namespace PipShield.Resolver.Listeners;

/// <summary>
/// Serves DNS over one UDP socket with dedicated threads, each running a synchronous receive loop
/// (<c>ReceiveFrom</c>/<c>SendTo</c> with <see cref="SocketAddress"/>: no allocation per packet). Queries the
/// pipeline answers synchronously (blocks, cache hits, errors) are answered on the receiving thread; a query that
/// waits on upstream I/O is handed off with its <see cref="UdpExchange"/> and the thread takes a fresh one.
/// </summary>
internal sealed class UdpListener
{
    private readonly Socket _socket;
    private readonly QueryPipeline _pipeline;
    private readonly QueryContextPool _contexts;
    private readonly ListenerMetrics _metrics;
    private readonly ILogger _logger;
    private readonly int _maxResponseSize;
    private readonly CancellationToken _stopping;
    private readonly ConcurrentQueue<UdpExchange> _idle = new();
    private readonly Thread[] _threads;
    private LogLimiter _faultLog;
    private volatile bool _stopped;
    private volatile bool _draining;

    /// <param name="socket">A bound UDP socket; the listener owns it and closes it on <see cref="Stop"/>.</param>
    /// <param name="stopping">Passed to the pipeline; cancelled when the server stops.</param>
    public UdpListener(Socket socket, QueryPipeline pipeline, QueryContextPool contexts, ListenerMetrics metrics,
        ILogger logger, int threadCount, int maxResponseSize, CancellationToken stopping)
    {
        _socket = socket;
        _pipeline = pipeline;
        _contexts = contexts;
        _metrics = metrics;
        _logger = logger;
        _maxResponseSize = maxResponseSize;
        _stopping = stopping;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        _threads = new Thread[threadCount];
        for (int i = 0; i < threadCount; i++)
        {
            _threads[i] = new Thread(ReceiveLoop) { IsBackground = true, Name = $"PipShield UDP {LocalEndPoint} #{i}" };
        }
    }

    public IPEndPoint LocalEndPoint { get; }

    public void Start()
    {
        foreach (Thread thread in _threads)
        {
            thread.Start();
        }

        ListenerLog.UdpStarted(_logger, LocalEndPoint, _threads.Length);
    }

    /// <summary>
    /// Shutdown, first step: new queries are read and dropped unanswered (the client retries elsewhere or
    /// later) while the socket stays open for the replies to queries already waiting on an upstream.
    /// </summary>
    public void BeginDrain() => _draining = true;

    /// <summary>Closes the socket, which unblocks the receive calls, and waits for the threads to end; handed-off
    /// queries still complete, and their replies fail quietly on the closed socket.</summary>
    public void Stop()
    {
        _stopped = true;
        _socket.Dispose();
        foreach (Thread thread in _threads)
        {
            if (thread.IsAlive && !thread.Join(TimeSpan.FromSeconds(2)))
            {
                ListenerLog.UdpFault(_logger, LocalEndPoint, 0, new TimeoutException("A UDP receive thread did not stop"));
            }
        }
    }

    private void ReceiveLoop()
    {
        UdpExchange exchange = RentExchange();
        while (!_stopped)
        {
            int received;
            try
            {
                received = _socket.ReceiveFrom(exchange.Context!.Request, SocketFlags.None, exchange.Remote);
            }
            catch (SocketException ex) when (IsClientError(ex.SocketErrorCode))
            {
                continue; // ICMP errors from earlier replies and the like: about one client, never about the socket
            }
            catch (Exception) when (_stopped)
            {
                break;
            }
            catch (Exception ex)
            {
                Fault(ex);
                Thread.Sleep(10); // a socket that keeps failing must not spin a core
                continue;
            }

            if (_draining)
            {
                continue;
            }

            try
            {
                if (!Serve(exchange, received))
                {
                    exchange = RentExchange(); // the old one now belongs to the pending query
                }
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                // Shutting down: the pipeline gave up on this query.
            }
            catch (Exception ex)
            {
                Fault(ex); // a bug: log it, keep serving (STYLE §6)
            }
        }

        ReturnExchange(exchange);
    }

    /// <returns>False when the query went asynchronous and took <paramref name="exchange"/> with it.</returns>
    private bool Serve(UdpExchange exchange, int received)
    {
        QueryContext query = exchange.Context!;
        query.Reset();
        query.RequestLength = received;
        query.Transport = Transport.Udp;
        query.Client = ClientAddress.From(exchange.Remote);
        query.ReceivedTimestamp = Stopwatch.GetTimestamp();
        _metrics.Query();
        if (_contexts.IsExhausted)
        {
            _metrics.Overload();
            int length = OverloadResponse.Write(query.RequestSpan, query.Response);
            if (length > 0)
            {
                Send(exchange, length);
            }

            return true;
        }

        ValueTask<bool> pending = _pipeline.ProcessAsync(query, _stopping);
        if (pending.IsCompleted)
        {
            Reply(exchange, pending.GetAwaiter().GetResult());
            return true;
        }

        exchange.AwaitCompletion(pending);
        return false;
    }

    /// <summary>Called by a handed-off exchange when its query is done, on the thread that completed it.</summary>
    internal void Complete(UdpExchange exchange, bool hasResponse, Exception? fault)
    {
        try
        {
            if (fault is null)
            {
                Reply(exchange, hasResponse);
            }
            else if (fault is not OperationCanceledException || !_stopping.IsCancellationRequested)
            {
                Fault(fault);
            }
        }
        catch (Exception ex)
        {
            Fault(ex);
        }
        finally
        {
            ReturnExchange(exchange);
        }
    }

    private void Reply(UdpExchange exchange, bool hasResponse)
    {
        if (!hasResponse)
        {
            _metrics.Drop();
            return;
        }

        QueryContext query = exchange.Context!;
        int limit = Math.Min(query.MaxResponseSize, _maxResponseSize);
        int length = query.ResponseLength;
        if (length > limit)
        {
            length = UdpTruncation.Apply(query.Response, length, limit);
            _metrics.Truncation();
        }

        Send(exchange, length);
    }

    private void Send(UdpExchange exchange, int length)
    {
        try
        {
            _socket.SendTo(exchange.Context!.Response.AsSpan(0, length), SocketFlags.None, exchange.Remote);
            _metrics.Response();
        }
        catch (SocketException ex)
        {
            // One client's unreachable network, or a full send buffer: this reply is lost, the listener is fine.
            _metrics.Error();
            ListenerLog.UdpSendFailed(_logger, LocalEndPoint, ex.SocketErrorCode);
        }
        catch (ObjectDisposedException) when (_stopped)
        {
        }
    }

    private UdpExchange RentExchange()
    {
        if (!_idle.TryDequeue(out UdpExchange? exchange))
        {
            exchange = new UdpExchange(this, _socket.AddressFamily);
        }

        exchange.Context = _contexts.Rent();
        return exchange;
    }

    private void ReturnExchange(UdpExchange exchange)
    {
        if (exchange.Context is { } context)
        {
            exchange.Context = null;
            _contexts.Return(context);
        }

        _idle.Enqueue(exchange); // as many as were ever in flight at once, which the context cap bounds
    }

    private void Fault(Exception exception)
    {
        _metrics.Error();
        if (_faultLog.TryEnter(out long suppressed))
        {
            ListenerLog.UdpFault(_logger, LocalEndPoint, suppressed, exception);
        }
    }

    private static bool IsClientError(SocketError error) => error is SocketError.ConnectionReset or SocketError.ConnectionRefused
        or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.MessageSize or SocketError.Interrupted;
}
