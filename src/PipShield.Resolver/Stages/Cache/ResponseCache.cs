using System.Numerics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Stages.Cache;

/// <summary>
/// Upstream responses kept as wire bytes, keyed by folded question name, type, class, DO and CD. Lookups take
/// no lock and allocate nothing; inserts lock one shard and skip when it is busy. Eviction is S3-FIFO within
/// each shard, bounded by entry count and bytes. Thread-safe.
/// </summary>
[SkipLocalsInit]
public sealed partial class ResponseCache : IStaleAnswers
{
    private const int PrefetchQueueCapacity = 256;
    private const int MaxSeconds = 366 * 86400;

    private readonly CacheShard[] _shards;
    private readonly int _shardMask;
    private readonly TimeProvider _time;
    private readonly long _ticksPerSecond;
    private readonly TtlLimits _limits;
    private readonly long _maxStaleTicks;
    private readonly uint _staleAnswerTtl;
    private readonly double _prefetchThreshold;
    private readonly int _prefetchMinHits;
    private readonly Channel<CacheEntry>? _prefetchQueue;
    private volatile bool _prefetchAttached;

    /// <param name="timeProvider">Clock for TTLs; <see cref="TimeProvider.System"/> when null.</param>
    public ResponseCache(CacheOptions options, TimeProvider? timeProvider = null)
        : this(options, timeProvider, DefaultShardCount(options))
    {
    }

    internal ResponseCache(CacheOptions options, TimeProvider? timeProvider, int shardCount)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxEntries, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBytes, 1L);
        if (!BitOperations.IsPow2(shardCount))
        {
            throw new ArgumentOutOfRangeException(nameof(shardCount), shardCount, "The shard count must be a power of two.");
        }

        _time = timeProvider ?? TimeProvider.System;
        _ticksPerSecond = _time.TimestampFrequency;
        _limits = new TtlLimits(Seconds(options.MinTtl), Math.Max(1, Seconds(options.MaxTtl)), Math.Max(1, Seconds(options.MaxNegativeTtl)));
        _maxStaleTicks = options.ServeStale ? Seconds(options.MaxStaleAge) * _ticksPerSecond : 0;
        _staleAnswerTtl = Math.Max(1, Seconds(options.StaleAnswerTtl));
        _prefetchThreshold = options.Prefetch ? Math.Clamp(options.PrefetchThreshold, 0, 1) : 0;
        _prefetchMinHits = Math.Max(1, options.PrefetchMinHits);
        if (_prefetchThreshold > 0)
        {
            _prefetchQueue = Channel.CreateBounded<CacheEntry>(new BoundedChannelOptions(PrefetchQueueCapacity)
            {
                FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails fast and the hit path moves on
                SingleReader = true,
            });
        }

        _shards = new CacheShard[shardCount];
        _shardMask = shardCount - 1;
        int entriesPerShard = (int)Math.Ceiling(options.MaxEntries / (double)shardCount);
        long bytesPerShard = Math.Max(1, options.MaxBytes / shardCount);
        for (int i = 0; i < shardCount; i++)
        {
            _shards[i] = new CacheShard(entriesPerShard, bytesPerShard);
        }
    }

    public CacheMetrics Metrics { get; } = new();

    /// <summary>Entries held now, fresh and expired.</summary>
    public int Count
    {
        get
        {
            int count = 0;
            foreach (CacheShard shard in _shards)
            {
                count += shard.Count;
            }

            return count;
        }
    }

    /// <summary>Estimated bytes held now, overhead included.</summary>
    public long SizeBytes
    {
        get
        {
            long bytes = 0;
            foreach (CacheShard shard in _shards)
            {
                bytes += shard.Bytes;
            }

            return bytes;
        }
    }

    internal int ShardCount => _shards.Length;

    /// <summary>Queue of entries to refresh; null when prefetch is off.</summary>
    internal ChannelReader<CacheEntry>? PrefetchRequests => _prefetchQueue?.Reader;

    /// <summary>Set while a <see cref="CachePrefetcher"/> consumes <see cref="PrefetchRequests"/>.</summary>
    internal bool PrefetchAttached
    {
        get => _prefetchAttached;
        set => _prefetchAttached = value;
    }

    /// <summary>
    /// Answers <paramref name="query"/> from a fresh entry: copies the bytes into its response with the client's
    /// ID, RD/CD bits and question name, TTLs lowered by the entry's age, and an OPT if the client sent one.
    /// May queue a prefetch. Allocates nothing.
    /// </summary>
    /// <returns>True, with <see cref="QueryContext.Origin"/> set to <see cref="ResponseOrigin.Cache"/>, on a hit.</returns>
    public bool TryWriteHit(QueryContext query)
    {
        ArgumentNullException.ThrowIfNull(query);
        Span<byte> folded = stackalloc byte[255];
        CacheEntry? entry = Find(query, folded);
        long now = _time.GetTimestamp();
        if (entry is null || now >= entry.ExpiresAt)
        {
            Metrics.AddMiss();
            return false;
        }

        query.ResponseLength = Write(entry, query, AgeSeconds(entry, now), staleTtl: 0);
        query.Origin = ResponseOrigin.Cache;
        Metrics.AddHit();
        if (entry.Frequency < 3)
        {
            entry.Frequency++;
        }

        int hits = ++entry.Hits;
        if (now >= entry.PrefetchAt && hits >= _prefetchMinHits)
        {
            QueuePrefetch(entry);
        }

        return true;
    }

    /// <inheritdoc />
    public bool TryWriteStale(QueryContext query)
    {
        ArgumentNullException.ThrowIfNull(query);
        Span<byte> folded = stackalloc byte[255];
        CacheEntry? entry = Find(query, folded);
        long now = _time.GetTimestamp();
        if (entry is null || now >= entry.StaleUntil)
        {
            return false;
        }

        bool fresh = now < entry.ExpiresAt;
        query.ResponseLength = Write(entry, query, fresh ? AgeSeconds(entry, now) : 0, fresh ? 0 : _staleAnswerTtl);
        query.Origin = fresh ? ResponseOrigin.Cache : ResponseOrigin.Stale;
        if (!fresh)
        {
            Metrics.AddStaleServed();
        }

        return true;
    }

    /// <summary>
    /// Stores the response in <paramref name="query"/> under the key of its question, replacing an older entry
    /// for the same key. The response is copied; the context stays the caller's.
    /// </summary>
    public CacheInsertOutcome TryInsert(QueryContext query)
    {
        ArgumentNullException.ThrowIfNull(query);
        QueryInfo info = query.Query;
        if (!info.HasQuestion)
        {
            return CacheInsertOutcome.NotCacheable;
        }

        Span<byte> folded = stackalloc byte[255];
        var key = CacheKey.Create(info.QName(query.RequestSpan), info.QType, info.QClass, info.DnssecOk, info.CheckingDisabled, folded);
        return Insert(key, folded[..key.NameLength], query.ResponseSpan, wait: false);
    }

    /// <summary>Removes every entry.</summary>
    /// <returns>How many entries were removed.</returns>
    public int Clear()
    {
        int removed = 0;
        foreach (CacheShard shard in _shards)
        {
            removed += shard.Clear();
        }

        return removed;
    }

    /// <summary>Stores a refreshed answer for the key of <paramref name="stale"/>, waiting for its shard.</summary>
    internal CacheInsertOutcome InsertRefresh(CacheEntry stale, ReadOnlySpan<byte> response)
    {
        Span<byte> folded = stackalloc byte[255];
        var key = CacheKey.Create(stale.FoldedName, stale.QType, stale.QClass,
            (stale.KeyFlags & CacheKey.DnssecOkFlag) != 0, (stale.KeyFlags & CacheKey.CheckingDisabledFlag) != 0, folded);
        return Insert(key, folded[..key.NameLength], response, wait: true);
    }

    internal CacheInsertOutcome Insert(in CacheKey key, ReadOnlySpan<byte> foldedName, ReadOnlySpan<byte> response, bool wait)
    {
        CacheShard shard = _shards[key.Hash & _shardMask];
        CacheInsertOutcome outcome = CacheableResponse.TryBuild(response, key, foldedName, _limits, shard.MaxEntrySize,
            out byte[] data, out int messageLength, out int questionEnd, out uint ttl);
        if (outcome != CacheInsertOutcome.Inserted)
        {
            return outcome;
        }

        long now = _time.GetTimestamp();
        long ttlTicks = ttl * _ticksPerSecond;
        long expiresAt = now + ttlTicks;
        long prefetchAt = _prefetchThreshold > 0 ? expiresAt - (long)(ttlTicks * _prefetchThreshold) : long.MaxValue;
        var entry = new CacheEntry(key, data, messageLength, questionEnd, now, expiresAt, expiresAt + _maxStaleTicks, prefetchAt);
        int evicted = 0;
        if (!shard.TryInsert(entry, wait, now, ref evicted))
        {
            Metrics.AddInsertSkipped();
            return CacheInsertOutcome.Busy;
        }

        Metrics.AddInsert();
        if (evicted > 0)
        {
            Metrics.AddEvictions(evicted);
        }

        return CacheInsertOutcome.Inserted;
    }

    /// <summary>Whole seconds, at most a year, so that timestamp arithmetic cannot overflow.</summary>
    private static uint Seconds(TimeSpan span) => (uint)Math.Clamp(span.TotalSeconds, 0, MaxSeconds);

    /// <summary>
    /// One shard per two cores, up to 64, but no fewer than about 1 000 entries per shard so the small FIFO
    /// of each one still has room to tell reused names from one-offs.
    /// </summary>
    private static int DefaultShardCount(CacheOptions options)
    {
        int byCores = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount * 2, 1, 64));
        int bySize = options.MaxEntries >= 2048 ? 1 << BitOperations.Log2((uint)(options.MaxEntries / 1024)) : 1;
        return Math.Min(byCores, bySize);
    }

    private CacheEntry? Find(QueryContext query, Span<byte> folded)
    {
        QueryInfo info = query.Query;
        if (!info.HasQuestion)
        {
            return null;
        }

        // Fold the name once; the hash and the entry comparison both use the folded copy.
        var key = CacheKey.Create(info.QName(query.RequestSpan), info.QType, info.QClass, info.DnssecOk, info.CheckingDisabled, folded);
        return _shards[key.Hash & _shardMask].Find(key, folded[..key.NameLength]);
    }

    private uint AgeSeconds(CacheEntry entry, long now) => (uint)((now - entry.InsertedAt) / _ticksPerSecond);

    private void QueuePrefetch(CacheEntry entry)
    {
        if (_prefetchQueue is null || !_prefetchAttached || Interlocked.CompareExchange(ref entry.PrefetchQueued, 1, 0) != 0)
        {
            return;
        }

        if (!_prefetchQueue.Writer.TryWrite(entry))
        {
            Volatile.Write(ref entry.PrefetchQueued, 0); // queue full: a later hit may try again
        }
    }
}
