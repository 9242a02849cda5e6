using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using PipShield.Resolver.Pipeline;

namespace PipShield.Resolver.Listeners;

/// <summary>
/// One DNS-over-TCP connection (RFC 7766): a read loop that frames queries off a <see cref="PipeReader"/> and starts
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
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
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

        // Zero-byte reads: an idle connection holds no buffer until data arrives (Kestrel's WaitForDataAsync).
        _input = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true, useZeroByteReads: true));
        _output = PipeWriter.Create(_stream, new StreamPipeWriterOptions(leaveOpen: true));
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
            await _input.CompleteAsync().ConfigureAwait(false);

            // Nothing is left to flush unless the write loop gave up, and then Abort has shut the socket down, so
            // this fails at once instead of waiting on a client that does not read.
            await _output.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
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
                    TcpFraming.Write(_output, reply.Bytes);
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
                FlushResult result = await _output.FlushAsync(_aborted.Token).ConfigureAwait(false);
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
}
