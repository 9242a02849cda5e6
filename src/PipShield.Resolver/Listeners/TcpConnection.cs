using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Threading.Channels;
using PipShield.Resolver.Listeners.Tls;
using PipShield.Resolver.Pipeline;

namespace PipShield.Resolver.Listeners;

/// <summary>
/// One DNS-over-TCP connection (RFC 7766), or DNS-over-TLS (RFC 7858: the same framing inside TLS): a read loop that frames queries off a <see cref="PipeReader"/> and starts
/// each one at once, and a write loop that frames the replies in the order they complete. Up to
/// <see cref="MaxQueriesInFlight"/> queries run at a time; past that, reading pauses, so a client that floods or stops
/// reading only ever holds up itself.
/// </summary>
internal sealed partial class TcpConnection
{
    /// <summary>Queries of one connection processed at once (RFC 7766 §6.2.1.1: pipelined queries run concurrently).</summary>
    public const int MaxQueriesInFlight = 16;

    private readonly TcpListener _owner;
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private Stream _transport;
    private PipeReader? _input;
    private PipeWriter? _output;
    private bool _refuseQueries;
    private readonly Channel<PendingReply> _replies =
        Channel.CreateUnbounded<PendingReply>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _slots = new(MaxQueriesInFlight, MaxQueriesInFlight);
    private readonly CancellationTokenSource _aborted = new();
    private long _lastActivity;
    private long _flushStarted;
    private int _inFlight;
    private int _closeReason;

    public TcpConnection(TcpListener owner, Socket socket, ClientAddress client, EndPoint? remoteEndPoint)
    {
        _owner = owner;
        _socket = socket;
        Client = client;
        RemoteEndPoint = remoteEndPoint;
        _socket.NoDelay = true; // replies are batched per flush already
        _stream = new NetworkStream(socket, ownsSocket: true);
        _transport = _stream;
        if (owner.Tls is null)
        {
            OpenPipes();
        }

        _lastActivity = Stopwatch.GetTimestamp();
    }

    /// <summary>Why a connection was closed by the server rather than by its client.</summary>
    public enum CloseReason
    {
        None = 0,
        Idle = 1,
        NotReading = 2,
        Shutdown = 3,
        WriteFailed = 4,
        Evicted = 5,
    }

    public ClientAddress Client { get; }

    /// <summary>No query of this connection is in flight, so closing it loses no answer.</summary>
    public bool IsIdle => Volatile.Read(ref _inFlight) == 0;

    /// <summary>When the last complete query arrived or the last reply was queued (a <see cref="Stopwatch"/> timestamp).</summary>
    public long LastActivity => Volatile.Read(ref _lastActivity);

    public EndPoint? RemoteEndPoint { get; }

    /// <summary>The device named in the TLS server name, looked up once per connection; null when unidentified.</summary>
    public DeviceIdentity? Device { get; private set; }

    /// <summary>Completes when the connection is closed and every query it started has been released.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    public void Start() => Completion = RunAsync();

    /// <summary>Closes the connection when it idled or stopped reading for <paramref name="timeoutTicks"/>; called by the listener's heartbeat.</summary>
    public void CheckTimeouts(long now, long timeoutTicks)
    {
        long flushStarted = Volatile.Read(ref _flushStarted);
        if (flushStarted != 0 && now - flushStarted > timeoutTicks)
        {
            Abort(CloseReason.NotReading);
        }
        else if (Volatile.Read(ref _inFlight) == 0 && now - Volatile.Read(ref _lastActivity) > timeoutTicks)
        {
            // RFC 7766 §6.2.3: idle means no query in flight; partial messages do not count as activity (slow clients).
            Abort(CloseReason.Idle);
        }
    }

    /// <summary>Stops reading and writing at once; queries in flight are dropped.</summary>
    public void Abort(CloseReason reason)
    {
        if (Interlocked.CompareExchange(ref _closeReason, (int)reason, (int)CloseReason.None) != (int)CloseReason.None)
        {
            return;
        }

        try
        {
            _aborted.Cancel();
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or SocketException)
        {
            // Already closed by the other side or by RunAsync.
        }
    }

    private async Task RunAsync()
    {
        if (_owner.Tls is { } tls && !await HandshakeAsync(tls).ConfigureAwait(false))
        {
            await CloseAsync().ConfigureAwait(false);
            return;
        }

        Task writing = WriteLoopAsync();
        try
        {
            await ReadLoopAsync().ConfigureAwait(false);

            // RFC 7766 §6.2.4: answer what was asked before the client closed its side; holding every slot means
            // nothing is in flight any more.
            for (int i = 0; i < MaxQueriesInFlight; i++)
            {
                await _slots.WaitAsync(_aborted.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // Aborted (timeout, shutdown) or reset by the client: nothing to report.
        }
        catch (Exception ex)
        {
            _owner.Fault(ex);
        }
        finally
        {
            _replies.Writer.TryComplete();
            await writing.ConfigureAwait(false);
            await CloseAsync().ConfigureAwait(false);
        }
    }

    private async Task CloseAsync()
    {
        try
        {
            if (_input is not null && _output is not null)
            {
                await _input.CompleteAsync().ConfigureAwait(false);

                // Nothing is left to flush unless the write loop gave up, and then Abort has shut the socket down, so
                // this fails at once instead of waiting on a client that does not read.
                await _output.CompleteAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            await _transport.DisposeAsync().ConfigureAwait(false);
            await _stream.DisposeAsync().ConfigureAwait(false);
            if (_closeReason is (int)CloseReason.Idle or (int)CloseReason.NotReading)
            {
                _owner.TimedOut(this, (CloseReason)_closeReason);
            }

            _aborted.Dispose();
        }
    }

    private async Task WriteLoopAsync()
    {
        ChannelReader<PendingReply> replies = _replies.Reader;
        bool broken = false;
        while (await replies.WaitToReadAsync().ConfigureAwait(false))
        {
            while (replies.TryRead(out PendingReply reply))
            {
                if (!broken)
                {
                    TcpFraming.Write(_output!, reply.Bytes);
                    _owner.Metrics.Response();
                }

                Release(reply);
            }

            if (broken)
            {
                continue; // keep draining, so every context and slot goes back
            }

            // One flush per batch: pipelined queries that complete together leave in one send.
            Volatile.Write(ref _flushStarted, Stopwatch.GetTimestamp());
            try
            {
                FlushResult result = await _output!.FlushAsync(_aborted.Token).ConfigureAwait(false);
                broken = result.IsCompleted || result.IsCanceled;
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                broken = true;
            }

            Volatile.Write(ref _flushStarted, 0);
            if (broken)
            {
                Abort(CloseReason.WriteFailed); // the client is gone or too slow: stop reading too
            }
        }
    }

    /// <summary>Zero-byte reads: an idle connection holds no buffer until data arrives (Kestrel's WaitForDataAsync).</summary>
    private void OpenPipes()
    {
        _input = PipeReader.Create(_transport, new StreamPipeReaderOptions(leaveOpen: true, useZeroByteReads: true));
        _output = PipeWriter.Create(_transport, new StreamPipeWriterOptions(leaveOpen: true));
    }

    /// <summary>
    /// Shakes hands, then learns the device from the server name. The heartbeat's idle timeout bounds the handshake
    /// too: no query is in flight, so a client that stalls mid-handshake is aborted like an idle one.
    /// </summary>
    private async Task<bool> HandshakeAsync(TlsServerContext tls)
    {
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: true);
        _transport = ssl;
        try
        {
            await ssl.AuthenticateAsServerAsync(tls.HandshakeOptions(), _aborted.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            if (_owner.Logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Debug))
            {
                TlsLog.HandshakeFailed(_owner.Logger, Client.ToString(), ex.Message);
            }

            return false;
        }

        Device = tls.FindDevice(ssl.TargetHostName, out _refuseQueries, out string? unknownId);
        if (_refuseQueries && _owner.Logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Debug))
        {
            TlsLog.UnknownDevice(_owner.Logger, Client.ToString(), unknownId!.Length <= 4 ? unknownId : unknownId[..4] + "…");
        }

        OpenPipes();
        return true;
    }
}
