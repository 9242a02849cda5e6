namespace PipShield.Service.Alerts;

/// <summary>One alert as it is logged, kept in the history file and sent to the webhook.</summary>
/// <param name="Id">Names the episode: a repeat alert for the same device and rule keeps the first one's id.</param>
/// <param name="Time">When this alert was raised.</param>
/// <param name="DeviceName">The device's name; null until devices are identified.</param>
/// <param name="Repeat">False for the first alert of an episode; true when the window rolled over while the device kept at it.</param>
/// <param name="Update">True for a history-only record of signals since the last alert (its window ended, or the
/// service stopped): no log event, no webhook.</param>
internal sealed record Alert(
    string Id,
    AlertKind Kind,
    string Device,
    string? DeviceName,
    string Rule,
    string Category,
    string Source,
    DateTimeOffset Time,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    long Count,
    bool Repeat,
    bool Update = false)
{
    /// <summary>The kind as the JSON and the log write it.</summary>
    public static string KindName(AlertKind kind) => kind switch
    {
        AlertKind.C2Query => "c2-query",
        AlertKind.BlockedConnection => "blocked-connection",
        _ => "unknown",
    };
}
