namespace PipShield.Service.Hosting.Install;

/// <summary>Writes or removes the systemd unit and asks <c>systemctl</c> to enable, start, stop and disable it,
/// printing each step to <paramref name="output"/>.</summary>
internal sealed class SystemdInstaller(InstallContext context, TextWriter output)
{
    public static readonly ExternalCommand DaemonReload = new("systemctl", "daemon-reload");
    public static readonly ExternalCommand EnableNow = new("systemctl", "enable", "--now", SystemdUnit.UnitName);
    public static readonly ExternalCommand DisableNow = new("systemctl", "disable", "--now", SystemdUnit.UnitName);

    /// <exception cref="InstallException">Not privileged, a foreign unit in the way, or a failed step.</exception>
    public void Install(InstallOptions options)
    {
        string path = Path.Combine(options.UnitDirectory, SystemdUnit.UnitName);
        IReadOnlyList<string> program = context.Program();
        string? dotnetRoot = context.DotnetRoot();
        foreach (string file in program.Append(dotnetRoot ?? string.Empty).Where(Path.IsPathRooted))
        {
            if (SystemdUnit.HiddenBy(file) is { } setting)
            {
                throw new InstallException($"{file} would be hidden from the service by {setting}; install from a copy under /opt or /usr/local (dotnet publish -o /opt/pipshield)");
            }
        }

        string unit = new SystemdUnit
        {
            ExecStart = program,
            DotnetRoot = dotnetRoot,
            Capabilities = options.Firewall ? ["CAP_NET_BIND_SERVICE", "CAP_NET_ADMIN"] : ["CAP_NET_BIND_SERVICE"],
        }.Render();
        string configFile = Path.Combine(options.ConfigDirectory, "pipshield.json");
        StarterConfig.RequireEndPoints(options.Listen);
        string config = StarterConfig.Render(options.Listen, stateDirectory: null);
        if (options.DryRun)
        {
            output.WriteLine($"Would write {path}:");
            output.Write(unit);
            output.WriteLine(File.Exists(configFile) ? $"Would keep the existing {configFile}" : $"Would write {configFile}:");
            if (!File.Exists(configFile))
            {
                output.Write(config);
            }

            Print("Would run", [DaemonReload, EnableNow]);
            return;
        }

        RequirePrivilege("install");
        if (File.Exists(path) && !IsOurs(path))
        {
            throw new InstallException($"{path} exists and was not written by pipshield; move it away first");
        }

        Directory.CreateDirectory(options.UnitDirectory);
        File.WriteAllText(path + ".new", unit);
        File.Move(path + ".new", path, overwrite: true);
        output.WriteLine($"Wrote {path}");
        StarterConfig.WriteIfAbsent(configFile, config, output);
        output.WriteLine($"Compiled lists will be kept in {SystemdUnit.StateDirectory}");
        if (options.Firewall)
        {
            output.WriteLine($"The service may load firewall rules (CAP_NET_ADMIN); set \"Firewall\": {{ \"Enabled\": true }} in {configFile} to enforce the IP lists");
        }

        if (options.NoStart)
        {
            Print("Skipped (--no-start)", [DaemonReload, EnableNow]);
            return;
        }

        Run(DaemonReload);
        Run(EnableNow);
    }

    /// <exception cref="InstallException">Not privileged, a foreign unit at the path, or a failed step.</exception>
    public void Uninstall(InstallOptions options)
    {
        string path = Path.Combine(options.UnitDirectory, SystemdUnit.UnitName);
        ExternalCommand removeRules = RemoveFirewallRules();
        if (options.DryRun)
        {
            Print("Would run", [DisableNow, removeRules]);
            output.WriteLine($"Would remove {path}");
            Print("Would run", [DaemonReload]);
            return;
        }

        RequirePrivilege("uninstall");
        if (File.Exists(path) && !IsOurs(path))
        {
            throw new InstallException($"{path} was not written by pipshield; leaving it alone");
        }

        if (options.NoStart)
        {
            Print("Skipped (--no-start)", [DisableNow, removeRules]);
        }
        else if (File.Exists(path))
        {
            Run(DisableNow);

            // The firewall rules stay while the service is stopped (fail closed); once it is gone they go too.
            CommandResult removed = context.Runner.Run(removeRules);
            output.WriteLine(removed.Succeeded ? $"Ran {removeRules}" : $"Could not remove the firewall rules ({removeRules}: {removed.Output}); remove them with 'nft delete table inet pipshield'");
        }

        if (File.Exists(path))
        {
            File.Delete(path);
            output.WriteLine($"Removed {path}");
        }
        else
        {
            output.WriteLine($"Nothing to remove: {path} does not exist");
        }

        if (options.NoStart)
        {
            Print("Skipped (--no-start)", [DaemonReload]);
        }
        else
        {
            Run(DaemonReload);
        }

        // Lists can be recompiled, but the configuration is the user's: neither was written by install.
        output.WriteLine($"Left {options.ConfigDirectory} and {SystemdUnit.StateDirectory} in place (your configuration and the compiled lists)");
    }

    /// <summary><c>pipshield firewall remove</c>, run by the installed program itself.</summary>
    private ExternalCommand RemoveFirewallRules()
    {
        IReadOnlyList<string> program = context.Program();
        return new ExternalCommand(program[0], [.. program.Skip(1), "firewall", "remove"]);
    }

    private void RequirePrivilege(string action)
    {
        if (!context.IsPrivileged())
        {
            throw new InstallException($"service {action} changes system services and needs root; run it with sudo");
        }
    }

    private static bool IsOurs(string path)
    {
        using var reader = new StreamReader(path);
        return reader.ReadLine() == SystemdUnit.Marker;
    }

    private void Run(ExternalCommand command)
    {
        CommandResult result = context.Runner.Run(command);
        if (!result.Succeeded)
        {
            throw new InstallException($"'{command}' failed (exit {result.ExitCode}): {result.Output}");
        }

        output.WriteLine($"Ran {command}");
    }

    private void Print(string label, ExternalCommand[] commands)
    {
        foreach (ExternalCommand command in commands)
        {
            output.WriteLine($"{label}: {command}");
        }
    }
}
