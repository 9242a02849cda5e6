using Microsoft.Extensions.Logging;

namespace PipShield.Resolver.Stages.RateLimit;

/// <summary>Log messages of the rate limit. EventIds 2300–2349.</summary>
internal static partial class RateLimitLog
{
    [LoggerMessage(EventId = 2301, Level = LogLevel.Information,
        Message = "UDP response rate limit: {ResponsesPerSecond} per second per /{IPv4PrefixLength} or /{IPv6PrefixLength}, " +
            "burst {Burst}, every {Slip} limited response truncated, {TableSize} prefixes tracked, exempt: {Exempt}")]
    public static partial void Configured(ILogger logger, int responsesPerSecond, int iPv4PrefixLength, int iPv6PrefixLength,
        int burst, int slip, int tableSize, string exempt);

    [LoggerMessage(EventId = 2302, Level = LogLevel.Information, Message = "UDP response rate limit off")]
    public static partial void Off(ILogger logger);
}
