using System.CommandLine;
using PipShield.Service.Hosting.Install;

namespace PipShield.Service.Cli;

/// <summary><c>pipshield service install|uninstall</c>: register this build with systemd or the Windows service manager.</summary>
internal static class ServiceCommand
{
    public static Command Create(CliConsole console, InstallContext? context = null)
    {
        context ??= new InstallContext();
        return new Command("service", "Install or remove PipShield as a system service (systemd on Linux, the service manager on Windows).")
        {
            Action("install", "Install the service, enable it at boot and start it. Needs root / Administrator.", console, context, install: true),
            Action("uninstall", "Stop and disable the service and remove what install wrote. Needs root / Administrator.", console, context, install: false),
        };
    }

    private static Command Action(string name, string description, CliConsole console, InstallContext context, bool install)
    {
        var unitDir = new Option<string>("--unit-dir") { Description = $"Folder for the systemd unit (default {SystemdUnit.DefaultDirectory}).", DefaultValueFactory = _ => SystemdUnit.DefaultDirectory };
        var noStart = new Option<bool>("--no-start") { Description = "Only write or remove files; print the systemctl / sc.exe start and stop commands instead of running them." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Change nothing: print the unit and the commands that would run." };
        var configDir = new Option<string>("--config-dir") { Description = $"Folder for pipshield.json on Linux (default {SystemdUnit.ConfigurationDirectory}, where the unit reads it).", DefaultValueFactory = _ => SystemdUnit.ConfigurationDirectory };
        var listen = new Option<string[]>("--listen") { Description = $"Address and port to answer on, written into a new pipshield.json (repeatable; default {string.Join(" and ", StarterConfig.DefaultListen)}). An existing file is kept." };
        var firewall = new Option<bool>("--firewall") { Description = "Let the service load its firewall rules (Linux: CAP_NET_ADMIN); Firewall:Enabled turns them on." };
        var command = new Command(name, description) { unitDir, configDir, noStart, dryRun };
        if (install)
        {
            command.Options.Add(listen);
            command.Options.Add(firewall);
        }

        command.SetAction(parseResult =>
        {
            var options = new InstallOptions
            {
                UnitDirectory = parseResult.GetValue(unitDir)!,
                NoStart = parseResult.GetValue(noStart),
                DryRun = parseResult.GetValue(dryRun),
                ConfigDirectory = parseResult.GetValue(configDir)!,
                Listen = parseResult.GetValue(listen) is { Length: > 0 } endPoints ? endPoints : StarterConfig.DefaultListen,
                Firewall = install && parseResult.GetValue(firewall),
            };
            return Run(options, console, context, install);
        });
        return command;
    }

    private static int Run(InstallOptions options, CliConsole console, InstallContext context, bool install)
    {
        try
        {
            if (OperatingSystem.IsWindows())
            {
                string data = Path.Join(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "PipShield");
                var windows = new WindowsInstaller(context, console.Out, data);
                (install ? (Action<InstallOptions>)windows.Install : windows.Uninstall)(options);
            }
            else if (OperatingSystem.IsLinux())
            {
                var systemd = new SystemdInstaller(context, console.Out);
                (install ? (Action<InstallOptions>)systemd.Install : systemd.Uninstall)(options);
            }
            else
            {
                return console.Fail("service install and uninstall support Linux (systemd) and Windows only");
            }

            return ExitCodes.Success;
        }
        catch (Exception ex) when (ex is InstallException)
        {
            return console.Fail(ex.Message);
        }
        catch (Exception ex) when (CliFiles.IsFileError(ex))
        {
            return console.Fail($"{ex.GetType().Name}: {ex.Message}");
        }
    }
}
