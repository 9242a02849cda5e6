using System.ComponentModel.DataAnnotations;
using System.Net;

namespace PipShield.Service.Alerts;

/// <summary>Infected-device alerts: which signals count, how often a device is re-alerted, and where alerts go.</summary>
public sealed class AlertsOptions : IValidatableObject
{
    public const string SectionName = "Alerts";

    /// <summary>Raise alerts at all. Default true: flagging an infected device is the point of the service.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>A device doing the same thing again within this time after an alert only updates that alert's
    /// last-seen time and count; once it has passed, the next signal alerts again. Default one hour.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00", ErrorMessage = "must be between 1 second and 7 days")]
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(1);

    /// <summary>List categories whose blocks mean a device is talking to its controller. Default <c>["c2"]</c>
    /// (from the built-in defaults; the list starts empty so a configured list replaces it rather than adding to it).</summary>
    public List<string> C2Categories { get; set; } = [];

    /// <summary>Where each alert is POSTed as JSON (see docs/ALERTS.md). Must be https, except to a loopback
    /// address. Default none: alerts are logged and kept in the history file only.</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>When set, each webhook body is signed with HMAC-SHA256 under this secret, in the
    /// <c>X-PipShield-Signature</c> header. Never logged. Default none.</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>How long one webhook attempt may take before it counts as failed and is retried. Default 10 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00", ErrorMessage = "must be between 1 second and 5 minutes")]
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Alerts waiting for the webhook at most; past this the oldest waiting one is dropped (it is still
    /// in the log and the history file). Default 1000.</summary>
    [Range(1, 100_000, ErrorMessage = "must be between 1 and 100000")]
    public int MaxQueued { get; set; } = 1000;

    /// <summary>The history file <c>pipshield alerts</c> reads. Default <c>alerts.jsonl</c> in <c>Lists:StateDirectory</c>.</summary>
    public string? HistoryFile { get; set; }

    /// <summary>Alerts per history file; a full file becomes <c>alerts.1.jsonl</c>, replacing the one before, so
    /// at most twice this many are kept. Default 10000.</summary>
    [Range(10, 10_000_000, ErrorMessage = "must be between 10 and 10000000")]
    public int MaxHistory { get; set; } = 10_000;

    /// <summary>The first wait before a failed webhook delivery is retried; later waits grow exponentially.
    /// Not a setting: tests shorten it.</summary>
    internal TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The categories in effect: <see cref="C2Categories"/>, or <c>c2</c> when none are given.</summary>
    public IReadOnlyList<string> EffectiveC2Categories => C2Categories.Count > 0 ? C2Categories : ["c2"];

    /// <summary>The history file to use: <see cref="HistoryFile"/>, else <c>alerts.jsonl</c> in the state directory.</summary>
    public string EffectiveHistoryFile(string stateDirectory) =>
        Path.GetFullPath(HistoryFile is { Length: > 0 } file ? file : Path.Combine(stateDirectory, "alerts.jsonl"));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (C2Categories.Any(string.IsNullOrWhiteSpace))
        {
            yield return new ValidationResult("a category name is empty", [nameof(C2Categories)]);
        }

        if (WebhookUrl is { Length: > 0 } url && WebhookProblem(url) is { } problem)
        {
            yield return new ValidationResult(problem, [nameof(WebhookUrl)]);
        }

        if (WebhookSecret is { Length: > 0 and < 16 })
        {
            yield return new ValidationResult("must be at least 16 characters; a short secret is easy to guess", [nameof(WebhookSecret)]);
        }
    }

    /// <summary>Why <paramref name="url"/> cannot be used, or null when it can.</summary>
    private static string? WebhookProblem(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("https" or "http"))
        {
            return $"'{Redact(url)}' is not an absolute http or https URL";
        }

        // Alerts name devices on the network: in clear text they may only travel over loopback.
        bool loopback = uri.IsLoopback || (IPAddress.TryParse(uri.IdnHost, out IPAddress? address) && IPAddress.IsLoopback(address));
        return uri.Scheme == "http" && !loopback ? "must use https (plain http is allowed to a loopback address only)" : null;
    }

    /// <summary>The URL without its path, query or credentials, which may hold a token: <c>https://hooks.example.net:443</c>.</summary>
    public static string Redact(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) ? $"{uri.Scheme}://{uri.Host}:{uri.Port}" : "(not a URL)";
}
