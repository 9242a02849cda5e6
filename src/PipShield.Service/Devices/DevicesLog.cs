using Microsoft.Extensions.Logging;

namespace PipShield.Service.Devices;

/// <summary>Log messages of the device store and the enrolment page (event ids 3750–3799).</summary>
internal static partial class DevicesLog
{
    [LoggerMessage(EventId = 3751, Level = LogLevel.Information, Message = "Devices: {Count} enrolled, {AddressCount} plain-DNS addresses mapped, from {Path}")]
    public static partial void Loaded(ILogger logger, int count, int addressCount, string path);

    [LoggerMessage(EventId = 3752, Level = LogLevel.Error, Message = "Devices: {Path} could not be read, the devices already loaded stay in use: {Error}")]
    public static partial void LoadFailed(ILogger logger, string path, string error);

    [LoggerMessage(EventId = 3753, Level = LogLevel.Warning, Message = "Devices: {Path} is readable by other users; run chmod 600 on it, as device IDs are secrets")]
    public static partial void OpenPermissions(ILogger logger, string path);

    [LoggerMessage(EventId = 3754, Level = LogLevel.Warning, Message = "Devices: {Count} enrolled but neither Devices:DohBaseUrl nor Devices:DotHostName is set (nor Resolver:Server:Tls:HostName, from which both follow), so their enrolment pages offer no encrypted DNS and only devices with a plain-DNS address are named")]
    public static partial void NoEncryptedDns(ILogger logger, int count);

    [LoggerMessage(EventId = 3760, Level = LogLevel.Information, Message = "Enrolment page served for device {ShortId}")]
    public static partial void PageServed(ILogger logger, string shortId);

    // Debug: anyone who can reach the page's port can send these, and they must not be able to flood the log.
    [LoggerMessage(EventId = 3761, Level = LogLevel.Debug, Message = "Enrolment page refused for {Client}: not in Resolver:AccessControl:Allow")]
    public static partial void PageRefused(ILogger logger, string client);

    [LoggerMessage(EventId = 3762, Level = LogLevel.Error, Message = "Enrolment page failed")]
    public static partial void PageFailed(ILogger logger, Exception exception);
}
