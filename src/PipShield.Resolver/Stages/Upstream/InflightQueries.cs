using PipShield.Resolver.Upstream;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Stages.Upstream;

/// <summary>
/// The upstream queries in flight, by question, so identical cache misses that arrive together cost one upstream
/// query (query coalescing, as Unbound's mesh and PowerDNS Recursor's chained queries do): the first becomes the
/// leader and asks upstream, the rest wait for its reply and each answer their own client from it. The key is
/// what changes the upstream answer: the case-folded name, QTYPE, QCLASS, and the DO, CD and AD bits.
/// </summary>
/// <remarks>
/// Bounded: at most <see cref="MaxFlights"/> flights (distinct questions); past that a query goes upstream on its own. Waiters are
/// queries already admitted by the listeners, so their number is bounded by <c>MaxQueriesInFlight</c>. Only cache
/// misses get here; a hit or a block never touches the table.
/// </remarks>
internal sealed class InflightQueries
{
    /// <summary>Distinct questions tracked at once.</summary>
    public const int MaxFlights = 8192;

    private const int BucketCount = 1024; // a power of two
    private const byte DnssecOk = 1;
    private const byte CheckingDisabled = 2;
    private const byte AuthenticData = 4;

    private readonly Lock _lock = new();
    private readonly InflightQuery?[] _buckets = new InflightQuery?[BucketCount];
    private readonly int _maxFlights;
    private int _count;

    /// <param name="maxFlights">Bound on distinct questions in flight (tests lower it).</param>
    public InflightQueries(int maxFlights = MaxFlights) => _maxFlights = maxFlights;

    /// <summary>Flights now in the table.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Finds the flight for the question of <paramref name="info"/>, or starts one.</summary>
    /// <param name="leader">True when the caller started the flight and must ask upstream, then call <see cref="Complete"/>.</param>
    /// <returns>The flight to lead or to wait on (then <see cref="InflightQuery.Release"/> when done); null when the table is full.</returns>
    public InflightQuery? Join(ReadOnlySpan<byte> request, in QueryInfo info, out bool leader)
    {
        leader = false;
        ReadOnlySpan<byte> qname = info.QName(request);
        Span<byte> folded = stackalloc byte[255];
        for (int i = 0; i < qname.Length; i++)
        {
            byte b = qname[i];
            folded[i] = (uint)(b - 'A') <= 'Z' - 'A' ? (byte)(b | 0x20) : b;
        }

        folded = folded[..qname.Length];

        // RFC 3225 (DO), RFC 4035 §3.2.2 (CD) and RFC 6840 §5.7 (AD) each change what the upstream returns.
        byte flags = (byte)((info.DnssecOk ? DnssecOk : 0) | ((info.Flags & DnsHeader.CdFlag) != 0 ? CheckingDisabled : 0)
            | ((info.Flags & DnsHeader.AdFlag) != 0 ? AuthenticData : 0));
        var hashing = new HashCode();
        hashing.AddBytes(folded);
        hashing.Add(info.QType | (info.QClass << 16));
        hashing.Add(flags);
        int hash = hashing.ToHashCode();

        lock (_lock)
        {
            ref InflightQuery? bucket = ref _buckets[hash & (BucketCount - 1)];
            for (InflightQuery? flight = bucket; flight is not null; flight = flight.Next)
            {
                if (flight.Matches(hash, info.QType, info.QClass, flags, folded))
                {
                    flight.AddWaiter();
                    return flight;
                }
            }

            if (_count >= _maxFlights)
            {
                return null;
            }

            var started = new InflightQuery(hash, info.QType, info.QClass, flags, folded.ToArray()) { Next = bucket };
            bucket = started;
            _count++;
            leader = true;
            return started;
        }
    }

    /// <summary>Takes the leader's flight out of the table and hands its result to the waiters.</summary>
    /// <param name="response">The upstream reply as the client returned it, before it was made out to the leader's client.</param>
    public void Complete(InflightQuery flight, UpstreamResult result, ReadOnlySpan<byte> response, bool leaderCancelled)
    {
        int waiters;
        lock (_lock)
        {
            ref InflightQuery? link = ref _buckets[flight.Hash & (BucketCount - 1)];
            while (link is not null && !ReferenceEquals(link, flight))
            {
                link = ref link.Next;
            }

            if (link is not null)
            {
                link = flight.Next;
                _count--;
            }

            waiters = flight.Waiters;
        }

        flight.Publish(result, response, waiters, leaderCancelled);
    }
}
