using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Listeners;

internal sealed partial class TcpConnection
{
    private async Task ReadLoopAsync()
    {
        CancellationToken aborted = _aborted.Token;
        while (true)
        {
            ReadResult result = await _input!.ReadAsync(aborted).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            try
            {
                while (TcpFraming.TryReadMessage(ref buffer, out ReadOnlySequence<byte> message))
                {
                    Volatile.Write(ref _lastActivity, Stopwatch.GetTimestamp());
                    if (!_slots.Wait(0))
                    {
                        // Every slot busy: stop reading this client (its bytes wait in the kernel) until one frees.
                        await _slots.WaitAsync(aborted).ConfigureAwait(false);
                    }

                    Interlocked.Increment(ref _inFlight);
                    StartQuery(message);
                }

                if (result.IsCompleted || result.IsCanceled)
                {
                    return; // the client closed its side; a partial message left over is discarded
                }
            }
            finally
            {
                _input!.AdvanceTo(buffer.Start, buffer.End);
            }
        }
    }

    private void StartQuery(in ReadOnlySequence<byte> message)
    {
        _owner.Metrics.Query();
        if (_owner.Contexts.IsExhausted)
        {
            _owner.Metrics.Overload();
            Complete(ErrorReply(message, Rcode.ServFail));
            return;
        }

        if (_refuseQueries)
        {
            // RFC 8484-style device IDs: an ID that is not enrolled gets REFUSED, never an unfiltered answer.
            Complete(ErrorReply(message, Rcode.Refused));
            return;
        }

        QueryContext query = _owner.Contexts.Rent();
        message.CopyTo(query.Request);
        query.RequestLength = (int)message.Length;
        query.Transport = _owner.Tls is null ? Transport.Tcp : Transport.Tls;
        query.Device = Device;
        query.Client = Client;
        query.ClientEndPoint = RemoteEndPoint;
        query.MaxResponseSize = QueryContext.MaxMessageSize;
        query.ReceivedTimestamp = Stopwatch.GetTimestamp();

        ValueTask<bool> pending;
        try
        {
            pending = _owner.Pipeline.ProcessAsync(query, _owner.Stopping);
        }
        catch (OperationCanceledException)
        {
            Complete(new PendingReply(query, null, 0));
            return;
        }

        if (!pending.IsCompleted)
        {
            _ = CompleteAsync(query, pending);
            return;
        }

        bool hasResponse = false;
        try
        {
            hasResponse = pending.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
        }

        Complete(new PendingReply(query, null, hasResponse ? query.ResponseLength : 0));
    }

    /// <summary>Waits for a query that went to upstream; the returned task never faults.</summary>
    private async Task CompleteAsync(QueryContext query, ValueTask<bool> pending)
    {
        bool hasResponse = false;
        try
        {
            hasResponse = await pending.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            _owner.Fault(ex);
        }

        Complete(new PendingReply(query, null, hasResponse ? query.ResponseLength : 0));
    }

    /// <summary>Queues a reply for the write loop, or releases the query at once when there is nothing to send.</summary>
    private void Complete(PendingReply reply)
    {
        if (reply.Length == 0)
        {
            _owner.Metrics.Drop();
            Release(reply);
        }
        else if (!_replies.Writer.TryWrite(reply))
        {
            Release(reply); // the connection closed while the query ran
        }
    }

    private void Release(in PendingReply reply)
    {
        if (reply.Context is { } context)
        {
            _owner.Contexts.Return(context);
        }
        else if (reply.Buffer is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        Volatile.Write(ref _lastActivity, Stopwatch.GetTimestamp());
        Interlocked.Decrement(ref _inFlight);
        _slots.Release();
    }

    /// <summary>An error without running the pipeline, built in a pooled buffer: SERVFAIL when there is no context to spare, REFUSED for an unknown device.</summary>
    private static PendingReply ErrorReply(in ReadOnlySequence<byte> message, Rcode rcode)
    {
        byte[] request = ArrayPool<byte>.Shared.Rent((int)message.Length);
        byte[] response = ArrayPool<byte>.Shared.Rent(OverloadResponse.MaxSize);
        message.CopyTo(request);
        int length = OverloadResponse.Write(request.AsSpan(0, (int)message.Length), response, rcode);
        ArrayPool<byte>.Shared.Return(request);
        return new PendingReply(null, response, length);
    }

    /// <summary>A reply waiting for the write loop: a query context, or a pooled buffer for an overload SERVFAIL.</summary>
    private readonly record struct PendingReply(QueryContext? Context, byte[]? Buffer, int Length)
    {
        public ReadOnlySpan<byte> Bytes => Context is { } context ? context.Response.AsSpan(0, Length) : Buffer.AsSpan(0, Length);
    }
}
