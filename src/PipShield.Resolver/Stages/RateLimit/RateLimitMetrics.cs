namespace PipShield.Resolver.Stages.RateLimit;

/// <summary>The rate limit's counters: plain <see cref="Interlocked"/> increments, only on limited responses and evictions.</summary>
internal sealed class RateLimitMetrics
{
    private long _truncated;
    private long _dropped;
    private long _evictions;

    public RateLimitCounters Snapshot => new()
    {
        Truncated = Volatile.Read(ref _truncated),
        Dropped = Volatile.Read(ref _dropped),
        Evictions = Volatile.Read(ref _evictions),
    };

    public void Truncation() => Interlocked.Increment(ref _truncated);

    public void Drop() => Interlocked.Increment(ref _dropped);

    public void Eviction() => Interlocked.Increment(ref _evictions);
}
