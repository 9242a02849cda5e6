using System.ComponentModel;
using System.Diagnostics;

namespace PipShield.Service.Firewall;

/// <summary>The result of running a firewall tool (nft, PowerShell): how it ended, its output, and its first error line.</summary>
internal sealed record ToolRun(ToolOutcome Outcome, int ExitCode, string Output, string Error)
{
    /// <summary>True when the tool ran and exited 0.</summary>
    public bool Succeeded => Outcome == ToolOutcome.Succeeded;

    /// <summary>One line saying what went wrong, for logs and the CLI; empty on success.</summary>
    public string Problem => Outcome switch
    {
        ToolOutcome.Succeeded => string.Empty,
        ToolOutcome.NotFound => Error,
        ToolOutcome.TimedOut => Error,
        _ => $"exit code {ExitCode}: {FirstLine(Error)}",
    };

    /// <summary>Runs <paramref name="program"/> with <paramref name="arguments"/>, writes <paramref name="input"/> to its
    /// standard input, and waits at most <paramref name="timeout"/>; a tool still running then is killed.</summary>
    /// <remarks>Never throws for a missing program, a failure or a timeout: those come back as the outcome.</remarks>
    public static async Task<ToolRun> RunAsync(string program, IEnumerable<string> arguments, string? input, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            return new ToolRun(ToolOutcome.NotFound, -1, string.Empty, $"cannot run {program}: {ex.Message}");
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        Task<string> output = process.StandardOutput.ReadToEndAsync(deadline.Token);
        Task<string> error = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            try
            {
                if (input is not null)
                {
                    await process.StandardInput.WriteAsync(input.AsMemory(), deadline.Token).ConfigureAwait(false);
                }

                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The tool exited before reading everything (a syntax error early on): its exit code and error say why.
            }

            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            return new ToolRun(process.ExitCode == 0 ? ToolOutcome.Succeeded : ToolOutcome.Failed, process.ExitCode,
                await output.ConfigureAwait(false), await error.ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited on its own in the meantime.
            }

            cancellationToken.ThrowIfCancellationRequested();
            return new ToolRun(ToolOutcome.TimedOut, -1, string.Empty, $"{program} did not finish within {timeout.TotalSeconds:F0} s and was stopped");
        }
    }

    private static string FirstLine(string text)
    {
        foreach (string line in text.Split('\n'))
        {
            if (line.Trim() is { Length: > 0 } trimmed)
            {
                return trimmed;
            }
        }

        return "no error message";
    }
}
