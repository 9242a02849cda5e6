namespace PipShield.Service.Alerts;

/// <summary>
/// Where signals that a device looks infected go: a query for a command-and-control name, or traffic that hit the
/// firewall's drop rules. The reporter de-duplicates, logs and notifies; callers just report what they saw.
/// </summary>
public interface IAlertReporter
{
    void Report(in AlertSignal signal);
}

/// <summary>What a signal is about.</summary>
public enum AlertKind
{
    /// <summary>The device asked for a name listed in a command-and-control (c2) category.</summary>
    C2Query,

    /// <summary>The device's traffic to a listed address was dropped by the firewall rules.</summary>
    BlockedConnection,
}

/// <summary>One observation of a device doing something only infected devices do.</summary>
/// <param name="Device">The device: its address as text (its name, once devices are identified).</param>
/// <param name="Rule">The listed name or prefix that matched, e.g. <c>c2.example.net</c> or <c>198.51.100.0/24</c>.</param>
/// <param name="Category">The list's category, e.g. <c>c2</c>.</param>
/// <param name="Source">The list's name.</param>
/// <param name="Seen">When it was seen.</param>
/// <param name="Count">How many times since the last report (queries, or dropped packets).</param>
/// <param name="DeviceName">The enrolled device's name when the query named one (DoH path, DoT server name, or a
/// mapped address); null otherwise.</param>
public readonly record struct AlertSignal(AlertKind Kind, string Device, string Rule, string Category, string Source, DateTimeOffset Seen,
    long Count = 1, string? DeviceName = null);
