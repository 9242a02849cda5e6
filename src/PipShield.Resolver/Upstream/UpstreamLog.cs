using Microsoft.Extensions.Logging;

namespace PipShield.Resolver.Upstream;

/// <summary>Log messages of the upstream pool; EventIds 2200–2299 belong to upstreams. Health changes only, nothing per query.</summary>
internal static partial class UpstreamLog
{
    [LoggerMessage(EventId = 2201, Level = LogLevel.Warning,
        Message = "Upstream {Upstream} marked down after {FailureCount} consecutive failures; next try in {RecoverySeconds} seconds")]
    public static partial void ServerDown(ILogger logger, string upstream, int failureCount, double recoverySeconds);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Information,
        Message = "Upstream {Upstream} answers again, round trip {RoundTripSeconds} seconds")]
    public static partial void ServerRecovered(ILogger logger, string upstream, double roundTripSeconds);

    [LoggerMessage(EventId = 2203, Level = LogLevel.Warning,
        Message = "Upstream {Upstream}: TLS connection failed: {Reason}")]
    public static partial void TlsFailed(ILogger logger, string upstream, string reason);

    /// <summary>True at most once a minute for one <paramref name="lastLogged"/> (a tick count), for messages a failing server would repeat.</summary>
    public static bool ShouldLog(ref long lastLogged)
    {
        long now = Environment.TickCount64;
        long last = Interlocked.Read(ref lastLogged);
        return (last == 0 || now - last >= 60_000) && Interlocked.CompareExchange(ref lastLogged, now, last) == last;
    }

    /// <summary>
    /// The messages of <paramref name="exception"/> and its inner exceptions, joined, without the "see inner exception"
    /// wrappers: TLS failures keep their reason (an untrusted root, a name mismatch, OpenSSL's error) a level or two down.
    /// </summary>
    public static string Reason(Exception exception)
    {
        var parts = new List<string>();
        for (Exception? current = exception; current is not null && parts.Count < 4; current = current.InnerException)
        {
            if (!current.Message.Contains("inner exception", StringComparison.OrdinalIgnoreCase))
            {
                parts.Add(current.Message.TrimEnd('.'));
            }
        }

        return parts.Count > 0 ? string.Join(": ", parts) : exception.Message;
    }
}
