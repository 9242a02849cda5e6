using System.Diagnostics.Metrics;

namespace PipShield.Resolver.Upstream;

/// <summary>Instruments of the upstream pool, on the <c>PipShield.Resolver.Upstream</c> meter.</summary>
internal static class UpstreamMetrics
{
    public const string MeterName = "PipShield.Resolver.Upstream";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Upstream queries by outcome (ok, timeout, failed, network_error).</summary>
    public static readonly Counter<long> Queries = Meter.CreateCounter<long>("pipshield.upstream.queries", "{query}",
        "Queries forwarded upstream, by outcome");

    /// <summary>Round-trip times of accepted replies: the UDP exchange, or the whole exchange over TLS or HTTPS.</summary>
    public static readonly Histogram<double> RoundTrip = Meter.CreateHistogram<double>("pipshield.upstream.rtt", "s",
        "Round-trip time of accepted replies (UDP, or the exchange over TLS or HTTPS, a new connection's handshake included)");

    /// <summary>Datagrams whose source, ID or question did not match (RFC 5452): forgeries, or late replies.</summary>
    public static readonly Counter<long> IgnoredReplies = Meter.CreateCounter<long>("pipshield.upstream.ignored_replies", "{reply}",
        "Replies ignored because their source, ID or question did not match the query");

    /// <summary>Attempts abandoned after too many ignored datagrams: someone may be guessing the query ID.</summary>
    public static readonly Counter<long> SpoofedAttempts = Meter.CreateCounter<long>("pipshield.upstream.spoofed_attempts", "{attempt}",
        "Attempts abandoned after too many datagrams that did not match the query (suspected spoofing)");

    /// <summary>Records removed from accepted replies because they did not belong to the answer.</summary>
    public static readonly Counter<long> ScrubbedRecords = Meter.CreateCounter<long>("pipshield.upstream.scrubbed_records", "{record}",
        "Records removed from upstream replies because they did not belong to the answer to the question");

    /// <summary>Truncated UDP replies retried over TCP.</summary>
    public static readonly Counter<long> TcpRetries = Meter.CreateCounter<long>("pipshield.upstream.tcp_retries", "{query}",
        "Truncated UDP replies retried over TCP");

    public static KeyValuePair<string, object?> OutcomeTag(UpstreamStatus status) => status switch
    {
        UpstreamStatus.Ok => new("outcome", "ok"),
        UpstreamStatus.Timeout => new("outcome", "timeout"),
        UpstreamStatus.Failed => new("outcome", "failed"),
        _ => new("outcome", "network_error"),
    };
}
