using System.Buffers.Binary;

namespace PipShield.Resolver.Stages.Cache;

/// <summary>Which S3-FIFO queue an entry sits in.</summary>
internal enum CacheQueue : byte
{
    None = 0,
    Small = 1,
    Main = 2,
}

/// <summary>
/// One cached response. The key, bytes and timestamps never change after the entry is published, so readers
/// use it without a lock; a refresh publishes a new entry. <see cref="Data"/> is a plain array, never pooled:
/// a reader may still be copying an entry that a writer has just evicted.
/// </summary>
internal sealed class CacheEntry
{
    /// <summary>Estimated bytes an entry costs beyond its data: object headers, fields, bucket slot.</summary>
    public const int Overhead = 112;

    public CacheEntry(in CacheKey key, byte[] data, int messageLength, int questionEnd, long insertedAt, long expiresAt,
        long staleUntil, long prefetchAt)
    {
        Hash = key.Hash;
        QType = key.QType;
        QClass = key.QClass;
        KeyFlags = key.Flags;
        NameLength = key.NameLength;
        Data = data;
        MessageLength = messageLength;
        QuestionEnd = questionEnd;
        InsertedAt = insertedAt;
        ExpiresAt = expiresAt;
        StaleUntil = staleUntil;
        PrefetchAt = prefetchAt;
    }

    public int Hash { get; }

    public ushort QType { get; }

    public ushort QClass { get; }

    public byte KeyFlags { get; }

    public int NameLength { get; }

    /// <summary>
    /// The response with its OPT record removed, its question name folded and its TTLs clamped, followed by
    /// the offset of every TTL field as a big-endian ushort.
    /// </summary>
    public byte[] Data { get; }

    public int MessageLength { get; }

    public int QuestionEnd { get; }

    /// <summary><see cref="TimeProvider.GetTimestamp"/> at insert.</summary>
    public long InsertedAt { get; }

    /// <summary>Timestamp from which the entry is no longer fresh.</summary>
    public long ExpiresAt { get; }

    /// <summary>Timestamp from which the entry may not even be served stale; equal to <see cref="ExpiresAt"/> without serve-stale.</summary>
    public long StaleUntil { get; }

    /// <summary>Timestamp from which a hit on a popular entry triggers a prefetch.</summary>
    public long PrefetchAt { get; }

    public int Size => Data.Length + Overhead;

    public ReadOnlySpan<byte> Message => Data.AsSpan(0, MessageLength);

    /// <summary>The folded question name.</summary>
    public ReadOnlySpan<byte> FoldedName => Data.AsSpan(Wire.DnsHeader.Size, NameLength);

    public int TtlCount => (Data.Length - MessageLength) / 2;

    public int TtlOffset(int index) => BinaryPrimitives.ReadUInt16BigEndian(Data.AsSpan(MessageLength + 2 * index));

    // Touched by readers without a lock; approximate counts are all eviction and prefetch need.

    /// <summary>S3-FIFO access frequency, 0 to 3.</summary>
    public byte Frequency;

    /// <summary>Hits since insert, for the prefetch popularity test.</summary>
    public int Hits;

    /// <summary>0 until a prefetch is queued, then 1: at most one refresh per entry.</summary>
    public int PrefetchQueued;

    // Owned by the shard lock.

    /// <summary>Next entry in the same hash bucket; written under the lock, read with <c>Volatile.Read</c>.</summary>
    public CacheEntry? NextInBucket;

    public CacheEntry? QueuePrevious;

    public CacheEntry? QueueNext;

    public CacheQueue Queue;

    public bool Matches(in CacheKey key, ReadOnlySpan<byte> foldedName) =>
        Hash == key.Hash && QType == key.QType && QClass == key.QClass && KeyFlags == key.Flags
        && NameLength == key.NameLength && FoldedName.SequenceEqual(foldedName);

    public bool HasSameKey(CacheEntry other) =>
        Hash == other.Hash && QType == other.QType && QClass == other.QClass && KeyFlags == other.KeyFlags
        && NameLength == other.NameLength && FoldedName.SequenceEqual(other.FoldedName);
}
