namespace PipShield.Resolver.Stages.Cache;

/// <summary>What <see cref="ResponseCache.TryInsert"/> did with a response.</summary>
public enum CacheInsertOutcome : byte
{
    /// <summary>Stored, or replaced the entry for the same key.</summary>
    Inserted = 0,

    /// <summary>Not cacheable: SERVFAIL and other error rcodes, TC=1, a question that does not match, TTL 0,
    /// a negative answer without an SOA, a malformed message, or an OPT record that is not last.</summary>
    NotCacheable = 1,

    /// <summary>Larger than a quarter of a shard's byte budget.</summary>
    TooLarge = 2,

    /// <summary>Another writer held the shard; skipped rather than waited for.</summary>
    Busy = 3,
}
