using System.CommandLine;

namespace PipShield.Service.Cli;

/// <summary>The <c>pipshield</c> command line: <c>run</c> (the default), <c>compile</c>, <c>check</c>, <c>inspect</c>, <c>config</c> and <c>service</c>.</summary>
public static class PipShieldCli
{
    /// <summary>
    /// Parses <paramref name="args"/> and runs the command, in-process. Help and results go to
    /// <paramref name="stdout"/>, progress and errors to <paramref name="stderr"/>; <c>check</c> reads names from
    /// <paramref name="stdin"/> when none are given. <paramref name="stdout"/> is flushed before returning.
    /// </summary>
    /// <returns>An exit code from <see cref="ExitCodes"/>; never throws for bad arguments or files.</returns>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, TextReader stdin)
    {
        ArgumentNullException.ThrowIfNull(args);
        var console = new CliConsole(stdout, stderr, stdin);
        var root = new RootCommand("PipShield protective DNS: run the resolver, compile block and allow lists into an image, and look names up in it.")
        {
            RunCommand.Create(console),
            CompileCommand.Create(console),
            CheckCommand.Create(console),
            InspectCommand.Create(console),
            ConfigCommand.Create(console),
            FeedsCommand.Create(console),
            ServiceCommand.Create(console),
            BlockPageCommand.Create(console),
            FirewallCommand.Create(console),
            AlertsCommand.Create(console),
            DevicesCommand.Create(console),
        };

        try
        {
            if (args.Length == 0)
            {
                args = ["run"]; // the service on its embedded default configuration
            }

            ParseResult parsed = root.Parse(args);
            if (parsed.Errors.Count > 0)
            {
                // One line, like every other failure; --help shows the usage.
                string errors = string.Join("; ", parsed.Errors.Select(e => e.Message.TrimEnd('.')));
                return console.Fail($"{errors} (see --help)");
            }

            // The commands catch their expected failures; the default handler would print a stack trace for the rest.
            return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex)
        {
            return console.Fail($"unexpected {ex.GetType().Name}: {ex.Message}");
        }
        finally
        {
            stdout.Flush();
        }
    }
}
