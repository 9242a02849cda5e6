namespace PipShield.Resolver.Upstream;

/// <summary>
/// Counts of one <see cref="UpstreamPool"/> since it started, for tests and status pages (the meter's instruments
/// add up every pool in the process). Thread-safe.
/// </summary>
public sealed class UpstreamCounters
{
    private long _ignoredReplies;
    private long _spoofedAttempts;
    private long _scrubbedRecords;

    /// <summary>Datagrams whose source, ID or question did not match the query (forgeries, late replies).</summary>
    public long IgnoredReplies => Interlocked.Read(ref _ignoredReplies);

    /// <summary>Attempts abandoned after <see cref="UpstreamExchange.MaxIgnoredReplies"/> ignored datagrams (suspected spoofing).</summary>
    public long SpoofedAttempts => Interlocked.Read(ref _spoofedAttempts);

    /// <summary>Records removed from replies because they did not belong to the answer (see <see cref="ReplyScrubber"/>).</summary>
    public long ScrubbedRecords => Interlocked.Read(ref _scrubbedRecords);

    internal void AddIgnoredReplies(int count) => Interlocked.Add(ref _ignoredReplies, count);

    internal void AddSpoofedAttempt() => Interlocked.Increment(ref _spoofedAttempts);

    internal void AddScrubbedRecords(int count) => Interlocked.Add(ref _scrubbedRecords, count);
}
