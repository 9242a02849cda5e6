namespace PipShield.Service.Feeds;

/// <summary>How one download ended.</summary>
internal enum FeedDownloadOutcome : byte
{
    /// <summary>A new body is in the temporary file.</summary>
    Downloaded,

    /// <summary>The server (or the local file) says nothing changed.</summary>
    NotModified,

    /// <summary>No usable body; <see cref="FeedDownload.Reason"/> says why.</summary>
    Failed,
}

/// <summary>The result of <see cref="FeedDownloader.DownloadAsync"/>.</summary>
internal sealed record FeedDownload(FeedDownloadOutcome Outcome, string? Reason = null, long Bytes = 0, string? ETag = null, string? LastModified = null)
{
    public static FeedDownload Fail(string reason) => new(FeedDownloadOutcome.Failed, reason);
}
