using Microsoft.Extensions.Logging;

namespace PipShield.Service.Hosting;

/// <summary>Log messages of the service host (event ids 3000–3099).</summary>
internal static partial class HostLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information,
        Message = "Blocklist image {Path} in service: {DomainRules} domain rules, {IpRules} IP rules from {SourceCount} sources, opened in {ElapsedSeconds:F3} s")]
    public static partial void ImageLoaded(ILogger logger, string path, int domainRules, int ipRules, int sourceCount, double elapsedSeconds);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information,
        Message = "Compiled {Source}: {Accepted} rules accepted, {Duplicates} duplicates, {Rejected} lines rejected, {Skipped} skipped")]
    public static partial void SourceCompiled(ILogger logger, string source, int accepted, int duplicates, int rejected, int skipped);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Rejected list line {Error}")]
    public static partial void LineRejected(ILogger logger, string error);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information,
        Message = "PipShield resolving on {EndPoints}; upstreams {Upstreams}; clients allowed from {AllowedClients}; cache {CacheEntries} entries")]
    public static partial void Started(ILogger logger, string endPoints, string upstreams, string allowedClients, int cacheEntries);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Error, Message = "A query stage failed; the client got SERVFAIL")]
    public static partial void StageFault(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "No blocklist configured: PipShield forwards every query unfiltered")]
    public static partial void NoLists(ILogger logger);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information,
        Message = "Blocklists reloaded ({Reason}): {DomainRules} domain rules, {IpRules} IP rules from {Sources} sources in {Seconds:F2} s")]
    public static partial void Reloaded(ILogger logger, string reason, int domainRules, int ipRules, int sources, double seconds);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Error,
        Message = "Blocklist reload ({Reason}) failed; still serving the previous lists: {Error}")]
    public static partial void ReloadFailed(ILogger logger, string reason, string error);
}
