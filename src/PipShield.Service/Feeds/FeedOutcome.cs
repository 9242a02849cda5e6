namespace PipShield.Service.Feeds;

/// <summary>What one refresh did with a feed.</summary>
internal enum FeedResult : byte
{
    /// <summary>A new copy was accepted and is now the last good copy.</summary>
    Updated,

    /// <summary>Nothing changed upstream.</summary>
    NotModified,

    /// <summary>The update failed or was refused; the last good copy stays.</summary>
    Failed,
}

/// <param name="Feed">The feed.</param>
/// <param name="Result">What happened.</param>
/// <param name="Reason">Why it failed; null otherwise.</param>
/// <param name="Bytes">Size of the new copy (decompressed); 0 unless updated.</param>
/// <param name="Entries">Entries in the new copy; 0 unless updated.</param>
internal sealed record FeedOutcome(FeedDefinition Feed, FeedResult Result, string? Reason = null, long Bytes = 0, int Entries = 0)
{
    /// <summary><c>ok</c>, <c>not modified</c> or <c>failed</c>, as <c>feeds list</c> shows it.</summary>
    public string ResultText => Result switch
    {
        FeedResult.Updated => "ok",
        FeedResult.NotModified => "not modified",
        _ => "failed",
    };
}
