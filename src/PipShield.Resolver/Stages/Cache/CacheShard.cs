using System.Numerics;

namespace PipShield.Resolver.Stages.Cache;

/// <summary>
/// One shard of the cache: a chained hash table that readers walk without a lock, and S3-FIFO queues
/// (Yang et al., SOSP 2023) that writers maintain under the shard lock.
/// </summary>
/// <remarks>
/// New keys enter the small FIFO (10% of the shard). An entry hit while there moves to the main FIFO when it
/// reaches the tail; one that was not is evicted and its hash remembered in the ghost table, so a key that
/// comes back soon goes straight to main. Main is a CLOCK over a 2-bit frequency. A flood of one-off names
/// (scans, random-subdomain attacks) only ever cycles through the small FIFO and leaves main, the working
/// set, alone.
/// </remarks>
internal sealed class CacheShard
{
    private readonly Lock _lock = new();
    private readonly int _maxEntries;
    private readonly long _maxBytes;
    private readonly int _smallTarget;
    private readonly int _bucketShift;
    private readonly int _ghostShift;
    private readonly int[] _ghost;
    private CacheEntry?[] _buckets;
    private FifoQueue _small;
    private FifoQueue _main;
    private int _count;
    private long _bytes;

    public CacheShard(int maxEntries, long maxBytes)
    {
        _maxEntries = Math.Max(1, maxEntries);
        _maxBytes = Math.Max(1, maxBytes);
        _smallTarget = Math.Max(1, _maxEntries / 10);
        int bucketBits = BitOperations.Log2(BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, _maxEntries)));
        _bucketShift = 32 - bucketBits;
        _buckets = new CacheEntry?[1 << bucketBits];

        // The ghost remembers about as many evicted keys as main holds (S3-FIFO §4.1); one hash per slot.
        int ghostBits = BitOperations.Log2(BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, _maxEntries - _smallTarget)));
        _ghostShift = 32 - ghostBits;
        _ghost = new int[1 << ghostBits];
    }

    public int Count => Volatile.Read(ref _count);

    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>Largest entry this shard accepts: a quarter of its byte budget.</summary>
    public long MaxEntrySize => _maxBytes / 4;

    /// <summary>Finds an entry without taking the lock; may return one a writer is replacing at this moment.</summary>
    public CacheEntry? Find(in CacheKey key, ReadOnlySpan<byte> foldedName)
    {
        CacheEntry?[] buckets = Volatile.Read(ref _buckets);
        CacheEntry? entry = Volatile.Read(ref buckets[BucketIndex(key.Hash)]);
        while (entry is not null)
        {
            if (entry.Matches(key, foldedName))
            {
                return entry;
            }

            entry = Volatile.Read(ref entry.NextInBucket);
        }

        return null;
    }

    /// <summary>Adds or replaces the entry for its key, then evicts down to the budgets.</summary>
    /// <param name="wait">Wait for the lock; otherwise give up when another writer holds it (a skipped insert costs less than a stalled query).</param>
    /// <returns>False when the lock was busy and nothing changed.</returns>
    public bool TryInsert(CacheEntry entry, bool wait, long now, ref int evicted)
    {
        if (wait)
        {
            _lock.Enter();
        }
        else if (!_lock.TryEnter())
        {
            return false;
        }

        try
        {
            CacheEntry? existing = FindLocked(entry);
            CacheQueue queue;
            if (existing is not null)
            {
                // A refresh keeps its place and popularity; the hit count restarts for the new lifetime.
                queue = existing.Queue;
                entry.Frequency = existing.Frequency;
                RemoveLocked(existing);
            }
            else
            {
                queue = TakeGhost(entry.Hash) ? CacheQueue.Main : CacheQueue.Small;
            }

            ref CacheEntry? head = ref _buckets[BucketIndex(entry.Hash)];
            entry.NextInBucket = head;
            Volatile.Write(ref head, entry); // publish only a fully built entry
            entry.Queue = queue;
            (queue == CacheQueue.Main ? ref _main : ref _small).PushHead(entry);
            _count++;
            _bytes += entry.Size;

            while (_count > _maxEntries || _bytes > _maxBytes)
            {
                if (!EvictOne(now))
                {
                    break;
                }

                evicted++;
            }

            return true;
        }
        finally
        {
            _lock.Exit();
        }
    }

    /// <summary>Drops every entry.</summary>
    public int Clear()
    {
        lock (_lock)
        {
            int removed = _count;
            Volatile.Write(ref _buckets, new CacheEntry?[_buckets.Length]);
            _small = default;
            _main = default;
            Array.Clear(_ghost);
            _count = 0;
            _bytes = 0;
            return removed;
        }
    }

    private int BucketIndex(int hash) => (int)(((uint)hash * 0x9E3779B9u) >> _bucketShift);

    private int GhostIndex(int hash) => (int)(((uint)hash * 0x85EBCA6Bu) >> _ghostShift);

    private CacheEntry? FindLocked(CacheEntry like)
    {
        for (CacheEntry? entry = _buckets[BucketIndex(like.Hash)]; entry is not null; entry = entry.NextInBucket)
        {
            if (entry.HasSameKey(like))
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>
    /// Evicts one entry per S3-FIFO: from small while it is over its share, else from main. Entries past their
    /// stale window count as unused wherever they are.
    /// </summary>
    private bool EvictOne(long now)
    {
        while (true)
        {
            if (_small.Count > 0 && (_small.Count >= _smallTarget || _main.Count == 0))
            {
                CacheEntry tail = _small.Tail!;
                _small.Remove(tail);
                if (tail.Frequency > 0 && now < tail.StaleUntil)
                {
                    // Hit while on probation: it has shown reuse, promote it.
                    tail.Frequency = 0;
                    tail.Queue = CacheQueue.Main;
                    _main.PushHead(tail);
                    continue;
                }

                _ghost[GhostIndex(tail.Hash)] = GhostValue(tail.Hash);
                tail.Queue = CacheQueue.None;
                Unlink(tail);
                return true;
            }

            if (_main.Count == 0)
            {
                return false;
            }

            CacheEntry victim = _main.Tail!;
            _main.Remove(victim);
            if (victim.Frequency > 0 && now < victim.StaleUntil)
            {
                victim.Frequency--;
                _main.PushHead(victim);
                continue;
            }

            victim.Queue = CacheQueue.None;
            Unlink(victim);
            return true;
        }
    }

    private void RemoveLocked(CacheEntry entry)
    {
        if (entry.Queue != CacheQueue.None)
        {
            (entry.Queue == CacheQueue.Main ? ref _main : ref _small).Remove(entry);
            entry.Queue = CacheQueue.None;
        }

        Unlink(entry);
    }

    /// <summary>
    /// Takes <paramref name="entry"/> out of its bucket. Its own <see cref="CacheEntry.NextInBucket"/> stays as it
    /// is, so a reader standing on it still reaches the rest of the chain.
    /// </summary>
    private void Unlink(CacheEntry entry)
    {
        ref CacheEntry? link = ref _buckets[BucketIndex(entry.Hash)];
        while (link is not null)
        {
            if (ReferenceEquals(link, entry))
            {
                Volatile.Write(ref link, entry.NextInBucket);
                _count--;
                _bytes -= entry.Size;
                return;
            }

            link = ref link.NextInBucket;
        }
    }

    private bool TakeGhost(int hash)
    {
        ref int slot = ref _ghost[GhostIndex(hash)];
        if (slot != GhostValue(hash))
        {
            return false;
        }

        slot = 0;
        return true;
    }

    private static int GhostValue(int hash) => hash == 0 ? 1 : hash; // 0 marks an empty slot

    /// <summary>An intrusive doubly linked FIFO: push at the head, evict from the tail.</summary>
    private struct FifoQueue
    {
        public CacheEntry? Head;
        public CacheEntry? Tail;
        public int Count;

        public void PushHead(CacheEntry entry)
        {
            entry.QueuePrevious = null;
            entry.QueueNext = Head;
            if (Head is not null)
            {
                Head.QueuePrevious = entry;
            }

            Head = entry;
            Tail ??= entry;
            Count++;
        }

        public void Remove(CacheEntry entry)
        {
            if (entry.QueuePrevious is not null)
            {
                entry.QueuePrevious.QueueNext = entry.QueueNext;
            }
            else
            {
                Head = entry.QueueNext;
            }

            if (entry.QueueNext is not null)
            {
                entry.QueueNext.QueuePrevious = entry.QueuePrevious;
            }
            else
            {
                Tail = entry.QueuePrevious;
            }

            entry.QueuePrevious = null;
            entry.QueueNext = null;
            Count--;
        }
    }
}
