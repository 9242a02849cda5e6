namespace PipShield.Service.Hosting.Lifetime;

/// <summary>What started the process, as far as the host can tell.</summary>
internal enum ServiceManager : byte
{
    /// <summary>A terminal, a script or a container runtime: the console lifetime (Ctrl+C, SIGTERM).</summary>
    None,

    /// <summary>systemd, detected by Microsoft.Extensions.Hosting.Systemd.</summary>
    Systemd,

    /// <summary>Not detected as systemd, but <c>NOTIFY_SOCKET</c> is set: someone expects sd_notify messages.</summary>
    SystemdNotifySocket,

    /// <summary>The Windows service control manager.</summary>
    Windows,
}
