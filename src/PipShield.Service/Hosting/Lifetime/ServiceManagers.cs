using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Hosting.WindowsServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace PipShield.Service.Hosting.Lifetime;

/// <summary>
/// Lets the Windows service control manager or systemd run the host: start-up and stop notifications, SIGTERM /
/// service-stop handling, and (under systemd) console logs in the journal's format. Outside a service manager
/// this adds only a start-up note.
/// </summary>
internal static class ServiceManagers
{
    /// <summary>The environment variable systemd sets for a <c>Type=notify</c> service (sd_notify(3)).</summary>
    public const string NotifySocketVariable = "NOTIFY_SOCKET";

    /// <summary>The Windows service name; <c>pipshield service install</c> registers the service under it.</summary>
    public const string WindowsServiceName = "PipShield";

    /// <summary>Registers the lifetime that fits how the process was started. Call after the logging set-up, so
    /// the systemd console format wins over the simple one.</summary>
    public static void Add(IServiceCollection services)
    {
        ServiceManager manager = Detect();
        switch (manager)
        {
            case ServiceManager.Windows when OperatingSystem.IsWindows():
                services.AddWindowsService(o => o.ServiceName = WindowsServiceName);
                break;
            case ServiceManager.Systemd:
                services.AddSystemd();
                break;
            case ServiceManager.SystemdNotifySocket when OperatingSystem.IsLinux():
                // Microsoft.Extensions.Hosting.Systemd 10 only switches on when the parent process is called
                // "systemd" (or when we are PID 1). That misses a Type=notify unit whose /proc/1 is hidden
                // (ProtectProc=invisible, as our unit sets) and a service started through a wrapper. systemd
                // would then wait for READY=1 until TimeoutStartSec and kill us, so register the same parts here.
                services.Configure<ConsoleLoggerOptions>(o => o.FormatterName = ConsoleFormatterNames.Systemd);
                services.AddSingleton<ISystemdNotifier, SystemdNotifier>();
                services.AddSingleton<IHostLifetime, SystemdLifetime>();
                break;
        }

        services.AddHostedService(sp => new ServiceManagerHostedService(manager, sp.GetRequiredService<ILoggerFactory>()));
    }

    /// <summary>Which service manager started this process, if any.</summary>
    public static ServiceManager Detect()
    {
        if (OperatingSystem.IsWindows())
        {
            return WindowsServiceHelpers.IsWindowsService() ? ServiceManager.Windows : ServiceManager.None;
        }

        if (SystemdHelpers.IsSystemdService())
        {
            return ServiceManager.Systemd;
        }

        return OperatingSystem.IsLinux() && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(NotifySocketVariable))
            ? ServiceManager.SystemdNotifySocket
            : ServiceManager.None;
    }
}
