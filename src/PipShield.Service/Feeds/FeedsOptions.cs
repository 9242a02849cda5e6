using System.ComponentModel.DataAnnotations;
using System.Reflection;

namespace PipShield.Service.Feeds;

/// <summary>Live threat feeds: which catalogue, how they are downloaded, and when an update is refused.</summary>
public sealed class FeedsOptions
{
    public const string SectionName = "Feeds";

    /// <summary>Download the catalogue's enabled feeds in the background and block what they list. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The feed catalogue. Relative paths are taken from the working directory, else the program's
    /// folder. Default <c>blocklists/feeds.json</c>.</summary>
    public string CatalogFile { get; set; } = "blocklists/feeds.json";

    /// <summary>Largest body (after decompression) a feed may have; a bigger one is refused, never cut. Default 64 MiB.</summary>
    [Range(1024L, 4L << 30, ErrorMessage = "Feeds:MaxBytes must be between 1 KiB and 4 GiB")]
    public long MaxBytes { get; set; } = 64L << 20;

    /// <summary>Fewest entries an update must hold to be accepted. Default 10.</summary>
    [Range(0, int.MaxValue, ErrorMessage = "Feeds:MinEntries must not be negative")]
    public int MinEntries { get; set; } = 10;

    /// <summary>Most a feed may shrink in one update, in percent of its entries, unless forced. Default 50.</summary>
    [Range(0, 100, ErrorMessage = "Feeds:MaxShrinkPercent must be between 0 and 100")]
    public int MaxShrinkPercent { get; set; } = 50;

    /// <summary>How long one download attempt may take, headers and body. Default 2 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Feeds:Timeout must be between 1 second and 1 hour")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Retries after a transient failure (network error, timeout, 408, 429, 5xx). Default 3.</summary>
    [Range(0, 10, ErrorMessage = "Feeds:RetryCount must be between 0 and 10")]
    public int RetryCount { get; set; } = 3;

    /// <summary>First retry delay; later ones grow exponentially, with jitter. Default 2 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00", ErrorMessage = "Feeds:RetryDelay must be between 10 ms and 10 minutes")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long after start the first refresh waits, so the resolver is answering first. Default 20 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "Feeds:StartDelay must be between 0 and 1 day")]
    public TimeSpan StartDelay { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>The User-Agent header sent to feed servers. Default <c>PipShield/VERSION</c>.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Feeds:UserAgent must not be empty")]
    public string UserAgent { get; set; } = DefaultUserAgent;

    /// <summary><c>PipShield/</c> and the program's version.</summary>
    public static string DefaultUserAgent { get; } =
        "PipShield/" + (typeof(FeedsOptions).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");
}
