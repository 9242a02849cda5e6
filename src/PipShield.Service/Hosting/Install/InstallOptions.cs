namespace PipShield.Service.Hosting.Install;

/// <summary>What <c>pipshield service install|uninstall</c> was asked to do.</summary>
internal sealed class InstallOptions
{
    /// <summary><c>--unit-dir</c>: where the systemd unit goes. Default <c>/etc/systemd/system</c>.</summary>
    public string UnitDirectory { get; init; } = SystemdUnit.DefaultDirectory;

    /// <summary><c>--no-start</c>: write or remove files only; print the service-manager commands instead of running them.</summary>
    public bool NoStart { get; init; }

    /// <summary><c>--dry-run</c>: change nothing; print the files and commands that would be used.</summary>
    public bool DryRun { get; init; }
}
