using Microsoft.Extensions.Logging;

namespace PipShield.Service.QueryLog;

/// <summary>Log messages of the query log and block events (event ids 3400–3499).</summary>
internal static partial class QueryLogLog
{
    [LoggerMessage(EventId = 3401, Level = LogLevel.Information,
        Message = "Query log {Path}: {Queries}; clients {ClientForm}; rotated at {MaxFileBytes} bytes{Daily}, {MaxFiles} files kept")]
    public static partial void Configured(ILogger logger, string path, string queries, string clientForm, long maxFileBytes, string daily, int maxFiles);

    [LoggerMessage(EventId = 3402, Level = LogLevel.Information, Message = "Query log file off; blocks are logged as events only")]
    public static partial void FileOff(ILogger logger);

    [LoggerMessage(EventId = 3403, Level = LogLevel.Information,
        Message = "Blocked {Name} {QType} for {Client} ({Device}): {Category} list {Source}, rule {Rule}, answered {Action}")]
    public static partial void Blocked(ILogger logger, string name, string qType, string client, string device, string category, string source, string rule, string action);

    [LoggerMessage(EventId = 3404, Level = LogLevel.Warning,
        Message = "{Count} block events were not logged in the last second (over {PerSecond} per second); the query log file has them, less any its queue dropped (event 3405)")]
    public static partial void BlocksSuppressed(ILogger logger, long count, int perSecond);

    [LoggerMessage(EventId = 3405, Level = LogLevel.Warning,
        Message = "Query log queue full: {Count} entries dropped since the last report, {Total} since start; queries were not slowed")]
    public static partial void EntriesDropped(ILogger logger, long count, long total);

    [LoggerMessage(EventId = 3406, Level = LogLevel.Error,
        Message = "Query log {Path} could not be written; {Count} lines lost so far, retrying")]
    public static partial void WriteFailed(ILogger logger, string path, long count, Exception exception);

    [LoggerMessage(EventId = 3407, Level = LogLevel.Debug, Message = "Query log rotated: {Path} started after {Bytes} bytes")]
    public static partial void Rotated(ILogger logger, string path, long bytes);

    [LoggerMessage(EventId = 3408, Level = LogLevel.Error, Message = "A query log entry could not be formatted; {Count} lines lost so far")]
    public static partial void EntryFailed(ILogger logger, long count, Exception exception);
}
