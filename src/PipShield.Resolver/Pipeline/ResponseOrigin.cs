namespace PipShield.Resolver.Pipeline;

/// <summary>Which part of the pipeline made the response; for metrics, the query log and response stages.</summary>
public enum ResponseOrigin : byte
{
    None = 0,
    Error = 1,
    Refused = 2,
    Blocked = 3,
    Cache = 4,
    Upstream = 5,
    Stale = 6,

    /// <summary>Answered by PipShield itself, not an error: the RFC 8482 answer to ANY.</summary>
    Local = 7,

    /// <summary>A truncated answer (TC=1) sent in place of a response over the UDP rate limit.</summary>
    RateLimited = 8,
}
