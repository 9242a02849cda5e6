using Microsoft.Extensions.Logging;

namespace PipShield.Service.BlockPage;

/// <summary>Log messages of the warning page (event ids 3300–3399).</summary>
internal static partial class BlockPageLog
{
    [LoggerMessage(EventId = 3301, Level = LogLevel.Information, Message = "Warning page serving on {EndPoints}; devices reach it at {Addresses}")]
    public static partial void Started(ILogger logger, string endPoints, string addresses);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Warning,
        Message = "Warning page not served: could not listen on {EndPoints} ({Reason}). DNS keeps working; blocked names still get the sinkhole answer")]
    public static partial void BindFailed(ILogger logger, string endPoints, string reason);

    [LoggerMessage(EventId = 3303, Level = LogLevel.Warning,
        Message = "Warning page enabled but no {Family} address devices can reach it (listening on a wildcard only): set BlockPage:Address{Family} so blocked {QType} answers point at it")]
    public static partial void NoReachableAddress(ILogger logger, string family, string qType);

    [LoggerMessage(EventId = 3304, Level = LogLevel.Information, Message = "Warning page over HTTPS off: no BlockPage:CertificateFile and BlockPage:OwnCa is false")]
    public static partial void HttpsOff(ILogger logger);

    [LoggerMessage(EventId = 3305, Level = LogLevel.Information, Message = "Warning page certificate authority created at {Path}; devices must be enrolled to trust it")]
    public static partial void CaCreated(ILogger logger, string path);

    [LoggerMessage(EventId = 3306, Level = LogLevel.Information, Message = "Warning page certificate authority loaded from {Path}, valid until {NotAfter:u}")]
    public static partial void CaLoaded(ILogger logger, string path, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 3307, Level = LogLevel.Error, Message = "Warning page could not answer a request")]
    public static partial void RequestFailed(ILogger logger, Exception exception);
}
