using Microsoft.Extensions.Logging;

namespace PipShield.Service.Hosting.Lifetime;

/// <summary>Log messages about service managers and installation (event ids 3100–3199).</summary>
internal static partial class ServiceManagerLog
{
    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Service manager: {Manager}")]
    public static partial void Running(ILogger logger, ServiceManager manager);
}
