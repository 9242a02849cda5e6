using PipShield.Resolver.QueryLog;
using PipShield.Service.QueryLog;

namespace PipShield.Service.Alerts;

/// <summary>Turns blocks by a list in one of <see cref="AlertsOptions.C2Categories"/> into
/// <see cref="AlertKind.C2Query"/> signals. Runs on the query log writer's task, never on the query path.</summary>
internal sealed class C2QueryObserver(IAlertReporter reporter, AlertsOptions options) : IBlockObserver
{
    private readonly HashSet<string> _categories = new(options.EffectiveC2Categories, StringComparer.OrdinalIgnoreCase);

    public void OnBlocked(in QueryLogEntry entry)
    {
        if (entry.Source is not { } source || !_categories.Contains(source.Category))
        {
            return;
        }

        Span<char> scratch = stackalloc char[PresentationName.MaxChars];
        reporter.Report(new AlertSignal(
            AlertKind.C2Query,
            entry.Client.ToString(),
            QueryLogFormatter.Rule(entry, scratch),
            source.Category,
            source.Name,
            new DateTimeOffset(entry.TimeTicks, TimeSpan.Zero),
            DeviceName: entry.Device?.Name));
    }
}
