using System.ComponentModel;
using System.Diagnostics;

namespace PipShield.Service.Hosting.Install;

/// <summary>Runs commands as child processes, waiting at most <see cref="Timeout"/> for each.</summary>
internal sealed class ProcessCommandRunner : ICommandRunner
{
    /// <summary>Enough for <c>systemctl enable --now</c>, which waits for the service to report ready.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public CommandResult Run(ExternalCommand command)
    {
        var start = new ProcessStartInfo(command.Program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in command.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using Process process = Process.Start(start) ?? throw new Win32Exception("the process did not start");
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                return new CommandResult(-1, $"no answer after {Timeout.TotalSeconds:F0} s; stopped it");
            }

            return new CommandResult(process.ExitCode, (stdout.GetAwaiter().GetResult() + stderr.GetAwaiter().GetResult()).Trim());
        }
        catch (Win32Exception ex)
        {
            return new CommandResult(-1, $"cannot run {command.Program}: {ex.Message}");
        }
    }
}
