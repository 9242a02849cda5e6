using System.Net;
using Microsoft.Extensions.Logging;

namespace PipShield.Resolver.Listeners.Tls;

/// <summary>Log messages of the DNS-over-TLS listener and the certificate it presents. EventIds 2600–2699.</summary>
internal static partial class TlsLog
{
    [LoggerMessage(EventId = 2600, Level = LogLevel.Information,
        Message = "DNS-over-TLS listening on {EndPoint} with the certificate for {Subject}, valid until {NotAfter:u}")]
    public static partial void Started(ILogger logger, IPEndPoint endPoint, string subject, DateTime notAfter);

    [LoggerMessage(EventId = 2601, Level = LogLevel.Information,
        Message = "TLS certificate reloaded: {Subject}, valid until {NotAfter:u}; new connections use it")]
    public static partial void Reloaded(ILogger logger, string subject, DateTime notAfter);

    [LoggerMessage(EventId = 2602, Level = LogLevel.Warning,
        Message = "TLS certificate {File} changed but could not be loaded ({Reason}); the previous certificate stays in use")]
    public static partial void ReloadFailed(ILogger logger, string file, string reason);

    [LoggerMessage(EventId = 2603, Level = LogLevel.Debug, Message = "TLS handshake with {Client} failed: {Reason}")]
    public static partial void HandshakeFailed(ILogger logger, string client, string reason);

    [LoggerMessage(EventId = 2604, Level = LogLevel.Debug, Message = "DNS-over-TLS client {Client} named unknown device ID {ShortId}; refused")]
    public static partial void UnknownDevice(ILogger logger, string client, string shortId);
}
