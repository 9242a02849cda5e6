using System.Buffers;
using System.Buffers.Binary;
using System.Net.Security;
using System.Security.Authentication;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Upstream;

/// <summary>
/// One open DNS-over-TLS connection to an upstream: queries are written one after another without waiting, and one
/// reader matches replies to them by ID, in whatever order they come (RFC 7766 §6.2.1.1, §7). When the connection
/// ends, every query still waiting on it is told at once, so the caller can try again elsewhere.
/// </summary>
internal sealed class TlsUpstreamConnection : IDisposable
{
    private const int Closed = -1;
    private const int Unusable = -2;

    // Attempts to find an ID not in use; the pool caps queries in flight far below 65,536, so a few draws suffice.
    private const int IdDraws = 16;

    private readonly SslStream _stream;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Lock _gate = new();
    private readonly Dictionary<ushort, Pending> _pending = [];
    private volatile bool _closed;

    public TlsUpstreamConnection(SslStream stream)
    {
        _stream = stream;
        _ = ReadRepliesAsync();
    }

    public bool IsOpen => !_closed;

    /// <summary>Sends one query and waits for its reply; a closed connection is a <see cref="ExchangeOutcome.NetworkError"/>.</summary>
    public async ValueTask<(ExchangeOutcome Outcome, int Length)> ExchangeAsync(Memory<byte> framed, int questionEnd, Memory<byte> response,
        CancellationToken cancellationToken)
    {
        Memory<byte> query = framed[2..];
        var pending = new Pending(response, query[DnsHeader.Size..questionEnd]);
        ushort id;
        if (!TryAdd(query.Span, pending, out id))
        {
            return (ExchangeOutcome.NetworkError, 0);
        }

        bool writing = false;
        try
        {
            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                writing = true;
                await _stream.WriteAsync(framed, cancellationToken).ConfigureAwait(false);
                writing = false;
            }
            finally
            {
                _writeLock.Release();
            }

            int result = await pending.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return result >= 0 ? (ExchangeOutcome.Reply, result)
                : result == Closed ? (ExchangeOutcome.NetworkError, 0)
                : (ExchangeOutcome.Unusable, 0);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Forget(id, pending);
            if (writing)
            {
                Close(); // a frame cut short would garble every later one
            }

            return (ExchangeOutcome.Timeout, 0);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or NotSupportedException)
        {
            Close();
            return (ExchangeOutcome.NetworkError, 0);
        }
    }

    public void Dispose() => Close();

    private bool TryAdd(Span<byte> query, Pending pending, out ushort id)
    {
        id = DnsHeader.Id(query);
        lock (_gate)
        {
            if (_closed)
            {
                return false;
            }

            for (int draw = 0; _pending.ContainsKey(id); draw++)
            {
                if (draw == IdDraws)
                {
                    return false;
                }

                id = UpstreamExchange.NewId();
            }

            DnsHeader.WriteId(query, id);
            _pending.Add(id, pending);
            return true;
        }
    }

    private void Forget(ushort id, Pending pending)
    {
        lock (_gate)
        {
            if (_pending.TryGetValue(id, out Pending? current) && ReferenceEquals(current, pending))
            {
                _pending.Remove(id);
            }
        }
    }

    private async Task ReadRepliesAsync()
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ushort.MaxValue);
        try
        {
            while (true)
            {
                await _stream.ReadExactlyAsync(buffer.AsMemory(0, 2)).ConfigureAwait(false);
                int length = BinaryPrimitives.ReadUInt16BigEndian(buffer);
                if (length < DnsHeader.Size)
                {
                    break; // not DNS: a broken server
                }

                await _stream.ReadExactlyAsync(buffer.AsMemory(0, length)).ConfigureAwait(false);
                Deliver(buffer.AsSpan(0, length));
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or AuthenticationException
            or NotSupportedException or InvalidOperationException)
        {
            // The server closed the connection (idle timeout, restart) or it broke: the waiting queries are told below.
        }
        finally
        {
            Close();
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Copies a reply to the query waiting for it; a reply nobody waits for (its query gave up) is dropped.</summary>
    private void Deliver(ReadOnlySpan<byte> reply)
    {
        ushort id = DnsHeader.Id(reply);
        lock (_gate)
        {
            if (!_pending.Remove(id, out Pending? pending))
            {
                return;
            }

            // Nobody else can write on this connection, so a reply that does not match its query is the server's fault.
            if (UpstreamReply.Check(reply, id, pending.Question.Span) == ReplyCheck.Accept && reply.Length <= pending.Response.Length)
            {
                // Under the lock: a query that gives up takes the lock first, so it never returns its buffer mid-copy.
                reply.CopyTo(pending.Response.Span);
                pending.Done.TrySetResult(reply.Length);
            }
            else
            {
                pending.Done.TrySetResult(Unusable);
            }
        }
    }

    private void Close()
    {
        Pending[] orphans;
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            orphans = [.. _pending.Values];
            _pending.Clear();
        }

        foreach (Pending orphan in orphans)
        {
            orphan.Done.TrySetResult(Closed);
        }

        _stream.Dispose();
    }

    private sealed class Pending(Memory<byte> response, ReadOnlyMemory<byte> question)
    {
        public Memory<byte> Response { get; } = response;

        public ReadOnlyMemory<byte> Question { get; } = question;

        public TaskCompletionSource<int> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
