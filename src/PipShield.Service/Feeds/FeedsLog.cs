using Microsoft.Extensions.Logging;

namespace PipShield.Service.Feeds;

/// <summary>Log messages of the live feeds (event ids 3200–3299).</summary>
internal static partial class FeedsLog
{
    [LoggerMessage(EventId = 3201, Level = LogLevel.Information,
        Message = "Feed {Feed} updated from {Url}: {Entries} entries, {Bytes} bytes")]
    public static partial void Updated(ILogger logger, string feed, string url, int entries, long bytes);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Debug, Message = "Feed {Feed} not modified at {Url}")]
    public static partial void NotModified(ILogger logger, string feed, string url);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Warning,
        Message = "Feed {Feed} update from {Url} refused, keeping the last good copy: {Reason}")]
    public static partial void Refused(ILogger logger, string feed, string url, string reason);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Information,
        Message = "Feeds: {Enabled} of {Total} catalogue feeds enabled from {Catalog}; first refresh in {DelaySeconds} s")]
    public static partial void Starting(ILogger logger, int enabled, int total, string catalog, double delaySeconds);

    [LoggerMessage(EventId = 3205, Level = LogLevel.Error, Message = "Feeds are off until the catalogue is fixed: {Error}")]
    public static partial void CatalogFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 3207, Level = LogLevel.Information,
        Message = "Feeds are not downloaded: Lists:Image is set, and a compiled image is served as it is")]
    public static partial void ImageOnly(ILogger logger);

    [LoggerMessage(EventId = 3206, Level = LogLevel.Error, Message = "Feed refresh failed unexpectedly; trying again at the next interval")]
    public static partial void RefreshFault(ILogger logger, Exception exception);
}
