using Microsoft.Extensions.Logging;

namespace PipShield.Service.Doh;

/// <summary>Log messages of the DNS-over-HTTPS server. EventIds 3700–3749.</summary>
internal static partial class DohLog
{
    [LoggerMessage(EventId = 3700, Level = LogLevel.Information, Message = "DNS-over-HTTPS listening on {EndPoints} at path {Path}")]
    public static partial void Started(ILogger logger, string endPoints, string path);

    [LoggerMessage(EventId = 3701, Level = LogLevel.Information,
        Message = "DNS-over-HTTPS is off: no certificate configured (Resolver:Server:Tls:CertificateFile)")]
    public static partial void NoCertificate(ILogger logger);

    [LoggerMessage(EventId = 3702, Level = LogLevel.Warning, Message = "DNS-over-HTTPS could not listen on {EndPoints}: {Reason}; plain DNS keeps running")]
    public static partial void BindFailed(ILogger logger, string endPoints, string reason);

    [LoggerMessage(EventId = 3704, Level = LogLevel.Information,
        Message = "DNS-over-HTTPS shares the warning page's HTTPS server on port {Ports}, at path {Path}")]
    public static partial void SharedWithPage(ILogger logger, string ports, string path);

    [LoggerMessage(EventId = 3703, Level = LogLevel.Error, Message = "DNS-over-HTTPS request failed")]
    public static partial void RequestFailed(ILogger logger, Exception exception);
}
