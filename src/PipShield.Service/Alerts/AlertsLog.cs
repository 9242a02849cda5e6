using Microsoft.Extensions.Logging;

namespace PipShield.Service.Alerts;

/// <summary>Log messages of infected-device alerts (event ids 3600–3699).</summary>
internal static partial class AlertsLog
{
    [LoggerMessage(EventId = 3601, Level = LogLevel.Information,
        Message = "Alerts on: {Kinds}; a device is re-alerted after {WindowSeconds} s; history {HistoryFile}; webhook {Webhook}")]
    public static partial void Configured(ILogger logger, string kinds, double windowSeconds, string historyFile, string webhook);

    [LoggerMessage(EventId = 3602, Level = LogLevel.Warning,
        Message = "Infected-device alert {AlertId}: {Device} {Kind} {Rule} ({Category} list {Source}); count {Count}, first seen {FirstSeen:u}, last seen {LastSeen:u}")]
    public static partial void Raised(ILogger logger, string alertId, string device, string kind, string rule, string category, string source,
        long count, DateTimeOffset firstSeen, DateTimeOffset lastSeen);

    [LoggerMessage(EventId = 3603, Level = LogLevel.Information, Message = "Alerts off (Alerts:Enabled is false): infected devices are not flagged")]
    public static partial void Off(ILogger logger);

    [LoggerMessage(EventId = 3604, Level = LogLevel.Warning,
        Message = "Alert webhook {Webhook} failed after retries; {Failed} alerts undelivered since start (they are in the log and the history file)")]
    public static partial void WebhookFailed(ILogger logger, string webhook, long failed, Exception? exception);

    [LoggerMessage(EventId = 3605, Level = LogLevel.Warning,
        Message = "Alert webhook {Webhook} is behind: {Dropped} queued alerts dropped since start, oldest first (they are in the log and the history file)")]
    public static partial void WebhookDropped(ILogger logger, string webhook, long dropped);

    [LoggerMessage(EventId = 3606, Level = LogLevel.Error,
        Message = "Alert history {Path} could not be written; {Lost} alerts missing from it so far (they are in the log)")]
    public static partial void HistoryFailed(ILogger logger, string path, long lost, Exception exception);

    [LoggerMessage(EventId = 3607, Level = LogLevel.Warning,
        Message = "Alert queue full: {Dropped} alerts since start were logged but not written to the history file or webhook")]
    public static partial void OutboxFull(ILogger logger, long dropped);

    [LoggerMessage(EventId = 3608, Level = LogLevel.Warning,
        Message = "Alert webhook {Webhook}: {Abandoned} queued alerts not sent because the service stopped")]
    public static partial void WebhookAbandoned(ILogger logger, string webhook, int abandoned);
}
