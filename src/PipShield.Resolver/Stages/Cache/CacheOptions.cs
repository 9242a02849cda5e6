using System.ComponentModel.DataAnnotations;

namespace PipShield.Resolver.Stages.Cache;

/// <summary>How the response cache sizes itself, clamps TTLs, serves stale answers and prefetches.</summary>
public sealed class CacheOptions
{
    public const string SectionName = "Resolver:Cache";

    /// <summary>Maximum cached responses across all shards. Default 100 000.</summary>
    [Range(1_000, 50_000_000)]
    public int MaxEntries { get; set; } = 100_000;

    /// <summary>Maximum memory for cached responses, with an estimate of per-entry overhead. Default 64 MiB.</summary>
    [Range(typeof(long), "1048576", "17179869184")]
    public long MaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Upstream TTLs below this are raised (a TTL of 0 is never cached). Default 0.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan MinTtl { get; set; } = TimeSpan.Zero;

    /// <summary>Upstream TTLs above this are lowered; wins over <see cref="MinTtl"/>. Default one day.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan MaxTtl { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Longest time NXDOMAIN and NODATA answers are kept (RFC 2308 §5). Default one hour.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxNegativeTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Answer from expired entries when every upstream fails (RFC 8767). Default true.</summary>
    public bool ServeStale { get; set; } = true;

    /// <summary>TTL written into stale answers (RFC 8767 §4 recommends 30 seconds). Default 30 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan StaleAnswerTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long past expiry an entry may still be served stale (RFC 8767 §5: 1 to 3 days). Default one day.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan MaxStaleAge { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Refresh popular entries from upstream shortly before they expire. Default true.</summary>
    public bool Prefetch { get; set; } = true;

    /// <summary>Fraction of an entry's TTL, at its end, in which a hit triggers a prefetch. Default 0.1 (the last 10%).</summary>
    [Range(0.0, 0.5)]
    public double PrefetchThreshold { get; set; } = 0.1;

    /// <summary>Hits an entry needs during its lifetime before it is prefetched. Default 5.</summary>
    [Range(1, 1_000_000)]
    public int PrefetchMinHits { get; set; } = 5;
}
