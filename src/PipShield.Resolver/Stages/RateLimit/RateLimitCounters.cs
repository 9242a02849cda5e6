namespace PipShield.Resolver.Stages.RateLimit;

/// <summary>A snapshot of the rate limit's counters since start; each value is read on its own.</summary>
public readonly record struct RateLimitCounters
{
    /// <summary>Limited responses sent truncated (TC=1), so the client retries over TCP.</summary>
    public long Truncated { get; init; }

    /// <summary>Limited responses not sent at all.</summary>
    public long Dropped { get; init; }

    /// <summary>Prefixes that lost their table slot to another while still short of their full burst (a full table).</summary>
    public long Evictions { get; init; }

    /// <summary>Responses over the limit: <see cref="Truncated"/> plus <see cref="Dropped"/>.</summary>
    public long Limited => Truncated + Dropped;
}
