using System.Net;
using Microsoft.Extensions.Logging;

namespace PipShield.Resolver.Listeners;

/// <summary>Log messages of the UDP and TCP listeners. EventIds 2400–2449.</summary>
internal static partial class ListenerLog
{
    [LoggerMessage(EventId = 2401, Level = LogLevel.Information,
        Message = "UDP listener on {EndPoint} started with {ThreadCount} receive threads")]
    public static partial void UdpStarted(ILogger logger, IPEndPoint endPoint, int threadCount);

    [LoggerMessage(EventId = 2402, Level = LogLevel.Information, Message = "TCP listener on {EndPoint} started")]
    public static partial void TcpStarted(ILogger logger, IPEndPoint endPoint);

    [LoggerMessage(EventId = 2403, Level = LogLevel.Error,
        Message = "UDP listener on {EndPoint} hit an unexpected error and keeps serving; {SuppressedCount} more were not logged")]
    public static partial void UdpFault(ILogger logger, IPEndPoint endPoint, long suppressedCount, Exception exception);

    [LoggerMessage(EventId = 2404, Level = LogLevel.Debug, Message = "UDP reply to a client on {EndPoint} failed with {SocketError}")]
    public static partial void UdpSendFailed(ILogger logger, IPEndPoint endPoint, System.Net.Sockets.SocketError socketError);

    [LoggerMessage(EventId = 2405, Level = LogLevel.Error,
        Message = "TCP listener on {EndPoint} hit an unexpected error and keeps serving; {SuppressedCount} more were not logged")]
    public static partial void TcpFault(ILogger logger, IPEndPoint endPoint, long suppressedCount, Exception exception);

    [LoggerMessage(EventId = 2406, Level = LogLevel.Debug,
        Message = "TCP connection from {Client} refused: {OpenCount} connections open, {ClientOpenCount} from this client")]
    public static partial void TcpRejected(ILogger logger, string client, int openCount, int clientOpenCount);

    [LoggerMessage(EventId = 2407, Level = LogLevel.Debug, Message = "TCP connection from {Client} closed: {Reason}")]
    public static partial void TcpTimedOut(ILogger logger, string client, string reason);

    [LoggerMessage(EventId = 2408, Level = LogLevel.Warning,
        Message = "Accepting TCP connections on {EndPoint} failed with {SocketError}; retrying")]
    public static partial void AcceptFailed(ILogger logger, IPEndPoint endPoint, System.Net.Sockets.SocketError socketError);

    [LoggerMessage(EventId = 2409, Level = LogLevel.Debug,
        Message = "TCP connection from {Client} closed, idle the longest, to make room for a new one from {NewClient}")]
    public static partial void TcpEvicted(ILogger logger, string client, string newClient);
}
