using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Upstream;

/// <summary>
/// Forwards queries to a set of upstream resolvers: fastest healthy server first (by smoothed RTT), failing
/// over to the next on a timeout, a network error, SERVFAIL, REFUSED, FORMERR or an unusable reply. Plain DNS
/// servers get UDP, retried over TCP when a reply is truncated, each attempt with a new random ID and a fresh socket
/// on a random source port; DNS-over-TLS and DNS-over-HTTPS servers get long-lived connections shared by all
/// queries (<see cref="TlsUpstream"/>, <see cref="HttpsUpstream"/>). Records that do not answer the question are
/// removed from every reply (<see cref="ReplyScrubber"/>). Thread-safe; one instance serves all queries.
/// </summary>
public sealed class UpstreamPool : IUpstreamClient, IDisposable
{
    /// <summary>Most servers in one pool (the per-query "tried" set is a 64-bit mask).</summary>
    public const int MaxServers = 64;

    // Every 16th query starts with the healthy server used least recently instead of the fastest, so a slower
    // server's SRTT stays current.
    private const int ExplorationInterval = 16;

    private readonly UpstreamServer[] _servers;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _deadline;
    private readonly int _maxAttempts;
    private readonly int _failureThreshold;
    private readonly TimeSpan _recoveryInterval;
    private readonly TimeProvider _time;
    private readonly ILogger? _logger;
    private int _queryCounter;

    /// <exception cref="ArgumentException">The options are invalid; the message names the key.</exception>
    public UpstreamPool(UpstreamOptions options, ILogger? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        _time = time ?? TimeProvider.System;
        UpstreamTrust trust = UpstreamTrust.From(options.CaFile);
        _servers = [.. options.EffectiveServers.Select(text => CreateServer(text, trust, options.Timeout, logger))];
        _timeout = options.Timeout;
        _deadline = options.Deadline;
        _maxAttempts = options.MaxAttempts;
        _failureThreshold = options.FailureThreshold;
        _recoveryInterval = options.RecoveryInterval;
        _logger = logger;
    }

    /// <summary>Closes the connections of encrypted upstreams.</summary>
    public void Dispose()
    {
        foreach (UpstreamServer server in _servers)
        {
            server.Tls?.Dispose();
            server.Https?.Dispose();
        }
    }

    /// <summary>The servers, in configured order, with their health.</summary>
    public IReadOnlyList<UpstreamServer> Servers => _servers;

    /// <summary>What this pool has ignored, abandoned and scrubbed.</summary>
    public UpstreamCounters Counters { get; } = new();

    /// <inheritdoc />
    /// <remarks>
    /// <paramref name="query"/> must hold one question with an uncompressed name; it is sent as is apart from
    /// its ID. On <see cref="UpstreamStatus.Ok"/> the reply (NOERROR, NXDOMAIN or any rcode other than
    /// SERVFAIL, REFUSED and FORMERR) is in <paramref name="response"/> with the caller's ID; on any other status
    /// the contents of <paramref name="response"/> are undefined. Throws only <see cref="OperationCanceledException"/>,
    /// when <paramref name="cancellationToken"/> is cancelled.
    /// </remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<UpstreamResult> QueryAsync(ReadOnlyMemory<byte> query, Memory<byte> response, CancellationToken cancellationToken)
    {
        int questionEnd = UpstreamReply.QuestionEnd(query.Span);
        ushort callerId = DnsHeader.Id(query.Span);
        long start = _time.GetTimestamp();
        bool explore = Interlocked.Increment(ref _queryCounter) % ExplorationInterval == 0;
        ulong tried = 0;
        bool sawUnusable = false;
        bool sawTimeout = false;
        bool sawNetworkError = false;

        // One buffer for both transports: the TCP length prefix, then the query whose ID each attempt replaces.
        byte[] framed = ArrayPool<byte>.Shared.Rent(query.Length + 2);
        try
        {
            BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
            query.Span.CopyTo(framed.AsSpan(2));
            Memory<byte> tcpMessage = framed.AsMemory(0, query.Length + 2);
            Memory<byte> udpMessage = tcpMessage[2..];
            for (int attempt = 0; attempt < _maxAttempts; attempt++)
            {
                TimeSpan remaining = _deadline - _time.GetElapsedTime(start);
                if (remaining <= TimeSpan.Zero)
                {
                    sawTimeout = true;
                    break;
                }

                UpstreamServer server = _servers[Select(ref tried, explore && attempt == 0)];
                TimeSpan attemptTimeout = remaining < _timeout ? remaining : _timeout;
                DnsHeader.WriteId(udpMessage.Span, UpstreamExchange.NewId());
                (ExchangeOutcome outcome, int length, TimeSpan rtt) =
                    await ExchangeAsync(server, tcpMessage, questionEnd, response, attemptTimeout, cancellationToken).ConfigureAwait(false);
                if (outcome == ExchangeOutcome.Spoofed)
                {
                    // Someone else's doing, not the server's: try again (next server, new port and ID) without blaming it.
                    Counters.AddSpoofedAttempt();
                    UpstreamMetrics.SpoofedAttempts.Add(1);
                    sawUnusable = true;
                    continue;
                }

                if (outcome != ExchangeOutcome.Reply)
                {
                    // Every failure costs a full timeout in the ranking: an unreachable server that fails fast is no better.
                    RecordFailure(server, attemptTimeout);
                    sawUnusable |= outcome == ExchangeOutcome.Unusable;
                    sawTimeout |= outcome == ExchangeOutcome.Timeout;
                    sawNetworkError |= outcome == ExchangeOutcome.NetworkError;
                    continue;
                }

                Rcode rcode = DnsHeader.Rcode(response.Span);
                if (rcode is Rcode.Refused or Rcode.FormErr)
                {
                    // The server will not serve us (an ACL, or it cannot parse our query): count it against its health.
                    RecordFailure(server, attemptTimeout);
                    sawUnusable = true;
                    continue;
                }

                // Records that do not answer the question go before anyone relays or caches them.
                int scrubbed = rcode == Rcode.ServFail ? 0 : ReplyScrubber.Scrub(response.Span, ref length);
                if (scrubbed < 0)
                {
                    RecordFailure(server, attemptTimeout);
                    sawUnusable = true;
                    continue;
                }

                if (scrubbed > 0)
                {
                    Counters.AddScrubbedRecords(scrubbed);
                    UpstreamMetrics.ScrubbedRecords.Add(scrubbed);
                }

                RecordReply(server, rtt);
                if (rcode == Rcode.ServFail)
                {
                    // The server is alive, but SERVFAIL may be about this one name (a DNSSEC failure, say): try another.
                    sawUnusable = true;
                    continue;
                }

                DnsHeader.WriteId(response.Span, callerId);
                UpstreamMetrics.Queries.Add(1, UpstreamMetrics.OutcomeTag(UpstreamStatus.Ok));
                return new UpstreamResult(UpstreamStatus.Ok, length);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(framed);
        }

        UpstreamStatus status = sawUnusable ? UpstreamStatus.Failed
            : sawTimeout || !sawNetworkError ? UpstreamStatus.Timeout
            : UpstreamStatus.NetworkError;
        UpstreamMetrics.Queries.Add(1, UpstreamMetrics.OutcomeTag(status));
        return new UpstreamResult(status, 0);
    }

    /// <summary>
    /// One attempt on one server: UDP, then TCP when the UDP reply is truncated, all within <paramref name="timeout"/>.
    /// The RTT is that of the UDP exchange: a TCP handshake is not what servers are ranked by.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(ExchangeOutcome Outcome, int Length, TimeSpan Rtt)> ExchangeAsync(UpstreamServer server,
        Memory<byte> tcpMessage, int questionEnd, Memory<byte> response, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var attemptCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attemptCancellation.CancelAfter(timeout);
        long sent = _time.GetTimestamp();
        if (server.Address.Protocol != UpstreamProtocol.Dns)
        {
            // Encrypted: one exchange on a kept connection (its handshake, when there is one, counts in the RTT).
            (ExchangeOutcome encrypted, int replyLength) = server.Tls is { } tls
                ? await tls.ExchangeAsync(tcpMessage, questionEnd, response, attemptCancellation.Token).ConfigureAwait(false)
                : await server.Https!.ExchangeAsync(tcpMessage[2..], questionEnd, response, attemptCancellation.Token).ConfigureAwait(false);
            TimeSpan elapsed = _time.GetElapsedTime(sent);
            cancellationToken.ThrowIfCancellationRequested();
            return (encrypted, replyLength, elapsed);
        }

        (ExchangeOutcome outcome, int length, int ignored) =
            await UpstreamExchange.UdpAsync(server, tcpMessage[2..], questionEnd, response, attemptCancellation.Token).ConfigureAwait(false);
        TimeSpan rtt = _time.GetElapsedTime(sent);
        cancellationToken.ThrowIfCancellationRequested();
        if (ignored > 0)
        {
            Counters.AddIgnoredReplies(ignored);
            UpstreamMetrics.IgnoredReplies.Add(ignored);
        }

        if (outcome == ExchangeOutcome.Truncated)
        {
            UpstreamMetrics.TcpRetries.Add(1);
            (outcome, length) = await UpstreamExchange.TcpAsync(server, tcpMessage, questionEnd, response, attemptCancellation.Token)
                .ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }

        return (outcome, length, rtt);
    }

    private UpstreamServer CreateServer(string text, UpstreamTrust trust, TimeSpan connectTimeout, ILogger? logger)
    {
        if (!UpstreamAddress.TryParse(text, out UpstreamAddress? address, out _))
        {
            throw new UnreachableException(); // validated in the constructor
        }

        TimeProvider time = _time;
        return address.Protocol switch
        {
            UpstreamProtocol.Tls => new UpstreamServer(address, time) { Tls = new TlsUpstream(address, trust, connectTimeout, logger) },
            UpstreamProtocol.Https => new UpstreamServer(address, time) { Https = new HttpsUpstream(address, trust, connectTimeout, logger) },
            _ => new UpstreamServer(address, time),
        };
    }

    /// <summary>
    /// Picks the next server for this query, not yet tried unless all were: first a server whose recovery interval
    /// has passed (this query probes it, so it is back in use within one interval of recovering), then healthy
    /// servers by SRTT (untried ones first), then those still down, soonest back first.
    /// </summary>
    private int Select(ref ulong tried, bool explore)
    {
        const int Probe = 0, Healthy = 1, Down = 2;
        ulong all = _servers.Length == 64 ? ulong.MaxValue : (1UL << _servers.Length) - 1;
        if ((tried & all) == all)
        {
            tried = 0; // more attempts than servers: a second round
        }

        long now = _time.GetTimestamp();
        int best = -1;
        int bestRank = int.MaxValue;
        long bestKey = long.MaxValue;
        for (int i = 0; i < _servers.Length; i++)
        {
            if ((tried & (1UL << i)) != 0)
            {
                continue;
            }

            UpstreamServer server = _servers[i];
            int rank = !server.ReachedThreshold(_failureThreshold) ? Healthy : server.DownUntil <= now ? Probe : Down;
            long key = rank != Healthy ? server.DownUntil : explore ? server.LastSelected : server.HasSamples ? server.SrttMicroseconds : 0;
            if (rank < bestRank || (rank == bestRank && key < bestKey))
            {
                best = i;
                bestRank = rank;
                bestKey = key;
            }
        }

        UpstreamServer chosen = _servers[best];
        if (bestRank == Probe)
        {
            // One probe at a time: until it ends (a reply or a failure updates the server) or its timeout passes,
            // other queries see the server as down and go elsewhere.
            chosen.HoldForProbe(bestKey, now + (long)(_timeout.TotalSeconds * _time.TimestampFrequency));
        }

        tried |= 1UL << best;
        chosen.MarkSelected(now);
        return best;
    }

    private void RecordReply(UpstreamServer server, TimeSpan rtt)
    {
        UpstreamMetrics.RoundTrip.Record(rtt.TotalSeconds);
        if (server.RecordReply(rtt, _failureThreshold) && _logger is not null)
        {
            UpstreamLog.ServerRecovered(_logger, server.Address.Text, rtt.TotalSeconds);
        }
    }

    private void RecordFailure(UpstreamServer server, TimeSpan cost)
    {
        if (server.RecordFailure(cost, _failureThreshold, _recoveryInterval) && _logger is not null)
        {
            UpstreamLog.ServerDown(_logger, server.Address.Text, _failureThreshold, _recoveryInterval.TotalSeconds);
        }
    }
}
