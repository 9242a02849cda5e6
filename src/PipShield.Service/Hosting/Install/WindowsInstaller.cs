namespace PipShield.Service.Hosting.Install;

/// <summary>Registers or removes the Windows service with <c>sc.exe</c>, printing each step to <paramref name="output"/>.</summary>
internal sealed class WindowsInstaller(InstallContext context, TextWriter output, string dataFolder)
{
    /// <summary>sc.exe's exit code when the service is not running (ERROR_SERVICE_NOT_ACTIVE).</summary>
    private const int ServiceNotActive = 1062;

    /// <summary>sc.exe's exit code when there is no such service (ERROR_SERVICE_DOES_NOT_EXIST).</summary>
    private const int ServiceDoesNotExist = 1060;

    /// <exception cref="InstallException">Not an Administrator, or a failed step.</exception>
    public void Install(InstallOptions options)
    {
        var commands = new WindowsServiceCommands(context.Program(), dataFolder);
        StarterConfig.RequireEndPoints(options.Listen);
        if (options.DryRun)
        {
            output.WriteLine($"Would create {commands.StateDirectory} and, when absent, {commands.ConfigFile}");
            foreach (ExternalCommand command in commands.Install())
            {
                output.WriteLine($"Would run: {command}");
            }

            output.WriteLine($"Would run: {commands.Start}");
            return;
        }

        RequirePrivilege("install");
        Directory.CreateDirectory(commands.StateDirectory);
        output.WriteLine($"Created {commands.StateDirectory}");
        StarterConfig.WriteIfAbsent(commands.ConfigFile, StarterConfig.Render(options.Listen, commands.StateDirectory), output);

        foreach (ExternalCommand command in commands.Install())
        {
            Run(command);
        }

        if (options.NoStart)
        {
            output.WriteLine($"Skipped (--no-start): {commands.Start}");
        }
        else
        {
            Run(commands.Start);
        }
    }

    /// <exception cref="InstallException">Not an Administrator, or a failed step.</exception>
    public void Uninstall(InstallOptions options)
    {
        var commands = new WindowsServiceCommands(context.Program(), dataFolder);
        if (options.DryRun)
        {
            output.WriteLine($"Would run: {commands.Stop}");
            output.WriteLine($"Would run: {commands.Delete}");
            return;
        }

        RequirePrivilege("uninstall");
        CommandResult stop = context.Runner.Run(commands.Stop);
        if (stop.Succeeded || stop.ExitCode is ServiceNotActive or ServiceDoesNotExist)
        {
            output.WriteLine($"Ran {commands.Stop}");
        }
        else
        {
            throw new InstallException($"'{commands.Stop}' failed (exit {stop.ExitCode}): {CliText(stop.Output)}");
        }

        CommandResult delete = context.Runner.Run(commands.Delete);
        if (delete.ExitCode == ServiceDoesNotExist)
        {
            output.WriteLine($"Nothing to remove: no service named {WindowsServiceCommands.ServiceName}");
        }
        else if (delete.Succeeded)
        {
            output.WriteLine($"Ran {commands.Delete}");
        }
        else
        {
            throw new InstallException($"'{commands.Delete}' failed (exit {delete.ExitCode}): {CliText(delete.Output)}");
        }

        output.WriteLine($"Left {dataFolder} in place (your configuration and the compiled lists)");
    }

    private void RequirePrivilege(string action)
    {
        if (!context.IsPrivileged())
        {
            throw new InstallException($"service {action} changes system services and needs an elevated Administrator prompt");
        }
    }

    private void Run(ExternalCommand command)
    {
        CommandResult result = context.Runner.Run(command);
        if (!result.Succeeded)
        {
            throw new InstallException($"'{command}' failed (exit {result.ExitCode}): {CliText(result.Output)}");
        }

        output.WriteLine($"Ran {command}");
    }

    private static string CliText(string text) => text.ReplaceLineEndings(" ");
}
