using PipShield.Resolver.Upstream;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Tests.Floods;

/// <summary>
/// An upstream at the <see cref="IUpstreamClient"/> seam that answers every question with one A record
/// (192.0.2.1, TTL 300) after <paramref name="delay"/>, like an authority struggling under a random-subdomain flood;
/// counts queries and the most it ever had waiting at once.
/// </summary>
internal sealed class DelayedUpstream(TimeSpan delay) : IUpstreamClient
{
    private int _queries;
    private int _waiting;
    private int _mostWaiting;

    public int QueryCount => Volatile.Read(ref _queries);

    public int Waiting => Volatile.Read(ref _waiting);

    public int MostWaiting => Volatile.Read(ref _mostWaiting);

    public async ValueTask<UpstreamResult> QueryAsync(ReadOnlyMemory<byte> query, Memory<byte> response, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _queries);
        int waiting = Interlocked.Increment(ref _waiting);
        for (int most = Volatile.Read(ref _mostWaiting); waiting > most; most = Volatile.Read(ref _mostWaiting))
        {
            if (Interlocked.CompareExchange(ref _mostWaiting, waiting, most) == most)
            {
                break;
            }
        }

        try
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }

        QueryParser.Parse(query.Span, out QueryInfo info);
        var writer = new DnsMessageWriter(response.Span);
        writer.TryWriteHeader(info.Id, (ushort)(DnsHeader.QrFlag | DnsHeader.RdFlag | DnsHeader.RaFlag), 1, 1, 0, 0);
        writer.TryWriteBytes(info.Question(query.Span));
        writer.TryWriteRecordHeader(DnsMessageWriter.QNamePointer, DnsType.A, 1, 300, 4);
        writer.TryWriteBytes([192, 0, 2, 1]);
        return new UpstreamResult(UpstreamStatus.Ok, writer.Length);
    }
}
