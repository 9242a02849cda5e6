using Microsoft.Extensions.Logging;

namespace PipShield.Service.Firewall;

/// <summary>Log messages of outbound enforcement (event ids 3500–3599).</summary>
internal static partial class FirewallLog
{
    [LoggerMessage(EventId = 3501, Level = LogLevel.Information,
        Message = "Firewall rules applied ({Backend}): {Ipv4Ranges} IPv4 and {Ipv6Ranges} IPv6 ranges blocked ({Mode}, {Action}) in {ElapsedSeconds:F2} s")]
    public static partial void Applied(ILogger logger, string backend, int ipv4Ranges, int ipv6Ranges, FirewallMode mode, FirewallAction action, double elapsedSeconds);

    [LoggerMessage(EventId = 3502, Level = LogLevel.Error,
        Message = "Firewall rules could not be applied ({Backend}); DNS filtering goes on, and the previous rules, if any, stay: {Problem}")]
    public static partial void ApplyFailed(ILogger logger, string backend, string problem);

    [LoggerMessage(EventId = 3503, Level = LogLevel.Warning,
        Message = "Firewall: {Count} listed IP ranges cover addresses that are never blocked and were cut out, e.g. {Examples}")]
    public static partial void Skipped(ILogger logger, int count, string examples);

    [LoggerMessage(EventId = 3504, Level = LogLevel.Information, Message = "Firewall rules removed ({Backend})")]
    public static partial void Removed(ILogger logger, string backend);

    [LoggerMessage(EventId = 3505, Level = LogLevel.Error, Message = "Firewall rules could not be removed ({Backend}): {Problem}")]
    public static partial void RemoveFailed(ILogger logger, string backend, string problem);

    [LoggerMessage(EventId = 3506, Level = LogLevel.Information,
        Message = "Firewall rules stay in place while the service is stopped (Firewall:KeepWhenStopped); remove them with 'pipshield firewall remove'")]
    public static partial void KeptWhenStopped(ILogger logger);

    [LoggerMessage(EventId = 3507, Level = LogLevel.Warning, Message = "Firewall hits could not be read: {Problem}")]
    public static partial void HitsUnreadable(ILogger logger, string problem);

    [LoggerMessage(EventId = 3508, Level = LogLevel.Information,
        Message = "Firewall hit alerts are off: no alert reporter is configured")]
    public static partial void NoAlertReporter(ILogger logger);

    [LoggerMessage(EventId = 3509, Level = LogLevel.Information,
        Message = "Firewall enforcement on ({Backend}): mode {Mode}, action {Action}, keep rules when stopped {KeepWhenStopped}, stop DNS bypass {StopDnsBypass} ({BypassAction})")]
    public static partial void Configured(ILogger logger, string backend, FirewallMode mode, FirewallAction action, bool keepWhenStopped, bool stopDnsBypass, BypassAction bypassAction);
}
