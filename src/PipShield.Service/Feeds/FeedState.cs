namespace PipShield.Service.Feeds;

/// <summary>What PipShield remembers about one feed between refreshes (<c>feeds/state.json</c>).</summary>
internal sealed class FeedState
{
    /// <summary>The server's ETag for the last good copy; sent back as If-None-Match.</summary>
    public string? ETag { get; set; }

    /// <summary>The server's Last-Modified for the last good copy, as sent; sent back as If-Modified-Since.</summary>
    public string? LastModified { get; set; }

    /// <summary>Entries in the last good copy.</summary>
    public int Entries { get; set; }

    /// <summary>Size in bytes of the last good copy (decompressed).</summary>
    public long Bytes { get; set; }

    /// <summary>When the last good copy was downloaded.</summary>
    public DateTimeOffset? Updated { get; set; }

    /// <summary>When the feed was last checked.</summary>
    public DateTimeOffset? Checked { get; set; }

    /// <summary>Outcome of the last check: <c>ok</c>, <c>not modified</c> or <c>failed</c>.</summary>
    public string? Result { get; set; }

    /// <summary>Why the last check failed; null after a success.</summary>
    public string? Error { get; set; }
}
