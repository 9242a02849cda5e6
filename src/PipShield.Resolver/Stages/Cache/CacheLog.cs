using Microsoft.Extensions.Logging;
using PipShield.Resolver.Upstream;

namespace PipShield.Resolver.Stages.Cache;

/// <summary>Log messages of the cache; EventIds 2100–2199 belong to the cache. Nothing here is logged per query.</summary>
internal static partial class CacheLog
{
    [LoggerMessage(EventId = 2101, Level = LogLevel.Debug, Message = "Cache prefetch started")]
    public static partial void PrefetchStarted(ILogger logger);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Debug,
        Message = "Prefetch got no usable answer: upstream {Status}, insert {Outcome}")]
    public static partial void PrefetchFailed(ILogger logger, UpstreamStatus status, CacheInsertOutcome outcome);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Error, Message = "Prefetch failed unexpectedly")]
    public static partial void PrefetchFaulted(ILogger logger, Exception exception);
}
