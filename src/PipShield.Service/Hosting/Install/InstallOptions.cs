namespace PipShield.Service.Hosting.Install;

/// <summary>What <c>pipshield service install|uninstall</c> was asked to do.</summary>
internal sealed class InstallOptions
{
    /// <summary><c>--unit-dir</c>: where the systemd unit goes. Default <c>/etc/systemd/system</c>.</summary>
    public string UnitDirectory { get; init; } = SystemdUnit.DefaultDirectory;

    /// <summary><c>--config-dir</c>: where <c>pipshield.json</c> goes on Linux. Default <c>/etc/pipshield</c>, which the unit reads.</summary>
    public string ConfigDirectory { get; init; } = SystemdUnit.ConfigurationDirectory;

    /// <summary><c>--listen</c>: the addresses written into a new <c>pipshield.json</c>. Default port 53 on loopback.</summary>
    public IReadOnlyList<string> Listen { get; init; } = StarterConfig.DefaultListen;

    /// <summary><c>--no-start</c>: write or remove files only; print the service-manager commands instead of running them.</summary>
    public bool NoStart { get; init; }

    /// <summary><c>--dry-run</c>: change nothing; print the files and commands that would be used.</summary>
    public bool DryRun { get; init; }

    /// <summary><c>--firewall</c>: let the service load its nftables rules (CAP_NET_ADMIN); <c>Firewall:Enabled</c> turns them on.</summary>
    public bool Firewall { get; init; }
}
