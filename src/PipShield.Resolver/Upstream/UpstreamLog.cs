using System.Net;
using Microsoft.Extensions.Logging;

namespace PipShield.Resolver.Upstream;

/// <summary>Log messages of the upstream pool; EventIds 2200–2299 belong to upstreams. Health changes only, nothing per query.</summary>
internal static partial class UpstreamLog
{
    [LoggerMessage(EventId = 2201, Level = LogLevel.Warning,
        Message = "Upstream {UpstreamEndPoint} marked down after {FailureCount} consecutive failures; next try in {RecoverySeconds} seconds")]
    public static partial void ServerDown(ILogger logger, IPEndPoint upstreamEndPoint, int failureCount, double recoverySeconds);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Information,
        Message = "Upstream {UpstreamEndPoint} answers again, round trip {RoundTripSeconds} seconds")]
    public static partial void ServerRecovered(ILogger logger, IPEndPoint upstreamEndPoint, double roundTripSeconds);
}
