using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using PipShield.Blocklist;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Upstream;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Stages.Upstream;

/// <summary>
/// The last request stage: forwards the query to the upstream resolvers and relays the reply with the client's
/// ID and question bytes. The client's message is never relayed as is: the upstream query is rebuilt from the
/// question with PipShield's own header and OPT, so client EDNS options (ECS, cookies, padding) stay here.
/// Identical queries in flight share one upstream query (<see cref="InflightQueries"/>).
/// When every upstream fails it serves a stale answer if the cache has one, otherwise SERVFAIL with Extended
/// DNS Error 22 (No Reachable Authority) or 23 (Network Error). At most <c>maxQueriesInFlight</c> queries wait on
/// upstream at once, and one client at most its share of them; past that, stale or SERVFAIL at once.
/// </summary>
public sealed class UpstreamStage : IQueryStage
{
    /// <summary>The UDP payload size PipShield advertises upstream and to clients (the DNS Flag Day 2020 value).</summary>
    public const ushort PayloadSize = 1232;

    // Header, the longest question (255-octet name, type, class) and an OPT without options.
    private const int MaxUpstreamQuerySize = DnsHeader.Size + 255 + 4 + 11;

    private readonly IUpstreamClient _upstream;
    private readonly Func<QueryContext, bool>? _staleAnswers;
    private readonly int _maxQueriesInFlight;
    private readonly ClientShares? _shares;
    private int _queriesInFlight;
    private long _overloaded;

    /// <param name="upstream">Where queries go.</param>
    /// <param name="staleAnswers">
    /// Called when every upstream failed; writes a stale answer into the context and returns true, or returns
    /// false when it has none (the cache's <c>IStaleAnswers.TryWriteStale</c> fits). Null: no serve-stale.
    /// </param>
    /// <param name="maxQueriesInFlight">
    /// Queries waiting on <paramref name="upstream"/> at once; past it, a query gets a stale answer or SERVFAIL at once
    /// instead of waiting. Default: no cap of its own.
    /// </param>
    /// <param name="maxQueriesInFlightPerClient">
    /// Queries one client (an IPv4 address, an IPv6 /64) may have waiting on upstream at once; past it, that client's
    /// next cache miss gets a stale answer or SERVFAIL at once while other clients keep being forwarded. Default: no cap.
    /// </param>
    /// <param name="exemptClients">Clients the per-client cap does not count: the host itself, forwarders for many devices.</param>
    public UpstreamStage(IUpstreamClient upstream, Func<QueryContext, bool>? staleAnswers = null, int maxQueriesInFlight = int.MaxValue,
        int maxQueriesInFlightPerClient = int.MaxValue, IReadOnlyList<IpPrefix>? exemptClients = null)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxQueriesInFlight, 1);
        _upstream = upstream;
        _staleAnswers = staleAnswers;
        _maxQueriesInFlight = maxQueriesInFlight;
        _shares = maxQueriesInFlightPerClient < maxQueriesInFlight ? new ClientShares(maxQueriesInFlightPerClient, exemptClients ?? []) : null;
    }

    /// <summary>The most queries one client may have waiting on upstream; <see cref="int.MaxValue"/> when uncapped.</summary>
    public int MaxQueriesInFlightPerClient => _shares?.PerClient ?? int.MaxValue;

    /// <summary>Queries waiting on upstream now.</summary>
    public int QueriesInFlight => Volatile.Read(ref _queriesInFlight);

    /// <summary>Queries answered at once (stale or SERVFAIL) because the in-flight cap was reached, since start.</summary>
    public long Overloaded => Volatile.Read(ref _overloaded);

    /// <summary>Upstream queries in flight, shared by identical cache misses.</summary>
    internal InflightQueries Inflight { get; } = new();

    public ValueTask<StageResult> ProcessAsync(QueryContext query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (!query.Query.HasQuestion)
        {
            return new(query.RespondWithError(Rcode.ServFail));
        }

        int slot = -1;
        if (_shares is not null && !_shares.TryTake(query.Client, out slot))
        {
            // One client's flood of misses stops at its own share; the others' misses are still forwarded.
            return new(AnswerOverloaded(query, "too many queries from this client waiting on upstream"u8));
        }

        if (Interlocked.Increment(ref _queriesInFlight) > _maxQueriesInFlight)
        {
            // A flood of cache misses (random subdomains of one zone) fills this cap, never the listeners' query
            // contexts, so cached and blocked names keep their answers. Past it, answer at once.
            Interlocked.Decrement(ref _queriesInFlight);
            _shares?.Release(slot);
            return new(AnswerOverloaded(query, "too many queries waiting on upstream"u8));
        }

        return ForwardAsync(query, slot, cancellationToken);
    }

    /// <summary>Stale if the cache has the name, else SERVFAIL, which sends a stub on to its next server instead of waiting.</summary>
    private StageResult AnswerOverloaded(QueryContext query, ReadOnlySpan<byte> why)
    {
        Interlocked.Increment(ref _overloaded);
        return _staleAnswers is not null && _staleAnswers(query) ? StageResult.Respond : query.RespondWithError(Rcode.ServFail, EdeCode.Other, why);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<StageResult> ForwardAsync(QueryContext query, int slot, CancellationToken cancellationToken)
    {
        UpstreamResult result;
        try
        {
            InflightQuery? flight = Inflight.Join(query.RequestSpan, query.Query, out bool leader);
            result = flight is not null && !leader
                ? await FollowAsync(flight, query, cancellationToken).ConfigureAwait(false)
                : await AskAsync(flight, query, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _queriesInFlight);
            _shares?.Release(slot);
        }

        if (result.Status == UpstreamStatus.Ok && TryRelay(query, result.Length))
        {
            return StageResult.Respond;
        }

        if (_staleAnswers is not null && _staleAnswers(query))
        {
            return StageResult.Respond;
        }

        // RFC 8914 §4.23/§4.24: 22 when no server gave a usable answer in time, 23 when the network itself failed.
        EdeCode ede = result.Status == UpstreamStatus.NetworkError ? EdeCode.NetworkError : EdeCode.NoReachableAuthority;
        return query.RespondWithError(Rcode.ServFail, ede);
    }

    /// <summary>Asks upstream; as the leader of <paramref name="flight"/>, hands the reply to the queries waiting on it.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<UpstreamResult> AskAsync(InflightQuery? flight, QueryContext query, CancellationToken cancellationToken)
    {
        var result = new UpstreamResult(UpstreamStatus.Timeout, 0);
        bool completed = false;
        byte[] upstreamQuery = ArrayPool<byte>.Shared.Rent(MaxUpstreamQuerySize);
        try
        {
            int length = WriteUpstreamQuery(query.RequestSpan, query.Query, upstreamQuery);
            result = length == 0
                ? new UpstreamResult(UpstreamStatus.Failed, 0)
                : await _upstream.QueryAsync(upstreamQuery.AsMemory(0, length), query.Response, cancellationToken).ConfigureAwait(false);
            completed = true;
            return result;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(upstreamQuery);

            // Before the reply is made out to this client: each waiter makes it out to its own.
            if (flight is not null)
            {
                Inflight.Complete(flight, result, query.Response, leaderCancelled: !completed);
            }
        }
    }

    /// <summary>Waits for the leader of <paramref name="flight"/> and copies its reply into this query's response.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<UpstreamResult> FollowAsync(InflightQuery flight, QueryContext query, CancellationToken cancellationToken)
    {
        UpstreamResult result;
        bool leaderCancelled;
        try
        {
            result = await flight.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
            leaderCancelled = flight.LeaderCancelled;
            if (result.Status == UpstreamStatus.Ok)
            {
                flight.Reply(result.Length).CopyTo(query.Response);
            }
        }
        finally
        {
            flight.Release();
        }

        // The leader's caller gave up (its own cancellation, not ours): ask for ourselves rather than fail.
        return leaderCancelled ? await AskAsync(null, query, cancellationToken).ConfigureAwait(false) : result;
    }

    /// <summary>
    /// Writes the query PipShield sends upstream: a header with RD set (and the client's CD and AD bits), the
    /// client's question, and PipShield's OPT with the client's DO bit (RFC 3225 §3).
    /// </summary>
    /// <returns>Bytes written, or 0 when <paramref name="destination"/> is too small.</returns>
    internal static int WriteUpstreamQuery(ReadOnlySpan<byte> request, in QueryInfo info, Span<byte> destination)
    {
        // The ID is a placeholder: the upstream client draws a random one for every attempt.
        ushort flags = (ushort)(DnsHeader.RdFlag | (info.Flags & (DnsHeader.CdFlag | DnsHeader.AdFlag)));
        var writer = new DnsMessageWriter(destination);
        return writer.TryWriteHeader(0, flags, 1, 0, 0, 1)
            && writer.TryWriteBytes(info.Question(request))
            && writer.TryWriteOpt(PayloadSize, info.DnssecOk, 0, null, default)
            ? writer.Length
            : 0;
    }

    /// <summary>Turns the upstream reply in <see cref="QueryContext.Response"/> into the client's response.</summary>
    /// <returns>False when the reply does not answer the client's question (a faulty <see cref="IUpstreamClient"/>).</returns>
    private static bool TryRelay(QueryContext query, int length)
    {
        QueryInfo info = query.Query;
        Span<byte> response = query.Response.AsSpan(0, length);
        ReadOnlySpan<byte> qname = info.QName(query.RequestSpan);
        if (length < info.QuestionEnd || DnsHeader.QdCount(response) != 1
            || !DnsName.EqualsIgnoreCase(response.Slice(DnsHeader.Size, qname.Length), qname))
        {
            return false;
        }

        // The client's ID, its RD bit, RA (we recurse for it), and its own question bytes, so 0x20 case survives.
        DnsHeader.WriteId(response, info.Id);
        ushort flags = (ushort)((DnsHeader.Flags(response) & ~DnsHeader.RdFlag) | (info.Flags & DnsHeader.RdFlag) | DnsHeader.RaFlag);
        BinaryPrimitives.WriteUInt16BigEndian(response[2..], flags);
        qname.CopyTo(response[DnsHeader.Size..]);

        query.ResponseLength = AdjustOpt(response, info.HasEdns);
        query.Origin = ResponseOrigin.Upstream;
        return true;
    }

    /// <summary>
    /// The upstream's OPT answers PipShield, not the client: it advertises our payload size to an EDNS client,
    /// and is removed for a client that sent none (RFC 6891 §7).
    /// </summary>
    /// <returns>The response length afterwards.</returns>
    private static int AdjustOpt(Span<byte> response, bool clientHasEdns)
    {
        var reader = new DnsRecordReader(response);
        DnsRecordInfo opt = default;
        bool found = false;
        while (reader.TryReadNext(out DnsRecordInfo record))
        {
            if (record.Section == DnsSection.Additional && record.Type == (ushort)DnsType.OPT)
            {
                opt = record;
                found = true;
            }
        }

        if (!found)
        {
            return response.Length;
        }

        if (clientHasEdns)
        {
            // The class field of an OPT is the sender's UDP payload size (RFC 6891 §6.1.2).
            BinaryPrimitives.WriteUInt16BigEndian(response[(opt.RDataOffset - 8)..], PayloadSize);
            return response.Length;
        }

        // Almost always last. Removing one from the middle would move the records after it and break any
        // compression pointer into them, so such an OPT stays (and a client that sent none ignores it).
        if (opt.RDataOffset + opt.RDataLength != response.Length)
        {
            return response.Length;
        }

        BinaryPrimitives.WriteUInt16BigEndian(response[10..], (ushort)(DnsHeader.ArCount(response) - 1));
        return opt.NameOffset;
    }
}
