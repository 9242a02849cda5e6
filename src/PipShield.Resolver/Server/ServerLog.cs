using Microsoft.Extensions.Logging;

namespace PipShield.Resolver.Server;

/// <summary>Log messages of <see cref="ResolverServer"/>. EventIds 2450–2499.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(EventId = 2451, Level = LogLevel.Information,
        Message = "Resolver listening on {EndPoints} (UDP and TCP); {UdpReceiveThreads} UDP receive threads per socket, " +
            "UDP responses up to {MaxUdpResponseSize} bytes, {MaxQueriesInFlight} queries in flight, " +
            "{MaxTcpConnections} TCP connections ({MaxTcpConnectionsPerClient} per client), TCP idle timeout {TcpIdleTimeoutSeconds} s")]
    public static partial void Started(ILogger logger, string endPoints, int udpReceiveThreads, int maxUdpResponseSize,
        int maxQueriesInFlight, int maxTcpConnections, int maxTcpConnectionsPerClient, double tcpIdleTimeoutSeconds);

    [LoggerMessage(EventId = 2452, Level = LogLevel.Information, Message = "Resolver stopped after {ElapsedSeconds} seconds")]
    public static partial void Stopped(ILogger logger, double elapsedSeconds);

    [LoggerMessage(EventId = 2453, Level = LogLevel.Warning,
        Message = "Resolver stopped with {InFlightCount} queries still in flight after {WaitSeconds} seconds")]
    public static partial void StoppedWithQueriesInFlight(ILogger logger, int inFlightCount, double waitSeconds);

    [LoggerMessage(EventId = 2454, Level = LogLevel.Error, Message = "A query stage failed; the client got SERVFAIL")]
    public static partial void StageFault(ILogger logger, Exception exception);
}
