namespace PipShield.Resolver.Stages.Cache;

/// <summary>
/// Counters of the response cache since start; updated with <see cref="Interlocked"/>, read at any time.
/// The service exports them as instruments.
/// </summary>
public sealed class CacheMetrics
{
    private long _hits;
    private long _misses;
    private long _inserts;
    private long _insertsSkipped;
    private long _evictions;
    private long _staleServed;
    private long _prefetches;
    private long _prefetchFailures;

    /// <summary>Queries answered from a fresh entry.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Lookups that found no fresh entry.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>Responses stored (new keys and refreshes).</summary>
    public long Inserts => Interlocked.Read(ref _inserts);

    /// <summary>Cacheable responses not stored because their shard was busy.</summary>
    public long InsertsSkipped => Interlocked.Read(ref _insertsSkipped);

    /// <summary>Entries evicted to stay within the entry and byte budgets.</summary>
    public long Evictions => Interlocked.Read(ref _evictions);

    /// <summary>Expired entries served because upstreams failed (RFC 8767).</summary>
    public long StaleServed => Interlocked.Read(ref _staleServed);

    /// <summary>Refresh queries sent to upstream for popular entries about to expire.</summary>
    public long Prefetches => Interlocked.Read(ref _prefetches);

    /// <summary>Prefetches that got no usable answer.</summary>
    public long PrefetchFailures => Interlocked.Read(ref _prefetchFailures);

    internal void AddHit() => Interlocked.Increment(ref _hits);

    internal void AddMiss() => Interlocked.Increment(ref _misses);

    internal void AddInsert() => Interlocked.Increment(ref _inserts);

    internal void AddInsertSkipped() => Interlocked.Increment(ref _insertsSkipped);

    internal void AddEvictions(int count) => Interlocked.Add(ref _evictions, count);

    internal void AddStaleServed() => Interlocked.Increment(ref _staleServed);

    internal void AddPrefetch() => Interlocked.Increment(ref _prefetches);

    internal void AddPrefetchFailure() => Interlocked.Increment(ref _prefetchFailures);
}
