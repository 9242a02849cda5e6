using PipShield.Blocklist;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Stages.RateLimit;

/// <summary>
/// Limits UDP responses per client prefix (/24, /56 by default) with a token bucket each, so PipShield can neither be
/// used to flood a spoofed victim nor be flooded by one network. Over the limit, every Nth response (the slip) is a
/// truncated answer with TC=1 and no records, no larger than the query, so a real client retries over TCP; the rest
/// are dropped. TCP, DoT and DoH are never limited: their handshake proves the source address.
/// </summary>
/// <remarks>Synchronous; one table probe under a striped lock; allocates nothing.</remarks>
public sealed class RateLimitStage : IQueryStage
{
    private readonly PrefixRateTable _table;
    private readonly IpPrefix[] _exempt;
    private readonly UInt128 _ipv4Mask;
    private readonly UInt128 _ipv6Mask;
    private readonly TimeProvider _time;
    private readonly RateLimitMetrics _metrics = new();

    /// <exception cref="ArgumentException">The options are invalid or turn limiting off; the message names the key.</exception>
    public RateLimitStage(RateLimitOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>(options.Validate());
        if (!options.IsEnabled)
        {
            errors.Add($"{RateLimitOptions.SectionName}:ResponsesPerSecond: 0 turns rate limiting off; build no stage then");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        _time = time ?? TimeProvider.System;
        _table = new PrefixRateTable(options.TableSize, options.ResponsesPerSecond, options.Burst, options.Slip, _time.TimestampFrequency);
        _exempt = [.. options.Exempt.Select(text => IpPrefix.TryParse(text.Trim(), out IpPrefix prefix, out _) ? prefix : default)];
        _ipv4Mask = uint.MaxValue << (32 - options.IPv4PrefixLength);
        _ipv6Mask = UInt128.MaxValue << (128 - options.IPv6PrefixLength);
    }

    /// <summary>The counters so far.</summary>
    public RateLimitCounters Counters => _metrics.Snapshot;

    public ValueTask<StageResult> ProcessAsync(QueryContext query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ClientAddress client = query.Client;
        if (query.Transport != Transport.Udp || IsExempt(client))
        {
            return new(StageResult.Continue);
        }

        UInt128 prefix = client.Value & (client.IsIPv6 ? _ipv6Mask : _ipv4Mask);
        RateDecision decision = _table.Check(prefix, client.IsIPv6, _time.GetTimestamp(), out bool evicted);
        if (evicted)
        {
            _metrics.Eviction();
        }

        switch (decision)
        {
            case RateDecision.Allow:
                return new(StageResult.Continue);
            case RateDecision.Slip:
                _metrics.Truncation();
                return new(Truncated(query));
            default:
                _metrics.Drop();
                return new(StageResult.Drop);
        }
    }

    /// <summary>Header and question with TC=1 (and the client's OPT echoed, if it sent one): "ask me over TCP".</summary>
    private static StageResult Truncated(QueryContext query)
    {
        if (query.RespondWithError(Rcode.NoError) != StageResult.Respond)
        {
            return StageResult.Drop;
        }

        query.Response[2] |= DnsHeader.TcFlag >> 8;
        query.Origin = ResponseOrigin.RateLimited;
        return StageResult.Respond;
    }

    private bool IsExempt(ClientAddress client)
    {
        foreach (IpPrefix prefix in _exempt)
        {
            if (prefix.IsIPv6 == client.IsIPv6 && prefix.Contains(client.Value))
            {
                return true;
            }
        }

        return false;
    }
}
